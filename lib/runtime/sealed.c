/*
 * runtime/sealed.c: sealing and opening of template and token payloads (sealed.h).
 */
#include "runtime/sealed.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"

#define ERR_TEMPLATE "error.transport.relationshipTemplates.invalidContent"
#define ERR_TOKEN    "error.transport.tokens.invalidTokenContent"

json_object *rt_sig_public_key_object(const struct ecrypto_sig_public_key *key)
{
	char b64[64];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pub", json_object_new_string(b64_encode(B64_URL, key->pub, sizeof(key->pub), b64)));
	json_object_object_add(o, "alg", json_object_new_int(ECRYPTO_ALG_ED25519));
	return o;
}

static json_object *template_key_object(const struct ecrypto_template_public_key *tk)
{
	char b64[64];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(tk->id));
	json_object_object_add(o, "pub",
	                       json_object_new_string(b64_encode(B64_URL, tk->key.pub, sizeof(tk->key.pub), b64)));
	json_object_object_add(o, "alg", json_object_new_int(ECRYPTO_ALG_X25519));
	return o;
}

static json_object *signature_object(const struct ecrypto_signature *sig)
{
	char b64[128];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "sig", json_object_new_string(b64_encode(B64_URL, sig->sig, sizeof(sig->sig), b64)));
	json_object_object_add(o, "alg", json_object_new_int(sig->alg));
	return o;
}

static bool encrypt_text(const char *text, const struct ecrypto_secret_key *key, char **cipher_b64,
                         struct runtime_error *err)
{
	struct ecrypto_cipher c = {0};
	struct ecrypto_why why = {{0}};
	if (ecrypto_encrypt(key, text, strlen(text), NULL, &c, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "encryption failed", &why);
	*cipher_b64 = ecrypto_cipher_to_base64(&c);
	ecrypto_cipher_free(&c);
	return *cipher_b64 ? true : rt_fail(err, RT_ERR_UNEXPECTED, "out of memory");
}

bool rt_template_seal(const struct account_identity *identity, json_object *content,
                      const struct ecrypto_template_public_key *template_key, const struct ecrypto_secret_key *key,
                      char **cipher_b64, struct runtime_error *err)
{
	json_object *wrapper = json_object_new_object(), *id = json_object_new_object();
	json_object_object_add(wrapper, "@type", json_object_new_string("RelationshipTemplateContentWrapper"));
	json_object_object_add(wrapper, "content", json_object_get(content));
	json_object_object_add(id, "address", json_object_new_string(identity->address));
	json_object_object_add(id, "publicKey", rt_sig_public_key_object(&identity->identity_keys.pub));
	json_object_object_add(wrapper, "identity", id);
	json_object_object_add(wrapper, "templateKey", template_key_object(template_key));
	char *serialized = strdup(rt_json_text(wrapper));
	json_object_put(wrapper);
	struct ecrypto_signature sig;
	struct ecrypto_why why = {{0}};
	if (!serialized || ecrypto_sign(&identity->identity_keys.prv, serialized, strlen(serialized),
	                                ECRYPTO_HASH_SHA512, &sig, &why) != ECRYPTO_OK) {
		free(serialized);
		return rt_fail_crypto(err, RT_ERR_UNEXPECTED, "signing the template failed", &why);
	}
	json_object *signed_obj = json_object_new_object();
	json_object_object_add(signed_obj, "@type", json_object_new_string("RelationshipTemplateSigned"));
	json_object_object_add(signed_obj, "deviceSignature", signature_object(&sig));
	json_object_object_add(signed_obj, "serializedTemplate", json_object_new_string(serialized));
	free(serialized);
	bool ok = encrypt_text(rt_json_text(signed_obj), key, cipher_b64, err);
	json_object_put(signed_obj);
	return ok;
}

static bool decrypt_b64(const char *cipher_b64, const struct ecrypto_secret_key *key, const char *code, uint8_t **pt,
                        size_t *len, struct runtime_error *err)
{
	struct ecrypto_cipher c = {0};
	struct ecrypto_why why = {{0}};
	if (!cipher_b64 || ecrypto_cipher_from_base64(cipher_b64, &c, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, code, "the content is not a CryptoCipher", &why);
	enum ecrypto_err e = ecrypto_decrypt(key, &c, pt, len, &why);
	ecrypto_cipher_free(&c);
	if (e != ECRYPTO_OK)
		return rt_fail_crypto(err, code, "the content cannot be decrypted with the key of the reference", &why);
	return true;
}

static bool read_wrapper(json_object *wrapper, struct rt_template_plain *out, struct runtime_error *err)
{
	json_object *content = NULL, *identity = NULL, *pk = NULL, *tk = NULL;
	struct ecrypto_why why = {{0}};
	if (!json_object_object_get_ex(wrapper, "content", &content) ||
	    !json_object_object_get_ex(wrapper, "identity", &identity) ||
	    !json_object_object_get_ex(identity, "publicKey", &pk) ||
	    !json_object_object_get_ex(wrapper, "templateKey", &tk))
		return rt_fail(
		        err, ERR_TEMPLATE,
		        "RelationshipTemplateContentWrapper: content, identity.publicKey or templateKey is missing");
	const char *address = rt_json_str(identity, "address");
	if (!address || strlen(address) > ECRYPTO_ADDRESS_MAX)
		return rt_fail(err, ERR_TEMPLATE, "RelationshipTemplateContentWrapper.identity.address is invalid");
	snprintf(out->address, sizeof(out->address), "%s", address);
	if (ecrypto_sig_public_key_read(pk, "identity.publicKey", &out->identity_key, &why) != ECRYPTO_OK ||
	    ecrypto_template_public_key_read(tk, "templateKey", &out->template_key, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, ERR_TEMPLATE, "RelationshipTemplateContentWrapper", &why);
	out->content = json_object_get(content);
	return true;
}

bool rt_template_open(const char *cipher_b64, const struct ecrypto_secret_key *key, struct rt_template_plain *out,
                      struct runtime_error *err)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	if (!decrypt_b64(cipher_b64, key, ERR_TEMPLATE, &pt, &len, err))
		return false;
	json_object *signed_obj = rt_json_parse((const char *)pt, len), *sig_obj = NULL;
	ecrypto_free_bytes(pt, len);
	const char *serialized = rt_json_str(signed_obj, "serializedTemplate");
	struct ecrypto_signature sig;
	struct ecrypto_why why = {{0}};
	bool ok = false;
	json_object *wrapper = serialized ? rt_json_parse(serialized, strlen(serialized)) : NULL;
	if (!wrapper || !json_object_object_get_ex(signed_obj, "deviceSignature", &sig_obj))
		rt_fail(err, ERR_TEMPLATE,
		        "RelationshipTemplateSigned: serializedTemplate or deviceSignature is missing");
	else if (ecrypto_signature_read(sig_obj, "deviceSignature", &sig, &why) != ECRYPTO_OK)
		rt_fail_crypto(err, ERR_TEMPLATE, "RelationshipTemplateSigned", &why);
	else if (read_wrapper(wrapper, out, err)) {
		ok = ecrypto_verify(&out->identity_key, serialized, strlen(serialized), &sig, &why) == ECRYPTO_OK;
		if (!ok) {
			rt_template_plain_clear(out);
			rt_fail(err, "error.transport.signatureNotValid", "The template-signature is not valid.");
		}
	}
	json_object_put(wrapper);
	json_object_put(signed_obj);
	return ok;
}

void rt_template_plain_clear(struct rt_template_plain *plain)
{
	json_object_put(plain->content);
	plain->content = NULL;
}

bool rt_token_seal(json_object *content, const struct ecrypto_secret_key *key, char **cipher_b64,
                   struct runtime_error *err)
{
	return encrypt_text(rt_json_text(content), key, cipher_b64, err);
}

bool rt_token_open(const char *cipher_b64, const struct ecrypto_secret_key *key, json_object **content,
                   struct runtime_error *err)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	if (!decrypt_b64(cipher_b64, key, ERR_TOKEN, &pt, &len, err))
		return false;
	*content = rt_json_parse((const char *)pt, len);
	ecrypto_free_bytes(pt, len);
	return *content ? true : rt_fail(err, ERR_TOKEN, "The content of the Token is not JSON.");
}

json_object *rt_token_content_template(const char *template_id, const struct ecrypto_secret_key *key,
                                       const char *for_identity, const struct ecrypto_password_protection *pp)
{
	char b64[64];
	json_object *o = json_object_new_object(), *sk = json_object_new_object();
	json_object_object_add(o, "@type", json_object_new_string("TokenContentRelationshipTemplate"));
	if (for_identity)
		json_object_object_add(o, "forIdentity", json_object_new_string(for_identity));
	if (pp) {
		char *text = ecrypto_password_protection_to_json(pp);
		json_object_object_add(o, "passwordProtection", text ? json_tokener_parse(text) : NULL);
		free(text);
	}
	json_object_object_add(sk, "key", json_object_new_string(b64_encode(B64_URL, key->key, sizeof(key->key), b64)));
	json_object_object_add(sk, "alg", json_object_new_int(ECRYPTO_ALG_XCHACHA20));
	json_object_object_add(o, "secretKey", sk);
	json_object_object_add(o, "templateId", json_object_new_string(template_id));
	return o;
}
