/*
 * crypto/password.c: Argon2 password-based keys (see crypto/password.h).
 */
#include <sodium.h>
#include <string.h>

#include "base64.h"
#include "crypto/password.h"

enum ecrypto_err ecrypto_pwhash_alg_from_name(const char *name, enum ecrypto_pwhash_alg *out, struct ecrypto_why *why)
{
	if (name && strcmp(name, "argon2id") == 0)
		*out = ECRYPTO_ARGON2ID;
	else if (name && strcmp(name, "argon2i") == 0)
		*out = ECRYPTO_ARGON2I;
	else
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "derivation algorithm: expected argon2i or argon2id");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_password_derive(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                         uint64_t opslimit, size_t memlimit, enum ecrypto_pwhash_alg alg,
                                         uint8_t out[ECRYPTO_SECRET_KEY_BYTES], struct ecrypto_why *why)
{
	int sodium_alg = alg == ECRYPTO_ARGON2ID ? crypto_pwhash_ALG_ARGON2ID13 : crypto_pwhash_ALG_ARGON2I13;
	if (alg != ECRYPTO_ARGON2ID && alg != ECRYPTO_ARGON2I)
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "password derivation: unknown algorithm %d", (int)alg);
	if (!password)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "password: missing");
	if (opslimit < (alg == ECRYPTO_ARGON2I ? 3 : crypto_pwhash_OPSLIMIT_MIN) ||
	    opslimit > crypto_pwhash_OPSLIMIT_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "password derivation: opslimit %llu out of range",
		                    (unsigned long long)opslimit);
	if (memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > (size_t)1 << 31)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "password derivation: memlimit %zu out of range", memlimit);
	if (ecrypto_init())
		return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "password derivation: sodium_init failed");
	if (crypto_pwhash(out, ECRYPTO_SECRET_KEY_BYTES, password, strlen(password), salt, opslimit, memlimit,
	                  sodium_alg) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "password derivation: crypto_pwhash failed (memory)");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_password_derive_key(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                             struct ecrypto_secret_key *out, struct ecrypto_why *why)
{
	return ecrypto_password_derive(password, salt, ECRYPTO_PASSWORD_OPSLIMIT, ECRYPTO_PASSWORD_MEMLIMIT,
	                               ECRYPTO_ARGON2ID, out->key, why);
}

enum ecrypto_err ecrypto_password_backbone_param(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                                 char out[ECRYPTO_PASSWORD_PARAM_SIZE], struct ecrypto_why *why)
{
	struct ecrypto_secret_key key;
	enum ecrypto_err err = ecrypto_password_derive_key(password, salt, &key, why);
	if (!err)
		b64_encode(B64_STD, key.key, sizeof(key.key), out);
	ecrypto_secret_key_wipe(&key);
	return err;
}
