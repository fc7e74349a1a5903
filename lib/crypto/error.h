/*
 * crypto/error.h: the error vocabulary of the enmeshed crypto library (lib/crypto/).
 * Every fallible function returns an enum ecrypto_err and, when the caller passes a non-NULL
 * struct ecrypto_why, writes one line naming the object and field ("CryptoCipher.nnc: expected 24
 * bytes, got 12"). The text never contains key material, only lengths, names and positions.
 * Also the two library-wide basics: ecrypto_init() and ecrypto_free_text().
 */
#ifndef CONNECTOR_CRYPTO_ERROR_H
#define CONNECTOR_CRYPTO_ERROR_H

#include <stddef.h>

enum ecrypto_err {
	ECRYPTO_OK = 0,
	ECRYPTO_ERR_JSON,         /* input is not (the expected kind of) JSON */
	ECRYPTO_ERR_MISSING,      /* a required field is absent */
	ECRYPTO_ERR_FIELD_TYPE,   /* a field has the wrong JSON type */
	ECRYPTO_ERR_TYPE_NAME,    /* "@type" names another class */
	ECRYPTO_ERR_BASE64,       /* wrong alphabet, padding or length of a base64 string */
	ECRYPTO_ERR_LENGTH,       /* decoded bytes have the wrong length */
	ECRYPTO_ERR_ALGORITHM,    /* unknown or unsupported algorithm number */
	ECRYPTO_ERR_VALUE,        /* a value out of range or malformed (ids, counters, hosts, ...) */
	ECRYPTO_ERR_DECRYPT,      /* authentication of a ciphertext failed */
	ECRYPTO_ERR_SIGNATURE,    /* a signature does not verify */
	ECRYPTO_ERR_KEY_EXCHANGE, /* crypto_kx rejected a public key */
	ECRYPTO_ERR_NOMEM,        /* allocation failed */
	ECRYPTO_ERR_INTERNAL,     /* libsodium failed where it should not (e.g. sodium_init) */
};

/* Detail text for the last error; fixed size so that it can live on the caller's stack. */
struct ecrypto_why {
	char text[256];
};

/* A short constant description of the error class, e.g. "invalid base64". Never NULL. */
const char *ecrypto_error_message(enum ecrypto_err err);

/* Records err with a printf-style detail in why (if not NULL) and returns err. */
enum ecrypto_err ecrypto_fail(struct ecrypto_why *why, enum ecrypto_err err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Initialises libsodium once (idempotent, thread-safe); ECRYPTO_ERR_INTERNAL if it cannot. */
enum ecrypto_err ecrypto_init(void);

/* Wipes and frees a string returned by this library (JSON or base64 that may hold key material). */
void ecrypto_free_text(char *s);
/* Wipes n bytes and frees them (decrypted plaintext). NULL is fine. */
void ecrypto_free_bytes(void *p, size_t n);

#endif
