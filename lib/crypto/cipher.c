/*
 * crypto/cipher.c: CryptoCipher JSON and XChaCha20-Poly1305 with nonce or counter (see
 * crypto/cipher.h). JSON key order as in @nmshd/crypto: cph, alg, nnc|cnt, @type.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/jsonutil.h"

static const char CLS[] = "CryptoCipher";

enum ecrypto_err ecrypto_cipher_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_cipher *c = out;
	int alg;
	int64_t cnt = 0;
	memset(c, 0, sizeof(*c));
	enum ecrypto_err err = ej_expect_class(obj, path, CLS, why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_XCHACHA20, ECRYPTO_ALG_XCHACHA20, &alg, why);
	if (err)
		return err;
	bool has_nnc = ej_field(obj, "nnc") != NULL, has_cnt = ej_field(obj, "cnt") != NULL;
	if (has_nnc == has_cnt)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "%s: needs exactly one of nnc (nonce) and cnt (counter), got %s", path,
		                    has_nnc ? "both" : "neither");
	if (has_nnc)
		err = ej_bytes(obj, path, "nnc", c->nnc, sizeof(c->nnc), why);
	else
		err = ej_int(obj, path, "cnt", 0, UINT32_MAX, &cnt, why);
	if (err)
		return err;
	c->counter_mode = has_cnt;
	c->cnt = (uint32_t)cnt;
	return ej_bytes_alloc(obj, path, "cph", ECRYPTO_TAG_BYTES, ECRYPTO_MAX_CIPHER_BYTES, &c->cph, &c->cph_len, why);
}

enum ecrypto_err ecrypto_cipher_from_json(const char *json, struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = ej_read_text(json, CLS, ecrypto_cipher_read, out, why);
	if (err)
		ecrypto_cipher_free(out);
	return err;
}

enum ecrypto_err ecrypto_cipher_from_base64(const char *b64, struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = ej_read_base64(b64, CLS, ecrypto_cipher_read, out, why);
	if (err)
		ecrypto_cipher_free(out);
	return err;
}

static void write_cipher(struct ej_out *o, const struct ecrypto_cipher *c, bool verbose)
{
	ej_begin(o);
	ej_key_b64(o, "cph", c->cph, c->cph_len);
	ej_key_int(o, "alg", ECRYPTO_ALG_XCHACHA20);
	if (c->counter_mode)
		ej_key_int(o, "cnt", c->cnt);
	else
		ej_key_b64(o, "nnc", c->nnc, sizeof(c->nnc));
	if (verbose)
		ej_key_str(o, "@type", CLS);
}

char *ecrypto_cipher_to_json(const struct ecrypto_cipher *c, bool verbose)
{
	struct ej_out o;
	write_cipher(&o, c, verbose);
	return ej_take(&o);
}

char *ecrypto_cipher_to_base64(const struct ecrypto_cipher *c)
{
	struct ej_out o;
	write_cipher(&o, c, true);
	return ej_take_base64(&o);
}

void ecrypto_cipher_free(struct ecrypto_cipher *c)
{
	free(c->cph);
	memset(c, 0, sizeof(*c));
}

void ecrypto_nonce_add_counter(const uint8_t base[ECRYPTO_NONCE_BYTES], uint32_t counter,
                               uint8_t out[ECRYPTO_NONCE_BYTES])
{
	const size_t at = ECRYPTO_NONCE_BYTES - 4;
	uint32_t v = (uint32_t)base[at] | (uint32_t)base[at + 1] << 8 | (uint32_t)base[at + 2] << 16 |
	             (uint32_t)base[at + 3] << 24;
	v += counter; /* modulo 2^32 by unsigned arithmetic */
	memcpy(out, base, at);
	for (size_t i = 0; i < 4; i++)
		out[at + i] = (uint8_t)(v >> (8 * i));
}

static enum ecrypto_err seal(const struct ecrypto_secret_key *key, const void *pt, size_t len, const uint8_t *nonce,
                             struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	unsigned long long clen;
	if (len > ECRYPTO_MAX_PLAINTEXT)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "encrypt: plaintext of %zu bytes above %u", len,
		                    ECRYPTO_MAX_PLAINTEXT);
	out->cph = malloc(len + ECRYPTO_TAG_BYTES);
	if (!out->cph)
		return ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "encrypt: out of memory");
	crypto_aead_xchacha20poly1305_ietf_encrypt(out->cph, &clen, pt, len, NULL, 0, NULL, nonce, key->key);
	out->cph_len = (size_t)clen;
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_encrypt(const struct ecrypto_secret_key *key, const void *pt, size_t len, const uint8_t *nonce,
                                 struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	if (nonce) {
		memcpy(out->nnc, nonce, sizeof(out->nnc));
	} else {
		if (ecrypto_init())
			return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "encrypt: sodium_init failed");
		randombytes_buf(out->nnc, sizeof(out->nnc));
	}
	return seal(key, pt, len, out->nnc, out, why);
}

enum ecrypto_err ecrypto_encrypt_counter(const struct ecrypto_secret_key *key, const uint8_t *base_nonce,
                                         uint32_t counter, const void *pt, size_t len, struct ecrypto_cipher *out,
                                         struct ecrypto_why *why)
{
	uint8_t nonce[ECRYPTO_NONCE_BYTES];
	memset(out, 0, sizeof(*out));
	ecrypto_nonce_add_counter(base_nonce, counter, nonce);
	out->counter_mode = true;
	out->cnt = counter;
	return seal(key, pt, len, nonce, out, why);
}

static enum ecrypto_err open_with(const struct ecrypto_secret_key *key, const struct ecrypto_cipher *c,
                                  const uint8_t *nonce, uint8_t **pt, size_t *len, struct ecrypto_why *why)
{
	unsigned long long plen;
	*pt = NULL;
	*len = 0;
	if (c->cph_len < ECRYPTO_TAG_BYTES)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "CryptoCipher.cph: %zu bytes, shorter than the tag",
		                    c->cph_len);
	uint8_t *buf = malloc(c->cph_len - ECRYPTO_TAG_BYTES + 1);
	if (!buf)
		return ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "decrypt: out of memory");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(buf, &plen, NULL, c->cph, c->cph_len, NULL, 0, nonce,
	                                               key->key) != 0) {
		free(buf);
		return ecrypto_fail(why, ECRYPTO_ERR_DECRYPT,
		                    "CryptoCipher: authentication failed (wrong key or nonce, "
		                    "or tampered ciphertext)");
	}
	buf[plen] = 0;
	*pt = buf;
	*len = (size_t)plen;
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_decrypt(const struct ecrypto_secret_key *key, const struct ecrypto_cipher *c, uint8_t **pt,
                                 size_t *len, struct ecrypto_why *why)
{
	if (c->counter_mode) {
		*pt = NULL;
		*len = 0;
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "CryptoCipher: has cnt but no nnc; decrypt it with the "
		                    "relationship state (counter mode)");
	}
	return open_with(key, c, c->nnc, pt, len, why);
}

enum ecrypto_err ecrypto_decrypt_counter(const struct ecrypto_secret_key *key, const uint8_t *base_nonce,
                                         const struct ecrypto_cipher *c, uint8_t **pt, size_t *len,
                                         struct ecrypto_why *why)
{
	uint8_t nonce[ECRYPTO_NONCE_BYTES];
	if (!c->counter_mode) {
		*pt = NULL;
		*len = 0;
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "CryptoCipher: has nnc but no cnt; not a counter-mode cipher");
	}
	ecrypto_nonce_add_counter(base_nonce, c->cnt, nonce);
	return open_with(key, c, nonce, pt, len, why);
}
