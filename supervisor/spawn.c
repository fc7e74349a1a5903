/*
 * spawn.c: fork + exec of worker processes with the contract of ipc/worker.h (fds, environment,
 * arguments), and the reading of their notify pipes.
 *
 * Invariants: everything a child needs (argv, envp, fd plan) is built before fork(); between fork()
 * and execve() the child only makes async-signal-safe system calls. Every descriptor the supervisor
 * holds is close-on-exec or closed in the child by close_range(), so a worker inherits exactly
 * fds 0-2, the notify pipe at 3 and (http-api) the listening sockets from 4.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "paths.h"
#include "supervisor.h"
#include "worker.h"

extern char **environ;

#define ENV_EXTRA    16
#define TEMP_FD_BASE 64

struct spawn_plan {
	char path[SV_PATH_MAX];
	char *argv[4];
	char index_text[16];
	char **envp;
	int source_fds[1 + SV_MAX_LISTEN]; /* placed at 3, 4, ... */
	int fd_count;
	pid_t parent;
	sigset_t unblock;
};

bool spawn_binary_path(const char *role, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/connector-%s", paths_libexec_dir(), role);
	return n > 0 && (size_t)n < len && access(path, X_OK) == 0;
}

/* Variables the supervisor owns or that belong to systemd's view of connectord only. */
static bool env_is_ours(const char *entry)
{
	static const char *const names[] = {"CONNECTOR_WORKER_",
	                                    "CONNECTOR_CONFIG_FILE=",
	                                    "CONNECTOR_RUNTIME_DIR=",
	                                    "CONNECTOR_BUS_",
	                                    "CONNECTOR_CONTROL=",
	                                    "CONNECTOR_HEARTBEAT_MS=",
	                                    "CONNECTOR_LISTEN_FDS=",
	                                    "NOTIFY_SOCKET=",
	                                    "WATCHDOG_",
	                                    "LISTEN_"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(entry, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static char *env_entry(const char *name, const char *value)
{
	char *entry = NULL;
	if (asprintf(&entry, "%s=%s", name, value) < 0)
		fatal(1, "asprintf");
	return entry;
}

static char **build_env(const char *role, const char *module, int index, int listen_count)
{
	size_t count = 0;
	while (environ[count])
		count++;
	char **envp = calloc(count + ENV_EXTRA + 1, sizeof(char *));
	if (!envp)
		fatal(1, "calloc");
	size_t n = 0;
	for (size_t i = 0; i < count; i++)
		if (!env_is_ours(environ[i]))
			envp[n++] = strdup(environ[i]);
	char number[32];
	envp[n++] = env_entry("CONNECTOR_WORKER_ROLE", role);
	envp[n++] = env_entry("CONNECTOR_WORKER_MODULE", module);
	snprintf(number, sizeof(number), "%d", index);
	envp[n++] = env_entry("CONNECTOR_WORKER_INDEX", number);
	envp[n++] = env_entry("CONNECTOR_CONFIG_FILE", sv->config_path);
	envp[n++] = env_entry("CONNECTOR_RUNTIME_DIR", sv->runtime_dir);
	envp[n++] = env_entry("CONNECTOR_BUS_PUSH", sv->bus_push_url);
	envp[n++] = env_entry("CONNECTOR_BUS_SUB", sv->bus_sub_url);
	envp[n++] = env_entry("CONNECTOR_CONTROL", sv->control_url);
	snprintf(number, sizeof(number), "%lld", (long long)sv->settings.heartbeat_interval_ms);
	envp[n++] = env_entry("CONNECTOR_HEARTBEAT_MS", number);
	snprintf(number, sizeof(number), "%d", listen_count);
	envp[n++] = env_entry("CONNECTOR_LISTEN_FDS", number);
	envp[n] = NULL;
	return envp;
}

static void free_env(char **envp)
{
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
}

static void child_fail(const char *what)
{
	static const char prefix[] = "connectord: cannot start worker: ";
	ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
	ignored = write(STDERR_FILENO, what, strlen(what));
	ignored = write(STDERR_FILENO, "\n", 1);
	(void)ignored;
	_exit(127);
}

/* Runs in the child between fork() and execve(): async-signal-safe calls only. */
static void child_exec(const struct spawn_plan *plan)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	static const int reset[] = {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &dfl, NULL);
	sigprocmask(SIG_SETMASK, &plan->unblock, NULL);
	if (setpgid(0, 0) < 0)
		child_fail("setpgid");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != plan->parent)
		child_fail("the supervisor is gone");
	int temp[1 + SV_MAX_LISTEN];
	for (int i = 0; i < plan->fd_count; i++)
		if ((temp[i] = fcntl(plan->source_fds[i], F_DUPFD_CLOEXEC, TEMP_FD_BASE)) < 0)
			child_fail("fcntl(F_DUPFD_CLOEXEC)");
	for (int i = 0; i < plan->fd_count; i++)
		if (dup2(temp[i], WORKER_NOTIFY_FD + i) < 0)
			child_fail("dup2");
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull >= 0 && devnull != STDIN_FILENO)
		dup2(devnull, STDIN_FILENO);
	close_range((unsigned)(WORKER_NOTIFY_FD + plan->fd_count), ~0U, 0);
	execve(plan->path, plan->argv, plan->envp);
	child_fail(plan->path);
}

static void read_notify(evutil_socket_t fd, short what, void *arg);

static bool open_notify_pipe(struct worker *w, int *write_end, char *error, size_t error_len)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(error, error_len, "pipe2: %s", strerror(errno));
		return false;
	}
	/* The worker's end blocks (a write of a line is atomic), ours never does. */
	fcntl(fds[1], F_SETFL, 0);
	w->notify_fd = fds[0];
	*write_end = fds[1];
	w->line_len = 0;
	w->notify_event = event_new(sv->base, fds[0], EV_READ | EV_PERSIST, read_notify, w);
	if (!w->notify_event || event_add(w->notify_event, NULL) < 0)
		fatalx(1, "cannot watch a notify pipe");
	return true;
}

bool spawn_worker(struct worker *w, char *error, size_t error_len)
{
	struct spawn_plan plan;
	memset(&plan, 0, sizeof(plan));
	if (!spawn_binary_path(w->module->role, plan.path, sizeof(plan.path))) {
		snprintf(error, error_len, "connector-%s not found in %s", w->module->role, paths_libexec_dir());
		return false;
	}
	int write_end = -1;
	if (!open_notify_pipe(w, &write_end, error, error_len))
		return false;
	plan.source_fds[plan.fd_count++] = write_end;
	int listen_count = w->module->listens ? sv->listen_count : 0;
	for (int i = 0; i < listen_count; i++)
		plan.source_fds[plan.fd_count++] = sv->listen_fds[i];
	snprintf(plan.index_text, sizeof(plan.index_text), "%d", w->index);
	plan.argv[0] = plan.path;
	plan.argv[1] = "--index";
	plan.argv[2] = plan.index_text;
	plan.envp = build_env(w->module->role, w->module->name, w->index, listen_count);
	plan.parent = getpid();
	sigemptyset(&plan.unblock);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(&plan);
	int fork_errno = errno;
	close(write_end);
	free_env(plan.envp);
	if (pid < 0) {
		spawn_close_notify(w);
		snprintf(error, error_len, "fork: %s", strerror(fork_errno));
		return false;
	}
	setpgid(pid, pid); /* also done by the child; whichever runs first wins, both agree */
	w->pid = pid;
	log_info("Supervisor", "started %s[%d] pid %ld", w->module->role, w->index, (long)pid);
	return true;
}

pid_t spawn_oneshot(const char *role, char *error, size_t error_len)
{
	struct spawn_plan plan;
	memset(&plan, 0, sizeof(plan));
	if (!spawn_binary_path(role, plan.path, sizeof(plan.path))) {
		snprintf(error, error_len, "connector-%s not found in %s", role, paths_libexec_dir());
		return -1;
	}
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(error, error_len, "open /dev/null: %s", strerror(errno));
		return -1;
	}
	plan.source_fds[plan.fd_count++] = devnull; /* a one-shot child has nobody to notify */
	plan.argv[0] = plan.path;
	plan.argv[1] = "--index";
	plan.argv[2] = "1";
	plan.envp = build_env(role, role, 1, 0);
	plan.parent = getpid();
	sigemptyset(&plan.unblock);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(&plan);
	int fork_errno = errno;
	close(devnull);
	free_env(plan.envp);
	if (pid < 0) {
		snprintf(error, error_len, "fork: %s", strerror(fork_errno));
		return -1;
	}
	setpgid(pid, pid);
	return pid;
}

void spawn_close_notify(struct worker *w)
{
	if (w->notify_event) {
		event_free(w->notify_event);
		w->notify_event = NULL;
	}
	if (w->notify_fd >= 0) {
		close(w->notify_fd);
		w->notify_fd = -1;
	}
}

static void handle_line(struct worker *w, char *line)
{
	if (strcmp(line, "READY") == 0)
		worker_dispatch(w, WE_READY);
	else if (strcmp(line, "HEARTBEAT") == 0)
		worker_dispatch(w, WE_HEARTBEAT);
	else if (strncmp(line, "STATUS ", 7) == 0)
		snprintf(w->status_text, sizeof(w->status_text), "%s", line + 7);
	else if (line[0])
		log_warn("Supervisor", "%s[%d]: unknown notify line ignored", w->module->role, w->index);
}

/* Splits what arrived into lines; a line longer than the contract's 256 bytes is dropped whole. */
static void consume_bytes(struct worker *w, const char *data, size_t len)
{
	for (size_t i = 0; i < len && w->notify_fd >= 0; i++) {
		if (data[i] == '\n') {
			if (w->line_len < sizeof(w->line)) {
				w->line[w->line_len] = '\0';
				handle_line(w, w->line);
			}
			w->line_len = 0;
		} else if (w->line_len < sizeof(w->line) - 1) {
			w->line[w->line_len++] = data[i];
		} else {
			w->line_len = sizeof(w->line); /* overlong: swallow until the newline */
		}
	}
}

static void read_notify(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		consume_bytes(w, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF: the worker closed its end (or died: SIGCHLD tells). */
	spawn_close_notify(w);
}
