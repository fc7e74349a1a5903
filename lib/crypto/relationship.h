/*
 * crypto/relationship.h: relationship key agreement of @nmshd/crypto (src/relationship/).
 *
 * Requestor: ecrypto_rel_request_secrets_create(template key T, templator identity key) makes fresh
 *   exchange E_r, ephemeral P_r, signature S_r keys and nonce N_r, and
 *   requestSecretKey = kdf(kx_server(P_r, T).tx, 1, "REQTMP01"); it publishes
 *   CryptoRelationshipPublicRequest {exc: E_r, sig: S_r, eph: P_r, nnc: N_r}.
 * Templator: ecrypto_rel_secrets_from_request(public request, template keypair) makes E_t, S_t, N_t;
 *   K = kx_client(E_t, E_r): tx = kdf(K.tx, 1, "RELTEM01") @ N_t, rx = kdf(K.rx, 1, "RELREQ01") @ N_r,
 *   rsk = kdf(kx_client(T, P_r).rx, 1, "REQTMP01"); it publishes
 *   CryptoRelationshipPublicResponse {exc: E_t, sig: S_t, sta: {nnc: N_t, alg: 3, typ: 2}}.
 * Requestor: ecrypto_rel_secrets_from_response(public response, request secrets):
 *   K = kx_server(E_r, E_t): tx = kdf(K.tx, 1, "RELREQ01") @ N_r, rx = kdf(K.rx, 1, "RELTEM01") @ N_t.
 * Afterwards each side encrypts with its tx state (counter mode), decrypts with its rx state, signs
 * with its relationship signature key (label SHA256 by default) and verifies with the peer's (psk).
 * The creation content itself is encrypted with requestSecretKey (ecrypto_encrypt/decrypt).
 *
 * Fresh material comes from libsodium unless the caller passes a struct ecrypto_rel_fresh (tests
 * reproduce the official vectors that way). JSON forms are byte-identical to the TS output.
 * The structs hold private keys: always finish with the matching *_wipe().
 */
#ifndef CONNECTOR_CRYPTO_RELATIONSHIP_H
#define CONNECTOR_CRYPTO_RELATIONSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/error.h"
#include "crypto/exchange.h"
#include "crypto/secretkey.h"
#include "crypto/signature.h"
#include "crypto/state.h"

enum ecrypto_rel_type { ECRYPTO_REL_TEMPLATOR = 1, ECRYPTO_REL_REQUESTOR = 2 };

/* Keys and nonce a handshake step would otherwise generate (ephemeral: requestor only). */
struct ecrypto_rel_fresh {
	struct ecrypto_exchange_keypair exchange;
	struct ecrypto_exchange_keypair ephemeral;
	struct ecrypto_sig_keypair signature;
	uint8_t nonce[ECRYPTO_NONCE_BYTES];
};

/* CryptoRelationshipRequestSecrets (the requestor's state before the response). */
struct ecrypto_rel_request_secrets {
	struct ecrypto_exchange_keypair eph;
	struct ecrypto_exchange_keypair exc;
	struct ecrypto_secret_key key; /* requestSecretKey */
	uint8_t nnc[ECRYPTO_NONCE_BYTES];
	struct ecrypto_sig_public_key pik;      /* peer (templator) identity key */
	struct ecrypto_template_public_key pxk; /* peer template key */
	struct ecrypto_sig_keypair sig;
};

struct ecrypto_rel_public_request {
	struct ecrypto_exchange_public_key exc;
	struct ecrypto_sig_public_key sig;
	struct ecrypto_exchange_public_key eph;
	uint8_t nnc[ECRYPTO_NONCE_BYTES];
};

struct ecrypto_rel_public_response {
	struct ecrypto_exchange_public_key exc;
	struct ecrypto_sig_public_key sig;
	struct ecrypto_public_state sta;
};

/* CryptoRelationshipSecrets (either side, after the handshake). */
struct ecrypto_rel_secrets {
	enum ecrypto_rel_type typ;
	struct ecrypto_exchange_keypair exc;
	bool has_pik;
	struct ecrypto_sig_public_key pik;      /* requestor only: templator identity key */
	struct ecrypto_sig_public_key psk;      /* peer relationship signature key */
	struct ecrypto_template_public_key ptk; /* requestor: template key; templator: peer ephemeral */
	struct ecrypto_exchange_public_key pxk; /* peer exchange key */
	struct ecrypto_secret_key rsk;          /* requestSecretKey */
	struct ecrypto_private_state rx;
	struct ecrypto_private_state tx;
	struct ecrypto_sig_keypair sig;
};

/* ---- requestor, first step ---- */
enum ecrypto_err ecrypto_rel_request_secrets_create(const struct ecrypto_template_public_key *template_key,
                                                    const struct ecrypto_sig_public_key *templator_identity,
                                                    const struct ecrypto_rel_fresh *fresh,
                                                    struct ecrypto_rel_request_secrets *out, struct ecrypto_why *why);
void ecrypto_rel_request_secrets_public(const struct ecrypto_rel_request_secrets *rs,
                                        struct ecrypto_rel_public_request *out);
enum ecrypto_err ecrypto_rel_request_secrets_from_json(const char *json, struct ecrypto_rel_request_secrets *out,
                                                       struct ecrypto_why *why);
char *ecrypto_rel_request_secrets_to_json(const struct ecrypto_rel_request_secrets *rs);
void ecrypto_rel_request_secrets_wipe(struct ecrypto_rel_request_secrets *rs);

enum ecrypto_err ecrypto_rel_public_request_from_json(const char *json, struct ecrypto_rel_public_request *out,
                                                      struct ecrypto_why *why);
char *ecrypto_rel_public_request_to_json(const struct ecrypto_rel_public_request *pr, bool verbose);

/* ---- templator ---- */
enum ecrypto_err ecrypto_rel_secrets_from_request(const struct ecrypto_rel_public_request *request,
                                                  const struct ecrypto_exchange_keypair *template_keypair,
                                                  const struct ecrypto_rel_fresh *fresh,
                                                  struct ecrypto_rel_secrets *out, struct ecrypto_why *why);
/* The templator's public response (only valid for ECRYPTO_REL_TEMPLATOR secrets). */
void ecrypto_rel_secrets_public_response(const struct ecrypto_rel_secrets *s, struct ecrypto_rel_public_response *out);

enum ecrypto_err ecrypto_rel_public_response_from_json(const char *json, struct ecrypto_rel_public_response *out,
                                                       struct ecrypto_why *why);
char *ecrypto_rel_public_response_to_json(const struct ecrypto_rel_public_response *pr, bool verbose);

/* ---- requestor, second step ---- */
enum ecrypto_err ecrypto_rel_secrets_from_response(const struct ecrypto_rel_public_response *response,
                                                   const struct ecrypto_rel_request_secrets *request_secrets,
                                                   struct ecrypto_rel_secrets *out, struct ecrypto_why *why);

/* ---- both sides ---- */
enum ecrypto_err ecrypto_rel_secrets_from_json(const char *json, struct ecrypto_rel_secrets *out,
                                               struct ecrypto_why *why);
char *ecrypto_rel_secrets_to_json(const struct ecrypto_rel_secrets *s);
void ecrypto_rel_secrets_wipe(struct ecrypto_rel_secrets *s);

/* Encrypts with the transmit state (counter advances: persist the secrets afterwards). */
enum ecrypto_err ecrypto_rel_secrets_encrypt(struct ecrypto_rel_secrets *s, const void *pt, size_t len,
                                             struct ecrypto_cipher *out, struct ecrypto_why *why);
enum ecrypto_err ecrypto_rel_secrets_decrypt(const struct ecrypto_rel_secrets *s, const struct ecrypto_cipher *c,
                                             uint8_t **pt, size_t *len, struct ecrypto_why *why);
enum ecrypto_err ecrypto_rel_secrets_sign(const struct ecrypto_rel_secrets *s, const void *msg, size_t len,
                                          enum ecrypto_hash_label label, struct ecrypto_signature *out,
                                          struct ecrypto_why *why);
enum ecrypto_err ecrypto_rel_secrets_verify_peer(const struct ecrypto_rel_secrets *s, const void *msg, size_t len,
                                                 const struct ecrypto_signature *sig, struct ecrypto_why *why);

#endif
