/*
 * crypto/error.c: error names and the detail line of the crypto library. See crypto/error.h.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "crypto/error.h"

const char *ecrypto_error_message(enum ecrypto_err err)
{
	switch (err) {
	case ECRYPTO_OK:
		return "success";
	case ECRYPTO_ERR_JSON:
		return "malformed JSON";
	case ECRYPTO_ERR_MISSING:
		return "required field missing";
	case ECRYPTO_ERR_FIELD_TYPE:
		return "field has the wrong JSON type";
	case ECRYPTO_ERR_TYPE_NAME:
		return "unexpected @type";
	case ECRYPTO_ERR_BASE64:
		return "invalid base64";
	case ECRYPTO_ERR_LENGTH:
		return "wrong length";
	case ECRYPTO_ERR_ALGORITHM:
		return "unsupported algorithm";
	case ECRYPTO_ERR_VALUE:
		return "invalid value";
	case ECRYPTO_ERR_DECRYPT:
		return "decryption failed (wrong key, nonce or tampered ciphertext)";
	case ECRYPTO_ERR_SIGNATURE:
		return "signature does not verify";
	case ECRYPTO_ERR_KEY_EXCHANGE:
		return "key exchange rejected the public key";
	case ECRYPTO_ERR_NOMEM:
		return "out of memory";
	case ECRYPTO_ERR_INTERNAL:
		return "internal crypto library failure";
	}
	return "unknown error";
}

enum ecrypto_err ecrypto_fail(struct ecrypto_why *why, enum ecrypto_err err, const char *fmt, ...)
{
	if (why) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why->text, sizeof(why->text), fmt, ap);
		va_end(ap);
	}
	return err;
}

enum ecrypto_err ecrypto_init(void)
{
	if (sodium_init() < 0)
		return ECRYPTO_ERR_INTERNAL;
	return ECRYPTO_OK;
}

void ecrypto_free_text(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void ecrypto_free_bytes(void *p, size_t n)
{
	if (!p)
		return;
	sodium_memzero(p, n);
	free(p);
}
