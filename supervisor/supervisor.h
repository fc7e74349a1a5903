/*
 * supervisor.h: the private header of connectord, grouped by the file that implements each part.
 *
 * Invariants of the whole supervisor (see connectord.c for the full statement):
 *   - one thread runs all supervision (libevent loop); nng's own threads only move bus bytes;
 *   - a worker record exists for every wanted instance; its pid is non-zero exactly while a process
 *     of it exists (not yet reaped), and that process leads its own process group (pgid == pid);
 *   - every transition of a worker goes through worker_dispatch() and its state x event table.
 */
#ifndef CONNECTOR_SUPERVISOR_H
#define CONNECTOR_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "backoff.h"

struct event;
struct event_base;

#define SV_MAX_LISTEN 16
#define SV_PATH_MAX   512

enum worker_state { WS_DOWN, WS_STARTING, WS_READY, WS_BACKOFF, WS_STOPPING, WS_FAILED, WS_STATE_COUNT };
enum worker_event {
	WE_START,     /* the worker is wanted up */
	WE_READY,     /* READY line */
	WE_HEARTBEAT, /* HEARTBEAT line */
	WE_EXIT,      /* the process was reaped (status in last_status) */
	WE_TIMEOUT,   /* the state's deadline passed */
	WE_STOP,      /* the worker is wanted down */
	WE_RESTART,   /* restart now, forgetting backoff and failure */
	WE_EVENT_COUNT
};

struct module;

struct worker {
	struct module *module;
	int index; /* 1-based */
	enum worker_state state;
	pid_t pid;
	int notify_fd; /* read end of the notify pipe, -1 when closed */
	struct event *notify_event;
	struct event *timer;
	char line[300];
	size_t line_len;
	int64_t started_mono, last_heartbeat_mono;
	int64_t ready_since_wall; /* epoch ms, 0 when not ready */
	int spawns;               /* restarts = spawns - 1 */
	bool has_exit;
	int last_status; /* wait status of the last exit */
	char status_text[256];
	char message[256];
	bool restart_after_stop;
	bool restart_pending; /* rolling restart: waits until no sibling is stopping or starting */
	bool retired;         /* stop and drop (module shrank or was disabled) */
	bool killed;          /* SIGKILL already sent to this process */
	struct backoff_state backoff;
};

struct module {
	const char *name;
	const char *role;
	bool listens; /* gets the HTTP listening sockets */
	bool enabled;
	bool available; /* the binary exists */
	char message[256];
	int wanted; /* instances wanted (0 when disabled) */
	struct worker **workers;
	int worker_count, worker_capacity;
};

struct sv_settings {
	struct backoff_policy policy;
	int64_t grace_ms, heartbeat_interval_ms, heartbeat_timeout_ms, ready_timeout_ms;
};

enum sv_phase { PHASE_STARTING, PHASE_MIGRATING, PHASE_RUNNING, PHASE_STOPPING };

struct supervisor {
	struct event_base *base;
	enum sv_phase phase;
	json_object *config;
	int generation;
	struct sv_settings settings;
	char config_source[SV_PATH_MAX]; /* --config, NULL-able: "" when none */
	char runtime_dir[SV_PATH_MAX / 2], config_path[SV_PATH_MAX], pid_path[SV_PATH_MAX];
	char control_url[SV_PATH_MAX + 16], bus_push_url[SV_PATH_MAX + 16], bus_sub_url[SV_PATH_MAX + 16];
	struct module *modules;
	int module_count;
	int listen_fds[SV_MAX_LISTEN];
	int listen_count;
	char listen_names[SV_MAX_LISTEN][64];
	char listen_host[256];
	int listen_port;
	int64_t started_wall;
	int exit_code;
	bool sd_ready_sent;
	pid_t migrate_pid;
};

extern struct supervisor *sv;

/* connectord.c */
void sv_state_changed(void);
void sv_begin_shutdown(int exit_code);
/* Moves from starting/migrating to running: every wanted worker is started. */
void sv_start_workers(void);
/* Reloads the configuration file; returns NULL on success, else a malloc'd report. */
char *sv_reload(void);

/* worker_fsm.c */
const char *worker_state_name(enum worker_state state);
void worker_dispatch(struct worker *w, enum worker_event event);
struct worker *worker_new(struct module *m, int index);
void worker_free(struct worker *w);
struct worker *worker_by_pid(pid_t pid);
void worker_reap_children(void);

/* spawn.c */
bool spawn_worker(struct worker *w, char *error, size_t error_len);
pid_t spawn_oneshot(const char *role, char *error, size_t error_len);
void spawn_close_notify(struct worker *w);
bool spawn_binary_path(const char *role, char *path, size_t len);

/* modules.c */
void modules_init(void);
void modules_apply_config(json_object *config, bool restart_changed, json_object *previous);
struct module *module_by_name(const char *name);
const char *module_state_name(const struct module *m);
void modules_start_all(void);
void modules_stop_all(void);
bool modules_all_down(void);
int modules_running_processes(void);
void modules_drop_retired(void);
/* Restarts a module's instances one at a time, each after the previous one is ready again. */
void modules_restart_rolling(struct module *m);
void modules_roll(void);
void modules_free(void);

/* settings.c */
void settings_from_config(json_object *config, struct sv_settings *out);
void settings_runtime_dir(json_object *config, char *out, size_t len);

/* listeners.c */
/* Opens the sockets for host:port; returns the count or -1 with error filled. */
int listeners_open(const char *host, int port, int *fds, char names[][64], int max, char *error, size_t error_len);
void listeners_close(int *fds, int count);

/* runtime.c */
bool runtime_prepare_dir(const char *dir, char *error, size_t error_len);
bool runtime_write_config(const char *path, json_object *config, char *error, size_t error_len);
/* Writes and locks the pid file; returns the fd or -1 (error filled). */
int runtime_write_pidfile(const char *path, char *error, size_t error_len);
void runtime_remove_pidfile(const char *path, int fd);

/* control_server.c */
bool control_server_start(const char *url, char *error, size_t error_len);
void control_server_stop(void);
json_object *status_build(void);
json_object *health_build(void);

/* forwarder.c */
bool forwarder_start(const char *push_url, const char *sub_url, char *error, size_t error_len);
void forwarder_stop(void);

/* sdnotify.c */
void sdnotify_init(void);
void sdnotify_send(const char *text);
void sdnotify_status(void);
void sdnotify_close(void);

/* migrate.c */
void migrate_start(void);
bool migrate_handle_exit(pid_t pid, int status);
/* Signals a running connector-migrate (SIGTERM, or SIGKILL at the end of the grace). */
void migrate_stop(int sig);
void migrate_free(void);

#endif
