/*
 * runtime/files_crypto.h: file content encryption streamed in chunks (crypto-protocol.md §2.8).
 *
 * A file's Backbone blob is the UTF-8 text of a CryptoCipher,
 *     {"cph":b64url(ciphertext||tag),"alg":3,"nnc":b64url(nonce),"@type":"CryptoCipher"}
 * where the ciphertext is XChaCha20-Poly1305 (IETF, no additional data) of the whole plaintext
 * under the file key. Here that AEAD is computed incrementally (HChaCha20 subkey, ChaCha20 IETF
 * keystream from block 1, Poly1305 over ciphertext, padding and lengths), so the result is
 * byte-identical to crypto_aead_xchacha20poly1305_ietf_encrypt while neither side ever holds the
 * whole file: the encryptor writes the blob to a sink as the plaintext arrives, computing the
 * plaintext hash (FileMetadata.plaintextHash, signed as ownerSignature) and the blob hash
 * (the Backbone's cipherHash) on the way.
 *
 * The decryptor reads a blob from a file descriptor in three passes (locate fields and check the
 * cipher hash; verify the tag; decrypt to the sink), so no plaintext leaves before the tag has been
 * verified, whatever the key order of the JSON (TS writes nnc after cph).
 */
#ifndef CONNECTOR_RUNTIME_FILES_CRYPTO_H
#define CONNECTOR_RUNTIME_FILES_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "crypto/crypto.h"

/* Incremental XChaCha20-Poly1305 IETF without additional data. */
struct fc_aead {
	uint8_t subkey[32];
	uint8_t npub[12];
	crypto_onetimeauth_poly1305_state mac;
	uint8_t ks[64]; /* keystream of the current block */
	size_t ks_used; /* bytes of ks already used (64: none left) */
	uint64_t block; /* next block counter */
	uint64_t len;   /* ciphertext bytes so far */
};

void fc_aead_init(struct fc_aead *a, const struct ecrypto_secret_key *key, const uint8_t nonce[ECRYPTO_NONCE_BYTES]);
/* In place: encrypting (MAC over the output) or decrypting (MAC over the input). */
void fc_aead_update(struct fc_aead *a, uint8_t *buf, size_t len, bool encrypting);
/* Authenticates only (decrypt side, first pass): MAC over ciphertext without producing plaintext. */
void fc_aead_mac_only(struct fc_aead *a, const uint8_t *ct, size_t len);
/* The tag over everything so far; wipes the state. */
void fc_aead_final(struct fc_aead *a, uint8_t tag[ECRYPTO_TAG_BYTES]);

/* Where blob or plaintext bytes go; returns false to stop (the caller's error). */
typedef bool (*fc_sink)(void *arg, const void *data, size_t len);

struct fc_encryptor {
	struct fc_aead aead;
	crypto_hash_sha512_state plain_hash, blob_hash;
	uint8_t nonce[ECRYPTO_NONCE_BYTES];
	uint8_t carry[3]; /* ciphertext bytes not yet base64-encoded */
	size_t ncarry;
	uint64_t size; /* plaintext bytes */
	bool started, failed;
	struct fc_work *work; /* piece buffers (heap) */
	fc_sink sink;
	void *arg;
};

struct fc_result {
	uint64_t size;                                       /* plaintext bytes */
	uint8_t plaintext_hash[ECRYPTO_SHA512_BYTES];        /* raw SHA-512 of the plaintext */
	char plaintext_hash_b64[ECRYPTO_SHA512_B64URL_SIZE]; /* FileMetadata.plaintextHash */
	char cipher_hash_b64[ECRYPTO_SHA512_B64URL_SIZE];    /* cipherHash of the blob */
	uint64_t blob_size;
};

/* nonce NULL: a random one. False on allocation failure. Release with fc_encryptor_free. */
bool fc_encryptor_init(struct fc_encryptor *e, const struct ecrypto_secret_key *key, const uint8_t *nonce, fc_sink sink,
                       void *arg);
void fc_encryptor_free(struct fc_encryptor *e);
/* False when the sink refused. */
bool fc_encryptor_update(struct fc_encryptor *e, const void *pt, size_t len);
bool fc_encryptor_finish(struct fc_encryptor *e, struct fc_result *out);

/*
 * Decrypts the blob in fd (from offset 0) with key to sink. expected_cipher_hash (b64url, may be
 * NULL) is compared with the blob's SHA-512 first. On failure false with the reason in why (which
 * names the field: "cipherHash", "CryptoCipher.cph", "CryptoCipher.nnc", "authentication").
 * *size gets the plaintext length.
 */
bool fc_decrypt_fd(int fd, const struct ecrypto_secret_key *key, const char *expected_cipher_hash, fc_sink sink,
                   void *arg, uint64_t *size, struct ecrypto_why *why);

#endif
