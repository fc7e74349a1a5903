/*
 * outbox.h: the transactional outbox (tables of sql/0001_outbox.sql, doc/database.md).
 *
 * An event is appended inside the caller's transaction, together with the state change that caused
 * it, and fans out at once into one delivery row per enabled consumer whose subscriptions match its
 * namespace. Consumers (webhook targets, broker publishers) claim their due deliveries with
 * FOR UPDATE SKIP LOCKED under a lease, then mark each delivered, due for retry, or failed. NOTIFY
 * on OUTBOX_CHANNEL (payload: the event's seq) is a wake-up hint only; a consumer that starts or
 * reconnects claims what is due first. Nothing here keeps a high-water mark: claims use a state
 * column, so events committed out of seq order are never skipped.
 *
 * Retention: events older than database.outboxRetentionHours whose deliveries are all finished
 * (delivered, failed, cancelled) or that have none are deleted in bounded batches.
 */
#ifndef CONNECTOR_OUTBOX_H
#define CONNECTOR_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

#define OUTBOX_CHANNEL      "connector_outbox"
#define OUTBOX_EVENT_ID_LEN 37 /* uuid text + NUL */

/*
 * Appends one event. Must run inside an open transaction of db (nothing is written otherwise).
 * namespace: e.g. "transport.messageReceived" (required); target_address: eventTargetAddress or
 * NULL; data_json: the event's data as JSON text (NULL: null). On success event_id_out (may be
 * NULL) holds the event's uuid and *deliveries (may be NULL) the number of delivery rows created.
 * Bad input fails before any statement, naming the field, and leaves the transaction usable.
 * The event carries the calling thread's current correlation id (correlation.h), if any.
 */
bool outbox_append(struct db *db, const char *namespace, const char *target_address, const char *data_json,
                   char event_id_out[OUTBOX_EVENT_ID_LEN], int *deliveries);
/* The same with an explicit correlation id (NULL: none; else 1..128 visible ASCII characters
 * without a comma, the column of sql/0006_outbox_correlation.sql). */
bool outbox_append_correlated(struct db *db, const char *namespace, const char *target_address, const char *data_json,
                              const char *correlation_id, char event_id_out[OUTBOX_EVENT_ID_LEN], int *deliveries);

/*
 * Creates or updates a consumer (enabled, with these subscriptions: namespaces, "*" for all, or a
 * prefix ending in "*"). Register before the events it must see are appended: deliveries are made
 * at append time only.
 */
bool outbox_consumer_register(struct db *db, const char *consumer_id, const char *kind,
                              const char *const *subscriptions, int subscription_count);
/* Disables a consumer and cancels its open deliveries (so retention can purge their events). */
bool outbox_consumer_disable(struct db *db, const char *consumer_id);

struct outbox_delivery {
	int64_t event_seq;
	char event_id[OUTBOX_EVENT_ID_LEN];
	char *namespace;
	char *target_address; /* NULL when the event has none */
	char *data_json;
	char *correlation_id; /* NULL when the event has none */
	int attempts;         /* including this one */
};

/*
 * Claims up to limit due deliveries of consumer_id for lease_ms (state in_flight, claimed_by =
 * worker_id). Returns the count (and *out, free with outbox_deliveries_free) or -1 on error. A claim
 * whose lease runs out becomes due again.
 */
int outbox_claim(struct db *db, const char *consumer_id, const char *worker_id, int limit, int lease_ms,
                 struct outbox_delivery **out);
void outbox_deliveries_free(struct outbox_delivery *deliveries, int count);

/*
 * Settle a claimed delivery. Each returns 1 when updated, 0 when worker_id no longer holds the
 * claim (the lease ran out and another worker took it), -1 on error.
 */
int outbox_mark_delivered(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id);
int outbox_mark_retry(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id,
                      int64_t delay_ms, const char *error_text);
int outbox_mark_failed(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id,
                       const char *error_text);

/*
 * Deletes events older than retention_hours with no open delivery, at most batch_size per
 * transaction and max_batches transactions (0: until none is left). *deleted gets the count.
 */
bool outbox_purge(struct db *db, int64_t retention_hours, int64_t batch_size, int max_batches, int64_t *deleted);

#endif
