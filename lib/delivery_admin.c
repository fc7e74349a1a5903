/*
 * delivery_admin.c: operator queries and actions on the outbox deliveries (delivery_admin.h).
 * Every query is one statement that builds its JSON in PostgreSQL (json_build_object), so the
 * numbers of one answer are from one snapshot.
 */
#include "delivery_admin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "outbox.h"

static json_object *query_json(struct db *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = db_exec(db, sql, nparams, params);
	if (!res)
		return NULL;
	json_object *out = json_tokener_parse(PQntuples(res) ? PQgetvalue(res, 0, 0) : "null");
	PQclear(res);
	if (!out)
		db_set_error(db, "delivery_admin: the database returned no JSON");
	return out;
}

static const char overview_sql[] =
        "SELECT json_build_object('generatedAt', to_char(now() AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
        " 'consumers', coalesce(json_agg(json_build_object("
        "  'consumerId', c.consumer_id, 'kind', c.kind, 'enabled', c.enabled, 'subscriptions', c.subscriptions,"
        "  'pending', coalesce(s.pending, 0), 'inFlight', coalesce(s.in_flight, 0),"
        "  'delivered', coalesce(s.delivered, 0), 'deadLetters', coalesce(s.failed, 0),"
        "  'cancelled', coalesce(s.cancelled, 0),"
        "  'oldestUndeliveredAgeMs', (extract(epoch FROM now() - s.oldest_open) * 1000)::bigint,"
        "  'attempts', coalesce(s.attempts, 0),"
        "  'lastError', (SELECT a.error FROM outbox_delivery_attempts a WHERE a.consumer_id = c.consumer_id"
        "                AND a.outcome <> 'delivered' ORDER BY a.finished_at DESC LIMIT 1))"
        "  ORDER BY c.consumer_id), '[]'::json))"
        " FROM outbox_consumers c LEFT JOIN ("
        "  SELECT consumer_id, count(*) FILTER (WHERE state = 'pending') AS pending,"
        "         count(*) FILTER (WHERE state = 'in_flight') AS in_flight,"
        "         count(*) FILTER (WHERE state = 'delivered') AS delivered,"
        "         count(*) FILTER (WHERE state = 'failed') AS failed,"
        "         count(*) FILTER (WHERE state = 'cancelled') AS cancelled,"
        "         min(created_at) FILTER (WHERE state IN ('pending', 'in_flight')) AS oldest_open,"
        "         sum(attempts) AS attempts"
        "  FROM outbox_deliveries GROUP BY consumer_id) s ON s.consumer_id = c.consumer_id";

json_object *delivery_admin_overview(struct db *db)
{
	return query_json(db, overview_sql, 0, NULL);
}

static const char dead_sql[] =
        "SELECT json_build_object('deadLetters', coalesce(json_agg(json_build_object("
        "  'consumerId', d.consumer_id, 'eventId', e.event_id, 'namespace', e.namespace,"
        "  'attempts', d.attempts, 'lastError', d.last_error,"
        "  'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"
        "  ORDER BY e.seq DESC), '[]'::json))"
        " FROM (SELECT * FROM outbox_deliveries WHERE state = 'failed' AND ($1::text IS NULL OR consumer_id = $1)"
        "       ORDER BY event_seq DESC LIMIT $2::int4) d JOIN outbox_events e ON e.seq = d.event_seq";

json_object *delivery_admin_dead_letters(struct db *db, const char *consumer_id, int limit)
{
	char limit_text[16];
	snprintf(limit_text, sizeof(limit_text), "%d", limit > 0 ? limit : 100);
	const char *params[] = {consumer_id, limit_text};
	return query_json(db, dead_sql, 2, params);
}

static bool uuid_text(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static const char event_sql[] =
        "SELECT json_build_object('eventId', e.event_id, 'namespace', e.namespace,"
        " 'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
        " 'deliveries', (SELECT coalesce(json_agg(json_build_object('consumerId', d.consumer_id, 'state', d.state,"
        "   'attempts', d.attempts, 'lastError', d.last_error,"
        "   'attemptLog', (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'outcome', a.outcome,"
        "       'httpStatus', a.http_status, 'error', a.error, 'worker', a.worker, 'durationMs', a.duration_ms,"
        "       'finishedAt', to_char(a.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"
        "       ORDER BY a.attempt), '[]'::json) FROM outbox_delivery_attempts a"
        "       WHERE a.consumer_id = d.consumer_id AND a.event_seq = d.event_seq))"
        "   ORDER BY d.consumer_id), '[]'::json) FROM outbox_deliveries d WHERE d.event_seq = e.seq))"
        " FROM outbox_events e WHERE e.event_id = $1::uuid";

json_object *delivery_admin_event(struct db *db, const char *event_id)
{
	if (!uuid_text(event_id)) {
		db_set_error(db, "event id: expected a uuid, got '%s'", event_id ? event_id : "");
		return NULL;
	}
	const char *params[] = {event_id};
	return query_json(db, event_sql, 1, params);
}

static const char replay_sql[] =
        "WITH r AS (UPDATE outbox_deliveries d SET state = 'pending', attempts = 0, next_attempt_at = now(),"
        "           claimed_by = NULL, claimed_until = NULL"
        "           WHERE d.state = 'failed' AND ($1::text IS NULL OR d.consumer_id = $1)"
        "             AND ($2::uuid IS NULL OR d.event_seq = (SELECT seq FROM outbox_events WHERE event_id = $2::uuid))"
        "           RETURNING 1)"
        " SELECT count(*), pg_notify('" OUTBOX_CHANNEL "', 'replay') FROM r";

bool delivery_admin_replay(struct db *db, const char *consumer_id, const char *event_id, int64_t *count)
{
	*count = 0;
	if (event_id && !uuid_text(event_id)) {
		db_set_error(db, "event id: expected a uuid, got '%s'", event_id);
		return false;
	}
	const char *params[] = {consumer_id, event_id};
	PGresult *res = db_exec(db, replay_sql, 2, params);
	if (!res)
		return false;
	*count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}
