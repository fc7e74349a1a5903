/*
 * metrics_outbox.c: per-consumer outbox figures for GET /metrics (see metrics_outbox.h).
 */
#include "metrics_outbox.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char consumers_sql[] = "SELECT c.consumer_id, c.kind, c.enabled,"
                                    " count(d.event_seq) FILTER (WHERE d.state IN ('pending', 'in_flight')),"
                                    " COALESCE(EXTRACT(EPOCH FROM now() - min(d.created_at)"
                                    "   FILTER (WHERE d.state IN ('pending', 'in_flight'))), 0),"
                                    " count(d.event_seq) FILTER (WHERE d.state = 'delivered'),"
                                    " count(d.event_seq) FILTER (WHERE d.state = 'failed'),"
                                    " count(d.event_seq) FILTER (WHERE d.state = 'cancelled'),"
                                    " COALESCE(sum(d.attempts), 0),"
                                    " count(d.event_seq) FILTER (WHERE d.last_error IS NOT NULL)"
                                    " FROM outbox_consumers c LEFT JOIN outbox_deliveries d USING (consumer_id)"
                                    " GROUP BY c.consumer_id, c.kind, c.enabled ORDER BY c.consumer_id";

static void read_row(PGresult *res, int i, struct metrics_outbox_row *row)
{
	snprintf(row->consumer, sizeof(row->consumer), "%s", PQgetvalue(res, i, 0));
	snprintf(row->kind, sizeof(row->kind), "%s", PQgetvalue(res, i, 1));
	row->enabled = strcmp(PQgetvalue(res, i, 2), "t") == 0;
	double *fields[] = {&row->backlog,   &row->oldest_age_s, &row->delivered, &row->failed,
	                    &row->cancelled, &row->attempts,     &row->errored};
	for (int f = 0; f < 7; f++)
		*fields[f] = strtod(PQgetvalue(res, i, 3 + f), NULL);
}

bool metrics_outbox_read(struct db *db, struct metrics_outbox *out, char *err, size_t err_len)
{
	memset(out, 0, sizeof(*out));
	PGresult *res = db_exec(db, consumers_sql, 0, NULL);
	if (!res) {
		snprintf(err, err_len, "outbox consumers: %s", db_error(db));
		return false;
	}
	int n = PQntuples(res);
	out->rows = calloc(n > 0 ? (size_t)n : 1, sizeof(*out->rows));
	if (!out->rows) {
		PQclear(res);
		snprintf(err, err_len, "out of memory");
		return false;
	}
	for (int i = 0; i < n; i++)
		read_row(res, i, &out->rows[i]);
	out->count = (size_t)n;
	PQclear(res);
	res = db_exec(db, "SELECT count(*) FROM outbox_events", 0, NULL);
	if (!res) {
		snprintf(err, err_len, "outbox events: %s", db_error(db));
		metrics_outbox_free(out);
		return false;
	}
	out->events = strtod(PQgetvalue(res, 0, 0), NULL);
	PQclear(res);
	return true;
}

void metrics_outbox_free(struct metrics_outbox *out)
{
	free(out->rows);
	out->rows = NULL;
	out->count = 0;
}

static void consumer_family(const struct metrics_outbox *out, struct metrics_text *t, const char *name,
                            const char *type, const char *help, size_t offset)
{
	metrics_text_family(t, name, type, help);
	for (size_t i = 0; i < out->count; i++) {
		const struct metrics_outbox_row *row = &out->rows[i];
		char labels[METRICS_LABELS_MAX] = "";
		metrics_label_append(labels, sizeof(labels), "consumer", row->consumer);
		metrics_label_append(labels, sizeof(labels), "kind", row->kind);
		metrics_text_sample(t, name, labels, *(const double *)((const char *)row + offset));
	}
}

void metrics_outbox_render(const struct metrics_outbox *out, struct metrics_text *t)
{
	metrics_text_family(t, "connector_outbox_events", "gauge", "Events held in the outbox table.");
	metrics_text_sample(t, "connector_outbox_events", NULL, out->events);
	consumer_family(out, t, "connector_outbox_backlog", "gauge",
	                "Deliveries of a consumer not yet done (pending or in flight).",
	                offsetof(struct metrics_outbox_row, backlog));
	consumer_family(out, t, "connector_outbox_oldest_undelivered_age_seconds", "gauge",
	                "Age of a consumer's oldest delivery not yet done (0 when none).",
	                offsetof(struct metrics_outbox_row, oldest_age_s));
	consumer_family(out, t, "connector_outbox_delivered", "gauge",
	                "Retained deliveries of a consumer that succeeded.",
	                offsetof(struct metrics_outbox_row, delivered));
	consumer_family(out, t, "connector_outbox_failed", "gauge",
	                "Retained deliveries of a consumer that were given up.",
	                offsetof(struct metrics_outbox_row, failed));
	consumer_family(out, t, "connector_outbox_delivery_attempts", "gauge",
	                "Delivery attempts made for a consumer's retained deliveries.",
	                offsetof(struct metrics_outbox_row, attempts));
	consumer_family(out, t, "connector_outbox_deliveries_with_error", "gauge",
	                "Retained deliveries of a consumer whose last attempt failed.",
	                offsetof(struct metrics_outbox_row, errored));
	metrics_text_family(t, "connector_outbox_consumer_enabled", "gauge",
	                    "1 when the consumer gets new deliveries.");
	for (size_t i = 0; i < out->count; i++) {
		char labels[METRICS_LABELS_MAX] = "";
		metrics_label_append(labels, sizeof(labels), "consumer", out->rows[i].consumer);
		metrics_label_append(labels, sizeof(labels), "kind", out->rows[i].kind);
		metrics_text_sample(t, "connector_outbox_consumer_enabled", labels, out->rows[i].enabled);
	}
}
