/*
 * crypto/cipher.h: CryptoCipher and XChaCha20-Poly1305 (IETF, empty additional data, combined
 * ciphertext||16-byte tag) as @nmshd/crypto uses it.
 *   JSON {"cph":b64u,"alg":3,"nnc":b64u(24),"@type":"CryptoCipher"}   explicit nonce, or
 *        {"cph":b64u,"alg":3,"cnt":uint32,"@type":"CryptoCipher"}      counter mode: the nonce is a
 *        base nonce (held by the relationship state) whose last 4 bytes, read as a little-endian
 *        uint32, get the counter added modulo 2^32.
 * Exactly one of nnc / cnt; 16 bytes <= cph <= 100 MiB + tag; alg 3 only.
 * A struct ecrypto_cipher owns its cph buffer: release with ecrypto_cipher_free().
 * Decrypted plaintext is malloc'd with one extra NUL byte (not counted) so JSON can be parsed in
 * place; release plaintext that holds secrets with ecrypto_free_bytes().
 */
#ifndef CONNECTOR_CRYPTO_CIPHER_H
#define CONNECTOR_CRYPTO_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"
#include "crypto/secretkey.h"

#define ECRYPTO_NONCE_BYTES      24
#define ECRYPTO_TAG_BYTES        16
#define ECRYPTO_MAX_PLAINTEXT    (100u * 1024u * 1024u)
#define ECRYPTO_MAX_CIPHER_BYTES (ECRYPTO_MAX_PLAINTEXT + ECRYPTO_TAG_BYTES)

struct ecrypto_cipher {
	uint8_t *cph;
	size_t cph_len;
	bool counter_mode; /* true: cnt is set and nnc unused; false: nnc is set */
	uint8_t nnc[ECRYPTO_NONCE_BYTES];
	uint32_t cnt;
};

enum ecrypto_err ecrypto_cipher_from_json(const char *json, struct ecrypto_cipher *out, struct ecrypto_why *why);
enum ecrypto_err ecrypto_cipher_from_base64(const char *b64, struct ecrypto_cipher *out, struct ecrypto_why *why);
char *ecrypto_cipher_to_json(const struct ecrypto_cipher *c, bool verbose);
char *ecrypto_cipher_to_base64(const struct ecrypto_cipher *c);
void ecrypto_cipher_free(struct ecrypto_cipher *c);

/* Encrypts with nonce (24 bytes) or, when nonce is NULL, a random one. */
enum ecrypto_err ecrypto_encrypt(const struct ecrypto_secret_key *key, const void *pt, size_t len, const uint8_t *nonce,
                                 struct ecrypto_cipher *out, struct ecrypto_why *why);
/* Counter mode: nonce = base_nonce + counter; the cipher records cnt only. */
enum ecrypto_err ecrypto_encrypt_counter(const struct ecrypto_secret_key *key, const uint8_t *base_nonce,
                                         uint32_t counter, const void *pt, size_t len, struct ecrypto_cipher *out,
                                         struct ecrypto_why *why);
/* Decrypts a cipher carrying its nonce. */
enum ecrypto_err ecrypto_decrypt(const struct ecrypto_secret_key *key, const struct ecrypto_cipher *c, uint8_t **pt,
                                 size_t *len, struct ecrypto_why *why);
/* Decrypts a counter-mode cipher with the base nonce of the receiving state and the cipher's cnt. */
enum ecrypto_err ecrypto_decrypt_counter(const struct ecrypto_secret_key *key, const uint8_t *base_nonce,
                                         const struct ecrypto_cipher *c, uint8_t **pt, size_t *len,
                                         struct ecrypto_why *why);
/* out = base with counter added into its last 4 bytes (little-endian uint32, wraps, no carry). */
void ecrypto_nonce_add_counter(const uint8_t base[ECRYPTO_NONCE_BYTES], uint32_t counter,
                               uint8_t out[ECRYPTO_NONCE_BYTES]);

struct json_object;
enum ecrypto_err ecrypto_cipher_read(const struct json_object *obj, const char *path, void *out,
                                     struct ecrypto_why *why);

#endif
