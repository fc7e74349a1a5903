/*
 * migrate.c: the one-shot schema migration run before any worker starts when a database is
 * configured. connector-migrate gets the worker environment; exit 0 = done (workers start),
 * 78 = configuration error (connectord exits 78), anything else = retried with backoff. The
 * supervisor itself never connects to the database.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "log.h"
#include "supervisor.h"
#include "timeutil.h"
#include "worker.h"

static struct event *retry_event;
static struct backoff_state migrate_backoff;

static void run_migrate(void)
{
	char error[256];
	pid_t pid = spawn_oneshot("migrate", error, sizeof(error));
	if (pid < 0) {
		log_error("Supervisor", "cannot apply the database schema: %s", error);
		sv_begin_shutdown(EXIT_CONFIG);
		return;
	}
	log_info("Supervisor", "applying the database schema (connector-migrate pid %ld)", (long)pid);
	sv->migrate_pid = pid;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	if (sv->phase == PHASE_MIGRATING)
		run_migrate();
}

void migrate_start(void)
{
	sv->phase = PHASE_MIGRATING;
	backoff_reset(&migrate_backoff);
	if (!retry_event && !(retry_event = evtimer_new(sv->base, on_retry, NULL)))
		fatalx(1, "evtimer_new failed");
	run_migrate();
}

static void schedule_retry(int status)
{
	uint32_t random = 0;
	if (getrandom(&random, sizeof(random), GRND_NONBLOCK) < 0)
		random = 0;
	int64_t delay = 0;
	if (backoff_on_death(&migrate_backoff, &sv->settings.policy, time_monotonic_ms(), random, &delay))
		delay = sv->settings.policy.cap_ms;
	if (WIFSIGNALED(status))
		log_warn("Supervisor", "connector-migrate killed by signal %d; retrying in %lld ms", WTERMSIG(status),
		         (long long)delay);
	else
		log_warn("Supervisor", "connector-migrate exited with code %d; retrying in %lld ms",
		         WEXITSTATUS(status), (long long)delay);
	struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000)};
	evtimer_add(retry_event, &tv);
}

bool migrate_handle_exit(pid_t pid, int status)
{
	if (pid != sv->migrate_pid || pid == 0)
		return false;
	sv->migrate_pid = 0;
	if (sv->phase != PHASE_MIGRATING) {
		sv_state_changed(); /* a stop may have been waiting for it */
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("Supervisor", "database schema is up to date");
		sv_start_workers();
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFIG) {
		log_error("Supervisor", "connector-migrate reports a configuration error");
		sv_begin_shutdown(EXIT_CONFIG);
	} else {
		schedule_retry(status);
	}
	return true;
}

void migrate_stop(int sig)
{
	if (sv->migrate_pid > 0)
		kill(-sv->migrate_pid, sig);
	if (retry_event)
		evtimer_del(retry_event);
}

void migrate_free(void)
{
	if (retry_event)
		event_free(retry_event);
	retry_event = NULL;
}
