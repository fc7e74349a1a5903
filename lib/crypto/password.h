/*
 * crypto/password.h: password-based keys (CryptoDerivation.deriveKeyFromPassword): Argon2id via
 * crypto_pwhash with a 16-byte salt. The transport uses opslimit 3 and memlimit 20 MiB; the
 * Backbone receives the 32-byte result as standard padded base64 in its "password" field (tokens
 * and templates protected by a password or PIN).
 */
#ifndef CONNECTOR_CRYPTO_PASSWORD_H
#define CONNECTOR_CRYPTO_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"
#include "crypto/secretkey.h"

#define ECRYPTO_PASSWORD_SALT_BYTES 16
#define ECRYPTO_PASSWORD_OPSLIMIT   3ULL
#define ECRYPTO_PASSWORD_MEMLIMIT   20971520UL
#define ECRYPTO_PASSWORD_PARAM_SIZE 45 /* b64std(32 bytes) + NUL */

/* CryptoDerivationAlgorithm ("argon2i" / "argon2id") as libsodium numbers them. */
enum ecrypto_pwhash_alg { ECRYPTO_ARGON2I = 1, ECRYPTO_ARGON2ID = 2 };

/* Maps "argon2i"/"argon2id" to the enum; ECRYPTO_ERR_ALGORITHM otherwise. */
enum ecrypto_err ecrypto_pwhash_alg_from_name(const char *name, enum ecrypto_pwhash_alg *out, struct ecrypto_why *why);

/* General form: out (32 bytes) = crypto_pwhash(password, salt, opslimit, memlimit, alg). */
enum ecrypto_err ecrypto_password_derive(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                         uint64_t opslimit, size_t memlimit, enum ecrypto_pwhash_alg alg,
                                         uint8_t out[ECRYPTO_SECRET_KEY_BYTES], struct ecrypto_why *why);
/* With the transport's parameters (Argon2id, 3, 20 MiB), as a secret key. */
enum ecrypto_err ecrypto_password_derive_key(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                             struct ecrypto_secret_key *out, struct ecrypto_why *why);
/* The Backbone "password" value: b64std of the transport-parameter hash. */
enum ecrypto_err ecrypto_password_backbone_param(const char *password, const uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES],
                                                 char out[ECRYPTO_PASSWORD_PARAM_SIZE], struct ecrypto_why *why);

#endif
