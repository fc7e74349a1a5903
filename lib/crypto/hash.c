/*
 * crypto/hash.c: SHA-2 digests (see crypto/hash.h).
 */
#include <sodium.h>

#include "base64.h"
#include "crypto/hash.h"

enum ecrypto_err ecrypto_hash(enum ecrypto_hash_label alg, const void *data, size_t len, uint8_t out[64],
                              size_t *out_len, struct ecrypto_why *why)
{
	*out_len = 0;
	if (alg == ECRYPTO_HASH_SHA256) {
		crypto_hash_sha256(out, data, len);
		*out_len = ECRYPTO_SHA256_BYTES;
	} else if (alg == ECRYPTO_HASH_SHA512) {
		crypto_hash_sha512(out, data, len);
		*out_len = ECRYPTO_SHA512_BYTES;
	} else {
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "hash: algorithm %d not supported (1 or 2)", (int)alg);
	}
	return ECRYPTO_OK;
}

void ecrypto_sha512_b64url(const void *data, size_t len, char out[ECRYPTO_SHA512_B64URL_SIZE])
{
	uint8_t h[ECRYPTO_SHA512_BYTES];
	crypto_hash_sha512(h, data, len);
	b64_encode(B64_URL, h, sizeof(h), out);
}
