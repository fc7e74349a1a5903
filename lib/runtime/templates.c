/*
 * runtime/templates.c: own and peer relationship templates (tokens.h; crypto-protocol.md §2.4,
 * backbone-api.md §3.6, §4.3).
 */
#include "runtime/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sealed.h"

#define ERR_INVALID_REFERENCE "error.runtime.relationshipTemplates.invalidReference"

static const struct filter_field template_fields[] = {
        {"isOwn", FILTER_PLAIN},
        {"createdAt", FILTER_PLAIN},
        {"expiresAt", FILTER_PLAIN},
        {"createdBy", FILTER_PLAIN},
        {"createdByDevice", FILTER_PLAIN},
        {"maxNumberOfAllocations", FILTER_PLAIN},
        {"forIdentity", FILTER_PLAIN},
        {"passwordProtection", FILTER_PLAIN},
        {"passwordProtection.password", FILTER_PLAIN},
        {"passwordProtection.passwordIsPin", FILTER_PLAIN},
        {"passwordProtection.passwordLocationIndicator", FILTER_PLAIN},
        {NULL, 0},
};

struct template_fields {
	const char *id, *created_by, *created_by_device, *created_at, *expires_at, *for_identity;
	int max_allocations; /* 0: none */
	bool own;
};

static json_object *template_dto(const struct template_fields *f, json_object *content, json_object *password_dto,
                                 json_object *reference)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(f->id));
	json_object_object_add(o, "isOwn", json_object_new_boolean(f->own));
	json_object_object_add(o, "createdBy", json_object_new_string(f->created_by ? f->created_by : ""));
	json_object_object_add(o, "createdByDevice",
	                       json_object_new_string(f->created_by_device ? f->created_by_device : ""));
	json_object_object_add(o, "createdAt", json_object_new_string(f->created_at ? f->created_at : ""));
	if (f->for_identity)
		json_object_object_add(o, "forIdentity", json_object_new_string(f->for_identity));
	if (password_dto)
		json_object_object_add(o, "passwordProtection", password_dto);
	json_object_object_add(o, "content", json_object_get(content));
	if (f->expires_at)
		json_object_object_add(o, "expiresAt", json_object_new_string(f->expires_at));
	if (f->max_allocations > 0)
		json_object_object_add(o, "maxNumberOfAllocations", json_object_new_int(f->max_allocations));
	json_object_object_add(o, "reference", reference);
	return o;
}

static bool post_template(struct runtime *rt, const char *cipher, const struct rt_template_options *o,
                          const char *password_param, struct backbone_response *r, struct runtime_error *err)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "content", json_object_new_string(cipher));
	json_object_object_add(body, "expiresAt", json_object_new_string(o->expires_at));
	if (o->max_allocations > 0)
		json_object_object_add(body, "maxNumberOfAllocations", json_object_new_int(o->max_allocations));
	if (o->for_identity)
		json_object_object_add(body, "forIdentity", json_object_new_string(o->for_identity));
	if (password_param)
		json_object_object_add(body, "password", json_object_new_string(password_param));
	enum backbone_status st =
	        backbone_call(rt->client, "POST", "/api/v2/RelationshipTemplates", body, BACKBONE_AUTH, r);
	json_object_put(body);
	if (st == BACKBONE_OK && rt_json_str(r->result, "id"))
		return true;
	if (st == BACKBONE_OK)
		rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone answered without a template id");
	else
		rt_fail_backbone(err, r);
	backbone_response_clear(r);
	return false;
}

static bool store_own(struct runtime *rt, const char *id, const struct ecrypto_secret_key *key,
                      const struct ecrypto_template_public_key *tk, const struct ecrypto_exchange_keypair *kp,
                      const char *password, json_object *dto, struct runtime_error *err)
{
	char *key_json = ecrypto_secret_key_to_json(key, true), *kp_json = ecrypto_exchange_keypair_to_json(kp, true);
	const char *params[] = {id, key_json, tk->id, kp_json, password, rt_json_text(dto)};
	bool ok = db_command(rt->db,
	                     "INSERT INTO relationship_templates (id, is_own, secret_key, template_key_id, "
	                     "template_keypair, password, dto) VALUES ($1, true, $2, $3, $4, $5, $6::jsonb)",
	                     6, params);
	ecrypto_free_text(key_json);
	ecrypto_free_text(kp_json);
	return ok ? true : rt_fail_db(err, rt, "storing a template");
}

bool rt_template_create_own(struct runtime *rt, json_object *content, const struct rt_template_options *o,
                            json_object **dto, struct runtime_error *err)
{
	struct ecrypto_secret_key key;
	struct ecrypto_exchange_keypair kp;
	struct ecrypto_template_public_key tk;
	struct ecrypto_password_protection pp;
	char param[ECRYPTO_PASSWORD_PARAM_SIZE], *cipher = NULL;
	struct backbone_response r;
	ecrypto_secret_key_generate(&key);
	ecrypto_exchange_keypair_generate(&kp);
	rt_new_id("TRPRTK", tk.id);
	tk.key = kp.pub;
	bool ok = (!o->password.password || rt_password_prepare(&o->password, &pp, param, err)) &&
	          rt_template_seal(rt->identity, content, &tk, &key, &cipher, err) &&
	          post_template(rt, cipher, o, o->password.password ? param : NULL, &r, err);
	free(cipher);
	if (!ok) {
		ecrypto_exchange_keypair_wipe(&kp);
		return false;
	}
	const char *id = rt_json_str(r.result, "id");
	struct ecrypto_reference ref;
	json_object *reference = NULL;
	if (rt_own_reference(rt, id, &key, o->for_identity, o->password.password ? &pp : NULL, &ref, err)) {
		reference = rt_reference_dto(&ref, err);
		ecrypto_reference_free(&ref);
	}
	struct template_fields f = {id,
	                            rt->identity->address,
	                            rt->identity->device_id,
	                            rt_json_str(r.result, "createdAt"),
	                            o->expires_at,
	                            o->for_identity,
	                            o->max_allocations,
	                            true};
	ok = reference != NULL;
	if (ok) {
		*dto = template_dto(&f, content,
		                    o->password.password ? rt_password_dto(o->password.password, &pp) : NULL,
		                    reference);
		ok = store_own(rt, id, &key, &tk, &kp, o->password.password, *dto, err);
		if (!ok) {
			json_object_put(*dto);
			*dto = NULL;
		}
	}
	ecrypto_exchange_keypair_wipe(&kp);
	backbone_response_clear(&r);
	return ok;
}

/* A template reference from a token whose content is TokenContentRelationshipTemplate. */
static bool reference_from_token(struct runtime *rt, const char *reference, const char *password,
                                 struct ecrypto_reference *out, struct runtime_error *err)
{
	struct ecrypto_reference token_ref;
	struct backbone_response r;
	json_object *content = NULL, *sk = NULL, *pp = NULL;
	struct ecrypto_why why = {{0}};
	if (!rt_token_fetch_content(rt, reference, password, &token_ref, &r, &content, err))
		return false;
	ecrypto_reference_free(&token_ref);
	backbone_response_clear(&r);
	const char *type = rt_json_str(content, "@type"), *template_id = rt_json_str(content, "templateId");
	memset(out, 0, sizeof(*out));
	bool ok = type && strcmp(type, "TokenContentRelationshipTemplate") == 0 && template_id &&
	          strlen(template_id) == ECRYPTO_REF_ID_LEN && json_object_object_get_ex(content, "secretKey", &sk) &&
	          ecrypto_secret_key_read(sk, "secretKey", &out->key, &why) == ECRYPTO_OK;
	if (ok) {
		snprintf(out->id, sizeof(out->id), "%s", template_id);
		const char *fi = rt_json_str(content, "forIdentity");
		if (fi && strlen(fi) >= 4)
			snprintf(out->for_identity_truncated, sizeof(out->for_identity_truncated), "%s",
			         fi + strlen(fi) - 4);
		if (json_object_object_get_ex(content, "passwordProtection", &pp)) {
			out->has_password = ecrypto_password_protection_read(pp, "passwordProtection", &out->password,
			                                                     &why) == ECRYPTO_OK;
			ok = out->has_password;
		}
	}
	json_object_put(content);
	return ok ? true
	          : rt_fail(err, "error.runtime.invalidTokenContent",
	                    "The given Token has an invalid content for this route.");
}

static bool parse_template_reference(struct runtime *rt, const char *reference, const char *password,
                                     struct ecrypto_reference *ref, struct runtime_error *err)
{
	struct ecrypto_why why = {{0}};
	if (ecrypto_reference_parse(reference, ECRYPTO_REF_ANY, ref, &why) != ECRYPTO_OK ||
	    strncmp(ref->id, "FIL", 3) == 0) {
		if (strncmp(ref->id, "FIL", 3) == 0)
			ecrypto_reference_free(ref);
		return rt_fail(
		        err, ERR_INVALID_REFERENCE,
		        "The given reference '%.200s' is not valid. The reference for a RelationshipTemplate must "
		        "start with 'VE9L' or 'UkxU'.",
		        reference);
	}
	if (strncmp(ref->id, "TOK", 3) == 0) {
		ecrypto_reference_free(ref);
		return reference_from_token(rt, reference, password, ref, err);
	}
	return true;
}

static bool store_peer(struct runtime *rt, const struct ecrypto_reference *ref, const struct rt_template_plain *plain,
                       const char *password, json_object *dto, struct runtime_error *err)
{
	char *key_json = ecrypto_secret_key_to_json(&ref->key, true);
	char *tk_json = ecrypto_template_public_key_to_json(&plain->template_key);
	char *pk_json = ecrypto_sig_public_key_to_json(&plain->identity_key, false);
	const char *params[] = {ref->id, key_json, plain->template_key.id, tk_json,
	                        pk_json, password, rt_json_text(dto)};
	bool ok = db_begin(rt->db) &&
	          db_command(rt->db,
	                     "INSERT INTO relationship_templates (id, is_own, secret_key, template_key_id, "
	                     "template_public_key, identity_public_key, password, dto) "
	                     "VALUES ($1, false, $2, $3, $4, $5, $6, $7::jsonb)",
	                     7, params);
	ecrypto_free_text(key_json);
	free(tk_json);
	free(pk_json);
	if (!ok) {
		db_rollback(rt->db);
		return rt_fail_db(err, rt, "storing a peer template");
	}
	if (!rt_emit(rt, "transport.peerRelationshipTemplateLoaded", json_object_get(dto), err)) {
		db_rollback(rt->db);
		return false;
	}
	return db_commit(rt->db) ? true : rt_fail_db(err, rt, "storing a peer template");
}

static bool open_fetched(struct runtime *rt, struct ecrypto_reference *ref, const char *password,
                         struct backbone_response *r, json_object **dto, struct runtime_error *err)
{
	struct rt_template_plain plain;
	const char *created_by = rt_json_str(r->result, "createdBy");
	if (!rt_template_open(rt_json_str(r->result, "content"), &ref->key, &plain, err))
		return false;
	if (!created_by || strcmp(created_by, plain.address) != 0) {
		rt_template_plain_clear(&plain);
		return rt_fail(err, "error.transport.signatureNotValid",
		               "The template-signature is not valid (the template names another creator).");
	}
	struct ecrypto_why why = {{0}};
	json_object *reference =
	        ecrypto_reference_set_base_url(ref, backbone_client_base_url(rt->client), &why) == ECRYPTO_OK
	                ? rt_reference_dto(ref, err)
	                : NULL;
	json_object *max = NULL;
	json_object_object_get_ex(r->result, "maxNumberOfAllocations", &max);
	struct template_fields f = {ref->id,
	                            created_by,
	                            rt_json_str(r->result, "createdByDevice"),
	                            rt_json_str(r->result, "createdAt"),
	                            rt_json_str(r->result, "expiresAt"),
	                            rt_json_str(r->result, "forIdentity"),
	                            max && json_object_is_type(max, json_type_int) ? json_object_get_int(max) : 0,
	                            false};
	bool ok = reference != NULL;
	if (ok) {
		*dto = template_dto(&f, plain.content,
		                    ref->has_password && password ? rt_password_dto(password, &ref->password) : NULL,
		                    reference);
		ok = store_peer(rt, ref, &plain, password, *dto, err);
		if (!ok) {
			json_object_put(*dto);
			*dto = NULL;
		}
	}
	rt_template_plain_clear(&plain);
	return ok;
}

bool rt_template_load_peer(struct runtime *rt, const char *reference, const char *password, json_object **dto,
                           struct runtime_error *err)
{
	struct ecrypto_reference ref;
	struct backbone_response r;
	if (!parse_template_reference(rt, reference, password, &ref, err))
		return false;
	struct runtime_error ignored;
	if (rt_get_dto(rt, "relationship_templates", ref.id, "RelationshipTemplate", dto, &ignored)) {
		ecrypto_reference_free(&ref);
		return true; /* already known (own or loaded before) */
	}
	bool ok = rt_fetch_referenced(rt, "/api/v2/RelationshipTemplates", &ref, password, BACKBONE_AUTH, &r, err);
	if (ok) {
		ok = open_fetched(rt, &ref, password, &r, dto, err);
		backbone_response_clear(&r);
	}
	ecrypto_reference_free(&ref);
	return ok;
}

bool rt_templates_list(struct runtime *rt, int own, const struct http_query *query, json_object **list,
                       struct runtime_error *err)
{
	if (own < 0)
		return rt_list_dtos(rt, "relationship_templates", NULL, NULL, template_fields, NULL, query, list, err);
	return rt_list_dtos(rt, "relationship_templates", "is_own = $1::boolean", own ? "t" : "f", template_fields,
	                    NULL, query, list, err);
}

bool rt_template_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err)
{
	return rt_get_dto(rt, "relationship_templates", id, "RelationshipTemplate", dto, err);
}

static bool dto_is_own(json_object *dto)
{
	json_object *own = NULL;
	return json_object_object_get_ex(dto, "isOwn", &own) && json_object_get_boolean(own);
}

bool rt_template_delete(struct runtime *rt, const char *id, struct runtime_error *err)
{
	json_object *dto = NULL;
	if (!rt_template_get(rt, id, &dto, err))
		return false;
	bool own = dto_is_own(dto);
	json_object_put(dto);
	if (own) {
		char path[128];
		struct backbone_response r;
		snprintf(path, sizeof(path), "/api/v2/RelationshipTemplates/%s", id);
		if (backbone_call(rt->client, "DELETE", path, NULL, BACKBONE_AUTH, &r) != BACKBONE_OK &&
		    r.http_status != 404) {
			rt_fail_backbone(err, &r);
			backbone_response_clear(&r);
			return false;
		}
		backbone_response_clear(&r);
	}
	const char *params[] = {id};
	return db_command(rt->db, "DELETE FROM relationship_templates WHERE id = $1", 1, params)
	               ? true
	               : rt_fail_db(err, rt, "deleting a template");
}

bool rt_template_create_token(struct runtime *rt, const char *id, const struct rt_token_options *options,
                              json_object **dto, struct runtime_error *err)
{
	json_object *tdto = NULL, *refobj = NULL;
	if (!rt_template_get(rt, id, &tdto, err))
		return false;
	if (!dto_is_own(tdto)) {
		json_object_put(tdto);
		return rt_fail(err, "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate",
		               "You cannot create a Token for a peer RelationshipTemplate.");
	}
	const char *for_identity = rt_json_str(tdto, "forIdentity");
	if (for_identity && (!options->for_identity || strcmp(for_identity, options->for_identity) != 0)) {
		json_object_put(tdto);
		return rt_fail(err, "error.runtime.relationshipTemplates.personalizationMustBeInherited",
		               "If a RelationshipTemplate is personalized, Tokens created from it must have the same "
		               "personalization.");
	}
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	json_object_object_get_ex(tdto, "reference", &refobj);
	if (ecrypto_reference_parse(rt_json_str(refobj, "truncated"), ECRYPTO_REF_TEMPLATE, &ref, &why) != ECRYPTO_OK) {
		json_object_put(tdto);
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored template reference", &why);
	}
	json_object *content =
	        rt_token_content_template(id, &ref.key, for_identity, ref.has_password ? &ref.password : NULL);
	bool ok = rt_token_create_own(rt, content, options, dto, err);
	json_object_put(content);
	ecrypto_reference_free(&ref);
	json_object_put(tdto);
	return ok;
}
