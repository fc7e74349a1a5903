/*
 * runtime/relationship_crypto.h: the relationship handshake payloads (crypto-protocol.md §2.6).
 *   requestor: creationContent = b64url(RelationshipCreationContentCipher{cipher, publicCreationContentCrypto})
 *              where cipher encrypts RelationshipCreationContentSigned (device + relationship signatures
 *              over serializedCreationContent = RelationshipCreationContentWrapper{content, identity,
 *              templateId}) with requestSecretKey;
 *   templator: opens it with its template keypair (verifying the relationship signature) and answers
 *              creationResponseContent = b64url(RelationshipCreationResponseContentCipher{cipher,
 *              publicCreationResponseContentCrypto}) encrypted with its transmit state;
 *   requestor: converts its request secrets with publicCreationResponseContentCrypto (the cipher is
 *              never decrypted, as in the original).
 * Secrets are exchanged as the JSON of lib/crypto (stored in relationships.secrets).
 */
#ifndef CONNECTOR_RUNTIME_RELATIONSHIP_CRYPTO_H
#define CONNECTOR_RUNTIME_RELATIONSHIP_CRYPTO_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

/* Requestor. *creation_content and *request_secrets_json are malloc'd (the latter: ecrypto_free_text). */
bool rt_creation_seal(const struct account_identity *identity, const struct ecrypto_sig_keypair *device,
                      const char *template_id, json_object *content,
                      const struct ecrypto_template_public_key *template_key,
                      const struct ecrypto_sig_public_key *templator_identity, char **creation_content,
                      char **request_secrets_json, struct runtime_error *err);

struct rt_creation_plain {
	json_object *content; /* owned */
	char address[ECRYPTO_ADDRESS_MAX + 1];
	struct ecrypto_sig_public_key identity_key;
	char template_id[32];
	char *secrets_json; /* templator secrets (ecrypto_free_text) */
};

/* Templator: opens creationContent with the template's exchange keypair (JSON). */
bool rt_creation_open(const char *creation_content, const char *template_keypair_json, struct rt_creation_plain *out,
                      struct runtime_error *err);
void rt_creation_plain_clear(struct rt_creation_plain *plain);

/* Templator: the acceptance payload; *secrets_json is updated (transmit counter advanced). */
bool rt_response_seal(char **secrets_json, const struct ecrypto_sig_keypair *device, const char *relationship_id,
                      char **creation_response_content, struct runtime_error *err);

/* Requestor: request secrets + creationResponseContent -> full secrets JSON (malloc'd). */
bool rt_response_apply(const char *request_secrets_json, const char *creation_response_content, char **secrets_json,
                       struct runtime_error *err);

/* b64url of the plain JSON {pub, alg} of a signature public key (IdentityInfo.publicKey, peerIdentity.publicKey). */
char *rt_public_key_base64(const struct ecrypto_sig_public_key *key);

#endif
