/*
 * connectorctl.c: the command-line client of connectord's control socket:
 *   connectorctl [--runtime-dir DIR | --config FILE] [--json] [--timeout MS]
 *                status | health | restart MODULE | reload | stop
 * The socket is $CONNECTOR_CONTROL, else <runtime dir>/control.ipc (from --runtime-dir or the
 * configuration). Exit codes: 0 done (health: healthy), 1 refused / unhealthy, 75 connectord not
 * reachable, 78 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl_deliveries.h"
#include "control.h"
#include "supervisor.h"
#include "worker.h"

extern char **environ;

struct ctl_options {
	const char *runtime_dir;
	const char *config_file;
	bool json;
	int timeout_ms;
	const char *command;
	const char *module;
	int rest_argc; /* "deliveries ...": handed whole to ctl_deliveries() */
	char **rest_argv;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: connectorctl [--runtime-dir DIR | --config FILE] [--json] [--timeout MS]\n"
	             "                    status | health | restart MODULE | reload | stop | deliveries ...\n");
}

static void usage_error(const char *what)
{
	fprintf(stderr, "connectorctl: %s\n", what);
	usage(stderr);
	exit(EXIT_CONFIG);
}

/* Index of a "deliveries" command word (skipping option values), or argc when there is none. */
static int deliveries_position(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--runtime-dir") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--timeout") == 0 ||
		    strcmp(a, "-r") == 0 || strcmp(a, "-c") == 0 || strcmp(a, "-t") == 0) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		return strcmp(a, "deliveries") == 0 ? i : argc;
	}
	return argc;
}

static void parse(int argc, char **argv, struct ctl_options *o)
{
	static const struct option long_options[] = {{"runtime-dir", required_argument, NULL, 'r'},
	                                             {"config", required_argument, NULL, 'c'},
	                                             {"json", no_argument, NULL, 'j'},
	                                             {"timeout", required_argument, NULL, 't'},
	                                             {"help", no_argument, NULL, 'h'},
	                                             {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 5000;
	/* "deliveries" takes its own options: getopt sees only what stands before it. */
	int own_argc = deliveries_position(argc, argv);
	int c;
	while ((c = getopt_long(own_argc, argv, "r:c:jt:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->runtime_dir = optarg;
			break;
		case 'c':
			o->config_file = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			o->timeout_ms = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_CONFIG);
		}
	}
	if (o->timeout_ms <= 0)
		usage_error("--timeout: expected a positive number of milliseconds");
	if (optind >= own_argc && own_argc == argc)
		usage_error("missing command");
	o->command = argv[optind++];
	if (strcmp(o->command, "deliveries") == 0) {
		o->rest_argc = argc - optind + 1;
		o->rest_argv = argv + optind - 1;
		return;
	}
	bool known = false;
	static const char *const commands[] = {"status", "health", "restart", "reload", "stop"};
	for (size_t i = 0; i < 5; i++)
		known = known || strcmp(o->command, commands[i]) == 0;
	if (!known)
		usage_error("unknown command (status, health, restart MODULE, reload, stop, deliveries)");
	if (strcmp(o->command, "restart") == 0) {
		if (optind >= argc)
			usage_error("restart: missing MODULE");
		o->module = argv[optind++];
	}
	if (optind < argc)
		usage_error("too many arguments");
}

static void control_url(const struct ctl_options *o, char *url, size_t len)
{
	const char *env = getenv("CONNECTOR_CONTROL");
	char dir[SV_PATH_MAX];
	if (o->runtime_dir) {
		snprintf(url, len, "ipc://%s/control.ipc", o->runtime_dir);
		return;
	}
	if (env && *env && !o->config_file) {
		snprintf(url, len, "%s", env);
		return;
	}
	struct config_sources sources = {.custom_path = o->config_file, .environment = environ};
	char *error = NULL;
	json_object *config = config_load(&sources, &error);
	if (!config && o->config_file) {
		fprintf(stderr, "connectorctl: %s\n", error ? error : "cannot load the configuration");
		free(error);
		exit(EXIT_CONFIG);
	}
	free(error);
	settings_runtime_dir(config, dir, sizeof(dir));
	json_object_put(config);
	snprintf(url, len, "ipc://%s/control.ipc", dir);
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "-";
}

static void print_worker(json_object *w)
{
	json_object *exit = NULL;
	char last[48] = "-";
	if (json_object_object_get_ex(w, "lastExit", &exit) && exit) {
		json_object *v = NULL;
		if (json_object_object_get_ex(exit, "code", &v))
			snprintf(last, sizeof(last), "code %d", json_object_get_int(v));
		else if (json_object_object_get_ex(exit, "signal", &v))
			snprintf(last, sizeof(last), "SIG%s", json_object_get_string(v));
	}
	printf("  [%s] pid %-8s %-9s ready since %-24s restarts %-4s last exit %-10s %s%s%s\n", str(w, "index"),
	       str(w, "pid"), str(w, "state"), str(w, "readySince"), str(w, "restarts"), last, str(w, "status"),
	       *str(w, "message") ? " " : "", str(w, "message"));
}

static void print_status(json_object *reply)
{
	printf("connectord pid %s, %s since %s, configuration generation %s\n", str(reply, "pid"), str(reply, "state"),
	       str(reply, "startedAt"), str(reply, "configGeneration"));
	json_object *modules = NULL;
	if (!json_object_object_get_ex(reply, "modules", &modules))
		return;
	for (size_t i = 0; i < json_object_array_length(modules); i++) {
		json_object *m = json_object_array_get_idx(modules, i);
		printf("%-44s %-15s %-9s %s\n", str(m, "name"), str(m, "role"), str(m, "state"), str(m, "message"));
		json_object *workers = NULL;
		if (json_object_object_get_ex(m, "workers", &workers))
			for (size_t j = 0; j < json_object_array_length(workers); j++)
				print_worker(json_object_array_get_idx(workers, j));
	}
}

static int report(const struct ctl_options *o, json_object *reply)
{
	json_object *v = NULL;
	if (o->json)
		printf("%s\n",
		       json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (strcmp(o->command, "status") == 0) {
		if (!o->json)
			print_status(reply);
		return 0;
	}
	if (strcmp(o->command, "health") == 0) {
		bool healthy = json_object_object_get_ex(reply, "healthy", &v) && json_object_get_boolean(v);
		if (!o->json)
			printf("%s\n", healthy ? "healthy" : "unhealthy");
		return healthy ? 0 : 1;
	}
	bool ok = json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v);
	if (!ok) {
		fprintf(stderr, "connectorctl: %s: %s\n", o->command, str(reply, "error"));
		return 1;
	}
	if (!o->json)
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl_options o;
	parse(argc, argv, &o);
	if (o.rest_argv)
		return ctl_deliveries(o.runtime_dir, o.config_file, o.json, o.rest_argc, o.rest_argv);
	char url[SV_PATH_MAX + 32];
	control_url(&o, url, sizeof(url));
	json_object *request = json_object_new_object();
	json_object_object_add(request, "command", json_object_new_string(o.command));
	if (o.module)
		json_object_object_add(request, "module", json_object_new_string(o.module));
	char *text = NULL;
	int rv = control_request(url, json_object_to_json_string(request), o.timeout_ms, &text);
	json_object_put(request);
	if (rv != 0) {
		fprintf(stderr, "connectorctl: cannot reach connectord at %s: %s\n", url, control_strerror(rv));
		return EXIT_TEMPFAIL;
	}
	json_object *reply = json_tokener_parse(text);
	free(text);
	if (!reply) {
		fprintf(stderr, "connectorctl: connectord sent a reply that is not JSON\n");
		return 1;
	}
	int code = report(&o, reply);
	json_object_put(reply);
	return code;
}
