/*
 * runtime/sealed.h: the encrypted payloads of templates and tokens (crypto-protocol.md §2.4, §2.5).
 *   template: RelationshipTemplateSigned{serializedTemplate, deviceSignature} where
 *             serializedTemplate = RelationshipTemplateContentWrapper{content, identity, templateKey}
 *             signed with the IDENTITY key (label SHA512), encrypted with the template's secret key;
 *   token:    the content's JSON encrypted with the token's secret key.
 * Openers check everything they read and name the field that is wrong; a template's signature is
 * verified against the identity key inside the template.
 */
#ifndef CONNECTOR_RUNTIME_SEALED_H
#define CONNECTOR_RUNTIME_SEALED_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

struct rt_template_plain {
	json_object *content; /* owned */
	char address[ECRYPTO_ADDRESS_MAX + 1];
	struct ecrypto_sig_public_key identity_key;
	struct ecrypto_template_public_key template_key;
};

/* cipher_b64 (malloc'd) = CryptoCipher.toBase64() of the signed wrapper. */
bool rt_template_seal(const struct account_identity *identity, json_object *content,
                      const struct ecrypto_template_public_key *template_key, const struct ecrypto_secret_key *key,
                      char **cipher_b64, struct runtime_error *err);
bool rt_template_open(const char *cipher_b64, const struct ecrypto_secret_key *key, struct rt_template_plain *out,
                      struct runtime_error *err);
void rt_template_plain_clear(struct rt_template_plain *plain);

/* Encrypts the JSON text of content with key: cipher_b64 malloc'd. */
bool rt_token_seal(json_object *content, const struct ecrypto_secret_key *key, char **cipher_b64,
                   struct runtime_error *err);
/* Decrypts a token's content; *content gets the parsed JSON. */
bool rt_token_open(const char *cipher_b64, const struct ecrypto_secret_key *key, json_object **content,
                   struct runtime_error *err);

/* TokenContentRelationshipTemplate {templateId, secretKey, forIdentity?, passwordProtection?}. */
json_object *rt_token_content_template(const char *template_id, const struct ecrypto_secret_key *key,
                                       const char *for_identity, const struct ecrypto_password_protection *pp);

/* CryptoSignaturePublicKey {"pub","alg"} as a json object. */
json_object *rt_sig_public_key_object(const struct ecrypto_sig_public_key *key);

#endif
