/*
 * worker_fsm.c: the life of one worker instance as an explicit state x event table (after s6's
 * s6-supervise). Every change of a worker's state happens in an action of this table.
 *
 *             START   READY   HEARTBEAT EXIT     TIMEOUT        STOP     RESTART
 *   DOWN      spawn   -       -         -        -              -        fresh
 *   STARTING  -       ready   beat      died     not ready:KILL term     term+again
 *   READY     -       -       beat      died     beat check     term     term+again
 *   BACKOFF   -       -       -         -        spawn          down     fresh
 *   STOPPING  -       -       -         stopped  KILL group     -        again
 *   FAILED    -       -       -         -        cool-down over down     fresh
 *
 * Invariants: pid != 0 iff state is STARTING, READY or STOPPING; the timer is armed in every state
 * but DOWN (FAILED after exit 78 has no timer: it waits for a reload or connectorctl restart);
 * a process group is killed as a whole before its leader is reaped, so no member survives it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "supervisor.h"
#include "timeutil.h"
#include "worker.h"

typedef void action_fn(struct worker *w);

static const char *const state_names[WS_STATE_COUNT] = {"down", "starting", "running", "backoff", "stopping", "failed"};

const char *worker_state_name(enum worker_state state)
{
	return state_names[state];
}

static void arm_timer(struct worker *w, int64_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
	evtimer_add(w->timer, &tv);
}

static void set_state(struct worker *w, enum worker_state state)
{
	if (w->state == state)
		return;
	log_debug("Supervisor", "%s[%d]: %s -> %s", w->module->role, w->index, state_names[w->state],
	          state_names[state]);
	w->state = state;
	if (state != WS_READY)
		w->ready_since_wall = 0;
}

static uint32_t random32(void)
{
	uint32_t value = 0;
	if (getrandom(&value, sizeof(value), GRND_NONBLOCK) != (ssize_t)sizeof(value))
		value = (uint32_t)time_monotonic_ms();
	return value;
}

static void kill_group(struct worker *w, int sig)
{
	if (w->pid > 0 && kill(-w->pid, sig) < 0 && errno != ESRCH)
		log_warn("Supervisor", "kill(-%ld, %d): %s", (long)w->pid, sig, strerror(errno));
}

static void act_ignore(struct worker *w)
{
	(void)w;
}

static void act_spawn(struct worker *w)
{
	evtimer_del(w->timer);
	if (!w->module->available) {
		snprintf(w->message, sizeof(w->message), "%s", w->module->message);
		set_state(w, WS_FAILED);
		return;
	}
	char error[256];
	w->killed = false;
	w->restart_after_stop = false;
	if (!spawn_worker(w, error, sizeof(error))) {
		log_error("Supervisor", "%s[%d]: %s", w->module->role, w->index, error);
		snprintf(w->message, sizeof(w->message), "%s", error);
		int64_t delay = 0;
		if (backoff_on_death(&w->backoff, &sv->settings.policy, time_monotonic_ms(), random32(), &delay))
			delay = sv->settings.policy.cooldown_ms;
		set_state(w, WS_BACKOFF);
		arm_timer(w, delay);
		return;
	}
	w->spawns++;
	w->started_mono = w->last_heartbeat_mono = time_monotonic_ms();
	w->status_text[0] = '\0';
	set_state(w, WS_STARTING);
	arm_timer(w, sv->settings.ready_timeout_ms);
}

static void act_spawn_fresh(struct worker *w)
{
	backoff_reset(&w->backoff);
	w->message[0] = '\0';
	if (w->pid == 0)
		act_spawn(w);
}

static void act_ready(struct worker *w)
{
	int64_t now = time_monotonic_ms();
	backoff_on_ready(&w->backoff, now);
	w->last_heartbeat_mono = now;
	w->message[0] = '\0';
	set_state(w, WS_READY);
	w->ready_since_wall = time_wall_ms();
	log_info("Supervisor", "%s[%d] pid %ld ready after %lld ms", w->module->role, w->index, (long)w->pid,
	         (long long)(now - w->started_mono));
	evtimer_del(w->timer);
	arm_timer(w, sv->settings.heartbeat_timeout_ms);
}

static void act_heartbeat(struct worker *w)
{
	w->last_heartbeat_mono = time_monotonic_ms();
}

static void describe_exit(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %s%s",
		         sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
		         WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(out, len, "exited with code %d", WEXITSTATUS(status));
}

static void act_died(struct worker *w)
{
	char how[64];
	describe_exit(w->last_status, how, sizeof(how));
	evtimer_del(w->timer);
	spawn_close_notify(w);
	w->pid = 0;
	if (WIFEXITED(w->last_status) && WEXITSTATUS(w->last_status) == EXIT_CONFIG) {
		snprintf(w->message, sizeof(w->message),
		         "configuration error (exit 78): not restarted until a reload or connectorctl restart");
		log_error("Supervisor", "%s[%d] %s", w->module->role, w->index, w->message);
		set_state(w, WS_FAILED);
		return;
	}
	int64_t delay = 0;
	const struct backoff_policy *policy = &sv->settings.policy;
	if (backoff_on_death(&w->backoff, policy, time_monotonic_ms(), random32(), &delay)) {
		snprintf(w->message, sizeof(w->message),
		         "crash loop: %s, more than %d exits within %lld ms; retrying in %lld ms", how,
		         policy->loop_max, (long long)policy->loop_window_ms, (long long)policy->cooldown_ms);
		log_error("Supervisor", "%s[%d] %s", w->module->role, w->index, w->message);
		set_state(w, WS_FAILED);
		arm_timer(w, policy->cooldown_ms);
		return;
	}
	if (!w->message[0] || !w->killed)
		snprintf(w->message, sizeof(w->message), "%s", how);
	log_warn("Supervisor", "%s[%d] %s; restarting in %lld ms", w->module->role, w->index, how, (long long)delay);
	set_state(w, WS_BACKOFF);
	arm_timer(w, delay);
}

static void kill_for(struct worker *w, const char *why)
{
	snprintf(w->message, sizeof(w->message), "%s: killed", why);
	log_warn("Supervisor", "%s[%d] pid %ld %s: SIGKILL", w->module->role, w->index, (long)w->pid, why);
	w->killed = true;
	kill_group(w, SIGKILL);
}

static void act_not_ready(struct worker *w)
{
	char why[96];
	snprintf(why, sizeof(why), "not ready within %lld ms", (long long)sv->settings.ready_timeout_ms);
	kill_for(w, why);
}

static void act_beat_check(struct worker *w)
{
	int64_t silent = time_monotonic_ms() - w->last_heartbeat_mono;
	if (silent < sv->settings.heartbeat_timeout_ms) {
		arm_timer(w, sv->settings.heartbeat_timeout_ms - silent);
		return;
	}
	char why[96];
	snprintf(why, sizeof(why), "no heartbeat for %lld ms", (long long)silent);
	kill_for(w, why);
}

static void act_term(struct worker *w)
{
	evtimer_del(w->timer);
	set_state(w, WS_STOPPING);
	kill_group(w, SIGTERM);
	kill_group(w, SIGCONT);
	arm_timer(w, sv->settings.grace_ms);
}

static void act_term_again(struct worker *w)
{
	act_term(w);
	w->restart_after_stop = true;
}

static void act_again(struct worker *w)
{
	w->restart_after_stop = true;
}

static void act_kill_stopping(struct worker *w)
{
	char why[96];
	snprintf(why, sizeof(why), "did not stop within %lld ms", (long long)sv->settings.grace_ms);
	kill_for(w, why);
}

static void act_stopped(struct worker *w)
{
	char how[64];
	describe_exit(w->last_status, how, sizeof(how));
	log_info("Supervisor", "%s[%d] pid %ld stopped (%s)", w->module->role, w->index, (long)w->pid, how);
	evtimer_del(w->timer);
	spawn_close_notify(w);
	w->pid = 0;
	bool again = w->restart_after_stop && !w->retired && sv->phase != PHASE_STOPPING;
	set_state(w, WS_DOWN);
	if (again) {
		backoff_reset(&w->backoff);
		w->message[0] = '\0';
		act_spawn(w);
	}
}

static void act_down(struct worker *w)
{
	evtimer_del(w->timer);
	set_state(w, WS_DOWN);
}

static void act_cooled(struct worker *w)
{
	log_info("Supervisor", "%s[%d]: cool-down over, retrying", w->module->role, w->index);
	act_spawn_fresh(w);
}

/* clang-format off */
static action_fn *const actions[WS_STATE_COUNT][WE_EVENT_COUNT] = {
	/*               START       READY       HEARTBEAT      EXIT         TIMEOUT            STOP        RESTART */
	[WS_DOWN]     = {act_spawn,  act_ignore, act_ignore,    act_ignore,  act_ignore,        act_ignore, act_spawn_fresh},
	[WS_STARTING] = {act_ignore, act_ready,  act_heartbeat, act_died,    act_not_ready,     act_term,   act_term_again},
	[WS_READY]    = {act_ignore, act_ignore, act_heartbeat, act_died,    act_beat_check,    act_term,   act_term_again},
	[WS_BACKOFF]  = {act_ignore, act_ignore, act_ignore,    act_ignore,  act_spawn,         act_down,   act_spawn_fresh},
	[WS_STOPPING] = {act_ignore, act_ignore, act_ignore,    act_stopped, act_kill_stopping, act_ignore, act_again},
	[WS_FAILED]   = {act_ignore, act_ignore, act_ignore,    act_ignore,  act_cooled,        act_down,   act_spawn_fresh},
};
/* clang-format on */

void worker_dispatch(struct worker *w, enum worker_event event)
{
	actions[w->state][event](w);
	sv_state_changed();
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_dispatch(arg, WE_TIMEOUT);
}

struct worker *worker_new(struct module *m, int index)
{
	struct worker *w = calloc(1, sizeof(*w));
	if (!w)
		fatal(1, "calloc");
	w->module = m;
	w->index = index;
	w->notify_fd = -1;
	w->timer = evtimer_new(sv->base, on_timer, w);
	if (!w->timer)
		fatalx(1, "evtimer_new failed");
	return w;
}

void worker_free(struct worker *w)
{
	spawn_close_notify(w);
	event_free(w->timer);
	free(w);
}

struct worker *worker_by_pid(pid_t pid)
{
	for (int i = 0; i < sv->module_count; i++) {
		struct module *m = &sv->modules[i];
		for (int j = 0; j < m->worker_count; j++)
			if (m->workers[j]->pid == pid)
				return m->workers[j];
	}
	return NULL;
}

/* Kills what is left of the group, then reaps the leader (waitid WNOWAIT keeps the pid reserved). */
static bool reap_one(void)
{
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0)
		return false;
	pid_t pid = info.si_pid;
	struct worker *w = worker_by_pid(pid);
	if (w || pid == sv->migrate_pid)
		kill(-pid, SIGKILL);
	int status = 0;
	if (waitpid(pid, &status, 0) < 0)
		return errno == EINTR;
	if (w) {
		w->has_exit = true;
		w->last_status = status;
		worker_dispatch(w, WE_EXIT);
	} else if (!migrate_handle_exit(pid, status)) {
		log_debug("Supervisor", "reaped unknown child %ld", (long)pid);
	}
	return true;
}

void worker_reap_children(void)
{
	while (reap_one())
		;
}
