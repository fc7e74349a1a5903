/*
 * bb_tokens.c: /api/v2/Tokens: create (authenticated, or anonymous when empty and short-lived),
 * read with the access rules (creator and allocated identities always; otherwise expiry,
 * forIdentity, password with a failed-attempt counter that survives the error and locks at 100),
 * UpdateContent of empty tokens, delete by the creator.
 */
#include "bb.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CONTENT               (10 * 1024 * 1024)
#define MAX_FAILED_ATTEMPTS       100
#define ANONYMOUS_MAX_LIFETIME_MS (5 * 60 * 1000)

static bool for_identity_ok(struct bb_req *r, const char *for_identity)
{
	if (!for_identity || bb_address_valid(for_identity))
		return true;
	bb_invalid(r, "forIdentity", "is not a valid address");
	return false;
}

static bool create_checks(struct bb_req *r, int64_t expires, const unsigned char *content)
{
	if (expires <= r->now) {
		bb_invalid(r, "expiresAt", "must be in the future");
		return false;
	}
	if (!r->authed && (content || expires >= r->now + ANONYMOUS_MAX_LIFETIME_MS)) {
		bb_invalid(r, "content", "anonymous tokens must be empty and expire within 5 minutes");
		return false;
	}
	return true;
}

static void token_create(struct bb_req *r)
{
	unsigned char *content = NULL, *password = NULL;
	size_t content_len, password_len;
	const char *for_identity;
	int64_t expires;
	char id[BB_ID_LEN + 1];
	if (bb_get_bytes(r, r->json, "content", false, 0, MAX_CONTENT, &content, &content_len) &&
	    bb_get_date(r, r->json, "expiresAt", true, &expires, NULL) &&
	    bb_get_str(r, r->json, "forIdentity", false, &for_identity) && for_identity_ok(r, for_identity) &&
	    bb_get_bytes(r, r->json, "password", false, 1, 200, &password, &password_len) &&
	    create_checks(r, expires, content)) {
		bb_new_id("TOK", id);
		struct bb_params p = {0};
		bb_p_text(&p, id);
		bb_p_text(&p, r->authed ? r->address : NULL);
		bb_p_text(&p, r->authed ? r->device : NULL);
		bb_p_text(&p, for_identity);
		bb_p_bytes(&p, password, password_len);
		bb_p_bytes(&p, content, content_len);
		bb_p_i64(&p, r->now);
		bb_p_i64(&p, expires);
		if (bb_exec(r,
		            "INSERT INTO tokens (id, created_by, created_by_device, for_identity, password, content, "
		            "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		            &p)) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_string(id));
			json_object_object_add(o, "createdAt", bb_jdate(r->now));
			bb_ok(r, 201, o);
		}
	}
	free(content);
	free(password);
}

enum { T_ID, T_BY, T_BY_DEVICE, T_FOR, T_CREATED, T_EXPIRES, T_CONTENT, T_HAS_PW, T_FAILED, T_ALLOCATED, T_PWOK };

static PGresult *load_token(struct bb_req *r, const char *id, const unsigned char *pw, size_t pw_len)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->authed ? r->address : "");
	bb_p_bytes(&p, pw, pw_len);
	PGresult *res =
	        bb_q(r,
	             "SELECT id, created_by, created_by_device, for_identity, created_at, expires_at, " BB_B64U(
	                     "content") ", password IS NOT NULL, failed_attempts, EXISTS (SELECT 1 FROM "
	                                "token_allocations WHERE token_id = $1 AND address = $2), password = $3 "
	                                "FROM tokens WHERE id = $1",
	             &p);
	if (res && PQntuples(res) != 1) {
		bb_not_found(r, "Token");
		PQclear(res);
		return NULL;
	}
	return res;
}

static bool count_failure(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	r->keep_on_error = true;
	return bb_exec(r, "UPDATE tokens SET failed_attempts = failed_attempts + 1 WHERE id = $1", &p);
}

/* The rules of reading a token other than one's own or an allocated one. */
static bool may_access(struct bb_req *r, PGresult *t)
{
	const char *by = bb_col(t, 0, T_BY), *for_identity = bb_col(t, 0, T_FOR);
	if ((r->authed && by && strcmp(by, r->address) == 0) || bb_col_bool(t, 0, T_ALLOCATED))
		return true;
	if (bb_col_i64(t, 0, T_EXPIRES) <= r->now) {
		bb_not_found(r, "Token");
	} else if (bb_col_i64(t, 0, T_FAILED) >= MAX_FAILED_ATTEMPTS) {
		bb_fail(r, 400, "error.platform.token.tooManyFailedPasswordAttempts",
		        "The token is locked after too many failed password attempts.");
	} else if (for_identity && (!r->authed || strcmp(for_identity, r->address) != 0)) {
		bb_not_found(r, "Token");
	} else if (bb_col_bool(t, 0, T_HAS_PW) && !bb_col_bool(t, 0, T_PWOK)) {
		if (count_failure(r, PQgetvalue(t, 0, T_ID)))
			bb_not_found(r, "Token");
	} else {
		return true;
	}
	return false;
}

static json_object *token_json(PGresult *t, bool with_content)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(t, 0, T_ID));
	json_object_object_add(o, "createdBy", bb_col_json_str(t, 0, T_BY));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(t, 0, T_BY_DEVICE));
	json_object_object_add(o, "forIdentity", bb_col_json_str(t, 0, T_FOR));
	json_object_object_add(o, "createdAt", bb_col_json_date(t, 0, T_CREATED));
	json_object_object_add(o, "expiresAt", bb_col_json_date(t, 0, T_EXPIRES));
	if (with_content)
		json_object_object_add(o, "content", bb_col_json_str(t, 0, T_CONTENT));
	json_object_object_add(o, "isPasswordProtected", json_object_new_boolean(bb_col_bool(t, 0, T_HAS_PW)));
	return o;
}

static bool query_password(struct bb_req *r, unsigned char **pw, size_t *len)
{
	const char *text = bb_query(r, "password");
	*pw = NULL;
	*len = 0;
	if (!text || !*text)
		return true;
	if (bb_b64_decode(text, pw, len))
		return true;
	bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'Password': the value is not valid base64");
	return false;
}

static bool allocate(struct bb_req *r, const char *id)
{
	if (!r->authed)
		return true;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	return bb_exec(r, "INSERT INTO token_allocations VALUES ($1, $2) ON CONFLICT DO NOTHING", &p);
}

static void token_get(struct bb_req *r)
{
	const char *id;
	unsigned char *pw;
	size_t pw_len;
	if (!bb_arg_id(r, 0, "TOK", &id) || !query_password(r, &pw, &pw_len))
		return;
	PGresult *t = load_token(r, id, pw, pw_len);
	free(pw);
	if (!t)
		return;
	if (may_access(r, t) && allocate(r, id))
		bb_ok(r, 200, token_json(t, true));
	PQclear(t);
}

static void token_update_content(struct bb_req *r)
{
	const char *id;
	unsigned char *content = NULL, *pw = NULL;
	size_t content_len, pw_len;
	PGresult *t = NULL;
	if (bb_arg_id(r, 0, "TOK", &id) &&
	    bb_get_bytes(r, r->json, "newContent", true, 1, MAX_CONTENT, &content, &content_len) &&
	    bb_get_bytes(r, r->json, "password", false, 1, 200, &pw, &pw_len) && (t = load_token(r, id, pw, pw_len)) &&
	    may_access(r, t)) {
		if (bb_col(t, 0, T_CONTENT)) {
			bb_fail(r, 400, "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists",
			        "The content of this token has already been set.");
		} else {
			struct bb_params p = {0};
			bb_p_text(&p, id);
			bb_p_bytes(&p, content, content_len);
			bb_p_text(&p, r->address);
			bb_p_text(&p, r->device);
			PQclear(t);
			t = NULL;
			if (bb_exec(r,
			            "UPDATE tokens SET content = $2, created_by = $3, created_by_device = $4 WHERE id "
			            "= $1",
			            &p) &&
			    (t = load_token(r, id, NULL, 0)))
				bb_ok(r, 200, token_json(t, false));
		}
	}
	PQclear(t);
	free(content);
	free(pw);
}

static void token_delete(struct bb_req *r)
{
	const char *id;
	if (!bb_arg_id(r, 0, "TOK", &id))
		return;
	PGresult *t = load_token(r, id, NULL, 0);
	if (!t)
		return;
	const char *by = bb_col(t, 0, T_BY);
	if (!by || strcmp(by, r->address) != 0) {
		bb_fail(r, 403, "error.platform.forbidden", "Only the creator of a token can delete it.");
	} else {
		struct bb_params p = {0};
		bb_p_text(&p, id);
		if (bb_exec(r, "DELETE FROM tokens WHERE id = $1", &p))
			bb_no_content(r);
	}
	PQclear(t);
}

/* Lists only tokens the caller created or holds an allocation of (no password attempts here). */
static json_object *token_item(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res =
	        bb_q(r,
	             "SELECT id, created_by, created_by_device, for_identity, created_at, expires_at, " BB_B64U(
	                     "content") ", password IS NOT NULL FROM tokens WHERE id = $1 AND (created_by = $2 OR "
	                                "EXISTS (SELECT 1 FROM token_allocations WHERE token_id = $1 AND address = "
	                                "$2))",
	             &p);
	json_object *o = res && PQntuples(res) == 1 ? token_json(res, true) : NULL;
	PQclear(res);
	return o;
}

static void token_list(struct bb_req *r)
{
	bb_list_ids(r, "TOK", token_item);
}

const struct bb_route bb_routes_tokens[] = {
        {EVHTTP_REQ_GET, "/api/v2/Tokens", BB_AUTH, BB_BODY_NONE, token_list},
        {EVHTTP_REQ_POST, "/api/v2/Tokens", BB_OPTIONAL, BB_BODY_JSON, token_create},
        {EVHTTP_REQ_GET, "/api/v2/Tokens/{}", BB_OPTIONAL, BB_BODY_NONE, token_get},
        {EVHTTP_REQ_POST, "/api/v2/Tokens/{}/UpdateContent", BB_AUTH, BB_BODY_JSON, token_update_content},
        {EVHTTP_REQ_DELETE, "/api/v2/Tokens/{}", BB_AUTH, BB_BODY_NONE, token_delete},
        {0},
};
