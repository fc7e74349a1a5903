/*
 * connectord.c: the supervisor process: options, start-up, signals, reload and shutdown.
 *
 * Invariants (after PostgreSQL's postmaster):
 *   - connectord never opens a database connection, never talks to the Backbone and never parses a
 *     bus payload; it forks workers (one process per worker instance), watches them and answers the
 *     control socket. It is kept simple so that it outlives any worker.
 *   - One thread runs everything (libevent: signals, child exits, notify pipes, timers, control
 *     requests); nothing in it blocks on a worker. nng's threads only forward bus bytes.
 *   - A configuration is validated completely before it replaces the running one; a bad file at
 *     start exits 78, a bad file on reload is reported and the old configuration stays in force.
 *   - Exit codes: 0 stopped, 78 configuration or usage error (do not restart), 75 temporary failure
 *     (runtime directory, port, pid file), 1 internal error. Documented in doc/connectord.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buildconfig.h" /* autoconf: PACKAGE_VERSION */
#include "config.h"
#include "log.h"
#include "supervisor.h"
#include "timeutil.h"
#include "worker.h"

extern char **environ;

static struct supervisor the_supervisor;
struct supervisor *sv = &the_supervisor;

static struct event *changed_event;
static struct event *stop_deadline; /* the grace is over: SIGKILL whatever is left (migrate too) */
static struct event *signal_events[4];
static int pidfile_fd = -1;

struct options {
	const char *config_file;
	bool check_only;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: connectord [--config FILE] [--check-config] [--foreground] [--help] [--version]\n"
	             "  --config FILE    custom configuration file (else CUSTOM_CONFIG_LOCATION)\n"
	             "  --check-config   validate the configuration, print the problems, exit 0 or 78\n"
	             "  --foreground     run in the foreground (the default; no daemonising)\n"
	             "exit codes: 0 stopped, 78 configuration error, 75 temporary failure, 1 internal error\n");
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option long_options[] = {
	        {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 'n'},
	        {"foreground", no_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
	memset(opt, 0, sizeof(*opt));
	int c;
	while ((c = getopt_long(argc, argv, "c:nfhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config_file = optarg;
			break;
		case 'n':
			opt->check_only = true;
			break;
		case 'f':
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("connectord %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_CONFIG);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "connectord: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		exit(EXIT_CONFIG);
	}
}

/* Loads and validates; returns NULL with *report set (malloc'd) when the configuration is unusable. */
static json_object *load_config(const char *file, char **report)
{
	struct config_sources sources = {.defaults_path = NULL, .custom_path = file, .environment = environ};
	*report = NULL;
	json_object *config = config_load(&sources, report);
	if (!config)
		return NULL;
	if (config_validate(config, report) > 0) {
		json_object_put(config);
		return NULL;
	}
	free(*report);
	*report = NULL;
	return config;
}

/* logging.level, logging.format and debug (which forces at least DEBUG). */
static void apply_logging(json_object *config)
{
	enum log_level level = LOG_LEVEL_INFO;
	if (!log_level_from_string(config_get_string(config, "logging.level", "info"), &level))
		level = LOG_LEVEL_INFO;
	if (config_get_bool(config, "debug", false) && level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	log_set_level(level);
	const char *format = config_get_string(config, "logging.format", "human");
	log_set_format(strcmp(format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_HUMAN);
}

/* Every non-retired worker is ready or failed: startup has settled. */
static bool startup_settled(void)
{
	for (int i = 0; i < sv->module_count; i++)
		for (int j = 0; j < sv->modules[i].worker_count; j++) {
			const struct worker *w = sv->modules[i].workers[j];
			if (!w->retired && w->state != WS_READY && w->state != WS_FAILED)
				return false;
		}
	return true;
}

static void on_changed(evutil_socket_t fd, short what, void *arg)
{
	modules_drop_retired();
	modules_roll();
	if (sv->phase == PHASE_STOPPING) {
		if (modules_all_down() && sv->migrate_pid == 0)
			event_base_loopexit(sv->base, NULL);
		return;
	}
	sdnotify_status();
	if (sv->phase == PHASE_RUNNING && !sv->sd_ready_sent && startup_settled()) {
		sv->sd_ready_sent = true;
		sdnotify_send("READY=1");
		log_info("Supervisor", "startup complete");
	}
}

void sv_state_changed(void)
{
	event_active(changed_event, EV_TIMEOUT, 0);
}

void sv_start_workers(void)
{
	sv->phase = PHASE_RUNNING;
	modules_start_all();
	sv_state_changed();
}

/* SIGKILLs the process group of every child still alive. */
static void kill_everything(void)
{
	migrate_stop(SIGKILL);
	for (int i = 0; i < sv->module_count; i++)
		for (int j = 0; j < sv->modules[i].worker_count; j++)
			if (sv->modules[i].workers[j]->pid > 0)
				kill(-sv->modules[i].workers[j]->pid, SIGKILL);
}

static void on_stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	if (!modules_all_down() || sv->migrate_pid > 0) {
		log_warn("Supervisor", "grace of %lld ms over: killing what is left", (long long)sv->settings.grace_ms);
		kill_everything();
	}
}

void sv_begin_shutdown(int exit_code)
{
	if (sv->phase == PHASE_STOPPING)
		return;
	log_info("Supervisor", "stopping (grace %lld ms)", (long long)sv->settings.grace_ms);
	sdnotify_send("STOPPING=1");
	sv->phase = PHASE_STOPPING;
	sv->exit_code = exit_code;
	migrate_stop(SIGTERM);
	modules_stop_all();
	struct timeval grace = {(time_t)(sv->settings.grace_ms / 1000),
	                        (suseconds_t)((sv->settings.grace_ms % 1000) * 1000)};
	evtimer_add(stop_deadline, &grace);
	sv_state_changed();
}

static bool reopen_listeners_if_needed(json_object *config, char *error, size_t error_len)
{
	bool wanted = config_module_enabled(config, "coreHttpApi") &&
	              config_get_bool(config, "infrastructure.httpServer.enabled", true);
	const char *host = config_get_string(config, "infrastructure.httpServer.host", "localhost");
	int port = (int)config_get_int(config, "infrastructure.httpServer.port", 80);
	if (!wanted) {
		listeners_close(sv->listen_fds, sv->listen_count);
		sv->listen_count = 0;
		return true;
	}
	if (sv->listen_count > 0 && strcmp(host, sv->listen_host) == 0 && port == sv->listen_port)
		return true;
	int fds[SV_MAX_LISTEN];
	char names[SV_MAX_LISTEN][64];
	int count = listeners_open(host, port, fds, names, SV_MAX_LISTEN, error, error_len);
	if (count < 0)
		return false;
	listeners_close(sv->listen_fds, sv->listen_count);
	memcpy(sv->listen_fds, fds, sizeof(fds));
	memcpy(sv->listen_names, names, sizeof(names));
	sv->listen_count = count;
	snprintf(sv->listen_host, sizeof(sv->listen_host), "%s", host);
	sv->listen_port = port;
	for (int i = 0; i < count; i++)
		log_info("Supervisor", "listening on %s", names[i]);
	return true;
}

static char *report_of(const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		fatal(1, "strdup");
	return copy;
}

char *sv_reload(void)
{
	if (sv->phase == PHASE_STOPPING)
		return report_of("connectord is stopping");
	log_info("Supervisor", "reloading the configuration");
	sdnotify_send("RELOADING=1");
	char *report = NULL;
	char error[512];
	json_object *config = load_config(sv->config_source[0] ? sv->config_source : NULL, &report);
	if (config && !reopen_listeners_if_needed(config, error, sizeof(error)))
		report = report_of(error);
	else if (config && !runtime_write_config(sv->config_path, config, error, sizeof(error)))
		report = report_of(error);
	if (report) {
		log_error("Supervisor", "reload refused, the running configuration stays in force:\n%s", report);
		json_object_put(config);
		sdnotify_send("READY=1");
		return report;
	}
	json_object *previous = sv->config;
	sv->config = config;
	sv->generation++;
	settings_from_config(config, &sv->settings);
	apply_logging(config);
	modules_apply_config(config, true, previous);
	json_object_put(previous);
	log_info("Supervisor", "configuration generation %d in force", sv->generation);
	sdnotify_send("READY=1");
	sv_state_changed();
	return NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGCHLD) {
		worker_reap_children();
	} else if (sig == SIGHUP) {
		free(sv_reload());
	} else if (sv->phase == PHASE_STOPPING) {
		log_warn("Supervisor", "second stop signal: killing every worker now");
		kill_everything();
	} else {
		log_info("Supervisor", "signal %d", (int)sig);
		sv_begin_shutdown(0);
	}
}

static void setup_events(void)
{
	static const int signals[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT};
	signal(SIGPIPE, SIG_IGN);
	sv->base = event_base_new();
	if (!sv->base)
		fatalx(1, "event_base_new failed");
	changed_event = event_new(sv->base, -1, 0, on_changed, NULL);
	stop_deadline = evtimer_new(sv->base, on_stop_deadline, NULL);
	if (!changed_event || !stop_deadline)
		fatalx(1, "event_new failed");
	for (int i = 0; i < 4; i++) {
		signal_events[i] = evsignal_new(sv->base, signals[i], on_signal, NULL);
		if (!signal_events[i] || event_add(signal_events[i], NULL) < 0)
			fatalx(1, "cannot handle signal %d", signals[i]);
	}
}

static void fail_temporary(const char *what)
{
	log_error("Supervisor", "%s", what);
	fprintf(stderr, "connectord: %s\n", what);
	exit(EXIT_TEMPFAIL);
}

static void prepare_runtime(void)
{
	char error[512];
	settings_runtime_dir(sv->config, sv->runtime_dir, sizeof(sv->runtime_dir));
	if (!runtime_prepare_dir(sv->runtime_dir, error, sizeof(error)))
		fail_temporary(error);
	const char *pidfile = config_get_string(sv->config, "supervisor.pidFile", NULL);
	if (pidfile && *pidfile)
		snprintf(sv->pid_path, sizeof(sv->pid_path), "%s", pidfile);
	else
		snprintf(sv->pid_path, sizeof(sv->pid_path), "%s/connectord.pid", sv->runtime_dir);
	snprintf(sv->config_path, sizeof(sv->config_path), "%s/config.json", sv->runtime_dir);
	snprintf(sv->control_url, sizeof(sv->control_url), "ipc://%s/control.ipc", sv->runtime_dir);
	snprintf(sv->bus_push_url, sizeof(sv->bus_push_url), "ipc://%s/bus-push.ipc", sv->runtime_dir);
	snprintf(sv->bus_sub_url, sizeof(sv->bus_sub_url), "ipc://%s/bus-sub.ipc", sv->runtime_dir);
	if ((pidfile_fd = runtime_write_pidfile(sv->pid_path, error, sizeof(error))) < 0)
		fail_temporary(error);
	if (!runtime_write_config(sv->config_path, sv->config, error, sizeof(error)) ||
	    !reopen_listeners_if_needed(sv->config, error, sizeof(error)) ||
	    !forwarder_start(sv->bus_push_url, sv->bus_sub_url, error, sizeof(error)) ||
	    !control_server_start(sv->control_url, error, sizeof(error))) {
		unlink(sv->config_path);
		runtime_remove_pidfile(sv->pid_path, pidfile_fd);
		fail_temporary(error);
	}
}

static void cleanup(void)
{
	control_server_stop();
	forwarder_stop();
	listeners_close(sv->listen_fds, sv->listen_count);
	sv->listen_count = 0;
	modules_free();
	migrate_free();
	sdnotify_close();
	unlink(sv->config_path);
	runtime_remove_pidfile(sv->pid_path, pidfile_fd);
	for (int i = 0; i < 4; i++)
		event_free(signal_events[i]);
	event_free(changed_event);
	event_free(stop_deadline);
	event_base_free(sv->base);
	json_object_put(sv->config);
}

int main(int argc, char **argv)
{
	struct options opt;
	parse_options(argc, argv, &opt);
	log_set_process("supervisor", 0);
	char *report = NULL;
	sv->config = load_config(opt.config_file, &report);
	if (!sv->config) {
		fprintf(stderr, "connectord: configuration error:\n%s\n", report ? report : "(no details)");
		free(report);
		return EXIT_CONFIG;
	}
	if (opt.check_only) {
		printf("configuration OK\n");
		json_object_put(sv->config);
		return 0;
	}
	apply_logging(sv->config);
	snprintf(sv->config_source, sizeof(sv->config_source), "%s", opt.config_file ? opt.config_file : "");
	settings_from_config(sv->config, &sv->settings);
	sv->generation = 1;
	sv->started_wall = time_wall_ms();
	setup_events();
	modules_init();
	prepare_runtime();
	sdnotify_init();
	modules_apply_config(sv->config, false, NULL);
	log_info("Supervisor", "connectord %s pid %ld, runtime directory %s", PACKAGE_VERSION, (long)getpid(),
	         sv->runtime_dir);
	if (config_get_string(sv->config, "database.connectionString", NULL) &&
	    *config_get_string(sv->config, "database.connectionString", ""))
		migrate_start();
	else
		sv_start_workers();
	if (event_base_dispatch(sv->base) < 0)
		fatalx(1, "event loop failed");
	int code = sv->exit_code;
	log_info("Supervisor", "stopped");
	cleanup();
	return code;
}
