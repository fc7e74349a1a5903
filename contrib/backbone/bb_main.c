/*
 * bb_main.c: connector-backbone-dev, a local enmeshed Backbone for development and tests only.
 * Parses the command line (bad arguments exit 78 naming the flag), connects to PostgreSQL and
 * applies the schema, binds the HTTP port, prints "listening on http://HOST:PORT" as the first
 * line of stdout, and runs the event loop until SIGINT/SIGTERM.
 */
#include "bb.h"

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define EXIT_CONFIG 78

static void usage(FILE *out)
{
	fputs("usage: connector-backbone-dev [options]\n"
	      "A local enmeshed Backbone for DEVELOPMENT AND TESTS ONLY (Consumer API v2 subset).\n\n"
	      "  --listen HOST:PORT       address to bind (default 127.0.0.1:8090; port 0 picks a free one)\n"
	      "  --database CONNINFO      libpq connection string (required; env BACKBONE_DATABASE)\n"
	      "  --schema NAME            PostgreSQL schema for the state (default backbone)\n"
	      "  --client ID:SECRET       an OAuth client; repeatable (default test:test)\n"
	      "  --address-domain DOMAIN  did:e domain of identity addresses (default localhost)\n"
	      "  --max-body BYTES         largest request body (default 20971520)\n"
	      "  --max-file-size BYTES    largest uploaded file content, i.e. the cipher (default 10485760,\n"
	      "                           the real Backbone's); when given, raises --max-body to fit it\n"
	      "  --token-lifetime SECS    access token lifetime, 60-3600 (default 300)\n"
	      "  --sse-keepalive SECS     keep-alive interval of SSE streams (default 20)\n"
	      "  --max-recipients N       most recipients of one message (default 20)\n"
	      "  --log-level LEVEL        trace, debug, info (default: one line per request), warn, error\n"
	      "  --help, --version\n",
	      out);
}

static void bad(const char *flag, const char *why)
{
	fprintf(stderr, "connector-backbone-dev: %s: %s\n", flag, why);
	exit(EXIT_CONFIG);
}

static long parse_num(const char *flag, const char *v, long min, long max)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < min || n > max) {
		char why[96];
		snprintf(why, sizeof why, "'%s' is not a number between %ld and %ld", v, min, max);
		bad(flag, why);
	}
	return n;
}

static void parse_listen(struct bb_config *c, char *v)
{
	char *colon = strrchr(v, ':');
	if (!colon || colon == v)
		bad("--listen", "expected HOST:PORT");
	*colon = '\0';
	c->port = (int)parse_num("--listen", colon + 1, 0, 65535);
	size_t n = strlen(v);
	if (v[0] == '[' && n > 2 && v[n - 1] == ']') { /* [::1]:PORT */
		v[n - 1] = '\0';
		v++;
	}
	c->listen_host = v;
}

static void parse_log_level(const char *v)
{
	enum log_level level;
	if (!log_level_from_string(v, &level))
		bad("--log-level", "expected trace, debug, info, warn, error or fatal");
	log_set_level(level);
}

static void parse_client(struct bb_config *c, char *v)
{
	char *colon = strchr(v, ':');
	if (!colon || colon == v || !colon[1])
		bad("--client", "expected ID:SECRET");
	if (c->nclients == BB_MAX_CLIENTS)
		bad("--client", "too many clients");
	*colon = '\0';
	c->clients[c->nclients++] = (struct bb_client){v, colon + 1};
}

static bool schema_valid(const char *s)
{
	if (!*s || strlen(s) > 60 || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static void parse_args(int argc, char **argv, struct bb_config *c)
{
	static const struct option opts[] = {{"listen", 1, 0, 'l'},         {"database", 1, 0, 'd'},
	                                     {"client", 1, 0, 'c'},         {"address-domain", 1, 0, 'a'},
	                                     {"max-body", 1, 0, 'm'},       {"max-file-size", 1, 0, 'f'},
	                                     {"token-lifetime", 1, 0, 't'}, {"sse-keepalive", 1, 0, 'k'},
	                                     {"max-recipients", 1, 0, 'r'}, {"schema", 1, 0, 's'},
	                                     {"log-level", 1, 0, 'L'},      {"help", 0, 0, 'h'},
	                                     {"version", 0, 0, 'V'},        {0, 0, 0, 0}};
	static char default_listen[] = "127.0.0.1:8090";
	*c = (struct bb_config){.domain = "localhost",
	                        .max_body = 20 * 1024 * 1024,
	                        .max_file_size = 10 * 1024 * 1024,
	                        .token_lifetime = 300,
	                        .sse_keepalive = 20,
	                        .max_recipients = 20,
	                        .schema = "backbone",
	                        .database = getenv("BACKBONE_DATABASE")};
	parse_listen(c, default_listen);
	int ch;
	bool file_size_given = false;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			parse_listen(c, optarg);
			break;
		case 'd':
			c->database = optarg;
			break;
		case 'c':
			parse_client(c, optarg);
			break;
		case 'a':
			c->domain = optarg;
			break;
		case 'm':
			c->max_body = (size_t)parse_num("--max-body", optarg, 1024, 1L << 30);
			break;
		case 'f':
			c->max_file_size = (size_t)parse_num("--max-file-size", optarg, 1, 1L << 30);
			file_size_given = true;
			break;
		case 't':
			c->token_lifetime = (int)parse_num("--token-lifetime", optarg, 60, 3600);
			break;
		case 'k':
			c->sse_keepalive = (int)parse_num("--sse-keepalive", optarg, 1, 3600);
			break;
		case 'r':
			c->max_recipients = (int)parse_num("--max-recipients", optarg, 1, 1000);
			break;
		case 's':
			c->schema = optarg;
			break;
		case 'L':
			parse_log_level(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("connector-backbone-dev %s\n", BB_VERSION);
			exit(0);
		default:
			bad(argv[optind - 1], "unknown option or missing value (see --help)");
		}
	}
	if (optind < argc)
		bad(argv[optind], "unexpected argument");
	if (!c->database || !*c->database)
		bad("--database", "a libpq connection string is required");
	if (!bb_domain_valid(c->domain))
		bad("--address-domain", "must be a lower-case host name such as localhost (no IP address)");
	if (!schema_valid(c->schema))
		bad("--schema", "must be a lower-case SQL identifier");
	if (file_size_given && c->max_body < c->max_file_size + BB_UPLOAD_FRAMING)
		c->max_body = c->max_file_size + BB_UPLOAD_FRAMING;
	if (c->nclients == 0)
		c->clients[c->nclients++] = (struct bb_client){"test", "test"};
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct bb_server *srv = arg;
	log_info("Backbone", "signal %d, stopping", (int)sig);
	bb_sse_close_all(srv);
	event_base_loopexit(srv->base, NULL);
}

static void run(struct bb_server *srv)
{
	srv->base = event_base_new();
	if (!srv->base)
		fatalx(71, "event_base_new failed");
	int port = bb_http_start(srv);
	if (port < 0) {
		fprintf(stderr, "connector-backbone-dev: --listen: cannot bind %s:%d\n", srv->cfg.listen_host,
		        srv->cfg.port);
		exit(EXIT_CONFIG);
	}
	bool v6 = strchr(srv->cfg.listen_host, ':') != NULL;
	printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", srv->cfg.listen_host, v6 ? "]" : "", port);
	fflush(stdout);
	srv->sigint = evsignal_new(srv->base, SIGINT, on_signal, srv);
	srv->sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv);
	event_add(srv->sigint, NULL);
	event_add(srv->sigterm, NULL);
	bb_sse_start(srv);
	log_info("Backbone", "development Backbone on port %d, address domain %s", port, srv->cfg.domain);
	event_base_dispatch(srv->base);
}

int main(int argc, char **argv)
{
	struct bb_server srv = {0};
	log_set_process("backbone-dev", 0);
	parse_args(argc, argv, &srv.cfg);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx(71, "sodium_init failed");
	if (!bb_db_connect(&srv)) {
		PQfinish(srv.db);
		fprintf(stderr, "connector-backbone-dev: --database: cannot use the database (see log)\n");
		return 69;
	}
	run(&srv);
	event_free(srv.sigint);
	event_free(srv.sigterm);
	if (srv.keepalive_timer)
		event_free(srv.keepalive_timer);
	evhttp_free(srv.http);
	event_base_free(srv.base);
	PQfinish(srv.db);
	return 0;
}
