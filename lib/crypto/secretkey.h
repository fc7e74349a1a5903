/*
 * crypto/secretkey.h: CryptoSecretKey, the 32-byte XChaCha20-Poly1305 key of @nmshd/crypto, with
 * its JSON {"key":b64u(32),"alg":3,"@type":"CryptoSecretKey"} and toBase64 forms, and the KDF
 * (crypto_kdf_derive_from_key with an 8-character context) that derives one key from another.
 * The key lives in the caller's struct: wipe it with ecrypto_secret_key_wipe().
 */
#ifndef CONNECTOR_CRYPTO_SECRETKEY_H
#define CONNECTOR_CRYPTO_SECRETKEY_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/error.h"

#define ECRYPTO_SECRET_KEY_BYTES 32
#define ECRYPTO_ALG_XCHACHA20    3 /* CryptoEncryptionAlgorithm.XCHACHA20_POLY1305 */
/* Largest KDF subkey id a JavaScript peer can derive (libsodium-wrappers takes an int32). */
#define ECRYPTO_KDF_MAX_ID 2147483647ULL

struct ecrypto_secret_key {
	uint8_t key[ECRYPTO_SECRET_KEY_BYTES];
};

enum ecrypto_err ecrypto_secret_key_generate(struct ecrypto_secret_key *out);
enum ecrypto_err ecrypto_secret_key_from_json(const char *json, struct ecrypto_secret_key *out,
                                              struct ecrypto_why *why);
enum ecrypto_err ecrypto_secret_key_from_base64(const char *b64, struct ecrypto_secret_key *out,
                                                struct ecrypto_why *why);
/* verbose adds "@type"; the non-verbose form is what messages encrypt as serializedSecret. */
char *ecrypto_secret_key_to_json(const struct ecrypto_secret_key *key, bool verbose);
char *ecrypto_secret_key_to_base64(const struct ecrypto_secret_key *key);
void ecrypto_secret_key_wipe(struct ecrypto_secret_key *key);

/* out = crypto_kdf_derive_from_key(32, id, context, base); context must be 8 characters and id at
 * most ECRYPTO_KDF_MAX_ID. Contexts in use: REQTMP01 RELREQ01 RELTEM01 DataSync DEVICE01 SECRET01. */
enum ecrypto_err ecrypto_kdf_derive(const struct ecrypto_secret_key *base, uint64_t id, const char *context,
                                    struct ecrypto_secret_key *out, struct ecrypto_why *why);

struct json_object;
enum ecrypto_err ecrypto_secret_key_read(const struct json_object *obj, const char *path, void *out,
                                         struct ecrypto_why *why);

#endif
