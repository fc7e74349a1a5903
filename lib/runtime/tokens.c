/*
 * runtime/tokens.c: own and peer tokens (tokens.h; crypto-protocol.md §2.5, backbone-api.md §3.5).
 */
#include "runtime/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sealed.h"

static const struct filter_field token_fields[] = {
        {"createdAt", FILTER_PLAIN},
        {"createdBy", FILTER_PLAIN},
        {"createdByDevice", FILTER_PLAIN},
        {"expiresAt", FILTER_PLAIN},
        {"forIdentity", FILTER_PLAIN},
        {"passwordProtection", FILTER_PLAIN},
        {"passwordProtection.password", FILTER_PLAIN},
        {"passwordProtection.passwordIsPin", FILTER_PLAIN},
        {"passwordProtection.passwordLocationIndicator", FILTER_PLAIN},
        {NULL, 0},
};

static bool store_token(struct runtime *rt, const char *id, bool own, const struct ecrypto_secret_key *key,
                        json_object *dto, struct runtime_error *err)
{
	char *key_json = ecrypto_secret_key_to_json(key, true);
	const char *params[] = {id, own ? "t" : "f", key_json, rt_json_text(dto)};
	bool ok = db_command(rt->db,
	                     "INSERT INTO tokens (id, is_own, secret_key, dto) VALUES ($1, $2, $3, $4::jsonb) "
	                     "ON CONFLICT (id) DO UPDATE SET dto = EXCLUDED.dto",
	                     4, params);
	ecrypto_free_text(key_json);
	return ok ? true : rt_fail_db(err, rt, "storing a token");
}

/* The DTO common to own and peer tokens. */
static json_object *token_dto(const char *id, bool own, const char *created_by, const char *created_by_device,
                              json_object *content, const char *created_at, const char *expires_at,
                              const char *for_identity, json_object *password_dto, json_object *reference,
                              bool ephemeral)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "isOwn", json_object_new_boolean(own));
	json_object_object_add(o, "createdBy", json_object_new_string(created_by ? created_by : ""));
	json_object_object_add(o, "createdByDevice",
	                       json_object_new_string(created_by_device ? created_by_device : ""));
	json_object_object_add(o, "content", json_object_get(content));
	json_object_object_add(o, "createdAt", json_object_new_string(created_at ? created_at : ""));
	json_object_object_add(o, "expiresAt", json_object_new_string(expires_at ? expires_at : ""));
	if (for_identity)
		json_object_object_add(o, "forIdentity", json_object_new_string(for_identity));
	if (password_dto)
		json_object_object_add(o, "passwordProtection", password_dto);
	json_object_object_add(o, "reference", reference);
	json_object_object_add(o, "isEphemeral", json_object_new_boolean(ephemeral));
	return o;
}

/* Fills ref (id, key, base url, forIdentity, password) for a new own object. */
bool rt_own_reference(struct runtime *rt, const char *id, const struct ecrypto_secret_key *key,
                      const char *for_identity, const struct ecrypto_password_protection *pp,
                      struct ecrypto_reference *ref, struct runtime_error *err)
{
	struct ecrypto_why why = {{0}};
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->id, sizeof(ref->id), "%s", id);
	ref->key = *key;
	if (for_identity && strlen(for_identity) >= 4)
		snprintf(ref->for_identity_truncated, sizeof(ref->for_identity_truncated), "%s",
		         for_identity + strlen(for_identity) - 4);
	if (pp) {
		ref->has_password = true;
		ref->password = *pp;
	}
	if (ecrypto_reference_set_base_url(ref, backbone_client_base_url(rt->client), &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "reference", &why);
	return true;
}

bool rt_token_create_own(struct runtime *rt, json_object *content, const struct rt_token_options *o, json_object **dto,
                         struct runtime_error *err)
{
	struct ecrypto_secret_key key;
	struct ecrypto_password_protection pp;
	char param[ECRYPTO_PASSWORD_PARAM_SIZE];
	char *cipher = NULL;
	ecrypto_secret_key_generate(&key);
	if (o->password.password && !rt_password_prepare(&o->password, &pp, param, err))
		return false;
	if (!rt_token_seal(content, &key, &cipher, err))
		return false;
	json_object *body = json_object_new_object();
	json_object_object_add(body, "content", json_object_new_string(cipher));
	json_object_object_add(body, "expiresAt", json_object_new_string(o->expires_at));
	if (o->for_identity)
		json_object_object_add(body, "forIdentity", json_object_new_string(o->for_identity));
	if (o->password.password)
		json_object_object_add(body, "password", json_object_new_string(param));
	free(cipher);
	struct backbone_response r;
	enum backbone_status st = backbone_call(rt->client, "POST", "/api/v2/Tokens", body, BACKBONE_AUTH, &r);
	json_object_put(body);
	if (st != BACKBONE_OK) {
		rt_fail_backbone(err, &r);
		backbone_response_clear(&r);
		return false;
	}
	const char *id = rt_json_str(r.result, "id");
	struct ecrypto_reference ref;
	bool ok = id && rt_own_reference(rt, id, &key, o->for_identity, o->password.password ? &pp : NULL, &ref, err);
	json_object *reference = ok ? rt_reference_dto(&ref, err) : NULL;
	if (ok)
		ecrypto_reference_free(&ref);
	if (!reference) {
		backbone_response_clear(&r);
		return id ? false : rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone answered without a token id");
	}
	*dto = token_dto(id, true, rt->identity->address, rt->identity->device_id, content,
	                 rt_json_str(r.result, "createdAt"), o->expires_at, o->for_identity,
	                 o->password.password ? rt_password_dto(o->password.password, &pp) : NULL, reference,
	                 o->ephemeral);
	ok = o->ephemeral || store_token(rt, id, true, &key, *dto, err);
	backbone_response_clear(&r);
	if (!ok) {
		json_object_put(*dto);
		*dto = NULL;
	}
	return ok;
}

bool rt_token_fetch_content(struct runtime *rt, const char *reference, const char *password,
                            struct ecrypto_reference *ref, struct backbone_response *r, json_object **content,
                            struct runtime_error *err)
{
	struct ecrypto_why why = {{0}};
	if (ecrypto_reference_parse(reference, ECRYPTO_REF_TOKEN, ref, &why) != ECRYPTO_OK)
		return rt_fail(err, RT_ERR_INVALID_VALUE, "token reference invalid: %s", why.text);
	if (!rt_fetch_referenced(rt, "/api/v2/Tokens", ref, password, BACKBONE_AUTH | BACKBONE_SAFE, r, err)) {
		ecrypto_reference_free(ref);
		return false;
	}
	const char *cipher = rt_json_str(r->result, "content");
	if (!cipher) {
		ecrypto_reference_free(ref);
		backbone_response_clear(r);
		return rt_fail(err, "error.transport.tokens.invalidTokenContent",
		               "The content of Token '%s' is not of type TokenContent.", ref->id);
	}
	if (!rt_token_open(cipher, &ref->key, content, err)) {
		ecrypto_reference_free(ref);
		backbone_response_clear(r);
		return false;
	}
	return true;
}

bool rt_token_load_peer(struct runtime *rt, const char *reference, bool ephemeral, const char *password,
                        json_object **dto, struct runtime_error *err)
{
	struct ecrypto_reference ref;
	struct backbone_response r;
	json_object *content = NULL;
	if (!rt_token_fetch_content(rt, reference, password, &ref, &r, &content, err))
		return false;
	struct ecrypto_why why = {{0}};
	bool ok = ecrypto_reference_set_base_url(&ref, backbone_client_base_url(rt->client), &why) == ECRYPTO_OK;
	json_object *refdto = ok ? rt_reference_dto(&ref, err) : NULL;
	if (refdto) {
		const char *for_identity = rt_json_str(r.result, "forIdentity");
		*dto = token_dto(ref.id, false, rt_json_str(r.result, "createdBy"),
		                 rt_json_str(r.result, "createdByDevice"), content, rt_json_str(r.result, "createdAt"),
		                 rt_json_str(r.result, "expiresAt"), for_identity,
		                 ref.has_password && password ? rt_password_dto(password, &ref.password) : NULL, refdto,
		                 ephemeral);
		ok = ephemeral || store_token(rt, ref.id, false, &ref.key, *dto, err);
		if (!ok) {
			json_object_put(*dto);
			*dto = NULL;
		}
	} else {
		ok = false;
	}
	json_object_put(content);
	ecrypto_reference_free(&ref);
	backbone_response_clear(&r);
	return ok;
}

bool rt_tokens_list(struct runtime *rt, bool own, const struct http_query *query, json_object **list,
                    struct runtime_error *err)
{
	return rt_list_dtos(rt, "tokens", "is_own = $1::boolean", own ? "t" : "f", token_fields, NULL, query, list,
	                    err);
}

bool rt_token_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err)
{
	return rt_get_dto(rt, "tokens", id, "Token", dto, err);
}

bool rt_token_delete(struct runtime *rt, const char *id, struct runtime_error *err)
{
	json_object *dto = NULL;
	if (!rt_token_get(rt, id, &dto, err))
		return false;
	json_object *own = NULL;
	bool is_own = json_object_object_get_ex(dto, "isOwn", &own) && json_object_get_boolean(own);
	json_object_put(dto);
	if (is_own) {
		char path[128];
		struct backbone_response r;
		snprintf(path, sizeof(path), "/api/v2/Tokens/%s", id);
		if (backbone_call(rt->client, "DELETE", path, NULL, BACKBONE_AUTH, &r) != BACKBONE_OK &&
		    r.http_status != 404) {
			rt_fail_backbone(err, &r);
			backbone_response_clear(&r);
			return false;
		}
		backbone_response_clear(&r);
	}
	const char *params[] = {id};
	return db_command(rt->db, "DELETE FROM tokens WHERE id = $1", 1, params)
	               ? true
	               : rt_fail_db(err, rt, "deleting a token");
}
