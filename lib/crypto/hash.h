/*
 * crypto/hash.h: CryptoHash (SHA-256, SHA-512) and the b64url SHA-512 digests that files use
 * (plaintextHash, cipherHash). BLAKE2B (3) exists in the enum but @nmshd/crypto cannot compute it,
 * so it is refused here as well.
 */
#ifndef CONNECTOR_CRYPTO_HASH_H
#define CONNECTOR_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"
#include "crypto/signature.h"

#define ECRYPTO_SHA256_BYTES       32
#define ECRYPTO_SHA512_BYTES       64
#define ECRYPTO_SHA512_B64URL_SIZE 87 /* 86 characters + NUL */

/* out receives 32 (SHA256) or 64 (SHA512) bytes; *out_len says which. */
enum ecrypto_err ecrypto_hash(enum ecrypto_hash_label alg, const void *data, size_t len, uint8_t out[64],
                              size_t *out_len, struct ecrypto_why *why);
/* b64url(SHA512(data)), e.g. FileMetadata.plaintextHash and the Backbone's cipherHash. */
void ecrypto_sha512_b64url(const void *data, size_t len, char out[ECRYPTO_SHA512_B64URL_SIZE]);

#endif
