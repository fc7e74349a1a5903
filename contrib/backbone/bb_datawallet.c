/*
 * bb_datawallet.c: GET /Datawallet, GET and POST /Datawallet/Modifications, and the helpers the
 * sync runs use to create, upgrade and append to an identity's datawallet. Modification indexes
 * are per identity and start at 0.
 */
#include "bb_datawallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool bb_supported_datawallet_version(struct bb_req *r, int64_t *out)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "x-supported-datawallet-version");
	char *end = NULL;
	long v = h ? strtol(h, &end, 10) : 0;
	if (!h || !*h || *end || v < 1 || v > 65535) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed",
		        "'SupportedDatawalletVersion': the header x-supported-datawallet-version must be a number "
		        "between 1 and 65535");
		return false;
	}
	*out = v;
	return true;
}

bool bb_datawallet_version(struct bb_req *r, int64_t *out)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT version FROM datawallets WHERE owner = $1", &p);
	if (!res)
		return false;
	*out = PQntuples(res) == 1 ? bb_col_i64(res, 0, 0) : -1;
	PQclear(res);
	return true;
}

bool bb_datawallet_upgrade(struct bb_req *r, int64_t version)
{
	int64_t current;
	if (!bb_datawallet_version(r, &current))
		return false;
	if (version < 1 || version > 65535 || version < current) {
		bb_invalid(r, "newDatawalletVersion", "must be at least the current version and at most 65535");
		return false;
	}
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	bb_p_i64(&p, version);
	return bb_exec(r, "INSERT INTO datawallets VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET version = $2", &p);
}

static bool str_field(struct bb_req *r, json_object *item, const char *name, bool required, size_t max,
                      const char **out)
{
	if (!bb_get_str(r, item, name, required, out))
		return false;
	if (*out && strlen(*out) > max) {
		char why[64];
		snprintf(why, sizeof why, "must be at most %zu characters long", max);
		bb_invalid(r, name, why);
		return false;
	}
	return true;
}

static bool type_valid(struct bb_req *r, const char *type)
{
	static const char *const types[] = {"Create", "Update", "Delete", "CacheChanged"};
	for (size_t i = 0; i < 4; i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'Type': '%.40s' is not a modification type", type);
	return false;
}

static json_object *push_one(struct bb_req *r, json_object *item, int64_t *index)
{
	const char *type, *object, *collection, *category;
	int64_t version;
	unsigned char *payload = NULL;
	size_t payload_len = 0;
	if (!str_field(r, item, "type", true, 20, &type) || !type_valid(r, type) ||
	    !str_field(r, item, "objectIdentifier", true, 100, &object) ||
	    !str_field(r, item, "collection", true, 50, &collection) ||
	    !str_field(r, item, "payloadCategory", false, 50, &category) ||
	    !bb_get_int(r, item, "datawalletVersion", true, &version, NULL) ||
	    !bb_get_bytes(r, item, "encryptedPayload", false, 0, 10 * 1024 * 1024, &payload, &payload_len))
		return NULL;
	if (version < 0 || version > 65535) {
		bb_invalid(r, "datawalletVersion", "must be between 0 and 65535");
		free(payload);
		return NULL;
	}
	char id[BB_ID_LEN + 1];
	bb_new_id("DWM", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, version);
	bb_p_text(&p, object);
	bb_p_text(&p, category);
	bb_p_text(&p, collection);
	bb_p_text(&p, type);
	bb_p_bytes(&p, payload, payload_len);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->device);
	PGresult *res = bb_q(r,
	                     "INSERT INTO datawallet_modifications SELECT $1, $2, COALESCE((SELECT max(idx) + 1 "
	                     "FROM datawallet_modifications WHERE owner = $2), 0), $3, $4, $5, $6, $7, $8, $9, $10 "
	                     "RETURNING idx",
	                     &p);
	free(payload);
	if (!res)
		return NULL;
	*index = bb_col_i64(res, 0, 0);
	PQclear(res);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "index", json_object_new_int64(*index));
	json_object_object_add(o, "createdAt", bb_jdate(r->now));
	return o;
}

bool bb_datawallet_push(struct bb_req *r, json_object *items, json_object **out, int64_t *new_index)
{
	*out = json_object_new_array();
	if (!items || json_object_is_type(items, json_type_null))
		return true;
	if (!json_object_is_type(items, json_type_array)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'DatawalletModifications': must be an array");
		return false;
	}
	int64_t version;
	if (json_object_array_length(items) > 0 && (!bb_datawallet_version(r, &version) || version < 0)) {
		if (!r->error)
			bb_not_found(r, "Datawallet");
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *o = push_one(r, json_object_array_get_idx(items, i), new_index);
		if (!o)
			return false;
		json_object_array_add(*out, o);
	}
	return true;
}

static void datawallet_get(struct bb_req *r)
{
	int64_t supported, version;
	if (!bb_supported_datawallet_version(r, &supported) || !bb_datawallet_version(r, &version))
		return;
	if (version < 0) {
		bb_not_found(r, "Datawallet");
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int64(version));
	bb_ok(r, 200, o);
}

static json_object *modification_json(PGresult *res, int i)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(res, i, 0));
	json_object_object_add(o, "datawalletVersion", json_object_new_int64(bb_col_i64(res, i, 1)));
	json_object_object_add(o, "index", json_object_new_int64(bb_col_i64(res, i, 2)));
	json_object_object_add(o, "objectIdentifier", bb_col_json_str(res, i, 3));
	json_object_object_add(o, "payloadCategory", bb_col_json_str(res, i, 4));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, i, 5));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, i, 6));
	json_object_object_add(o, "collection", bb_col_json_str(res, i, 7));
	json_object_object_add(o, "type", bb_col_json_str(res, i, 8));
	json_object_object_add(o, "encryptedPayload", bb_col_json_str(res, i, 9));
	return o;
}

static void modifications_get(struct bb_req *r)
{
	int64_t supported, local = -1;
	const char *li = bb_query(r, "localIndex");
	char *end = NULL;
	if (!bb_supported_datawallet_version(r, &supported))
		return;
	if (li && (local = strtoll(li, &end, 10), !*li || *end)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'LocalIndex': '%.20s' is not a number", li);
		return;
	}
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	bb_p_i64(&p, local);
	PGresult *res = bb_q(r,
	                     "SELECT * FROM (SELECT DISTINCT ON (object_identifier, type, payload_category) id, "
	                     "datawallet_version, idx, object_identifier, payload_category, created_at, "
	                     "created_by_device, collection, type, " BB_B64U(
	                             "encrypted_payload") " FROM "
	                                                  "datawallet_modifications WHERE owner = $1 AND idx > $2 "
	                                                  "ORDER BY object_identifier, "
	                                                  "type, payload_category, idx DESC) m ORDER BY idx",
	                     &p);
	if (!res)
		return;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, modification_json(res, i));
	PQclear(res);
	bb_paged(r, list);
}

static bool up_to_date(struct bb_req *r, int64_t local)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r, "SELECT COALESCE(max(idx), -1) FROM datawallet_modifications WHERE owner = $1", &p);
	if (!res)
		return false;
	bool ok = bb_col_i64(res, 0, 0) == local;
	PQclear(res);
	if (!ok)
		bb_fail(r, 400, "error.platform.validation.datawallet.datawalletNotUpToDate",
		        "The sent localIndex does not match the index of the latest modification.");
	return ok;
}

static void modifications_push(struct bb_req *r)
{
	int64_t supported, local, new_index = -1;
	bool active = false;
	json_object *mods = NULL;
	if (!bb_supported_datawallet_version(r, &supported) ||
	    !bb_get_int(r, r->json, "localIndex", true, &local, NULL) || !bb_sync_run_active(r, &active))
		return;
	if (active) {
		bb_fail(r, 400,
		        "error.platform.validation.datawallet.cannotPushDatawalletModificationsDuringActiveSyncRun",
		        "Datawallet modifications cannot be pushed during an active sync run.");
		return;
	}
	int64_t version;
	if (!bb_datawallet_version(r, &version))
		return;
	if (version < 0 || supported < version) {
		if (version < 0)
			bb_not_found(r, "Datawallet");
		else
			bb_fail(r, 400, "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion",
			        "The supported datawallet version is too low.");
		return;
	}
	if (!up_to_date(r, local) || !bb_datawallet_push(r, bb_field(r->json, "modifications"), &mods, &new_index)) {
		json_object_put(mods);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "newIndex", json_object_new_int64(new_index >= 0 ? new_index : local));
	json_object_object_add(o, "modifications", mods);
	bb_ok(r, 201, o);
}

const struct bb_route bb_routes_datawallet[] = {
        {EVHTTP_REQ_GET, "/api/v2/Datawallet", BB_AUTH, BB_BODY_NONE, datawallet_get},
        {EVHTTP_REQ_GET, "/api/v2/Datawallet/Modifications", BB_AUTH, BB_BODY_NONE, modifications_get},
        {EVHTTP_REQ_POST, "/api/v2/Datawallet/Modifications", BB_AUTH, BB_BODY_JSON, modifications_push},
        {0},
};
