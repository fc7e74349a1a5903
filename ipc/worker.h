/*
 * worker.h: the contract between connectord (the supervisor) and every worker process.
 *
 * The supervisor starts a worker as  <libexec>/connector-<role> --index N  with:
 *   fd 3                      write end of the notify pipe (lines below), always present
 *   fd 4 .. 4+n-1             inherited listening sockets (http-api only), n in CONNECTOR_LISTEN_FDS
 *   CONNECTOR_WORKER_ROLE     e.g. "http-api", CONNECTOR_WORKER_MODULE the config module name
 *                             (e.g. "coreHttpApi"), CONNECTOR_WORKER_INDEX (1-based)
 *   CONNECTOR_CONFIG_FILE     the effective, validated configuration written by the supervisor
 *   CONNECTOR_RUNTIME_DIR     private runtime directory (mode 0700): bus, control socket, state files
 *   CONNECTOR_BUS_PUSH        nng url workers publish to (supervisor pulls and forwards)
 *   CONNECTOR_BUS_SUB         nng url workers subscribe to (supervisor's PUB)
 *   CONNECTOR_CONTROL         nng REQ/REP url of the supervisor's control socket
 *   CONNECTOR_HEARTBEAT_MS    interval at which the worker must send HEARTBEAT
 *
 * Notify lines (one write(2) each, '\n'-terminated, at most 256 bytes):
 *   READY                     the worker serves; the supervisor marks it ready
 *   HEARTBEAT                 liveness; missing for supervisor.heartbeatTimeoutMs => SIGKILL + restart
 *   STATUS <text>             free text shown by connectorctl status
 *
 * Exit codes (also used by connectord itself):
 *   0   stopped on request          75 temporary failure, restart with backoff
 *   78  configuration error: do not restart (connectord exits 78 too; systemd
 *       RestartPreventExitStatus=78)     anything else or a signal: crash, restart with backoff
 *
 * A worker stops gracefully on SIGTERM/SIGINT and must exit within supervisor.shutdownGraceMs.
 */
#ifndef CONNECTOR_WORKER_H
#define CONNECTOR_WORKER_H

#include <stdbool.h>

#include <json-c/json.h>

#define WORKER_NOTIFY_FD 3
#define WORKER_FIRST_LISTEN_FD 4

#define EXIT_STOPPED 0
#define EXIT_TEMPFAIL 75
#define EXIT_CONFIG 78

struct event_base;

struct worker_context {
	const char *role;      /* "http-api" */
	const char *module;    /* "coreHttpApi" */
	int index;             /* 1-based */
	json_object *config;   /* the effective configuration (owned by the worker library) */
	const char *runtime_dir;
	const char *bus_push_url;
	const char *bus_sub_url;
	const char *control_url;
	int heartbeat_ms;
	int listen_fd_count;   /* listening sockets start at WORKER_FIRST_LISTEN_FD */
};

/*
 * Reads the environment and arguments, sets the process title to "connectord: <role>[<index>]",
 * names the log lines, loads the configuration file. Exits EXIT_CONFIG when the environment is not
 * that of a supervised worker (a missing variable is named).
 */
void worker_init(struct worker_context *ctx, int argc, char **argv, const char *role);
void worker_notify_ready(void);
void worker_heartbeat(void);
void worker_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * For libevent-based workers: sends HEARTBEAT every heartbeat_ms from the loop (so a stuck loop
 * stops the heartbeats), and makes SIGTERM/SIGINT break the loop. Call once per base.
 */
void worker_attach_event_base(const struct worker_context *ctx, struct event_base *base);
/* True once SIGTERM or SIGINT arrived (for workers with their own loop). */
bool worker_stop_requested(void);
/* Installs SIGTERM/SIGINT handlers that only set the stop flag (non-libevent workers). */
void worker_install_stop_handlers(void);
void worker_cleanup(struct worker_context *ctx);

/* Rewrites the process title shown by ps (argv area); safe to call more than once. */
void proctitle_init(int argc, char **argv);
void proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
