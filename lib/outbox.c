/*
 * outbox.c: append with fan-out, consumers, claims and their settlement, retention purge (outbox.h).
 * Every statement is a single round trip; the SQL relies on search_path being the account schema.
 */
#include "outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "correlation.h"
#include "db_internal.h"
#include "log.h"

static const char append_sql[] =
        "WITH ev AS (INSERT INTO outbox_events (namespace, target_address, data, correlation_id)"
        "            VALUES ($1, $2, $3::json, $4) RETURNING seq, event_id),"
        " fan AS (INSERT INTO outbox_deliveries (consumer_id, event_seq)"
        "         SELECT c.consumer_id, ev.seq FROM ev CROSS JOIN outbox_consumers c"
        "         WHERE c.enabled AND outbox_subscription_matches(c.subscriptions, $1) RETURNING 1)"
        " SELECT ev.event_id::text, (SELECT count(*) FROM fan)::int4,"
        "        pg_notify('" OUTBOX_CHANNEL "', ev.seq::text) FROM ev";

static bool check_append_input(struct db *db, const char *namespace, const char *data_json, const char *correlation_id)
{
	if (!namespace || !*namespace) {
		db_set_error(db, "outbox event namespace: must not be empty");
		return false;
	}
	if (correlation_id && !correlation_valid(correlation_id)) {
		db_set_error(db,
		             "outbox event correlation_id: must be 1..128 visible ASCII characters without a comma");
		return false;
	}
	if (data_json) {
		enum json_tokener_error jerr = json_tokener_success;
		json_object *parsed = json_tokener_parse_verbose(data_json, &jerr);
		json_object_put(parsed);
		if (jerr != json_tokener_success) {
			db_set_error(db, "outbox event data: not valid JSON (%s)", json_tokener_error_desc(jerr));
			return false;
		}
	}
	if (!db_conn(db) || PQtransactionStatus(db_conn(db)) != PQTRANS_INTRANS) {
		db_set_error(db, "outbox_append: must run inside an open transaction (db_begin first)");
		return false;
	}
	return true;
}

bool outbox_append(struct db *db, const char *namespace, const char *target_address, const char *data_json,
                   char event_id_out[OUTBOX_EVENT_ID_LEN], int *deliveries)
{
	return outbox_append_correlated(db, namespace, target_address, data_json, correlation_current(), event_id_out,
	                                deliveries);
}

bool outbox_append_correlated(struct db *db, const char *namespace, const char *target_address, const char *data_json,
                              const char *correlation_id, char event_id_out[OUTBOX_EVENT_ID_LEN], int *deliveries)
{
	if (!check_append_input(db, namespace, data_json, correlation_id))
		return false;
	const char *params[] = {namespace, target_address, data_json ? data_json : "null", correlation_id};
	PGresult *res = db_exec(db, append_sql, 4, params);
	if (!res)
		return false;
	if (event_id_out)
		snprintf(event_id_out, OUTBOX_EVENT_ID_LEN, "%s", PQgetvalue(res, 0, 0));
	if (deliveries)
		*deliveries = atoi(PQgetvalue(res, 0, 1));
	PQclear(res);
	return true;
}

/* The subscriptions as a PostgreSQL array literal: {"a","b"} with " and \ escaped. */
static char *array_literal(const char *const *items, int count)
{
	size_t cap = 3;
	for (int i = 0; i < count; i++)
		cap += 2 * strlen(items[i]) + 3;
	char *out = malloc(cap), *p = out;
	if (!out)
		fatal(1, "malloc");
	*p++ = '{';
	for (int i = 0; i < count; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (const char *s = items[i]; *s; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

bool outbox_consumer_register(struct db *db, const char *consumer_id, const char *kind,
                              const char *const *subscriptions, int subscription_count)
{
	if (!consumer_id || !*consumer_id || !kind || !*kind || subscription_count < 1) {
		db_set_error(db, "outbox consumer: id, kind and at least one subscription are required");
		return false;
	}
	for (int i = 0; i < subscription_count; i++)
		if (!subscriptions[i] || !*subscriptions[i]) {
			db_set_error(db, "outbox consumer %s: subscription %d is empty", consumer_id, i + 1);
			return false;
		}
	char *array = array_literal(subscriptions, subscription_count);
	const char *params[] = {consumer_id, kind, array};
	bool ok = db_command(db,
	                     "INSERT INTO outbox_consumers (consumer_id, kind, subscriptions) VALUES ($1, $2, $3)"
	                     " ON CONFLICT (consumer_id) DO UPDATE SET kind = EXCLUDED.kind,"
	                     " subscriptions = EXCLUDED.subscriptions, enabled = true, updated_at = now()",
	                     3, params);
	free(array);
	return ok;
}

bool outbox_consumer_disable(struct db *db, const char *consumer_id)
{
	const char *params[] = {consumer_id};
	return db_command(db,
	                  "WITH c AS (UPDATE outbox_consumers SET enabled = false, updated_at = now()"
	                  "           WHERE consumer_id = $1 RETURNING consumer_id)"
	                  " UPDATE outbox_deliveries d SET state = 'cancelled', claimed_until = NULL"
	                  " FROM c WHERE d.consumer_id = c.consumer_id AND d.state IN ('pending', 'in_flight')",
	                  1, params);
}

static const char claim_sql[] =
        "WITH due AS (SELECT consumer_id, event_seq FROM outbox_deliveries"
        "             WHERE consumer_id = $1 AND state IN ('pending', 'in_flight') AND next_attempt_at <= now()"
        "             ORDER BY next_attempt_at, event_seq LIMIT $3::int4 FOR UPDATE SKIP LOCKED),"
        " claimed AS (UPDATE outbox_deliveries d SET state = 'in_flight', attempts = d.attempts + 1,"
        "             claimed_by = $2, claimed_until = now() + make_interval(secs => $4::float8 / 1000),"
        "             next_attempt_at = now() + make_interval(secs => $4::float8 / 1000)"
        "             FROM due WHERE d.consumer_id = due.consumer_id AND d.event_seq = due.event_seq"
        "             RETURNING d.event_seq, d.attempts)"
        " SELECT e.seq, e.event_id::text, e.namespace, e.target_address, e.data::text, claimed.attempts,"
        "        e.correlation_id"
        " FROM claimed JOIN outbox_events e ON e.seq = claimed.event_seq ORDER BY e.seq";

static char *copy_value(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	char *s = strdup(PQgetvalue(res, row, col));
	if (!s)
		fatal(1, "strdup");
	return s;
}

int outbox_claim(struct db *db, const char *consumer_id, const char *worker_id, int limit, int lease_ms,
                 struct outbox_delivery **out)
{
	char limit_text[16], lease_text[16];
	snprintf(limit_text, sizeof(limit_text), "%d", limit > 0 ? limit : 1);
	snprintf(lease_text, sizeof(lease_text), "%d", lease_ms > 0 ? lease_ms : 1);
	const char *params[] = {consumer_id, worker_id, limit_text, lease_text};
	*out = NULL;
	PGresult *res = db_exec(db, claim_sql, 4, params);
	if (!res)
		return -1;
	int n = PQntuples(res);
	struct outbox_delivery *d = n ? calloc((size_t)n, sizeof(*d)) : NULL;
	if (n && !d)
		fatal(1, "calloc");
	for (int i = 0; i < n; i++) {
		d[i].event_seq = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		snprintf(d[i].event_id, sizeof(d[i].event_id), "%s", PQgetvalue(res, i, 1));
		d[i].namespace = copy_value(res, i, 2);
		d[i].target_address = copy_value(res, i, 3);
		d[i].data_json = copy_value(res, i, 4);
		d[i].attempts = atoi(PQgetvalue(res, i, 5));
		d[i].correlation_id = copy_value(res, i, 6);
	}
	PQclear(res);
	*out = d;
	return n;
}

void outbox_deliveries_free(struct outbox_delivery *deliveries, int count)
{
	for (int i = 0; deliveries && i < count; i++) {
		free(deliveries[i].namespace);
		free(deliveries[i].target_address);
		free(deliveries[i].data_json);
		free(deliveries[i].correlation_id);
	}
	free(deliveries);
}

/* Runs an UPDATE of one claimed delivery ($1 consumer, $2 seq, $3 worker, then extra params). */
static int settle(struct db *db, const char *set_clause, const char *consumer_id, int64_t event_seq,
                  const char *worker_id, const char *extra1, const char *extra2)
{
	char sql[512], seq[24];
	snprintf(sql, sizeof(sql),
	         "UPDATE outbox_deliveries SET %s, claimed_until = NULL"
	         " WHERE consumer_id = $1 AND event_seq = $2::int8 AND claimed_by = $3 AND state = 'in_flight'",
	         set_clause);
	snprintf(seq, sizeof(seq), "%" PRId64, event_seq);
	const char *params[] = {consumer_id, seq, worker_id, extra1, extra2};
	int nparams = extra2 ? 5 : extra1 ? 4 : 3;
	PGresult *res = db_exec(db, sql, nparams, params);
	if (!res)
		return -1;
	int changed = atoi(PQcmdTuples(res));
	PQclear(res);
	return changed > 0 ? 1 : 0;
}

int outbox_mark_delivered(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id)
{
	return settle(db, "state = 'delivered', delivered_at = now(), last_error = NULL", consumer_id, event_seq,
	              worker_id, NULL, NULL);
}

int outbox_mark_retry(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id,
                      int64_t delay_ms, const char *error_text)
{
	char delay[24];
	snprintf(delay, sizeof(delay), "%" PRId64, delay_ms > 0 ? delay_ms : 0);
	return settle(db,
	              "state = 'pending', next_attempt_at = now() + make_interval(secs => $4::float8 / 1000),"
	              " last_error = $5",
	              consumer_id, event_seq, worker_id, delay, error_text ? error_text : "");
}

int outbox_mark_failed(struct db *db, const char *consumer_id, int64_t event_seq, const char *worker_id,
                       const char *error_text)
{
	return settle(db, "state = 'failed', last_error = $4", consumer_id, event_seq, worker_id,
	              error_text ? error_text : "", NULL);
}

static const char purge_sql[] = "DELETE FROM outbox_events WHERE seq IN ("
                                " SELECT e.seq FROM outbox_events e"
                                " WHERE e.created_at < now() - make_interval(hours => $1::int4)"
                                "   AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d"
                                "                   WHERE d.event_seq = e.seq AND d.state IN ('pending', 'in_flight'))"
                                " ORDER BY e.created_at LIMIT $2::int4 FOR UPDATE SKIP LOCKED)";

bool outbox_purge(struct db *db, int64_t retention_hours, int64_t batch_size, int max_batches, int64_t *deleted)
{
	char hours[24], batch[24];
	snprintf(hours, sizeof(hours), "%" PRId64, retention_hours > 0 ? retention_hours : 0);
	snprintf(batch, sizeof(batch), "%" PRId64, batch_size > 0 ? batch_size : 1);
	const char *params[] = {hours, batch};
	*deleted = 0;
	for (int i = 0; max_batches <= 0 || i < max_batches; i++) {
		PGresult *res = db_exec(db, purge_sql, 2, params);
		if (!res)
			return false;
		int64_t n = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		*deleted += n;
		if (n < (batch_size > 0 ? batch_size : 1))
			break;
	}
	return true;
}
