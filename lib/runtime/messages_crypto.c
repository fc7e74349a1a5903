/*
 * runtime/messages_crypto.c: sealing and opening message records (messages_crypto.h). Everything
 * signed travels verbatim (MessageSigned.message), so the JSON written here only needs the field
 * names and types of the original; keys are still sorted like ts-serval so that the bytes match the
 * official vectors.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/messages_crypto.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_object *msg_sorted_copy(json_object *obj)
{
	if (json_object_is_type(obj, json_type_array)) {
		size_t n = json_object_array_length(obj);
		json_object *out = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(out, msg_sorted_copy(json_object_array_get_idx(obj, i)));
		return out;
	}
	if (!json_object_is_type(obj, json_type_object))
		return json_object_get(obj); /* scalars are immutable here: share them */
	size_t n = (size_t)json_object_object_length(obj), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	json_object_object_foreach(obj, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	json_object *out = json_object_new_object();
	for (i = 0; i < n; i++)
		json_object_object_add(out, keys[i], msg_sorted_copy(json_object_object_get(obj, keys[i])));
	free(keys);
	return out;
}

static json_object *wrapper_build(const struct msg_seal_input *in)
{
	json_object *w = json_object_new_object();
	json_object_object_add(w, "@type", json_object_new_string("MessageContentWrapper"));
	json_object_object_add(w, "attachments",
	                       in->attachments ? json_object_get(in->attachments) : json_object_new_array());
	json_object_object_add(w, "content", msg_sorted_copy(in->content));
	json_object_object_add(w, "createdAt", json_object_new_string(in->created_at));
	json_object *rcpts = json_object_new_array();
	for (size_t i = 0; i < in->nrecipients; i++)
		json_object_array_add(rcpts, json_object_new_string(in->recipients[i].address));
	json_object_object_add(w, "recipients", rcpts);
	return w;
}

/* MessageSigned JSON text (malloc'd) over plaintext with one signature per recipient. */
static enum ecrypto_err signed_build(const struct msg_seal_input *in, const char *plaintext, char **out,
                                     struct ecrypto_why *why)
{
	json_object *s = json_object_new_object(), *sigs = json_object_new_array();
	json_object_object_add(s, "@type", json_object_new_string("MessageSigned"));
	json_object_object_add(s, "message", json_object_new_string(plaintext));
	json_object_object_add(s, "signatures", sigs);
	enum ecrypto_err err = ECRYPTO_OK;
	for (size_t i = 0; i < in->nrecipients && err == ECRYPTO_OK; i++) {
		struct ecrypto_signature sig;
		err = ecrypto_rel_secrets_sign(in->recipients[i].secrets, plaintext, strlen(plaintext),
		                               ECRYPTO_HASH_SHA256, &sig, why);
		if (err != ECRYPTO_OK)
			break;
		char *sig_json = ecrypto_signature_to_json(&sig, false);
		json_object *entry = json_object_new_object();
		json_object_object_add(entry, "recipient", json_object_new_string(in->recipients[i].address));
		json_object_object_add(entry, "signature", json_object_new_string(sig_json));
		json_object_array_add(sigs, entry);
		ecrypto_free_text(sig_json);
	}
	*out = err == ECRYPTO_OK ? strdup(json_object_to_json_string_ext(s, JSON_FLAGS)) : NULL;
	json_object_put(s);
	return err == ECRYPTO_OK && !*out ? ECRYPTO_ERR_NOMEM : err;
}

/* {address, encryptedKey} per recipient; advances each transmit state. */
static enum ecrypto_err recipients_build(const struct msg_seal_input *in, const struct ecrypto_secret_key *key,
                                         json_object *out, struct ecrypto_why *why)
{
	char *secret = ecrypto_secret_key_to_json(key, false);
	if (!secret)
		return ECRYPTO_ERR_NOMEM;
	enum ecrypto_err err = ECRYPTO_OK;
	for (size_t i = 0; i < in->nrecipients && err == ECRYPTO_OK; i++) {
		struct ecrypto_cipher c;
		err = ecrypto_rel_secrets_encrypt(in->recipients[i].secrets, secret, strlen(secret), &c, why);
		if (err != ECRYPTO_OK)
			break;
		char *b64 = ecrypto_cipher_to_base64(&c);
		json_object *entry = json_object_new_object();
		json_object_object_add(entry, "address", json_object_new_string(in->recipients[i].address));
		json_object_object_add(entry, "encryptedKey", json_object_new_string(b64));
		json_object_array_add(out, entry);
		free(b64);
		ecrypto_cipher_free(&c);
	}
	ecrypto_free_text(secret);
	return err;
}

static json_object *attachment_ids(json_object *attachments)
{
	json_object *ids = json_object_new_array();
	size_t n = attachments ? json_object_array_length(attachments) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *id = NULL, *entry = json_object_new_object();
		json_object_object_get_ex(json_object_array_get_idx(attachments, i), "id", &id);
		json_object_object_add(entry, "id", json_object_get(id));
		json_object_array_add(ids, entry);
	}
	return ids;
}

enum ecrypto_err msg_seal(const struct msg_seal_input *in, json_object **request, char **plaintext,
                          struct ecrypto_why *why)
{
	struct ecrypto_secret_key key;
	*request = NULL;
	if (plaintext)
		*plaintext = NULL;
	if (in->nrecipients == 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "recipients: at least one is needed");
	if (in->message_key)
		key = *in->message_key;
	else
		ecrypto_secret_key_generate(&key);
	json_object *wrapper = wrapper_build(in);
	char *text = strdup(json_object_to_json_string_ext(wrapper, JSON_FLAGS)), *signed_text = NULL;
	json_object_put(wrapper);
	json_object *req = json_object_new_object(), *rcpts = json_object_new_array();
	json_object_object_add(req, "recipients", rcpts);
	enum ecrypto_err err = text ? signed_build(in, text, &signed_text, why) : ECRYPTO_ERR_NOMEM;
	if (err == ECRYPTO_OK)
		err = recipients_build(in, &key, rcpts, why);
	struct ecrypto_cipher body = {0};
	if (err == ECRYPTO_OK)
		err = ecrypto_encrypt(&key, signed_text, strlen(signed_text), in->body_nonce, &body, why);
	if (err == ECRYPTO_OK) {
		char *b64 = ecrypto_cipher_to_base64(&body);
		json_object_object_add(req, "body", json_object_new_string(b64));
		free(b64);
		json_object_object_add(req, "attachments", attachment_ids(in->attachments));
		*request = req;
		req = NULL;
		if (plaintext) {
			*plaintext = text;
			text = NULL;
		}
	}
	ecrypto_cipher_free(&body);
	json_object_put(req);
	free(text);
	ecrypto_free_text(signed_text);
	ecrypto_secret_key_wipe(&key);
	return err;
}

/* ---- opening ---- */

static enum ecrypto_err open_key(const struct ecrypto_rel_secrets *secrets, const char *encrypted_key_b64,
                                 struct ecrypto_secret_key *key, struct ecrypto_why *why)
{
	struct ecrypto_cipher c;
	uint8_t *pt = NULL;
	size_t len = 0;
	enum ecrypto_err err = ecrypto_cipher_from_base64(encrypted_key_b64, &c, why);
	if (err != ECRYPTO_OK)
		return err;
	err = ecrypto_rel_secrets_decrypt(secrets, &c, &pt, &len, why);
	ecrypto_cipher_free(&c);
	if (err == ECRYPTO_OK)
		err = ecrypto_secret_key_from_json((const char *)pt, key, why);
	ecrypto_free_bytes(pt, len);
	return err;
}

static json_object *own_signature(json_object *signed_obj, const char *own_address)
{
	json_object *sigs = NULL;
	if (!json_object_object_get_ex(signed_obj, "signatures", &sigs) || !json_object_is_type(sigs, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(sigs); i++) {
		json_object *e = json_object_array_get_idx(sigs, i), *r = NULL, *s = NULL;
		if (json_object_object_get_ex(e, "recipient", &r) && json_object_object_get_ex(e, "signature", &s) &&
		    json_object_is_type(s, json_type_string) && strcmp(json_object_get_string(r), own_address) == 0)
			return s;
	}
	return NULL;
}

static bool is_recipient(json_object *wrapper, const char *own_address)
{
	json_object *rcpts = NULL;
	if (!json_object_object_get_ex(wrapper, "recipients", &rcpts) || !json_object_is_type(rcpts, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(rcpts); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(rcpts, i)), own_address) == 0)
			return true;
	return false;
}

/* Verifies MessageSigned text and parses its wrapper into out. */
static enum ecrypto_err open_signed(const struct ecrypto_rel_secrets *secrets, const char *own_address,
                                    const char *text, struct msg_opened *out, struct ecrypto_why *why)
{
	json_object *s = json_tokener_parse(text), *message = NULL;
	if (!s || !json_object_object_get_ex(s, "message", &message) ||
	    !json_object_is_type(message, json_type_string)) {
		json_object_put(s);
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "MessageSigned.message: missing or not a string");
	}
	json_object *sig_text = own_signature(s, own_address);
	struct ecrypto_signature sig;
	enum ecrypto_err err = sig_text ? ecrypto_signature_from_json(json_object_get_string(sig_text), &sig, why)
	                                : ecrypto_fail(why, ECRYPTO_ERR_MISSING,
	                                               "MessageSigned.signatures: none for "
	                                               "this identity");
	const char *m = json_object_get_string(message);
	if (err == ECRYPTO_OK)
		err = ecrypto_rel_secrets_verify_peer(secrets, m, strlen(m), &sig, why);
	json_object *wrapper = err == ECRYPTO_OK ? json_tokener_parse(m) : NULL;
	if (err == ECRYPTO_OK && !json_object_is_type(wrapper, json_type_object))
		err = ecrypto_fail(why, ECRYPTO_ERR_JSON, "MessageContentWrapper: not a JSON object");
	if (err == ECRYPTO_OK && !is_recipient(wrapper, own_address))
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                   "MessageContentWrapper.recipients: this identity is not listed");
	json_object_put(s);
	if (err != ECRYPTO_OK) {
		json_object_put(wrapper);
		return err;
	}
	out->wrapper = wrapper;
	return ECRYPTO_OK;
}

enum ecrypto_err msg_open(const struct ecrypto_rel_secrets *secrets, const char *own_address,
                          const char *encrypted_key_b64, const char *body_b64, struct msg_opened *out,
                          struct ecrypto_why *why)
{
	struct ecrypto_secret_key key;
	struct ecrypto_cipher body;
	uint8_t *pt = NULL;
	size_t len = 0;
	out->wrapper = NULL;
	enum ecrypto_err err = open_key(secrets, encrypted_key_b64, &key, why);
	if (err != ECRYPTO_OK)
		return err;
	err = ecrypto_cipher_from_base64(body_b64, &body, why);
	if (err == ECRYPTO_OK) {
		err = ecrypto_decrypt(&key, &body, &pt, &len, why);
		ecrypto_cipher_free(&body);
	}
	if (err == ECRYPTO_OK)
		err = open_signed(secrets, own_address, (const char *)pt, out, why);
	ecrypto_free_bytes(pt, len);
	ecrypto_secret_key_wipe(&key);
	return err;
}
