/*
 * delivery.c: the delivery loop (delivery.h). Claims due deliveries of its consumers (outbox_claim,
 * FOR UPDATE SKIP LOCKED under a lease), hands them to the send callback, and settles the recorded
 * outcomes in one transaction per loop turn together with their attempt-log rows.
 *
 * Invariants:
 *   - in_flight counts jobs handed out and not yet done; it never exceeds max_in_flight;
 *   - a done job waits in the settle queue until a flush commits it; on a lost connection the queue
 *     is kept and flushed after the reconnect (the claims are still ours unless the lease ran out,
 *     in which case the settle returns 0 and the event is delivered again: at least once);
 *   - wake-ups (NOTIFY, delivery_loop_wake, the sweep, freed capacity) only schedule a claim turn;
 *     a turn claims from every consumer, round-robin, until a claim returns fewer rows than asked.
 */
#include "delivery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "correlation.h"
#include "metrics.h"
#include "outbox.h"
#include "timeutil.h"

struct delivery_job {
	struct delivery_loop *loop;
	struct delivery_event ev;
	char event_id[OUTBOX_EVENT_ID_LEN];
	char *namespace, *target_address, *data_json, *correlation_id;
	int64_t started_ms;
	bool done;
	enum delivery_outcome outcome;
	int64_t retry_after_ms;
	int http_status;
	char *error;
	struct delivery_job *prev, *next;
};

struct job_list {
	struct delivery_job *head, *tail;
	int count;
};

struct delivery_loop {
	struct event_base *base;
	struct db *db;
	char **consumers;
	int consumer_count, next_consumer;
	char worker_id[160];
	int batch_size, max_in_flight, lease_ms, sweep_ms;
	struct delivery_schedule schedule;
	struct db_retry retry;
	bool has_retry;
	delivery_send_fn send;
	void *arg;
	struct event *sweep_ev, *turn_ev, *flush_ev, *notify_ev;
	uint64_t generation;
	bool started, paused, blocked; /* blocked: a turn stopped at max_in_flight */
	struct job_list out, settled;
	struct delivery_counters counters;
};

static void list_push(struct job_list *l, struct delivery_job *j)
{
	j->prev = l->tail;
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->count++;
}

static void list_remove(struct job_list *l, struct delivery_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		l->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		l->tail = j->prev;
	j->prev = j->next = NULL;
	l->count--;
}

static void job_free(struct delivery_job *j)
{
	free(j->namespace);
	free(j->target_address);
	free(j->data_json);
	free(j->correlation_id);
	free(j->error);
	free(j);
}

static int positive_or(int value, int fallback)
{
	return value > 0 ? value : fallback;
}

static void schedule_turn(struct delivery_loop *loop)
{
	if (loop->started && !loop->paused && !event_pending(loop->turn_ev, EV_TIMEOUT, NULL))
		event_active(loop->turn_ev, EV_TIMEOUT, 0);
}

static void schedule_flush(struct delivery_loop *loop)
{
	if (!event_pending(loop->flush_ev, EV_TIMEOUT, NULL))
		event_active(loop->flush_ev, EV_TIMEOUT, 0);
}

/* ---- connection and notifications ---- */

static void on_notify_readable(evutil_socket_t fd, short what, void *arg);

static void rearm_notify(struct delivery_loop *loop)
{
	if (loop->notify_ev) {
		event_free(loop->notify_ev);
		loop->notify_ev = NULL;
	}
	int fd = db_socket(loop->db);
	if (fd < 0)
		return;
	loop->notify_ev = event_new(loop->base, fd, EV_READ | EV_PERSIST, on_notify_readable, loop);
	if (!loop->notify_ev || event_add(loop->notify_ev, NULL) != 0)
		fatalx(1, "cannot watch the database socket");
}

/* Connected (reconnecting with the retry policy if needed); rearms LISTEN watching after a reconnect. */
static bool ensure_db(struct delivery_loop *loop)
{
	if (db_connection_lost(loop->db) || !db_is_connected(loop->db))
		db_disconnect(loop->db);
	if (!db_ensure_connected(loop->db, loop->has_retry ? &loop->retry : NULL))
		return false;
	if (db_generation(loop->db) != loop->generation) {
		loop->generation = db_generation(loop->db);
		rearm_notify(loop);
		if (loop->settled.count)
			schedule_flush(loop);
	}
	return true;
}

static void after_db_failure(struct delivery_loop *loop, const char *what)
{
	log_warn("Delivery", "%s: %s", what, db_error(loop->db));
	if (db_connection_lost(loop->db)) {
		if (loop->notify_ev) {
			event_free(loop->notify_ev);
			loop->notify_ev = NULL;
		}
		db_disconnect(loop->db);
		schedule_turn(loop); /* reconnects (with backoff) at the next turn */
	}
}

static void on_notify_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delivery_loop *loop = arg;
	int n = db_drain_notifications(loop->db, NULL, NULL);
	if (n < 0) {
		after_db_failure(loop, "listening for outbox notifications");
		return;
	}
	if (n > 0)
		schedule_turn(loop);
}

/* Notifications that arrived while a statement ran sit in libpq's queue (the socket is no longer
 * readable): take them after every statement batch so their hint is not lost until the sweep. */
static void drain_hints(struct delivery_loop *loop)
{
	if (db_is_connected(loop->db) && db_drain_notifications(loop->db, NULL, NULL) > 0)
		schedule_turn(loop);
}

/* ---- settling ---- */

static const char attempt_sql[] =
        "INSERT INTO outbox_delivery_attempts (consumer_id, event_seq, attempt, outcome, http_status, error,"
        " worker, duration_ms) VALUES ($1, $2::int8, $3::int4, $4, $5::int4, $6, $7, $8::int4)";

static bool record_attempt(struct delivery_loop *loop, const struct delivery_job *j, const char *outcome)
{
	char seq[24], attempt[16], status[16], duration[24];
	snprintf(seq, sizeof(seq), "%" PRId64, j->ev.seq);
	snprintf(attempt, sizeof(attempt), "%d", j->ev.attempt);
	snprintf(status, sizeof(status), "%d", j->http_status);
	int64_t ms = time_monotonic_ms() - j->started_ms;
	snprintf(duration, sizeof(duration), "%" PRId64, ms > INT32_MAX ? (int64_t)INT32_MAX : ms);
	const char *params[] = {j->ev.consumer_id, seq,     attempt, outcome, j->http_status ? status : NULL, j->error,
	                        loop->worker_id,   duration};
	return db_command(loop->db, attempt_sql, 8, params);
}

static double random_unit(void)
{
	return (double)arc4random() / 4294967296.0;
}

/* Writes one outcome: 1 settled, 0 the claim was no longer ours, -1 database error. */
/* GET /metrics: connector_delivery_attempts_total / _failures_total per consumer (lib/metrics.h). */
static void count_attempt(const char *consumer_id, bool ok)
{
	char labels[METRICS_LABELS_MAX] = "";
	metrics_label_append(labels, sizeof(labels), "consumer", consumer_id);
	metrics_count("connector_delivery_attempts_total", labels, 1);
	if (!ok)
		metrics_count("connector_delivery_failures_total", labels, 1);
}

static int settle_one(struct delivery_loop *loop, struct delivery_job *j)
{
	const char *outcome = "delivered";
	const char *error = j->error ? j->error : "";
	int r;
	if (j->outcome == DELIVERY_OK) {
		r = outbox_mark_delivered(loop->db, j->ev.consumer_id, j->ev.seq, loop->worker_id);
	} else {
		int64_t delay = j->outcome == DELIVERY_RETRY ? delivery_schedule_next(&loop->schedule, j->ev.attempt,
		                                                                      j->retry_after_ms, random_unit())
		                                             : -1;
		if (delay >= 0) {
			outcome = "retry";
			r = outbox_mark_retry(loop->db, j->ev.consumer_id, j->ev.seq, loop->worker_id, delay, error);
		} else {
			outcome = "failed";
			r = outbox_mark_failed(loop->db, j->ev.consumer_id, j->ev.seq, loop->worker_id, error);
		}
	}
	if (r == 1)
		count_attempt(j->ev.consumer_id, j->outcome == DELIVERY_OK);
	if (r == 1 && !record_attempt(loop, j, outcome))
		return -1;
	return r;
}

static void count_settled(struct delivery_loop *loop, const struct delivery_job *j, int r)
{
	if (r == 0) {
		loop->counters.lost++;
		log_info("Delivery", "%s: event %s settled after its lease was taken over (it is delivered again)",
		         j->ev.consumer_id, j->ev.event_id);
	} else if (j->outcome == DELIVERY_OK) {
		loop->counters.delivered++;
	} else if (j->outcome == DELIVERY_RETRY && j->ev.attempt <= loop->schedule.count) {
		loop->counters.retried++;
	} else {
		loop->counters.dead++;
		log_warn("Delivery", "%s: event %s (%s) dead-lettered after %d attempt(s): %s", j->ev.consumer_id,
		         j->ev.event_id, j->ev.namespace, j->ev.attempt, j->error ? j->error : "");
	}
}

bool delivery_loop_flush(struct delivery_loop *loop)
{
	if (!loop->settled.count)
		return true;
	if (!db_is_connected(loop->db) || !db_begin(loop->db)) {
		after_db_failure(loop, "recording delivery outcomes");
		return false;
	}
	int results[loop->settled.count];
	int i = 0;
	for (struct delivery_job *j = loop->settled.head; j; j = j->next, i++)
		if ((results[i] = settle_one(loop, j)) < 0)
			break;
	if (i < loop->settled.count || !db_commit(loop->db)) {
		db_rollback(loop->db);
		after_db_failure(loop, "recording delivery outcomes");
		return false;
	}
	i = 0;
	while (loop->settled.head) {
		struct delivery_job *j = loop->settled.head;
		list_remove(&loop->settled, j);
		count_settled(loop, j, results[i++]);
		job_free(j);
	}
	return true;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delivery_loop *loop = arg;
	if (delivery_loop_flush(loop) && loop->blocked) {
		loop->blocked = false;
		schedule_turn(loop);
	}
	drain_hints(loop);
}

void delivery_job_done(struct delivery_job *job, enum delivery_outcome outcome, int64_t retry_after_ms, int http_status,
                       const char *error)
{
	struct delivery_loop *loop = job->loop;
	if (job->done)
		fatalx(1, "delivery_job_done called twice for event %s", job->ev.event_id);
	job->done = true;
	job->outcome = outcome;
	job->retry_after_ms = retry_after_ms;
	job->http_status = http_status;
	if (error && !(job->error = strdup(error)))
		fatal(1, "strdup");
	list_remove(&loop->out, job);
	loop->counters.in_flight = loop->out.count;
	list_push(&loop->settled, job);
	schedule_flush(loop);
}

/* ---- claiming ---- */

static void dispatch(struct delivery_loop *loop, const char *consumer, struct outbox_delivery *row)
{
	struct delivery_job *j = calloc(1, sizeof(*j));
	if (!j)
		fatal(1, "calloc");
	j->loop = loop;
	snprintf(j->event_id, sizeof(j->event_id), "%s", row->event_id);
	j->namespace = row->namespace;
	j->target_address = row->target_address;
	j->data_json = row->data_json;
	j->correlation_id = row->correlation_id;
	row->namespace = row->target_address = row->data_json = row->correlation_id = NULL; /* moved */
	j->ev = (struct delivery_event){.consumer_id = consumer,
	                                .seq = row->event_seq,
	                                .event_id = j->event_id,
	                                .namespace = j->namespace,
	                                .target_address = j->target_address,
	                                .data_json = j->data_json ? j->data_json : "null",
	                                .correlation_id = j->correlation_id,
	                                .attempt = row->attempts};
	j->started_ms = time_monotonic_ms();
	list_push(&loop->out, j);
	loop->counters.in_flight = loop->out.count;
	loop->counters.claimed++;
	correlation_set_current(j->correlation_id); /* the sender's log lines carry the event's id */
	loop->send(j, &j->ev, loop->arg);
	correlation_set_current(NULL);
}

/* Claims once for one consumer; returns rows claimed, -1 on a database error. */
static int claim_consumer(struct delivery_loop *loop, const char *consumer, int want)
{
	struct outbox_delivery *rows = NULL;
	int n = outbox_claim(loop->db, consumer, loop->worker_id, want, loop->lease_ms, &rows);
	if (n < 0) {
		after_db_failure(loop, "claiming deliveries");
		return -1;
	}
	for (int i = 0; i < n; i++)
		dispatch(loop, consumer, &rows[i]);
	outbox_deliveries_free(rows, n);
	return n;
}

static void claim_turn(struct delivery_loop *loop)
{
	bool more = false;
	for (int k = 0; k < loop->consumer_count; k++) {
		int room = loop->max_in_flight - loop->out.count;
		if (room <= 0) {
			loop->blocked = more = true;
			break;
		}
		const char *consumer = loop->consumers[(loop->next_consumer + k) % loop->consumer_count];
		int want = room < loop->batch_size ? room : loop->batch_size;
		int n = claim_consumer(loop, consumer, want);
		if (n < 0)
			return;
		if (n == want)
			more = true;
	}
	loop->next_consumer = (loop->next_consumer + 1) % loop->consumer_count;
	if (more && !loop->blocked)
		schedule_turn(loop);
}

static void on_turn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delivery_loop *loop = arg;
	if (!loop->started || loop->paused || !ensure_db(loop))
		return;
	delivery_loop_flush(loop);
	if (db_is_connected(loop->db))
		claim_turn(loop);
	drain_hints(loop);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	schedule_turn(arg);
}

/* ---- life cycle ---- */

static void copy_options(struct delivery_loop *loop, const struct delivery_options *opt)
{
	loop->consumer_count = opt->consumer_count;
	loop->consumers = calloc((size_t)opt->consumer_count + 1, sizeof(char *));
	if (!loop->consumers)
		fatal(1, "calloc");
	for (int i = 0; i < opt->consumer_count; i++)
		if (!(loop->consumers[i] = strdup(opt->consumer_ids[i])))
			fatal(1, "strdup");
	if (opt->worker_id) {
		snprintf(loop->worker_id, sizeof(loop->worker_id), "%s", opt->worker_id);
	} else {
		char host[64] = "localhost";
		gethostname(host, sizeof(host) - 1);
		snprintf(loop->worker_id, sizeof(loop->worker_id), "%s:%d", host, (int)getpid());
	}
	loop->batch_size = positive_or(opt->batch_size, 64);
	loop->max_in_flight = positive_or(opt->max_in_flight, 256);
	loop->lease_ms = positive_or(opt->lease_ms, 60000);
	loop->sweep_ms = positive_or(opt->sweep_ms, 1000);
	if (opt->schedule)
		loop->schedule = *opt->schedule;
	else
		delivery_schedule_default(&loop->schedule);
	if (opt->retry) {
		loop->retry = *opt->retry;
		loop->has_retry = true;
	}
	loop->send = opt->send;
	loop->arg = opt->arg;
}

struct delivery_loop *delivery_loop_new(struct event_base *base, struct db *db, const struct delivery_options *opt)
{
	if (!base || !db || !opt || !opt->send || opt->consumer_count < 1 || !opt->consumer_ids)
		return NULL;
	struct delivery_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		fatal(1, "calloc");
	loop->base = base;
	loop->db = db;
	copy_options(loop, opt);
	loop->turn_ev = event_new(base, -1, 0, on_turn, loop);
	loop->flush_ev = event_new(base, -1, 0, on_flush, loop);
	loop->sweep_ev = event_new(base, -1, EV_PERSIST, on_sweep, loop);
	if (!loop->turn_ev || !loop->flush_ev || !loop->sweep_ev)
		fatalx(1, "event_new failed");
	return loop;
}

bool delivery_loop_start(struct delivery_loop *loop)
{
	if (!ensure_db(loop))
		return false;
	if (!db_listen(loop->db, OUTBOX_CHANNEL)) {
		log_error("Delivery", "LISTEN %s: %s", OUTBOX_CHANNEL, db_error(loop->db));
		return false;
	}
	rearm_notify(loop);
	struct timeval tv = {loop->sweep_ms / 1000, (loop->sweep_ms % 1000) * 1000};
	if (event_add(loop->sweep_ev, &tv) != 0)
		fatalx(1, "event_add failed");
	loop->started = true;
	loop->paused = false;
	schedule_turn(loop);
	return true;
}

void delivery_loop_wake(struct delivery_loop *loop)
{
	schedule_turn(loop);
}

void delivery_loop_pause(struct delivery_loop *loop)
{
	loop->paused = true;
}

void delivery_loop_counters(const struct delivery_loop *loop, struct delivery_counters *out)
{
	*out = loop->counters;
	out->in_flight = loop->out.count;
}

static const char release_sql[] =
        "UPDATE outbox_deliveries SET state = 'pending', attempts = greatest(attempts - 1, 0),"
        " next_attempt_at = now(), claimed_until = NULL, claimed_by = NULL"
        " WHERE consumer_id = $1 AND event_seq = $2::int8 AND claimed_by = $3 AND state = 'in_flight'";

/* Returns the claims of jobs still out to the queue (best effort: otherwise their lease runs out). */
static void release_outstanding(struct delivery_loop *loop)
{
	while (loop->out.head) {
		struct delivery_job *j = loop->out.head;
		char seq[24];
		snprintf(seq, sizeof(seq), "%" PRId64, j->ev.seq);
		const char *params[] = {j->ev.consumer_id, seq, loop->worker_id};
		if (db_is_connected(loop->db) && !db_command(loop->db, release_sql, 3, params))
			log_warn("Delivery", "releasing event %s: %s", j->ev.event_id, db_error(loop->db));
		list_remove(&loop->out, j);
		job_free(j);
	}
}

void delivery_loop_free(struct delivery_loop *loop)
{
	if (!loop)
		return;
	if (db_is_connected(loop->db)) {
		delivery_loop_flush(loop);
		release_outstanding(loop);
	}
	while (loop->settled.head) {
		struct delivery_job *j = loop->settled.head;
		list_remove(&loop->settled, j);
		job_free(j);
	}
	while (loop->out.head) {
		struct delivery_job *j = loop->out.head;
		list_remove(&loop->out, j);
		job_free(j);
	}
	if (loop->notify_ev)
		event_free(loop->notify_ev);
	event_free(loop->turn_ev);
	event_free(loop->flush_ev);
	event_free(loop->sweep_ev);
	for (int i = 0; i < loop->consumer_count; i++)
		free(loop->consumers[i]);
	free(loop->consumers);
	free(loop);
}
