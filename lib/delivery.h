/*
 * delivery.h: the delivery core shared by every outbox consumer worker (webhooks, message-broker
 * publishers, auto-accept): a loop object, driven by the worker's libevent base, that claims the
 * due deliveries of its consumers from the outbox (lib/outbox.h) under a lease, hands each to the
 * worker's send callback and records the outcome with the retry schedule.
 *
 *   struct delivery_options o = {.consumer_ids = ids, .consumer_count = n, .send = my_send, .arg = me};
 *   struct delivery_loop *loop = delivery_loop_new(base, db, &o);
 *   delivery_loop_start(loop);            // connect, LISTEN, first claim
 *   ... my_send(job, ev, arg) starts the work; later, from the same thread:
 *   delivery_job_done(job, DELIVERY_OK, -1, 200, NULL);
 *   ... on a bus hint: delivery_loop_wake(loop);   at exit: delivery_loop_free(loop);
 *
 * Invariants:
 *   - at-least-once: a claim is settled only after the callback reported its outcome; a worker that
 *     dies leaves its claims in_flight until the lease (lease_ms) runs out, then they are due again.
 *     Receivers deduplicate on ev->event_id, which is the same for every attempt and every consumer;
 *   - NOTIFY (OUTBOX_CHANNEL) and delivery_loop_wake() are hints only: the loop also claims every
 *     sweep_ms, at start and after every reconnect, so a missed hint costs at most sweep_ms;
 *   - every settled attempt leaves one row in outbox_delivery_attempts (sql/0002_delivery.sql);
 *   - a job handle is valid from the send callback until delivery_job_done() (exactly once) or
 *     delivery_loop_free(), whichever comes first. The loop never runs two claims of one delivery
 *     at once in one process.
 *
 * Retry schedule: attempt 1 happens when the event is appended; after attempt n fails, attempt n+1
 * waits delays_ms[n-1] (± jitter_percent); after the last entry the delivery is dead-lettered
 * (state 'failed'), visible and replayable (lib/delivery_admin.h). DELIVERY_DEAD dead-letters at
 * once (e.g. HTTP 410, or a body the receiver can never accept).
 *
 * Threads: none. Everything runs on the event base's thread; delivery_job_done() may be called from
 * inside the send callback (synchronous senders) or later (asynchronous acknowledgements).
 */
#ifndef CONNECTOR_DELIVERY_H
#define CONNECTOR_DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "db.h"

#define DELIVERY_SCHEDULE_MAX 32

struct delivery_schedule {
	int count; /* retries after the first attempt */
	int64_t delays_ms[DELIVERY_SCHEDULE_MAX];
	int jitter_percent;         /* each delay is scaled by 1 ± jitter_percent/100 (default 20) */
	int64_t retry_after_max_ms; /* Retry-After is honoured up to this (default 3600000) */
};

/* 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (Standard Webhooks / Svix), ±20 % jitter. */
void delivery_schedule_default(struct delivery_schedule *s);
/*
 * Reads a schedule from a JSON array of delays in milliseconds (non-negative integers, at most
 * DELIVERY_SCHEDULE_MAX, may be empty: no retry). On failure sets *error (malloc'd) naming path.
 */
bool delivery_schedule_from_json(json_object *array, const char *path, struct delivery_schedule *s, char **error);
/*
 * The delay before the next attempt after attempt number `attempts` (1-based) failed, or -1 when it
 * was the last (dead letter). retry_after_ms (< 0: none) raises the delay up to retry_after_max_ms.
 * random_unit in [0,1) draws the jitter (tests pass fixed values).
 */
int64_t delivery_schedule_next(const struct delivery_schedule *s, int attempts, int64_t retry_after_ms,
                               double random_unit);

/* One claimed delivery as the send callback sees it. Strings live until delivery_job_done(). */
struct delivery_event {
	const char *consumer_id;
	int64_t seq;
	const char *event_id;       /* uuid text: stable across attempts and consumers */
	const char *namespace;      /* e.g. "transport.messageReceived" */
	const char *target_address; /* NULL when the event has none */
	const char *data_json;      /* the event's data as JSON text ("null" when it has none) */
	const char *correlation_id; /* of the request / sync run that caused it; NULL when none */
	int attempt;                /* 1 for the first */
};

enum delivery_outcome {
	DELIVERY_OK,    /* delivered */
	DELIVERY_RETRY, /* transient failure: retry per schedule (dead letter after the last attempt) */
	DELIVERY_DEAD,  /* permanent failure: dead letter now */
};

struct delivery_job;
struct delivery_loop;
struct event_base;

typedef void (*delivery_send_fn)(struct delivery_job *job, const struct delivery_event *ev, void *arg);

struct delivery_options {
	const char *const *consumer_ids; /* copied */
	int consumer_count;
	const char *worker_id;                    /* claimed_by; NULL: "<hostname>:<pid>" */
	int batch_size;                           /* rows per claim statement, default 64 */
	int max_in_flight;                        /* jobs handed out and not yet done, default 256 */
	int lease_ms;                             /* claim lease, default 60000; must exceed the longest send */
	int sweep_ms;                             /* periodic claim, default 1000 */
	const struct delivery_schedule *schedule; /* NULL: delivery_schedule_default */
	const struct db_retry *retry;             /* reconnect policy (heartbeats, stop); NULL: db defaults */
	delivery_send_fn send;
	void *arg;
};

/* Copies options; does not connect. db stays owned by the caller and must outlive the loop. */
struct delivery_loop *delivery_loop_new(struct event_base *base, struct db *db, const struct delivery_options *opt);
/* Connects (db_ensure_connected), LISTENs on OUTBOX_CHANNEL, arms the sweep, claims. */
bool delivery_loop_start(struct delivery_loop *loop);
/* A hint that something may be due (bus message, test): claims soon. */
void delivery_loop_wake(struct delivery_loop *loop);
/* Stops claiming; jobs still out may finish and are recorded. */
void delivery_loop_pause(struct delivery_loop *loop);
/*
 * Records the outcome of a job (exactly once per job) and invalidates the handle. retry_after_ms:
 * the receiver's Retry-After (< 0: none). http_status: 0 when not HTTP. error: text for the attempt
 * log and last_error (NULL for success).
 */
void delivery_job_done(struct delivery_job *job, enum delivery_outcome outcome, int64_t retry_after_ms, int http_status,
                       const char *error);
/* Writes recorded outcomes now (also done from the loop); false when the database is unreachable. */
bool delivery_loop_flush(struct delivery_loop *loop);

struct delivery_counters {
	uint64_t claimed, delivered, retried, dead, lost; /* lost: settled after the lease was taken over */
	int in_flight;
};
void delivery_loop_counters(const struct delivery_loop *loop, struct delivery_counters *out);

/*
 * Flushes recorded outcomes, returns the claims of jobs still out to the queue (due now, the
 * attempt is not counted), and frees. Job handles still held by the caller become invalid.
 */
void delivery_loop_free(struct delivery_loop *loop);

#endif
