/*
 * runtime/relationship_crypto.c: sealing and opening of relationship creation and response
 * contents (relationship_crypto.h).
 */
#include "runtime/relationship_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "runtime/sealed.h"

#define ERR_CONTENT "error.transport.relationships.invalidCreationContent"

char *rt_public_key_base64(const struct ecrypto_sig_public_key *key)
{
	/* {"pub","alg"} without "@type", as the official IdentityInfo.publicKey and peerIdentity. */
	char *json = ecrypto_sig_public_key_to_json(key, false);
	char *b64 = json ? b64_encode_alloc(B64_URL, (const uint8_t *)json, strlen(json)) : NULL;
	free(json);
	return b64;
}

static json_object *signature_object(const struct ecrypto_signature *sig)
{
	char b64[128];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "sig", json_object_new_string(b64_encode(B64_URL, sig->sig, sizeof(sig->sig), b64)));
	json_object_object_add(o, "alg", json_object_new_int(sig->alg));
	return o;
}

static json_object *parse_text(const char *text)
{
	return text ? json_tokener_parse(text) : NULL;
}

/* b64url(utf8(JSON of obj)), malloc'd. */
static char *b64_of_object(json_object *obj)
{
	const char *text = rt_json_text(obj);
	return b64_encode_alloc(B64_URL, (const uint8_t *)text, strlen(text));
}

/* The JSON object inside a b64url (or b64std) string. */
static json_object *object_of_b64(const char *b64)
{
	char err[64];
	size_t len = 0;
	if (!b64)
		return NULL;
	uint8_t *bytes = b64_decode_alloc(B64_URL, b64, strlen(b64), &len, err, sizeof(err));
	if (!bytes)
		bytes = b64_decode_alloc(B64_STD, b64, strlen(b64), &len, err, sizeof(err));
	if (!bytes)
		return NULL;
	json_object *obj = rt_json_parse((const char *)bytes, len);
	free(bytes);
	return obj;
}

static char *creation_wrapper(const struct account_identity *identity, const char *template_id, json_object *content)
{
	json_object *w = json_object_new_object(), *id = json_object_new_object();
	json_object_object_add(w, "@type", json_object_new_string("RelationshipCreationContentWrapper"));
	json_object_object_add(w, "content", json_object_get(content));
	json_object_object_add(id, "address", json_object_new_string(identity->address));
	json_object_object_add(id, "publicKey", rt_sig_public_key_object(&identity->identity_keys.pub));
	json_object_object_add(w, "identity", id);
	json_object_object_add(w, "templateId", json_object_new_string(template_id));
	char *text = strdup(rt_json_text(w));
	json_object_put(w);
	return text;
}

/* {"@type":cls,"deviceSignature","relationshipSignature",field: serialized} */
static char *signed_text(const char *cls, const char *field, const char *serialized,
                         const struct ecrypto_signature *device_sig, const struct ecrypto_signature *rel_sig)
{
	json_object *s = json_object_new_object();
	json_object_object_add(s, "@type", json_object_new_string(cls));
	json_object_object_add(s, "deviceSignature", signature_object(device_sig));
	json_object_object_add(s, "relationshipSignature", signature_object(rel_sig));
	json_object_object_add(s, field, json_object_new_string(serialized));
	char *text = strdup(rt_json_text(s));
	json_object_put(s);
	return text;
}

/* {"@type":cls,"cipher":<cipher>,crypto_field:<public>} as b64url. */
static char *cipher_envelope(const char *cls, const struct ecrypto_cipher *c, const char *crypto_field,
                             char *public_json)
{
	json_object *o = json_object_new_object();
	char *cipher_json = ecrypto_cipher_to_json(c, false);
	json_object_object_add(o, "@type", json_object_new_string(cls));
	json_object_object_add(o, "cipher", parse_text(cipher_json));
	json_object_object_add(o, crypto_field, parse_text(public_json));
	free(cipher_json);
	free(public_json);
	char *b64 = b64_of_object(o);
	json_object_put(o);
	return b64;
}

bool rt_creation_seal(const struct account_identity *identity, const struct ecrypto_sig_keypair *device,
                      const char *template_id, json_object *content,
                      const struct ecrypto_template_public_key *template_key,
                      const struct ecrypto_sig_public_key *templator_identity, char **creation_content,
                      char **request_secrets_json, struct runtime_error *err)
{
	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_why why = {{0}};
	if (ecrypto_rel_request_secrets_create(template_key, templator_identity, NULL, &rs, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "relationship secrets", &why);
	char *serialized = creation_wrapper(identity, template_id, content), *signed_json = NULL;
	struct ecrypto_signature dsig, rsig;
	struct ecrypto_cipher c = {0};
	bool ok = serialized &&
	          ecrypto_sign(&device->prv, serialized, strlen(serialized), ECRYPTO_HASH_SHA512, &dsig, &why) ==
	                  ECRYPTO_OK &&
	          ecrypto_sign(&rs.sig.prv, serialized, strlen(serialized), ECRYPTO_HASH_SHA256, &rsig, &why) ==
	                  ECRYPTO_OK;
	if (ok)
		signed_json = signed_text("RelationshipCreationContentSigned", "serializedCreationContent", serialized,
		                          &dsig, &rsig);
	ok = ok && signed_json &&
	     ecrypto_encrypt(&rs.key, signed_json, strlen(signed_json), NULL, &c, &why) == ECRYPTO_OK;
	if (ok) {
		struct ecrypto_rel_public_request pr;
		ecrypto_rel_request_secrets_public(&rs, &pr);
		*creation_content =
		        cipher_envelope("RelationshipCreationContentCipher", &c, "publicCreationContentCrypto",
		                        ecrypto_rel_public_request_to_json(&pr, false));
		*request_secrets_json = ecrypto_rel_request_secrets_to_json(&rs);
		ok = *creation_content && *request_secrets_json;
	}
	ecrypto_cipher_free(&c);
	ecrypto_rel_request_secrets_wipe(&rs);
	free(serialized);
	free(signed_json);
	return ok ? true : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "sealing the creation content failed", &why);
}

static bool read_creation_wrapper(const char *serialized, struct rt_creation_plain *out, struct runtime_error *err)
{
	json_object *w = rt_json_parse(serialized, strlen(serialized)), *content = NULL, *id = NULL, *pk = NULL;
	struct ecrypto_why why = {{0}};
	const char *template_id = rt_json_str(w, "templateId");
	bool ok = w && json_object_object_get_ex(w, "content", &content) &&
	          json_object_object_get_ex(w, "identity", &id) && json_object_object_get_ex(id, "publicKey", &pk) &&
	          rt_json_str(id, "address") && template_id && strlen(template_id) < sizeof(out->template_id) &&
	          strlen(rt_json_str(id, "address")) <= ECRYPTO_ADDRESS_MAX &&
	          ecrypto_sig_public_key_read(pk, "identity.publicKey", &out->identity_key, &why) == ECRYPTO_OK;
	if (ok) {
		snprintf(out->address, sizeof(out->address), "%s", rt_json_str(id, "address"));
		snprintf(out->template_id, sizeof(out->template_id), "%s", template_id);
		out->content = json_object_get(content);
	}
	json_object_put(w);
	return ok ? true : rt_fail_crypto(err, ERR_CONTENT, "RelationshipCreationContentWrapper", &why);
}

bool rt_creation_open(const char *creation_content, const char *template_keypair_json, struct rt_creation_plain *out,
                      struct runtime_error *err)
{
	memset(out, 0, sizeof(*out));
	json_object *env = object_of_b64(creation_content), *cipher = NULL, *pub = NULL;
	struct ecrypto_rel_public_request pr;
	struct ecrypto_exchange_keypair kp;
	struct ecrypto_rel_secrets s;
	struct ecrypto_cipher c = {0};
	struct ecrypto_why why = {{0}};
	if (!env || !json_object_object_get_ex(env, "cipher", &cipher) ||
	    !json_object_object_get_ex(env, "publicCreationContentCrypto", &pub) ||
	    ecrypto_cipher_read(cipher, "cipher", &c, &why) != ECRYPTO_OK ||
	    ecrypto_rel_public_request_from_json(rt_json_text(pub), &pr, &why) != ECRYPTO_OK) {
		json_object_put(env);
		ecrypto_cipher_free(&c);
		return rt_fail_crypto(err, ERR_CONTENT, "RelationshipCreationContentCipher", &why);
	}
	json_object_put(env);
	if (ecrypto_exchange_keypair_from_json(template_keypair_json, &kp, &why) != ECRYPTO_OK ||
	    ecrypto_rel_secrets_from_request(&pr, &kp, NULL, &s, &why) != ECRYPTO_OK) {
		ecrypto_exchange_keypair_wipe(&kp);
		ecrypto_cipher_free(&c);
		return rt_fail_crypto(err, ERR_CONTENT, "relationship key agreement", &why);
	}
	ecrypto_exchange_keypair_wipe(&kp);
	uint8_t *pt = NULL;
	size_t len = 0;
	bool ok = ecrypto_decrypt(&s.rsk, &c, &pt, &len, &why) == ECRYPTO_OK;
	ecrypto_cipher_free(&c);
	json_object *signed_obj = ok ? rt_json_parse((const char *)pt, len) : NULL, *rsig_obj = NULL;
	ecrypto_free_bytes(pt, len);
	const char *serialized = rt_json_str(signed_obj, "serializedCreationContent");
	struct ecrypto_signature rsig;
	ok = serialized && json_object_object_get_ex(signed_obj, "relationshipSignature", &rsig_obj) &&
	     ecrypto_signature_read(rsig_obj, "relationshipSignature", &rsig, &why) == ECRYPTO_OK;
	if (!ok)
		rt_fail_crypto(err, ERR_CONTENT, "RelationshipCreationContentSigned", &why);
	else if (ecrypto_rel_secrets_verify_peer(&s, serialized, strlen(serialized), &rsig, &why) != ECRYPTO_OK)
		ok = rt_fail(err, "error.transport.signatureNotValid", "The relationship-signature is not valid.");
	else if ((ok = read_creation_wrapper(serialized, out, err)))
		out->secrets_json = ecrypto_rel_secrets_to_json(&s);
	json_object_put(signed_obj);
	ecrypto_rel_secrets_wipe(&s);
	return ok;
}

void rt_creation_plain_clear(struct rt_creation_plain *plain)
{
	json_object_put(plain->content);
	ecrypto_free_text(plain->secrets_json);
	memset(plain, 0, sizeof(*plain));
}

bool rt_response_seal(char **secrets_json, const struct ecrypto_sig_keypair *device, const char *relationship_id,
                      char **creation_response_content, struct runtime_error *err)
{
	struct ecrypto_rel_secrets s;
	struct ecrypto_why why = {{0}};
	if (ecrypto_rel_secrets_from_json(*secrets_json, &s, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored relationship secrets", &why);
	json_object *w = json_object_new_object();
	json_object_object_add(w, "@type", json_object_new_string("RelationshipCreationResponseContentWrapper"));
	json_object_object_add(w, "relationshipId", json_object_new_string(relationship_id));
	char *serialized = strdup(rt_json_text(w)), *signed_json = NULL;
	json_object_put(w);
	struct ecrypto_signature dsig, rsig;
	struct ecrypto_cipher c = {0};
	bool ok = serialized &&
	          ecrypto_sign(&device->prv, serialized, strlen(serialized), ECRYPTO_HASH_SHA512, &dsig, &why) ==
	                  ECRYPTO_OK &&
	          ecrypto_rel_secrets_sign(&s, serialized, strlen(serialized), ECRYPTO_HASH_SHA256, &rsig, &why) ==
	                  ECRYPTO_OK;
	if (ok)
		signed_json = signed_text("RelationshipCreationResponseContentSigned",
		                          "serializedCreationResponseContent", serialized, &dsig, &rsig);
	ok = ok && signed_json &&
	     ecrypto_rel_secrets_encrypt(&s, signed_json, strlen(signed_json), &c, &why) == ECRYPTO_OK;
	if (ok) {
		struct ecrypto_rel_public_response pr;
		ecrypto_rel_secrets_public_response(&s, &pr);
		*creation_response_content = cipher_envelope("RelationshipCreationResponseContentCipher", &c,
		                                             "publicCreationResponseContentCrypto",
		                                             ecrypto_rel_public_response_to_json(&pr, false));
		char *updated = ecrypto_rel_secrets_to_json(&s);
		ok = *creation_response_content && updated;
		if (updated) {
			ecrypto_free_text(*secrets_json);
			*secrets_json = updated;
		}
	}
	ecrypto_cipher_free(&c);
	ecrypto_rel_secrets_wipe(&s);
	free(serialized);
	free(signed_json);
	return ok ? true : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "sealing the creation response failed", &why);
}

bool rt_response_apply(const char *request_secrets_json, const char *creation_response_content, char **secrets_json,
                       struct runtime_error *err)
{
	json_object *env = object_of_b64(creation_response_content), *pub = NULL;
	struct ecrypto_rel_public_response pr;
	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_rel_secrets s;
	struct ecrypto_why why = {{0}};
	bool ok = env && json_object_object_get_ex(env, "publicCreationResponseContentCrypto", &pub) &&
	          ecrypto_rel_public_response_from_json(rt_json_text(pub), &pr, &why) == ECRYPTO_OK;
	json_object_put(env);
	if (!ok)
		return rt_fail_crypto(err, ERR_CONTENT, "RelationshipCreationResponseContentCipher", &why);
	if (ecrypto_rel_request_secrets_from_json(request_secrets_json, &rs, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored request secrets", &why);
	ok = ecrypto_rel_secrets_from_response(&pr, &rs, &s, &why) == ECRYPTO_OK;
	ecrypto_rel_request_secrets_wipe(&rs);
	if (!ok)
		return rt_fail_crypto(err, ERR_CONTENT, "relationship key agreement", &why);
	*secrets_json = ecrypto_rel_secrets_to_json(&s);
	ecrypto_rel_secrets_wipe(&s);
	return *secrets_json ? true : rt_fail(err, RT_ERR_UNEXPECTED, "out of memory");
}
