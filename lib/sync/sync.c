/*
 * sync/sync.c: the sync run (see sync.h for the invariants). Per Backbone run: record the run,
 * read all its events (paged), apply each in its own transaction, finalize with the results,
 * repeat while newUnsyncedExternalEventsExist. The datawallet is not synchronised (datawalletEnabled
 * is false by default in the original too), so no modifications are pushed.
 */
#include "sync/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlation.h"
#include "log.h"
#include "metrics.h"
#include "timeutil.h"

#define RUN_FLAGS  (BACKBONE_AUTH | BACKBONE_DATAWALLET)
#define MAX_ROUNDS 100 /* runs per sync; the Backbone stops handing out events that failed once */

struct run_state {
	struct db *db;
	struct backbone_client *client;
	const struct account_identity *identity;
	struct sync_report *report;
	char *err;
	size_t err_len;
};

static enum sync_status db_fail(struct run_state *s, const char *what)
{
	snprintf(s->err, s->err_len, "%s: %s", what, db_error(s->db));
	db_rollback(s->db);
	return SYNC_ERR_DATABASE;
}

static enum sync_status bb_fail(struct run_state *s, struct backbone_response *r)
{
	snprintf(s->err, s->err_len, "%s", r->message);
	enum sync_status st = r->status == BACKBONE_ERR_STOPPED ? SYNC_ERR_STOPPED : SYNC_ERR_BACKBONE;
	backbone_response_clear(r);
	return st;
}

static const char *member_string(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int64_t member_int(json_object *obj, const char *key)
{
	json_object *v = NULL;
	return obj && json_object_object_get_ex(obj, key, &v) ? json_object_get_int64(v) : 0;
}

/* The stored result of an event ("" when never seen). */
static bool previous_result(struct run_state *s, const char *event_id, char *out, size_t len)
{
	const char *params[] = {event_id};
	PGresult *res = db_exec(s->db, "SELECT result FROM external_events WHERE event_id = $1", 1, params);
	if (!res)
		return false;
	snprintf(out, len, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return true;
}

static bool record_event(struct run_state *s, const struct sync_event *ev, const char *run_id, const char *result,
                         const char *error_code)
{
	char index[24];
	snprintf(index, sizeof(index), "%lld", (long long)ev->index);
	const char *payload = ev->payload ? json_object_to_json_string_ext(ev->payload, JSON_C_TO_STRING_PLAIN) : "{}";
	const char *params[] = {ev->id, ev->type, index, payload, run_id, result, error_code};
	return db_command(s->db,
	                  "INSERT INTO external_events (event_id, event_type, event_index, payload, run_id, result, "
	                  "error_code) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO UPDATE SET "
	                  "run_id = $5, result = $6, error_code = $7, times_seen = external_events.times_seen + 1, "
	                  "updated_at = now()",
	                  7, params);
}

/* A replay: count it and move the row to this run; nothing is applied again. */
static bool note_replay(struct run_state *s, const struct sync_event *ev, const char *run_id)
{
	const char *params[] = {ev->id, run_id};
	s->report->replayed++;
	return db_command(s->db,
	                  "UPDATE external_events SET run_id = $2, updated_at = now(), times_seen = times_seen + "
	                  "CASE WHEN run_id = $2 THEN 0 ELSE 1 END WHERE event_id = $1",
	                  2, params);
}

/* Applies one event in its own transaction; SYNC_OK unless the run must stop. */
static enum sync_status apply_event(struct run_state *s, const struct sync_event *ev, const char *run_id)
{
	char previous[16];
	if (!previous_result(s, ev->id, previous, sizeof(previous)))
		return db_fail(s, "reading external_events");
	if (strcmp(previous, "applied") == 0 || strcmp(previous, "recorded") == 0)
		return note_replay(s, ev, run_id) ? SYNC_OK : db_fail(s, "updating external_events");
	struct sync_context ctx = {.db = s->db, .client = s->client, .identity = s->identity, .run_id = run_id};
	sync_event_handler handler = sync_dispatch_lookup(ev->type);
	if (!db_begin(s->db))
		return db_fail(s, "BEGIN");
	enum sync_event_result result = SYNC_EVENT_FAILED;
	if (handler)
		result = handler(&ctx, ev);
	else
		snprintf(ctx.error_code, sizeof(ctx.error_code), "error.transport.unknown");
	if (result == SYNC_EVENT_ABORT) {
		db_rollback(s->db);
		snprintf(s->err, s->err_len, "external event %s (%s): %s", ev->id, ev->type, ctx.message);
		return SYNC_ERR_BACKBONE;
	}
	if (result == SYNC_EVENT_FAILED) {
		db_rollback(s->db); /* nothing of a failed event stays, except the record of its failure */
		log_warn("Sync", "external event %s (%s) failed: %s %s", ev->id, ev->type, ctx.error_code, ctx.message);
		if (!db_begin(s->db))
			return db_fail(s, "BEGIN");
	}
	const char *name = result == SYNC_EVENT_APPLIED    ? "applied"
	                   : result == SYNC_EVENT_RECORDED ? "recorded"
	                                                   : "failed";
	if (!record_event(s, ev, run_id, name, result == SYNC_EVENT_FAILED ? ctx.error_code : NULL) ||
	    !db_commit(s->db))
		return db_fail(s, "recording an external event");
	if (result == SYNC_EVENT_APPLIED)
		s->report->applied++;
	else if (result == SYNC_EVENT_RECORDED)
		s->report->recorded++;
	else
		s->report->failed++;
	return SYNC_OK;
}

static bool event_from_json(json_object *obj, struct sync_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = member_string(obj, "id");
	ev->type = member_string(obj, "type");
	ev->index = member_int(obj, "index");
	ev->sync_error_count = (int)member_int(obj, "syncErrorCount");
	json_object_object_get_ex(obj, "payload", &ev->payload);
	return ev->id && ev->type;
}

static bool close_run(struct run_state *s, const char *run_id, const char *outcome, json_object *results)
{
	const char *params[] = {run_id, outcome,
	                        results ? json_object_to_json_string_ext(results, JSON_C_TO_STRING_PLAIN) : NULL};
	bool ok = db_begin(s->db) &&
	          db_command(s->db,
	                     "UPDATE sync_runs SET finalized_at = now(), outcome = $2, results = $3 WHERE run_id = $1",
	                     3, params);
	if (ok && strcmp(outcome, "finalized") == 0)
		ok = db_command(s->db, "UPDATE sync_state SET last_completed_at = now()", 0, NULL);
	return ok && db_commit(s->db);
}

/* {externalEventResults: [...], datawalletModifications: []} from the stored results of events. */
static json_object *finalize_body(struct run_state *s, json_object *events, bool *ok)
{
	json_object *results = json_object_new_array();
	size_t n = json_object_array_length(events);
	*ok = true;
	for (size_t i = 0; i < n && *ok; i++) {
		const char *id = member_string(json_object_array_get_idx(events, i), "id");
		const char *params[] = {id};
		PGresult *res =
		        db_exec(s->db, "SELECT result, error_code FROM external_events WHERE event_id = $1", 1, params);
		if (!res) {
			*ok = false;
			break;
		}
		json_object *entry = json_object_new_object();
		json_object_object_add(entry, "externalEventId", json_object_new_string(id));
		if (PQntuples(res) && strcmp(PQgetvalue(res, 0, 0), "failed") == 0)
			json_object_object_add(entry, "errorCode", json_object_new_string(PQgetvalue(res, 0, 1)));
		json_object_array_add(results, entry);
		PQclear(res);
	}
	json_object *body = json_object_new_object();
	json_object_object_add(body, "externalEventResults", results);
	json_object_object_add(body, "datawalletModifications", json_object_new_array());
	return body;
}

/* Processes and finalizes run_id; *more gets newUnsyncedExternalEventsExist. */
static enum sync_status process_run(struct run_state *s, const char *run_id, bool *more)
{
	*more = false;
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/SyncRuns/%s/ExternalEvents", run_id);
	struct backbone_response r;
	if (backbone_get_all(s->client, path, RUN_FLAGS, &r) != BACKBONE_OK) {
		if (r.status != BACKBONE_ERR_REQUEST)
			return bb_fail(s, &r);
		/* expired, cancelled or finalized: its events come back in a later run */
		log_warn("Sync", "sync run %s is no longer served (%s): abandoned", run_id, r.code);
		backbone_response_clear(&r);
		return close_run(s, run_id, "abandoned", NULL) ? SYNC_OK : db_fail(s, "closing sync run");
	}
	json_object *events = json_object_get(r.result);
	backbone_response_clear(&r);
	size_t n = json_object_array_length(events);
	s->report->events += (int)n;
	enum sync_status st = SYNC_OK;
	for (size_t i = 0; i < n && st == SYNC_OK; i++) {
		struct sync_event ev;
		if (!event_from_json(json_object_array_get_idx(events, i), &ev)) {
			snprintf(s->err, s->err_len, "sync run %s: event %zu has no id or type", run_id, i);
			st = SYNC_ERR_BACKBONE;
		} else
			st = apply_event(s, &ev, run_id);
	}
	bool ok = true;
	json_object *body = st == SYNC_OK ? finalize_body(s, events, &ok) : NULL;
	json_object_put(events);
	if (st != SYNC_OK || !ok) {
		json_object_put(body);
		return st != SYNC_OK ? st : db_fail(s, "reading the event results");
	}
	snprintf(path, sizeof(path), "/api/v2/SyncRuns/%s/FinalizeExternalEventSync", run_id);
	enum backbone_status bs = backbone_call(s->client, "PUT", path, body, RUN_FLAGS, &r);
	json_object *results = NULL;
	json_object_object_get_ex(body, "externalEventResults", &results);
	if (bs != BACKBONE_OK && r.status == BACKBONE_ERR_REQUEST) {
		log_warn("Sync", "finalizing sync run %s was refused (%s): abandoned", run_id, r.code);
		ok = close_run(s, run_id, "abandoned", results);
	} else if (bs == BACKBONE_OK) {
		json_object *flag = NULL;
		*more = json_object_object_get_ex(r.result, "newUnsyncedExternalEventsExist", &flag) &&
		        json_object_get_boolean(flag);
		ok = close_run(s, run_id, "finalized", results);
	}
	json_object_put(body);
	if (bs != BACKBONE_OK && r.status != BACKBONE_ERR_REQUEST)
		return bb_fail(s, &r);
	backbone_response_clear(&r);
	s->report->runs++;
	return ok ? SYNC_OK : db_fail(s, "closing sync run");
}

/* Starts a run; *run_id is "" on NoNewEvents. */
static enum sync_status start_run(struct run_state *s, char *run_id, size_t len)
{
	run_id[0] = '\0';
	json_object *body = json_object_new_object();
	json_object_object_add(body, "type", json_object_new_string("ExternalEventSync"));
	struct backbone_response r;
	enum backbone_status bs = backbone_call(s->client, "POST", "/api/v2/SyncRuns", body, RUN_FLAGS, &r);
	json_object_put(body);
	if (bs != BACKBONE_OK)
		return bb_fail(s, &r);
	json_object *run = NULL;
	if (json_object_object_get_ex(r.result, "syncRun", &run) && member_string(run, "id")) {
		snprintf(run_id, len, "%s", member_string(run, "id"));
		char index[24], count[24];
		snprintf(index, sizeof(index), "%lld", (long long)member_int(run, "index"));
		snprintf(count, sizeof(count), "%lld", (long long)member_int(run, "eventCount"));
		const char *params[] = {run_id, index, count, member_string(run, "expiresAt")};
		if (!db_command(s->db,
		                "INSERT INTO sync_runs (run_id, run_index, event_count, expires_at) VALUES ($1, $2, "
		                "$3, $4)",
		                4, params)) {
			backbone_response_clear(&r);
			return db_fail(s, "recording the sync run");
		}
	}
	backbone_response_clear(&r);
	return SYNC_OK;
}

/* An open run left by an interrupted sync ("" if none). */
static bool open_run(struct run_state *s, char *run_id, size_t len)
{
	PGresult *res = db_exec(s->db, "SELECT run_id FROM sync_runs WHERE finalized_at IS NULL", 0, NULL);
	if (!res)
		return false;
	snprintf(run_id, len, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return true;
}

enum sync_status sync_everything(struct db *db, struct backbone_client *client, const struct account_identity *identity,
                                 struct sync_report *report, char *err, size_t err_len)
{
	memset(report, 0, sizeof(*report));
	struct run_state s = {db, client, identity, report, err, err_len};
	char run_id[64];
	bool more = false;
	if (!open_run(&s, run_id, sizeof(run_id)))
		return db_fail(&s, "reading sync_runs");
	enum sync_status st = SYNC_OK;
	if (run_id[0]) {
		log_info("Sync", "resuming sync run %s of an interrupted sync", run_id);
		report->resumed = true;
		st = process_run(&s, run_id, &more);
	}
	for (int round = 0; st == SYNC_OK && round < MAX_ROUNDS; round++) {
		st = start_run(&s, run_id, sizeof(run_id));
		if (st != SYNC_OK || !run_id[0])
			break;
		st = process_run(&s, run_id, &more);
		if (!more)
			break;
	}
	if (st == SYNC_OK && report->runs == 0 &&
	    !db_command(db, "UPDATE sync_state SET last_completed_at = now()", 0, NULL))
		return db_fail(&s, "updating sync_state");
	return st;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

enum sync_status sync_run_exclusive(struct db *db, struct backbone_client *client,
                                    const struct account_identity *identity, int64_t wait_ms, bool (*tick)(void *),
                                    void *tick_arg, struct sync_report *report, char *err, size_t err_len)
{
	memset(report, 0, sizeof(*report));
	int64_t deadline = time_monotonic_ms() + wait_ms;
	for (;;) {
		bool acquired = false;
		if (!db_advisory_try_lock(db, DB_LOCK_SYNC_LEADER, &acquired)) {
			snprintf(err, err_len, "taking the sync lock: %s", db_error(db));
			return SYNC_ERR_DATABASE;
		}
		if (acquired)
			break;
		if (tick && tick(tick_arg)) {
			snprintf(err, err_len, "stopped while waiting for the running sync");
			return SYNC_ERR_STOPPED;
		}
		if (time_monotonic_ms() >= deadline) {
			snprintf(err, err_len, "another sync is still running");
			return SYNC_ERR_BUSY;
		}
		sleep_ms(100);
	}
	double started = metrics_now();
	bool own_correlation = !correlation_current();
	if (own_correlation) { /* a run nobody asked for over HTTP: its own id for its events and logs */
		char id[CORRELATION_UUID_LEN];
		correlation_generate(id);
		correlation_set_current(id);
	}
	enum sync_status st = sync_everything(db, client, identity, report, err, err_len);
	if (own_correlation)
		correlation_set_current(NULL);
	if (!db_advisory_unlock(db, DB_LOCK_SYNC_LEADER) && st == SYNC_OK) {
		snprintf(err, err_len, "releasing the sync lock: %s", db_error(db));
		st = SYNC_ERR_DATABASE;
	}
	metrics_sync_run(st != SYNC_OK && st != SYNC_ERR_STOPPED, metrics_now() - started);
	return st;
}

bool sync_last_completed(struct db *db, char *out, size_t out_len, bool *found)
{
	*found = false;
	PGresult *res =
	        db_exec(db,
	                "SELECT to_char(last_completed_at AT TIME ZONE 'UTC', "
	                "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM sync_state WHERE last_completed_at IS NOT NULL",
	                0, NULL);
	if (!res)
		return false;
	if (PQntuples(res)) {
		*found = true;
		snprintf(out, out_len, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return true;
}
