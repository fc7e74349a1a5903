/*
 * crypto/exchange.h: X25519 key exchange objects of @nmshd/crypto (crypto_kx) and their JSON.
 *   CryptoExchangePublicKey  {"@type"?,"pub":b64u(32),"alg":3}   (@type first when verbose)
 *   CryptoExchangePrivateKey {"prv":b64u(32),"alg":3,"@type"?}
 *   CryptoExchangeKeypair    {"pub":{pub,alg},"prv":{prv,alg},"@type"?}
 *   CryptoExchangeSecrets    {"rx":b64u(32),"tx":b64u(32),"alg":3,"@type"?}
 *   RelationshipTemplatePublicKey {"id":"TRPRTK...","pub":b64u(32),"alg":3,"@type"}: the template's
 *   exchange key with its local id (transport class, always written with "@type").
 * Requestor side = crypto_kx_server_session_keys, templator side = crypto_kx_client_session_keys, so
 * the requestor's tx is the templator's rx. Private material is wiped by the *_wipe functions.
 */
#ifndef CONNECTOR_CRYPTO_EXCHANGE_H
#define CONNECTOR_CRYPTO_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/error.h"

#define ECRYPTO_EXCHANGE_KEY_BYTES  32
#define ECRYPTO_ALG_X25519          3 /* CryptoExchangeAlgorithm.ECDH_X25519 */
#define ECRYPTO_TEMPLATE_KEY_ID_MAX 32

struct ecrypto_exchange_public_key {
	uint8_t pub[ECRYPTO_EXCHANGE_KEY_BYTES];
};
struct ecrypto_exchange_private_key {
	uint8_t prv[ECRYPTO_EXCHANGE_KEY_BYTES];
};
struct ecrypto_exchange_keypair {
	struct ecrypto_exchange_public_key pub;
	struct ecrypto_exchange_private_key prv;
};
struct ecrypto_exchange_secrets {
	uint8_t rx[ECRYPTO_EXCHANGE_KEY_BYTES];
	uint8_t tx[ECRYPTO_EXCHANGE_KEY_BYTES];
};
/* An exchange public key that may carry a template key id (id[0] == 0: plain exchange key). */
struct ecrypto_template_public_key {
	char id[ECRYPTO_TEMPLATE_KEY_ID_MAX + 1];
	struct ecrypto_exchange_public_key key;
};

enum ecrypto_err ecrypto_exchange_public_key_from_json(const char *json, struct ecrypto_exchange_public_key *out,
                                                       struct ecrypto_why *why);
char *ecrypto_exchange_public_key_to_json(const struct ecrypto_exchange_public_key *key, bool verbose);

enum ecrypto_err ecrypto_exchange_private_key_from_json(const char *json, struct ecrypto_exchange_private_key *out,
                                                        struct ecrypto_why *why);
char *ecrypto_exchange_private_key_to_json(const struct ecrypto_exchange_private_key *key, bool verbose);

enum ecrypto_err ecrypto_exchange_keypair_generate(struct ecrypto_exchange_keypair *out);
/* Completes a keypair from its private key (crypto_scalarmult_base). */
void ecrypto_exchange_keypair_from_private(const uint8_t prv[ECRYPTO_EXCHANGE_KEY_BYTES],
                                           struct ecrypto_exchange_keypair *out);
/* Also checks that pub belongs to prv. */
enum ecrypto_err ecrypto_exchange_keypair_from_json(const char *json, struct ecrypto_exchange_keypair *out,
                                                    struct ecrypto_why *why);
char *ecrypto_exchange_keypair_to_json(const struct ecrypto_exchange_keypair *kp, bool verbose);
void ecrypto_exchange_keypair_wipe(struct ecrypto_exchange_keypair *kp);

enum ecrypto_err ecrypto_exchange_secrets_from_json(const char *json, struct ecrypto_exchange_secrets *out,
                                                    struct ecrypto_why *why);
char *ecrypto_exchange_secrets_to_json(const struct ecrypto_exchange_secrets *s, bool verbose);
void ecrypto_exchange_secrets_wipe(struct ecrypto_exchange_secrets *s);

/* CryptoExchange.deriveRequestor (kx server side) and deriveTemplator (kx client side). */
enum ecrypto_err ecrypto_exchange_derive_requestor(const struct ecrypto_exchange_keypair *own,
                                                   const struct ecrypto_exchange_public_key *peer,
                                                   struct ecrypto_exchange_secrets *out, struct ecrypto_why *why);
enum ecrypto_err ecrypto_exchange_derive_templator(const struct ecrypto_exchange_keypair *own,
                                                   const struct ecrypto_exchange_public_key *peer,
                                                   struct ecrypto_exchange_secrets *out, struct ecrypto_why *why);

/* RelationshipTemplatePublicKey (id required); the JSON of a template's "templateKey". */
enum ecrypto_err ecrypto_template_public_key_from_json(const char *json, struct ecrypto_template_public_key *out,
                                                       struct ecrypto_why *why);
char *ecrypto_template_public_key_to_json(const struct ecrypto_template_public_key *key);

struct json_object;
enum ecrypto_err ecrypto_exchange_public_key_read(const struct json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why);
enum ecrypto_err ecrypto_exchange_keypair_read(const struct json_object *obj, const char *path, void *out,
                                               struct ecrypto_why *why);
/* Reads either a RelationshipTemplatePublicKey or a plain CryptoExchangePublicKey (id left empty). */
enum ecrypto_err ecrypto_template_public_key_read(const struct json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why);
/* Writes a template key with id (RelationshipTemplatePublicKey, @type) or a plain non-verbose key. */
char *ecrypto_template_public_key_to_json_nested(const struct ecrypto_template_public_key *key);

#endif
