/*
 * bb_files.c: /api/v2/Files: multipart upload, download of the raw cipher, metadata, delete by
 * the creator, and the ownership token endpoints (validate, regenerate by the owner, claim; a
 * wrong token locks the file and tells the owner with FileOwnershipLocked, a successful claim
 * tells the previous owner with FileOwnershipClaimed). Expired or deleted files are 404.
 */
#include "bb.h"

#include <event2/buffer.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_multipart.h"
#include "timeutil.h"

#define TOKEN_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()_-+=<>?/{}[]|~"

static void new_ownership_token(char out[21])
{
	for (int i = 0; i < 20; i++)
		out[i] = TOKEN_ALPHABET[randombytes_uniform(sizeof TOKEN_ALPHABET - 1)];
	out[20] = '\0';
}

struct upload {
	struct bb_part content;
	unsigned char *hash, *signature, *properties;
	size_t hash_len, signature_len, properties_len;
	int64_t expires;
};

static bool part_bytes(struct bb_req *r, const struct bb_part *parts, int n, const char *name, bool required,
                       size_t max, unsigned char **out, size_t *len)
{
	const struct bb_part *p = bb_multipart_find(parts, n, name);
	*out = NULL;
	*len = 0;
	if (!p || p->len == 0) {
		if (required)
			bb_invalid(r, name, "must not be empty");
		return !required;
	}
	char *text = strndup((const char *)p->data, p->len);
	bool ok = text && bb_b64_decode(text, out, len);
	free(text);
	if (!ok)
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'%c%s': the value is not valid base64",
		        name[0] - 32, name + 1);
	else if (*len < 1 || *len > max)
		bb_invalid(r, name, "has an invalid length");
	return ok && *len >= 1 && *len <= max;
}

static bool part_expiry(struct bb_req *r, const struct bb_part *parts, int n, int64_t *out)
{
	const struct bb_part *p = bb_multipart_find(parts, n, "expiresAt");
	char text[64];
	if (!p || p->len == 0 || p->len >= sizeof text) {
		bb_invalid(r, "expiresAt", "must be an ISO 8601 date");
		return false;
	}
	snprintf(text, sizeof text, "%.*s", (int)p->len, (const char *)p->data);
	if (!time_parse_iso(text, out)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'ExpiresAt': '%s' is not an ISO 8601 date",
		        text);
		return false;
	}
	if (*out <= r->now) {
		bb_invalid(r, "expiresAt", "must be in the future");
		return false;
	}
	return true;
}

static bool read_upload(struct bb_req *r, struct upload *u)
{
	struct bb_part parts[BB_MAX_PARTS];
	int n;
	const char *why;
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
	if (!bb_multipart_parse(ct, r->body, r->body_len, parts, &n, &why)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'$': %s", why);
		return false;
	}
	const struct bb_part *content = bb_multipart_find(parts, n, "content");
	if (!content || content->len < 1 || content->len > r->srv->cfg.max_file_size) {
		bb_invalid(r, "content", "must be a file part of 1 byte to --max-file-size bytes");
		return false;
	}
	u->content = *content;
	return part_bytes(r, parts, n, "cipherHash", true, 128, &u->hash, &u->hash_len) &&
	       part_bytes(r, parts, n, "ownerSignature", false, 512, &u->signature, &u->signature_len) &&
	       part_bytes(r, parts, n, "encryptedProperties", false, 1024 * 1024, &u->properties, &u->properties_len) &&
	       part_expiry(r, parts, n, &u->expires);
}

#define FILE_COLUMNS                                                                                                \
	"id, created_at, created_by, created_by_device, modified_at, modified_by, modified_by_device, deleted_at, " \
	"deleted_by, deleted_by_device, owner, " BB_B64U(                                                           \
	        "owner_signature") ", ownership_locked, "                                                           \
	                           "cipher_size, " BB_B64U("cipher_hash") ", "                                      \
	                                                                  "expires_at,"                             \
	                                                                  " " BB_B64U("encry"                       \
	                                                                              "pted_"                       \
	                                                                              "prope"                       \
	                                                                              "rtie"                        \
	                                                                              "s") ", ownership_token"

enum {
	F_ID,
	F_CREATED,
	F_BY,
	F_BY_DEVICE,
	F_MODIFIED,
	F_MOD_BY,
	F_MOD_DEVICE,
	F_DELETED,
	F_DEL_BY,
	F_DEL_DEVICE,
	F_OWNER,
	F_SIGNATURE,
	F_LOCKED,
	F_SIZE,
	F_HASH,
	F_EXPIRES,
	F_PROPERTIES,
	F_TOKEN
};

static void add(json_object *o, const char *name, PGresult *res, int col)
{
	json_object_object_add(o, name, bb_col_json_str(res, 0, col));
}

static void add_date(json_object *o, const char *name, PGresult *res, int col)
{
	json_object_object_add(o, name, bb_col_json_date(res, 0, col));
}

static json_object *file_json(PGresult *res, bool created)
{
	json_object *o = json_object_new_object();
	add(o, "id", res, F_ID);
	add_date(o, "createdAt", res, F_CREATED);
	add(o, "createdBy", res, F_BY);
	add(o, "createdByDevice", res, F_BY_DEVICE);
	add_date(o, "modifiedAt", res, F_MODIFIED);
	add(o, "modifiedBy", res, F_MOD_BY);
	if (!created)
		add(o, "modifiedByDevice", res, F_MOD_DEVICE);
	add_date(o, "deletedAt", res, F_DELETED);
	add(o, "deletedBy", res, F_DEL_BY);
	if (!created)
		add(o, "deletedByDevice", res, F_DEL_DEVICE);
	add(o, "owner", res, F_OWNER);
	add(o, "ownerSignature", res, F_SIGNATURE);
	if (created)
		add(o, "ownershipToken", res, F_TOKEN);
	else
		json_object_object_add(o, "ownershipIsLocked", json_object_new_boolean(bb_col_bool(res, 0, F_LOCKED)));
	json_object_object_add(o, "cipherSize", json_object_new_int64(bb_col_i64(res, 0, F_SIZE)));
	add(o, "cipherHash", res, F_HASH);
	add_date(o, "expiresAt", res, F_EXPIRES);
	if (!created)
		add(o, "encryptedProperties", res, F_PROPERTIES);
	return o;
}

static void insert_file(struct bb_req *r, struct upload *u)
{
	char id[BB_ID_LEN + 1], token[21];
	bb_new_id("FIL", id);
	new_ownership_token(token);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	bb_p_bytes(&p, u->signature, u->signature_len);
	bb_p_text(&p, token);
	bb_p_i64(&p, (int64_t)u->content.len);
	bb_p_bytes(&p, u->hash, u->hash_len);
	bb_p_i64(&p, u->expires);
	bb_p_bytes(&p, u->properties, u->properties_len);
	bb_p_bytes(&p, u->content.data, u->content.len);
	PGresult *res =
	        bb_q(r,
	             "INSERT INTO files (id, created_at, created_by, created_by_device, modified_at, modified_by, "
	             "modified_by_device, owner, owner_signature, ownership_token, cipher_size, cipher_hash, "
	             "expires_at, encrypted_properties, content) VALUES ($1, $2, $3, $4, $2, $3, $4, $3, $5, $6, "
	             "$7, $8, $9, $10, $11) RETURNING " FILE_COLUMNS,
	             &p);
	if (res)
		bb_ok(r, 201, file_json(res, true));
	PQclear(res);
}

static void file_upload(struct bb_req *r)
{
	struct upload u = {0};
	if (read_upload(r, &u))
		insert_file(r, &u);
	free(u.hash);
	free(u.signature);
	free(u.properties);
}

static PGresult *load_file(struct bb_req *r, bool with_content)
{
	const char *id;
	if (!bb_arg_id(r, 0, "FIL", &id))
		return NULL;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(r,
	                     with_content ? "SELECT content FROM files WHERE id = $1 AND deleted_at IS NULL AND "
	                                    "expires_at > $2"
	                                  : "SELECT " FILE_COLUMNS " FROM files WHERE id = $1 AND deleted_at IS NULL "
	                                    "AND expires_at > $2",
	                     &p);
	if (res && PQntuples(res) != 1) {
		bb_not_found(r, "File");
		PQclear(res);
		return NULL;
	}
	return res;
}

static void file_download(struct bb_req *r)
{
	PGresult *res = load_file(r, true);
	if (!res)
		return;
	size_t len;
	unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &len);
	PQclear(res);
	if (!bytes) {
		bb_unexpected(r, "cannot decode the file content");
		return;
	}
	r->raw = evbuffer_new();
	evbuffer_add(r->raw, bytes, len);
	PQfreemem(bytes);
	r->raw_type = "application/octet-stream";
	r->status = 200;
}

static void file_metadata(struct bb_req *r)
{
	PGresult *res = load_file(r, false);
	if (res)
		bb_ok(r, 200, file_json(res, false));
	PQclear(res);
}

static void file_delete(struct bb_req *r)
{
	PGresult *res = load_file(r, false);
	if (!res)
		return;
	if (strcmp(PQgetvalue(res, 0, F_BY), r->address) != 0) {
		bb_fail(r, 403, "error.platform.forbidden", "Only the creator of a file can delete it.");
	} else {
		struct bb_params p = {0};
		bb_p_text(&p, PQgetvalue(res, 0, F_ID));
		bb_p_i64(&p, r->now);
		bb_p_text(&p, r->address);
		bb_p_text(&p, r->device);
		if (bb_exec(r,
		            "UPDATE files SET deleted_at = $2, deleted_by = $3, deleted_by_device = $4, content = '' "
		            "WHERE id = $1",
		            &p))
			bb_no_content(r);
	}
	PQclear(res);
}

static bool set_owner(struct bb_req *r, const char *id, const char *owner, bool locked, char token[21])
{
	struct bb_params p = {0};
	new_ownership_token(token);
	bb_p_text(&p, id);
	bb_p_text(&p, owner);
	bb_p_bool(&p, locked);
	bb_p_text(&p, token);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	return bb_exec(r,
	               "UPDATE files SET owner = $2, ownership_locked = $3, ownership_token = $4, modified_at = $5, "
	               "modified_by = $6, modified_by_device = $7 WHERE id = $1",
	               &p);
}

static bool lock_file(struct bb_req *r, PGresult *f)
{
	struct bb_params p = {0};
	bb_p_text(&p, PQgetvalue(f, 0, F_ID));
	if (!bb_exec(r, "UPDATE files SET ownership_locked = true WHERE id = $1", &p))
		return false;
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "fileId", json_object_new_string(PQgetvalue(f, 0, F_ID)));
	return bb_event_add(r, PQgetvalue(f, 0, F_OWNER), "FileOwnershipLocked", payload, NULL, false);
}

static bool token_matches(PGresult *f, const char *token)
{
	const char *actual = PQgetvalue(f, 0, F_TOKEN);
	return strlen(token) == strlen(actual) && sodium_memcmp(token, actual, strlen(actual)) == 0;
}

static void file_validate_token(struct bb_req *r)
{
	const char *token;
	PGresult *f = NULL;
	if (!bb_get_str(r, r->json, "ownershipToken", true, &token) || !(f = load_file(r, false)))
		return;
	bool valid = token_matches(f, token);
	bool owner = strcmp(PQgetvalue(f, 0, F_OWNER), r->address) == 0;
	if (valid || owner || lock_file(r, f)) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "isValid", json_object_new_boolean(valid));
		bb_ok(r, 200, o);
	}
	PQclear(f);
}

static void respond_token(struct bb_req *r, const char *token)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "newOwnershipToken", json_object_new_string(token));
	bb_ok(r, 200, o);
}

static void file_regenerate_token(struct bb_req *r)
{
	PGresult *f = load_file(r, false);
	char token[21];
	if (!f)
		return;
	if (strcmp(PQgetvalue(f, 0, F_OWNER), r->address) != 0)
		bb_fail(r, 403, "error.platform.forbidden",
		        "Only the owner of a file can regenerate its ownership token.");
	else if (set_owner(r, PQgetvalue(f, 0, F_ID), r->address, false, token))
		respond_token(r, token);
	PQclear(f);
}

static void claim_granted(struct bb_req *r, PGresult *f)
{
	char token[21];
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "fileId", json_object_new_string(PQgetvalue(f, 0, F_ID)));
	json_object_object_add(payload, "newOwnerAddress", json_object_new_string(r->address));
	if (set_owner(r, PQgetvalue(f, 0, F_ID), r->address, false, token) &&
	    bb_event_add(r, PQgetvalue(f, 0, F_OWNER), "FileOwnershipClaimed", payload, NULL, false))
		respond_token(r, token);
	else
		json_object_put(payload);
}

static void file_claim(struct bb_req *r)
{
	const char *token;
	PGresult *f = NULL;
	if (!bb_get_str(r, r->json, "ownershipToken", true, &token) || !(f = load_file(r, false)))
		return;
	if (strcmp(PQgetvalue(f, 0, F_OWNER), r->address) == 0) {
		bb_fail(r, 400, "error.platform.validation.file.cannotClaimOwnershipOfOwnFile",
		        "You already own this file.");
	} else if (bb_col_bool(f, 0, F_LOCKED)) {
		bb_fail(r, 403, "error.platform.forbidden", "The ownership of this file is locked.");
	} else if (!token_matches(f, token)) {
		r->keep_on_error = lock_file(r, f);
		bb_fail(r, 403, "error.platform.forbidden",
		        "The ownership token is not valid; the file is now locked.");
	} else {
		claim_granted(r, f);
	}
	PQclear(f);
}

static json_object *file_item(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(
	        r, "SELECT " FILE_COLUMNS " FROM files WHERE id = $1 AND deleted_at IS NULL AND expires_at > $2", &p);
	json_object *o = res && PQntuples(res) == 1 ? file_json(res, false) : NULL;
	PQclear(res);
	return o;
}

static void file_list(struct bb_req *r)
{
	bb_list_ids(r, "FIL", file_item);
}

const struct bb_route bb_routes_files[] = {
        {EVHTTP_REQ_GET, "/api/v2/Files", BB_AUTH, BB_BODY_NONE, file_list},
        {EVHTTP_REQ_POST, "/api/v2/Files", BB_AUTH, BB_BODY_MULTIPART, file_upload},
        {EVHTTP_REQ_GET, "/api/v2/Files/{}", BB_AUTH, BB_BODY_NONE, file_download},
        {EVHTTP_REQ_GET, "/api/v2/Files/{}/Metadata", BB_AUTH, BB_BODY_NONE, file_metadata},
        {EVHTTP_REQ_DELETE, "/api/v2/Files/{}", BB_AUTH, BB_BODY_NONE, file_delete},
        {EVHTTP_REQ_POST, "/api/v2/Files/{}/ValidateOwnershipToken", BB_AUTH, BB_BODY_JSON, file_validate_token},
        {EVHTTP_REQ_PATCH, "/api/v2/Files/{}/RegenerateOwnershipToken", BB_AUTH, BB_BODY_JSON, file_regenerate_token},
        {EVHTTP_REQ_PATCH, "/api/v2/Files/{}/ClaimOwnership", BB_AUTH, BB_BODY_JSON, file_claim},
        {0},
};
