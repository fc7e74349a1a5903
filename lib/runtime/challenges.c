/*
 * runtime/challenges.c: creating and validating challenges (challenges.h).
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "runtime/challenges.h"
#include "runtime/messages_crypto.h"
#include "runtime/store.h"

#define REL_NOT_FOUND "Relationship not found. Make sure the ID exists and the record is not expired."

/* Secrets, status and DTO of a relationship by id or (peer != NULL) the youngest one to peer. */
struct rel_view {
	bool found, active, usable;
	struct ecrypto_rel_secrets secrets;
	json_object *dto;
};

static bool rel_view_load(struct runtime *rt, const char *id, const char *peer, struct rel_view *v,
                          struct runtime_error *err)
{
	const char *params[] = {id ? id : peer};
	PGresult *res =
	        db_exec(rt->db,
	                id ? "SELECT status, secrets_kind, secrets, dto FROM relationships WHERE id = $1"
	                   : "SELECT status, secrets_kind, secrets, dto FROM relationships WHERE peer = $1 ORDER "
	                     "BY created_at DESC LIMIT 1",
	                1, params);
	memset(v, 0, sizeof(*v));
	if (!res)
		return rt_fail_db(err, rt, "reading a relationship");
	v->found = PQntuples(res) == 1;
	bool fine = true;
	if (v->found) {
		v->active = strcmp(PQgetvalue(res, 0, 0), "Active") == 0;
		v->usable = strcmp(PQgetvalue(res, 0, 1), "full") == 0;
		struct ecrypto_why why = {{0}};
		if (v->usable && ecrypto_rel_secrets_from_json(PQgetvalue(res, 0, 2), &v->secrets, &why) != ECRYPTO_OK)
			fine = rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored relationship secrets", &why);
		v->dto = json_tokener_parse(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return fine;
}

static void rel_view_clear(struct rel_view *v)
{
	ecrypto_rel_secrets_wipe(&v->secrets);
	json_object_put(v->dto);
	v->dto = NULL;
}

static char *challenge_string(json_object *bb, const char *type)
{
	json_object *c = json_object_new_object();
	const char *keys[] = {"createdBy", "createdByDevice", "expiresAt", "id"};
	for (size_t i = 0; i < 4; i++)
		if (rt_json_str(bb, keys[i]))
			json_object_object_add(c, keys[i], json_object_new_string(rt_json_str(bb, keys[i])));
	json_object_object_add(c, "type", json_object_new_string(type));
	char *text = strdup(rt_json_text(c));
	json_object_put(c);
	return text;
}

static bool sign_challenge(struct runtime *rt, const char *type, struct rel_view *rel, const char *text,
                           struct ecrypto_signature *sig, struct runtime_error *err)
{
	struct ecrypto_why why = {{0}};
	enum ecrypto_err e;
	if (strcmp(type, "Relationship") == 0) {
		e = ecrypto_rel_secrets_sign(&rel->secrets, text, strlen(text), ECRYPTO_HASH_SHA512, sig, &why);
	} else if (strcmp(type, "Device") == 0) {
		struct ecrypto_sig_keypair device;
		if (!rt_device_keypair(rt, &device, err))
			return false;
		e = ecrypto_sign(&device.prv, text, strlen(text), ECRYPTO_HASH_SHA512, sig, &why);
		ecrypto_sig_keypair_wipe(&device);
	} else {
		e = ecrypto_sign(&rt->identity->identity_keys.prv, text, strlen(text), ECRYPTO_HASH_SHA512, sig, &why);
	}
	return e == ECRYPTO_OK ? true : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "signing the challenge", &why);
}

static json_object *challenge_dto(json_object *bb, const char *type, const char *text,
                                  const struct ecrypto_signature *sig)
{
	json_object *dto = json_object_new_object();
	const char *keys[] = {"id", "expiresAt", "createdBy", "createdByDevice"};
	for (size_t i = 0; i < 4; i++)
		if (rt_json_str(bb, keys[i]))
			json_object_object_add(dto, keys[i], json_object_new_string(rt_json_str(bb, keys[i])));
	char *b64 = ecrypto_signature_to_base64(sig);
	json_object_object_add(dto, "type", json_object_new_string(type));
	json_object_object_add(dto, "signature", json_object_new_string(b64 ? b64 : ""));
	json_object_object_add(dto, "challengeString", json_object_new_string(text));
	free(b64);
	return dto;
}

bool rt_challenge_create(struct runtime *rt, const char *type, const char *relationship_id, json_object **dto,
                         struct runtime_error *err)
{
	struct rel_view rel = {0};
	*dto = NULL;
	if (strcmp(type, "Relationship") == 0) {
		if (!rel_view_load(rt, relationship_id, NULL, &rel, err))
			return false;
		if (!rel.found)
			return rt_fail(err, RT_ERR_NOT_FOUND, REL_NOT_FOUND);
		if (!rel.active || !rel.usable) {
			rel_view_clear(&rel);
			return rt_fail(err, "error.transport.challenges.challengeTypeRequiresActiveRelationship",
			               "The challenge type Relationship requires an active Relationship.");
		}
	}
	struct backbone_response r = {0};
	json_object *body = json_object_new_object();
	bool fine = backbone_call(rt->client, "POST", "/api/v2/Challenges", body, BACKBONE_AUTH, &r) == BACKBONE_OK
	                    ? true
	                    : rt_fail_backbone(err, &r);
	json_object_put(body);
	char *text = fine ? challenge_string(r.result, type) : NULL;
	struct ecrypto_signature sig;
	if (fine)
		fine = sign_challenge(rt, type, &rel, text, &sig, err);
	if (fine)
		*dto = challenge_dto(r.result, type, text, &sig);
	free(text);
	backbone_response_clear(&r);
	rel_view_clear(&rel);
	return fine;
}

static json_object *invalid(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "isValid", json_object_new_boolean(0));
	return o;
}

/* The Backbone's record must exist with the same id and creator. */
static bool backbone_agrees(struct runtime *rt, json_object *c)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/Challenges/%s", rt_json_str(c, "id"));
	struct backbone_response r = {0};
	bool same = backbone_call(rt->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, &r) == BACKBONE_OK &&
	            rt_json_str(r.result, "id") && strcmp(rt_json_str(r.result, "id"), rt_json_str(c, "id")) == 0 &&
	            rt_json_str(r.result, "createdBy") &&
	            strcmp(rt_json_str(r.result, "createdBy"), rt_json_str(c, "createdBy")) == 0;
	backbone_response_clear(&r);
	return same;
}

static bool verify_locally(struct runtime *rt, json_object *c, const char *text, const struct ecrypto_signature *sig,
                           json_object **result, struct runtime_error *err)
{
	const char *type = rt_json_str(c, "type"), *creator = rt_json_str(c, "createdBy");
	struct rel_view rel;
	if (!rel_view_load(rt, NULL, creator, &rel, err))
		return false;
	if (!rel.found || !rel.active) {
		rel_view_clear(&rel);
		return rt_fail(err, "error.transport.recordNotFound", "'Relationship' not found.");
	}
	bool valid = false;
	if (strcmp(type, "Device") == 0) {
		rel_view_clear(&rel);
		return rt_fail(err, "error.runtime.notSupported",
		               "Validating challenges of the type 'Device' is not yet supported.");
	} else if (strcmp(type, "Relationship") == 0) {
		valid = rel.usable &&
		        ecrypto_rel_secrets_verify_peer(&rel.secrets, text, strlen(text), sig, NULL) == ECRYPTO_OK;
	} else {
		struct ecrypto_sig_public_key key;
		json_object *peer = json_object_object_get(rel.dto, "peerIdentity");
		const char *pub = rt_json_str(peer, "publicKey");
		valid = pub && ecrypto_sig_public_key_from_base64(pub, &key, NULL) == ECRYPTO_OK &&
		        ecrypto_verify(&key, text, strlen(text), sig, NULL) == ECRYPTO_OK;
	}
	*result = invalid();
	if (valid) {
		json_object_object_add(*result, "isValid", json_object_new_boolean(1));
		json_object_object_add(*result, "correspondingRelationship", json_object_get(rel.dto));
	}
	rel_view_clear(&rel);
	return true;
}

bool rt_challenge_validate(struct runtime *rt, const char *challenge_string, const char *signature_b64,
                           json_object **result, struct runtime_error *err)
{
	struct ecrypto_signature sig;
	*result = NULL;
	if (ecrypto_signature_from_base64(signature_b64, &sig, NULL) != ECRYPTO_OK)
		return rt_fail(err, RT_ERR_INVALID_VALUE, "The signature is invalid.");
	json_object *c = rt_json_parse(challenge_string, strlen(challenge_string));
	const char *type = rt_json_str(c, "type");
	long long expires = 0;
	if (!c || !rt_json_str(c, "id") || !rt_parse_date(rt_json_str(c, "expiresAt"), &expires) || !type ||
	    (strcmp(type, "Identity") && strcmp(type, "Device") && strcmp(type, "Relationship"))) {
		json_object_put(c);
		return rt_fail(err, RT_ERR_INVALID_VALUE, "The challengeString is invalid.");
	}
	char now[32];
	long long now_ms = 0;
	rt_now_iso(now);
	rt_parse_date(now, &now_ms);
	bool fine = true;
	if (expires <= now_ms || !rt_json_str(c, "createdBy") || !backbone_agrees(rt, c))
		*result = invalid();
	else
		fine = verify_locally(rt, c, challenge_string, &sig, result, err);
	json_object_put(c);
	return fine;
}
