/*
 * runtime/messages_sends.c: the record of idempotent sends (messages_sends.h). A row is written
 * with the sealed Backbone body in the transaction that commits the message's counters (before
 * the Backbone is called) and gets its message id in the transaction that stores the message.
 * Invariant: all work on one key happens under the session advisory lock of that key, so two
 * attempts with the same key never run at once (a killed attempt's lock ends with its session).
 * A row without message_id is resolved by asking the Backbone for a message of this identity
 * with the same body bytes (the body holds a fresh random nonce, so equal bytes mean the same
 * sealed message); only when none exists is the same body sent again.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "backbone/client.h"
#include "runtime/messages_crypto.h"
#include "runtime/messages_sends.h"

#define LOCK_SQL(fn) "SELECT " fn "(hashtextextended(current_schema() || '/message_sends/' || $1, 0))"

bool msg_send_key_valid(const char *key)
{
	size_t n = strlen(key);
	if (n < 1 || n > MSG_SEND_KEY_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

void msg_send_request_hash(json_object *recipients, json_object *content, json_object *attachments, char out[65])
{
	json_object *all = json_object_new_array();
	json_object_array_add(all, json_object_get(recipients));
	json_object_array_add(all, msg_sorted_copy(content));
	json_object_array_add(all, attachments ? json_object_get(attachments) : json_object_new_array());
	const char *text = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN);
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, 65, digest, sizeof(digest));
	json_object_put(all);
}

bool msg_send_lock(struct runtime *rt, const char *key, struct runtime_error *err)
{
	const char *params[] = {key};
	PGresult *res = db_exec(rt->db, LOCK_SQL("pg_advisory_lock"), 1, params);
	if (!res)
		return rt_fail_db(err, rt, "locking the Idempotency-Key");
	PQclear(res);
	return true;
}

void msg_send_unlock(struct runtime *rt, const char *key)
{
	const char *params[] = {key};
	PQclear(db_exec(rt->db, LOCK_SQL("pg_advisory_unlock"), 1, params));
}

bool msg_send_load(struct runtime *rt, const char *key, const char *hash, struct msg_send_record *rec,
                   struct runtime_error *err)
{
	memset(rec, 0, sizeof(*rec));
	const char *params[] = {key};
	PGresult *res = db_exec(rt->db,
	                        "SELECT request_hash, message_id, backbone_body FROM message_sends WHERE "
	                        "idempotency_key = $1",
	                        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading the send of the Idempotency-Key");
	rec->found = PQntuples(res) == 1;
	if (rec->found) {
		rec->same_request = strcmp(PQgetvalue(res, 0, 0), hash) == 0;
		rec->message_id = PQgetisnull(res, 0, 1) ? NULL : strdup(PQgetvalue(res, 0, 1));
		rec->request = json_tokener_parse(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	if (rec->found && !rec->request)
		return rt_fail(err, RT_ERR_UNEXPECTED, "the stored send of the Idempotency-Key is not JSON");
	return true;
}

void msg_send_record_free(struct msg_send_record *rec)
{
	free(rec->message_id);
	json_object_put(rec->request);
	memset(rec, 0, sizeof(*rec));
}

bool msg_send_insert(struct runtime *rt, const char *key, const char *hash, json_object *request,
                     struct runtime_error *err)
{
	const char *params[] = {key, hash, json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN)};
	if (!db_command(rt->db,
	                "INSERT INTO message_sends (idempotency_key, request_hash, backbone_body) VALUES ($1, $2, "
	                "$3::jsonb)",
	                3, params))
		return rt_fail_db(err, rt, "recording the send of the Idempotency-Key");
	return true;
}

bool msg_send_complete(struct runtime *rt, const char *key, const char *message_id, struct runtime_error *err)
{
	const char *params[] = {key, message_id};
	if (!db_command(rt->db, "UPDATE message_sends SET message_id = $2 WHERE idempotency_key = $1", 2, params))
		return rt_fail_db(err, rt, "completing the send of the Idempotency-Key");
	return true;
}

/* Base64 in any of its variants (standard or URL-safe, padded or not); NULL when none fits. */
static unsigned char *decode_any(const char *text, size_t *len)
{
	static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
	                               sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
	size_t n = strlen(text);
	unsigned char *out = malloc(n + 1);
	for (size_t i = 0; out && i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin(out, n + 1, text, n, NULL, len, NULL, variants[i]) == 0)
			return out;
	free(out);
	return NULL;
}

static bool same_body(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	unsigned char *x = decode_any(a, &la), *y = decode_any(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

bool msg_send_find_at_backbone(struct runtime *rt, json_object *request, json_object **message,
                               struct runtime_error *err)
{
	*message = NULL;
	const char *body = rt_json_str(request, "body");
	if (!body)
		return rt_fail(err, RT_ERR_UNEXPECTED, "the stored send has no body");
	struct backbone_response r = {0};
	if (backbone_get_all(rt->client, "/api/v2/Messages?pageSize=100", BACKBONE_AUTH, &r) != BACKBONE_OK)
		return rt_fail_backbone(err, &r);
	size_t n = json_object_is_type(r.result, json_type_array) ? json_object_array_length(r.result) : 0;
	for (size_t i = n; i-- > 0 && !*message;) { /* newest last: search from the end */
		json_object *m = json_object_array_get_idx(r.result, i);
		const char *by = rt_json_str(m, "createdBy"), *other = rt_json_str(m, "body");
		if (by && other && strcmp(by, rt->identity->address) == 0 && same_body(body, other))
			*message = json_object_get(m);
	}
	backbone_response_clear(&r);
	return true;
}
