/*
 * crypto/state.h: the counter-mode states of a relationship (@nmshd/crypto src/state/).
 *   CryptoPrivateStateTransmit / CryptoPrivateStateReceive
 *       {"nnc":b64u(24),"cnt":n,"key":b64u(32),"alg":3,"typ":2|1,"@type":...} (@type always written)
 *   CryptoPublicState {"nnc":b64u(24),"alg":3,"typ":1|2} (+ "@type" first when verbose)
 * A transmit state encrypts with base nonce + cnt and then advances cnt; a receive state decrypts
 * with the cnt carried by the cipher (like TS with omitCounterCheck: peers may reuse counters).
 */
#ifndef CONNECTOR_CRYPTO_STATE_H
#define CONNECTOR_CRYPTO_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/error.h"
#include "crypto/secretkey.h"

enum ecrypto_state_type { ECRYPTO_STATE_RECEIVE = 1, ECRYPTO_STATE_TRANSMIT = 2 };

struct ecrypto_private_state {
	enum ecrypto_state_type typ;
	uint8_t nnc[ECRYPTO_NONCE_BYTES];
	uint32_t cnt;
	struct ecrypto_secret_key key;
};
struct ecrypto_public_state {
	enum ecrypto_state_type typ;
	uint8_t nnc[ECRYPTO_NONCE_BYTES];
};

enum ecrypto_err ecrypto_private_state_from_json(const char *json, struct ecrypto_private_state *out,
                                                 struct ecrypto_why *why);
char *ecrypto_private_state_to_json(const struct ecrypto_private_state *st);
void ecrypto_private_state_wipe(struct ecrypto_private_state *st);

enum ecrypto_err ecrypto_public_state_from_json(const char *json, struct ecrypto_public_state *out,
                                                struct ecrypto_why *why);
char *ecrypto_public_state_to_json(const struct ecrypto_public_state *st, bool verbose);

/* Transmit: encrypts with counter st->cnt, then advances it (refuses when it is exhausted). */
enum ecrypto_err ecrypto_state_encrypt(struct ecrypto_private_state *st, const void *pt, size_t len,
                                       struct ecrypto_cipher *out, struct ecrypto_why *why);
/* Receive: decrypts a counter-mode cipher with the cipher's cnt. */
enum ecrypto_err ecrypto_state_decrypt(const struct ecrypto_private_state *st, const struct ecrypto_cipher *c,
                                       uint8_t **pt, size_t *len, struct ecrypto_why *why);

struct json_object;
enum ecrypto_err ecrypto_private_state_read(const struct json_object *obj, const char *path, void *out,
                                            struct ecrypto_why *why);
enum ecrypto_err ecrypto_public_state_read(const struct json_object *obj, const char *path, void *out,
                                           struct ecrypto_why *why);

#endif
