/*
 * metrics_outbox.h: the outbox figures of GET /metrics, read from the database (lib/outbox.h's
 * tables): per consumer the backlog (deliveries pending or in flight), the age of the oldest
 * undelivered one, and the retained deliveries by outcome with their attempts. Rows purged by
 * housekeeping are no longer counted, so these are gauges of what the database holds.
 */
#ifndef CONNECTOR_METRICS_OUTBOX_H
#define CONNECTOR_METRICS_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "metrics_text.h"

struct metrics_outbox_row {
	char consumer[128];
	char kind[32];
	bool enabled;
	double backlog, oldest_age_s, delivered, failed, cancelled, attempts, errored;
};

struct metrics_outbox {
	struct metrics_outbox_row *rows;
	size_t count;
	double events; /* rows in outbox_events */
};

/* Queries a connected db. false with err filled (the caller decides about reconnecting). */
bool metrics_outbox_read(struct db *db, struct metrics_outbox *out, char *err, size_t err_len);
void metrics_outbox_free(struct metrics_outbox *out);
/* Writes the connector_outbox_* families. */
void metrics_outbox_render(const struct metrics_outbox *out, struct metrics_text *t);

#endif
