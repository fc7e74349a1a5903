/*
 * worker.c: the worker side of the supervisor contract described in worker.h: environment,
 * process title, readiness, heartbeats and graceful stop.
 */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli_info.h"
#include "log.h"
#include "log_config.h"

static volatile sig_atomic_t stop_requested;
static struct event *heartbeat_event, *sigterm_event, *sigint_event;

static const char *require_env(const char *name)
{
	const char *value = getenv(name);
	if (!value || !*value)
		fatalx(EXIT_CONFIG, "%s is not set: worker binaries are started by connectord", name);
	return value;
}

static void notify_line(const char *line)
{
	size_t len = strlen(line);
	ssize_t n;
	do {
		n = write(WORKER_NOTIFY_FD, line, len);
	} while (n < 0 && errno == EINTR);
	/* EPIPE/EBADF: the supervisor is gone; the worker will be told to stop or orphaned. */
}

void worker_notify_ready(void)
{
	notify_line("READY\n");
}
void worker_heartbeat(void)
{
	notify_line("HEARTBEAT\n");
}

void worker_notify_status(const char *fmt, ...)
{
	char line[256] = "STATUS ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	strcat(line, "\n");
	notify_line(line);
}

static int parse_index(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--index") == 0)
			return atoi(argv[i + 1]);
	const char *env = getenv("CONNECTOR_WORKER_INDEX");
	return env ? atoi(env) : 1;
}

static json_object *load_config_file(const char *path)
{
	json_object *config = json_object_from_file(path);
	if (!config || !json_object_is_type(config, json_type_object))
		fatalx(EXIT_CONFIG, "cannot read the configuration file %s: %s", path, json_util_get_last_err());
	return config;
}

void worker_init(struct worker_context *ctx, int argc, char **argv, const char *role)
{
	char name[64];
	snprintf(name, sizeof(name), "connector-%s", role);
	cli_info_handle(argc, argv, name, "--index N\nA worker process of connectord (role: see connectord(8)).");
	memset(ctx, 0, sizeof(*ctx));
	ctx->role = role;
	ctx->index = parse_index(argc, argv);
	proctitle_init(argc, argv);
	proctitle_set("connectord: %s[%d]", role, ctx->index);
	log_set_process(role, ctx->index);
	signal(SIGPIPE, SIG_IGN);
	const char *module = getenv("CONNECTOR_WORKER_MODULE");
	ctx->module = module ? module : role;
	ctx->runtime_dir = require_env("CONNECTOR_RUNTIME_DIR");
	ctx->bus_push_url = require_env("CONNECTOR_BUS_PUSH");
	ctx->bus_sub_url = require_env("CONNECTOR_BUS_SUB");
	ctx->control_url = require_env("CONNECTOR_CONTROL");
	const char *heartbeat = getenv("CONNECTOR_HEARTBEAT_MS");
	ctx->heartbeat_ms = heartbeat ? atoi(heartbeat) : 1000;
	if (ctx->heartbeat_ms <= 0)
		ctx->heartbeat_ms = 1000;
	const char *listen_fds = getenv("CONNECTOR_LISTEN_FDS");
	ctx->listen_fd_count = listen_fds ? atoi(listen_fds) : 0;
	ctx->config = load_config_file(require_env("CONNECTOR_CONFIG_FILE"));
	char err[256];
	if (!log_configure(ctx->config, err, sizeof(err)))
		fatalx(EXIT_CONFIG, "%s", err);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	worker_heartbeat();
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	stop_requested = 1;
	log_info("Worker", "signal %d: stopping", (int)sig);
	event_base_loopexit((struct event_base *)arg, NULL);
}

void worker_attach_event_base(const struct worker_context *ctx, struct event_base *base)
{
	struct timeval interval = {ctx->heartbeat_ms / 1000, (ctx->heartbeat_ms % 1000) * 1000};
	heartbeat_event = event_new(base, -1, EV_PERSIST, on_heartbeat, NULL);
	sigterm_event = evsignal_new(base, SIGTERM, on_stop_signal, base);
	sigint_event = evsignal_new(base, SIGINT, on_stop_signal, base);
	if (!heartbeat_event || !sigterm_event || !sigint_event)
		fatalx(1, "cannot create worker events");
	event_add(heartbeat_event, &interval);
	event_add(sigterm_event, NULL);
	event_add(sigint_event, NULL);
}

bool worker_stop_requested(void)
{
	return stop_requested != 0;
}

static void set_stop_flag(int sig)
{
	stop_requested = 1;
}

void worker_install_stop_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = set_stop_flag;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void worker_cleanup(struct worker_context *ctx)
{
	if (heartbeat_event)
		event_free(heartbeat_event);
	if (sigterm_event)
		event_free(sigterm_event);
	if (sigint_event)
		event_free(sigint_event);
	heartbeat_event = sigterm_event = sigint_event = NULL;
	if (ctx->config)
		json_object_put(ctx->config);
	ctx->config = NULL;
}
