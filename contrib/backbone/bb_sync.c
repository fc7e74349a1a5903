/*
 * bb_sync.c: per-identity external event queues (index from 0, blocked flag, error count) and the
 * sync runs that hand them out: start (one open run per identity; an expired open run is
 * cancelled), read (only the starting device, only before finalization), finalize (results,
 * "notProcessed" for missing ones, datawallet push). Pushes go to SSE after the commit.
 */
#include "bb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bb_datawallet.h"

#define MAX_SYNC_ERRORS 3

void bb_notify(struct bb_req *r, const char *owner)
{
	for (int i = 0; i < r->nnotify; i++)
		if (strcmp(r->notify[i], owner) == 0)
			return;
	if (r->nnotify < BB_MAX_NOTIFY)
		strcpy(r->notify[r->nnotify++], owner);
}

bool bb_event_add(struct bb_req *r, const char *owner, const char *type, json_object *payload, const char *context,
                  bool blocked)
{
	char id[BB_ID_LEN + 1];
	bb_new_id("SYI", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, owner);
	bb_p_text(&p, type);
	bb_p_text(&p, json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN));
	bb_p_i64(&p, r->now);
	bb_p_text(&p, context);
	bb_p_bool(&p, blocked);
	PGresult *res =
	        bb_q(r,
	             "INSERT INTO external_events (id, owner, idx, type, payload, created_at, context, blocked) "
	             "SELECT $1, $2, COALESCE((SELECT max(idx) + 1 FROM external_events WHERE owner = $2), 0), "
	             "$3, $4, $5, $6, $7 RETURNING (SELECT status = 'Active' FROM identities WHERE address = $2)",
	             &p);
	json_object_put(payload);
	/* like the Backbone: no push for blocked events or owners that are not Active */
	if (res && !blocked && bb_col_bool(res, 0, 0))
		bb_notify(r, owner);
	PQclear(res);
	return res != NULL;
}

bool bb_events_unblock(struct bb_req *r, const char *relationship_id)
{
	struct bb_params p = {0};
	bb_p_text(&p, relationship_id);
	PGresult *res = bb_q(r,
	                     "UPDATE external_events SET blocked = false WHERE context = $1 AND blocked "
	                     "RETURNING owner",
	                     &p);
	if (!res)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		bb_notify(r, PQgetvalue(res, i, 0));
	PQclear(res);
	return true;
}

bool bb_events_delete_blocked(struct bb_req *r, const char *relationship_id)
{
	struct bb_params p = {0};
	bb_p_text(&p, relationship_id);
	return bb_exec(r, "DELETE FROM external_events WHERE context = $1 AND blocked", &p);
}

static bool fail_event(struct bb_req *r, const char *event_id, const char *run, const char *code)
{
	char id[BB_ID_LEN + 1];
	bb_new_id("SYE", id);
	struct bb_params p = {0}, q = {0};
	bb_p_text(&p, event_id);
	bb_p_text(&p, run);
	bb_p_text(&q, id);
	bb_p_text(&q, run);
	bb_p_text(&q, event_id);
	bb_p_text(&q, code);
	bb_p_i64(&q, r->now);
	return bb_exec(r,
	               "UPDATE external_events SET sync_run_id = NULL, sync_error_count = sync_error_count + 1 "
	               "WHERE id = $1 AND sync_run_id = $2 AND NOT delivered",
	               &p) &&
	       bb_exec(r, "INSERT INTO sync_errors VALUES ($1, $2, $3, $4, $5)", &q);
}

/* Fails every undelivered event still assigned to the run with code. */
static bool fail_remaining(struct bb_req *r, const char *run, const char *code)
{
	struct bb_params p = {0};
	bb_p_text(&p, run);
	PGresult *res = bb_q(r, "SELECT id FROM external_events WHERE sync_run_id = $1 AND NOT delivered", &p);
	bool ok = res != NULL;
	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = fail_event(r, PQgetvalue(res, i, 0), run, code);
	PQclear(res);
	return ok;
}

/* Refuses while an unexpired run is open; cancels an expired one. */
static bool no_open_run(struct bb_req *r)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT id, expires_at FROM sync_runs WHERE owner = $1 AND finalized_at IS NULL", &p);
	if (!res)
		return false;
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(res); i++) {
		if (bb_col_i64(res, i, 1) > r->now) {
			bb_fail(r, 400,
			        "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
			        "Another sync run is currently active.");
			ok = false;
			break;
		}
		struct bb_params q = {0};
		bb_p_text(&q, PQgetvalue(res, i, 0));
		bb_p_i64(&q, r->now);
		ok = fail_remaining(r, PQgetvalue(res, i, 0), "syncRunCanceled") &&
		     bb_exec(r, "UPDATE sync_runs SET finalized_at = $2 WHERE id = $1", &q);
	}
	PQclear(res);
	return ok;
}

static json_object *run_json(PGresult *res, int row)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(res, row, 0));
	json_object_object_add(o, "type", bb_col_json_str(res, row, 1));
	json_object_object_add(o, "expiresAt", bb_col_json_date(res, row, 2));
	json_object_object_add(o, "index", json_object_new_int64(bb_col_i64(res, row, 3)));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, row, 4));
	json_object_object_add(o, "createdBy", bb_col_json_str(res, row, 5));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, row, 6));
	json_object_object_add(o, "eventCount", json_object_new_int64(bb_col_i64(res, row, 7)));
	return o;
}

#define RUN_COLUMNS "id, type, expires_at, idx, created_at, owner, device, event_count, finalized_at"

static void insert_run(struct bb_req *r, const char *id, const char *type, int64_t duration, int64_t count)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	bb_p_text(&p, type);
	bb_p_i64(&p, r->now);
	bb_p_i64(&p, r->now + duration * 1000);
	bb_p_i64(&p, count);
	PGresult *res = bb_q(r,
	                     "INSERT INTO sync_runs (id, owner, device, idx, type, created_at, expires_at, "
	                     "event_count) SELECT $1, $2, $3, COALESCE((SELECT max(idx) + 1 FROM sync_runs "
	                     "WHERE owner = $2), 0), $4, $5, $6, $7 RETURNING " RUN_COLUMNS,
	                     &p);
	if (!res)
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("Created"));
	json_object_object_add(o, "syncRun", run_json(res, 0));
	bb_ok(r, 201, o);
	PQclear(res);
}

static bool datawallet_ready(struct bb_req *r, int64_t supported)
{
	int64_t version;
	if (!bb_datawallet_version(r, &version))
		return false;
	if (version < 0) {
		bb_not_found(r, "Datawallet");
		return false;
	}
	if (supported < version) {
		bb_fail(r, 400, "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion",
		        "The supported datawallet version %lld is lower than the datawallet's version %lld",
		        (long long)supported, (long long)version);
		return false;
	}
	return true;
}

static bool identity_active(struct bb_req *r)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT status FROM identities WHERE address = $1", &p);
	if (!res)
		return false;
	bool active = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "Active") == 0;
	PQclear(res);
	if (!active)
		bb_fail(r, 400, "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted",
		        "The identity is to be deleted.");
	return active;
}

static void start_event_sync(struct bb_req *r, int64_t duration, int64_t supported)
{
	if (!identity_active(r) || !datawallet_ready(r, supported))
		return;
	char id[BB_ID_LEN + 1];
	bb_new_id("SYR", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, MAX_SYNC_ERRORS);
	PGresult *res = bb_q(r,
	                     "UPDATE external_events SET sync_run_id = $1 WHERE owner = $2 AND NOT delivered "
	                     "AND NOT blocked AND sync_run_id IS NULL AND sync_error_count < $3",
	                     &p);
	if (!res)
		return;
	int64_t count = atoll(PQcmdTuples(res));
	PQclear(res);
	if (count > 0) {
		insert_run(r, id, "ExternalEventSync", duration, count);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("NoNewEvents"));
	json_object_object_add(o, "syncRun", NULL);
	bb_ok(r, 200, o);
}

static void sync_run_start(struct bb_req *r)
{
	int64_t supported, duration = 10;
	const char *type;
	if (!bb_supported_datawallet_version(r, &supported) || !bb_get_str(r, r->json, "type", true, &type) ||
	    !bb_get_int(r, r->json, "duration", false, &duration, NULL))
		return;
	if (duration < 1 || duration > 60 * 60) {
		bb_invalid(r, "duration", "must be between 1 and 3600 seconds");
		return;
	}
	if (strcmp(type, "ExternalEventSync") != 0 && strcmp(type, "DatawalletVersionUpgrade") != 0) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'Type': '%.40s' is not a sync run type", type);
		return;
	}
	if (!no_open_run(r))
		return;
	if (type[0] == 'E') {
		start_event_sync(r, duration, supported);
	} else {
		char id[BB_ID_LEN + 1];
		bb_new_id("SYR", id);
		insert_run(r, id, "DatawalletVersionUpgrade", duration, 0);
	}
}

/* Loads the caller's run (404 otherwise); checks device and finalization for the given action. */
static PGresult *load_run(struct bb_req *r, const char *action)
{
	const char *id;
	if (!bb_arg_id(r, 0, "SYR", &id))
		return NULL;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT " RUN_COLUMNS " FROM sync_runs WHERE id = $1 AND owner = $2", &p);
	if (!res)
		return NULL;
	if (PQntuples(res) != 1) {
		bb_not_found(r, "SyncRun");
	} else if (action && strcmp(PQgetvalue(res, 0, 6), r->device) != 0) {
		char code[128];
		snprintf(code, sizeof code, "error.platform.validation.syncRun.cannot%sSyncRunStartedByAnotherDevice",
		         action);
		bb_fail(r, 400, code, "This sync run was started by another device.");
	} else if (action && bb_col(res, 0, 8)) {
		bb_fail(r, 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized",
		        "The sync run is already finalized.");
	} else {
		return res;
	}
	PQclear(res);
	return NULL;
}

static json_object *event_json(PGresult *res, int row)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(res, row, 0));
	json_object_object_add(o, "type", bb_col_json_str(res, row, 1));
	json_object_object_add(o, "index", json_object_new_int64(bb_col_i64(res, row, 2)));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, row, 3));
	json_object_object_add(o, "syncErrorCount", json_object_new_int64(bb_col_i64(res, row, 4)));
	json_object_object_add(o, "payload", json_tokener_parse(PQgetvalue(res, row, 5)));
	return o;
}

static void sync_run_events(struct bb_req *r)
{
	PGresult *run = load_run(r, "ReadExternalEventsOfA");
	if (!run)
		return;
	struct bb_params p = {0};
	bb_p_text(&p, PQgetvalue(run, 0, 0));
	PGresult *res = bb_q(r,
	                     "SELECT id, type, idx, created_at, sync_error_count, payload FROM external_events "
	                     "WHERE sync_run_id = $1 ORDER BY idx",
	                     &p);
	PQclear(run);
	if (!res)
		return;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, event_json(res, i));
	PQclear(res);
	bb_paged(r, list);
}

static void sync_run_get(struct bb_req *r)
{
	PGresult *run = load_run(r, NULL);
	if (run)
		bb_ok(r, 200, run_json(run, 0));
	PQclear(run);
}

static bool check_type(struct bb_req *r, PGresult *run, const char *type)
{
	if (strcmp(PQgetvalue(run, 0, 1), type) == 0)
		return true;
	bb_fail(r, 400, "error.platform.validation.syncRun.unexpectedSyncRunType",
	        "The sync run is of type %s, not %s.", PQgetvalue(run, 0, 1), type);
	return false;
}

static bool apply_result(struct bb_req *r, const char *run, json_object *item)
{
	const char *event, *code;
	if (!bb_get_str(r, item, "externalEventId", true, &event) || !bb_get_str(r, item, "errorCode", false, &code))
		return false;
	if (code)
		return fail_event(r, event, run, code);
	struct bb_params p = {0};
	bb_p_text(&p, event);
	bb_p_text(&p, run);
	return bb_exec(r, "UPDATE external_events SET delivered = true WHERE id = $1 AND sync_run_id = $2", &p);
}

static bool apply_results(struct bb_req *r, const char *run)
{
	json_object *results = bb_field(r->json, "externalEventResults");
	if (results && !json_object_is_type(results, json_type_array)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'ExternalEventResults': must be an array");
		return false;
	}
	for (size_t i = 0; results && i < json_object_array_length(results); i++)
		if (!apply_result(r, run, json_object_array_get_idx(results, i)))
			return false;
	return fail_remaining(r, run, "notProcessed");
}

static bool finalize_run(struct bb_req *r, const char *run)
{
	struct bb_params p = {0};
	bb_p_text(&p, run);
	bb_p_i64(&p, r->now);
	return bb_exec(r, "UPDATE sync_runs SET finalized_at = $2 WHERE id = $1", &p);
}

static bool unsynced_exist(struct bb_req *r, bool *out)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r,
	                     "SELECT EXISTS (SELECT 1 FROM external_events WHERE owner = $1 AND NOT delivered "
	                     "AND NOT blocked AND sync_run_id IS NULL AND sync_error_count < 1)",
	                     &p);
	if (!res)
		return false;
	*out = bb_col_bool(res, 0, 0);
	PQclear(res);
	return true;
}

static void finalize_event_sync(struct bb_req *r)
{
	PGresult *run = load_run(r, "Finalize");
	if (!run)
		return;
	json_object *mods = NULL;
	int64_t new_index = -1;
	bool more = false;
	if (check_type(r, run, "ExternalEventSync") && apply_results(r, PQgetvalue(run, 0, 0)) &&
	    bb_datawallet_push(r, bb_field(r->json, "datawalletModifications"), &mods, &new_index) &&
	    finalize_run(r, PQgetvalue(run, 0, 0)) && unsynced_exist(r, &more)) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "newDatawalletModificationIndex",
		                       new_index >= 0 ? json_object_new_int64(new_index) : NULL);
		json_object_object_add(o, "datawalletModifications", mods);
		json_object_object_add(o, "newUnsyncedExternalEventsExist", json_object_new_boolean(more));
		bb_ok(r, 200, o);
		mods = NULL;
	}
	json_object_put(mods);
	PQclear(run);
}

static void finalize_version_upgrade(struct bb_req *r)
{
	PGresult *run = load_run(r, "Finalize");
	if (!run)
		return;
	json_object *mods = NULL;
	int64_t version, new_index = -1;
	if (check_type(r, run, "DatawalletVersionUpgrade") &&
	    bb_get_int(r, r->json, "newDatawalletVersion", true, &version, NULL) && bb_datawallet_upgrade(r, version) &&
	    bb_datawallet_push(r, bb_field(r->json, "datawalletModifications"), &mods, &new_index) &&
	    finalize_run(r, PQgetvalue(run, 0, 0))) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "newDatawalletModificationIndex",
		                       new_index >= 0 ? json_object_new_int64(new_index) : NULL);
		json_object_object_add(o, "datawalletModifications", mods);
		bb_ok(r, 200, o);
		mods = NULL;
	}
	json_object_put(mods);
	PQclear(run);
}

bool bb_sync_run_active(struct bb_req *r, bool *active)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(r,
	                     "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE owner = $1 AND finalized_at IS NULL "
	                     "AND expires_at > $2)",
	                     &p);
	if (!res)
		return false;
	*active = bb_col_bool(res, 0, 0);
	PQclear(res);
	return true;
}

const struct bb_route bb_routes_sync[] = {
        {EVHTTP_REQ_POST, "/api/v2/SyncRuns", BB_AUTH, BB_BODY_JSON, sync_run_start},
        {EVHTTP_REQ_GET, "/api/v2/SyncRuns/{}", BB_AUTH, BB_BODY_NONE, sync_run_get},
        {EVHTTP_REQ_GET, "/api/v2/SyncRuns/{}/ExternalEvents", BB_AUTH, BB_BODY_NONE, sync_run_events},
        {EVHTTP_REQ_PUT, "/api/v2/SyncRuns/{}/FinalizeExternalEventSync", BB_AUTH, BB_BODY_JSON, finalize_event_sync},
        {EVHTTP_REQ_PUT, "/api/v2/SyncRuns/{}/FinalizeDatawalletVersionUpgrade", BB_AUTH, BB_BODY_JSON,
         finalize_version_upgrade},
        {0},
};
