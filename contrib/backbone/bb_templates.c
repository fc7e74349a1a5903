/*
 * bb_templates.c: /api/v2/RelationshipTemplates: create, read (visibility: expiry unless the caller
 * has a relationship from it, forIdentity, password unless already allocated; the first read by
 * another identity allocates it, up to maxNumberOfAllocations, the last one emits
 * RelationshipTemplateAllocationsExhausted to the creator), delete by the creator.
 */
#include "bb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CONTENT (10 * 1024 * 1024)

static bool create_checks(struct bb_req *r, bool has_expiry, int64_t expires, bool has_max, int64_t max,
                          const char *for_identity)
{
	if (has_expiry && expires <= r->now)
		bb_invalid(r, "expiresAt", "must be in the future");
	else if (has_max && (max < 1 || max > 1000000))
		bb_invalid(r, "maxNumberOfAllocations", "must be greater than 0");
	else if (for_identity && !bb_address_valid(for_identity))
		bb_invalid(r, "forIdentity", "is not a valid address");
	else
		return true;
	return false;
}

static void template_insert(struct bb_req *r, int64_t *expires, int64_t *max, const char *for_identity,
                            const unsigned char *pw, size_t pw_len, const unsigned char *content, size_t content_len)
{
	char id[BB_ID_LEN + 1];
	bb_new_id("RLT", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	if (max)
		bb_p_i64(&p, *max);
	else
		bb_p_text(&p, NULL);
	bb_p_text(&p, for_identity);
	bb_p_bytes(&p, pw, pw_len);
	bb_p_bytes(&p, content, content_len);
	bb_p_i64(&p, r->now);
	if (expires)
		bb_p_i64(&p, *expires);
	else
		bb_p_text(&p, NULL);
	if (bb_exec(r, "INSERT INTO templates VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &p)) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "createdAt", bb_jdate(r->now));
		bb_ok(r, 201, o);
	}
}

static void template_create(struct bb_req *r)
{
	unsigned char *content = NULL, *pw = NULL;
	size_t content_len, pw_len;
	const char *for_identity;
	int64_t expires = 0, max = 0;
	bool has_expiry, has_max;
	if (bb_get_bytes(r, r->json, "content", true, 1, MAX_CONTENT, &content, &content_len) &&
	    bb_get_date(r, r->json, "expiresAt", false, &expires, &has_expiry) &&
	    bb_get_int(r, r->json, "maxNumberOfAllocations", false, &max, &has_max) &&
	    bb_get_str(r, r->json, "forIdentity", false, &for_identity) &&
	    bb_get_bytes(r, r->json, "password", false, 1, 200, &pw, &pw_len) &&
	    create_checks(r, has_expiry, expires, has_max, max, for_identity))
		template_insert(r, has_expiry ? &expires : NULL, has_max ? &max : NULL, for_identity, pw, pw_len,
		                content, content_len);
	free(content);
	free(pw);
}

enum {
	R_ID,
	R_BY,
	R_BY_DEVICE,
	R_MAX,
	R_EXPIRES,
	R_CONTENT,
	R_CREATED,
	R_FOR,
	R_HAS_PW,
	R_PWOK,
	R_ALLOCATED,
	R_ALLOCATIONS,
	R_HAS_RELATIONSHIP
};

static PGresult *load_template(struct bb_req *r, const char *id, const unsigned char *pw, size_t pw_len)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_bytes(&p, pw, pw_len);
	PGresult *res =
	        bb_q(r,
	             "SELECT id, created_by, created_by_device, max_allocations, expires_at, " BB_B64U(
	                     "content") ", "
	                                "created_at, for_identity, password IS NOT NULL, password = $3, EXISTS (SELECT "
	                                "1 FROM "
	                                "template_allocations WHERE template_id = $1 AND address = $2), (SELECT "
	                                "count(*) FROM "
	                                "template_allocations WHERE template_id = $1), EXISTS (SELECT 1 FROM "
	                                "relationships WHERE template_id = "
	                                "$1 AND (from_address = $2 OR to_address = $2)) FROM templates WHERE id = $1",
	             &p);
	if (res && PQntuples(res) != 1) {
		bb_not_found(r, "RelationshipTemplate");
		PQclear(res);
		return NULL;
	}
	return res;
}

static bool visible(struct bb_req *r, PGresult *t)
{
	const char *for_identity = bb_col(t, 0, R_FOR);
	if (strcmp(PQgetvalue(t, 0, R_BY), r->address) == 0)
		return true;
	bool expired = bb_col(t, 0, R_EXPIRES) && bb_col_i64(t, 0, R_EXPIRES) <= r->now;
	if ((expired && !bb_col_bool(t, 0, R_HAS_RELATIONSHIP)) ||
	    (for_identity && strcmp(for_identity, r->address) != 0) ||
	    (bb_col_bool(t, 0, R_HAS_PW) && !bb_col_bool(t, 0, R_PWOK) && !bb_col_bool(t, 0, R_ALLOCATED))) {
		bb_not_found(r, "RelationshipTemplate");
		return false;
	}
	return true;
}

static bool allocate(struct bb_req *r, PGresult *t)
{
	if (strcmp(PQgetvalue(t, 0, R_BY), r->address) == 0 || bb_col_bool(t, 0, R_ALLOCATED))
		return true;
	int64_t count = bb_col_i64(t, 0, R_ALLOCATIONS);
	bool limited = bb_col(t, 0, R_MAX) != NULL;
	if (limited && count >= bb_col_i64(t, 0, R_MAX)) {
		bb_fail(r, 400, "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted",
		        "The maximum number of allocations of this template has been reached.");
		return false;
	}
	struct bb_params p = {0};
	bb_p_text(&p, PQgetvalue(t, 0, R_ID));
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	bb_p_i64(&p, r->now);
	if (!bb_exec(r, "INSERT INTO template_allocations VALUES ($1, $2, $3, $4)", &p))
		return false;
	if (!limited || count + 1 < bb_col_i64(t, 0, R_MAX))
		return true;
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "relationshipTemplateId", json_object_new_string(PQgetvalue(t, 0, R_ID)));
	return bb_event_add(r, PQgetvalue(t, 0, R_BY), "RelationshipTemplateAllocationsExhausted", payload, NULL,
	                    false);
}

static json_object *template_json(PGresult *t)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(t, 0, R_ID));
	json_object_object_add(o, "createdBy", bb_col_json_str(t, 0, R_BY));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(t, 0, R_BY_DEVICE));
	json_object_object_add(o, "maxNumberOfAllocations",
	                       bb_col(t, 0, R_MAX) ? json_object_new_int64(bb_col_i64(t, 0, R_MAX)) : NULL);
	json_object_object_add(o, "expiresAt", bb_col_json_date(t, 0, R_EXPIRES));
	json_object_object_add(o, "content", bb_col_json_str(t, 0, R_CONTENT));
	json_object_object_add(o, "createdAt", bb_col_json_date(t, 0, R_CREATED));
	json_object_object_add(o, "forIdentity", bb_col_json_str(t, 0, R_FOR));
	return o;
}

static void template_get(struct bb_req *r)
{
	const char *id, *text = bb_query(r, "password");
	unsigned char *pw = NULL;
	size_t pw_len = 0;
	if (!bb_arg_id(r, 0, "RLT", &id))
		return;
	if (text && *text && !bb_b64_decode(text, &pw, &pw_len)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'Password': the value is not valid base64");
		return;
	}
	PGresult *t = load_template(r, id, pw, pw_len);
	free(pw);
	if (t && visible(r, t) && allocate(r, t))
		bb_ok(r, 200, template_json(t));
	PQclear(t);
}

static void template_delete(struct bb_req *r)
{
	const char *id;
	if (!bb_arg_id(r, 0, "RLT", &id))
		return;
	PGresult *t = load_template(r, id, NULL, 0);
	if (!t)
		return;
	if (strcmp(PQgetvalue(t, 0, R_BY), r->address) != 0) {
		bb_fail(r, 403, "error.platform.forbidden", "Only the creator of a template can delete it.");
	} else {
		struct bb_params p = {0};
		bb_p_text(&p, id);
		if (bb_exec(r, "DELETE FROM templates WHERE id = $1", &p))
			bb_no_content(r);
	}
	PQclear(t);
}

/* One entry of a list: visible templates only (no allocation, unknown ids left out). */
static void list_one(struct bb_req *r, json_object *list, const char *id, const char *password)
{
	unsigned char *pw = NULL;
	size_t pw_len = 0;
	if (!bb_id_valid(id, "RLT")) {
		bb_fail(r, 400, "error.platform.validation.invalidId", "'Templates': '%.40s' is not a template id", id);
		return;
	}
	if (password && *password && !bb_b64_decode(password, &pw, &pw_len)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'Password': the value is not valid base64");
		return;
	}
	PGresult *t = load_template(r, id, pw, pw_len);
	free(pw);
	if (t && visible(r, t))
		json_object_array_add(list, template_json(t));
	PQclear(t);
	if (r->status == 404) { /* not visible: left out */
		json_object_put(r->error);
		r->error = NULL;
		r->status = 200;
	}
}

/* ?ids=A&ids=B (legacy) or ?templates.0.id=A&templates.0.password=P (dots notation). */
static void template_list(struct bb_req *r)
{
	json_object *list = json_object_new_array();
	for (struct evkeyval *kv = r->query.tqh_first; kv && !r->error; kv = kv->next.tqe_next) {
		int n, used = 0;
		if (strcasecmp(kv->key, "ids") == 0) {
			list_one(r, list, kv->value, NULL);
		} else if (sscanf(kv->key, "templates.%d.id%n", &n, &used) == 1 && kv->key[used] == '\0') {
			char key[48];
			snprintf(key, sizeof key, "templates.%d.password", n);
			list_one(r, list, kv->value, bb_query(r, key));
		}
	}
	if (r->error)
		json_object_put(list);
	else
		bb_paged(r, list);
}

const struct bb_route bb_routes_templates[] = {
        {EVHTTP_REQ_GET, "/api/v2/RelationshipTemplates", BB_AUTH, BB_BODY_NONE, template_list},
        {EVHTTP_REQ_POST, "/api/v2/RelationshipTemplates", BB_AUTH, BB_BODY_JSON, template_create},
        {EVHTTP_REQ_GET, "/api/v2/RelationshipTemplates/{}", BB_AUTH, BB_BODY_NONE, template_get},
        {EVHTTP_REQ_DELETE, "/api/v2/RelationshipTemplates/{}", BB_AUTH, BB_BODY_NONE, template_delete},
        {0},
};
