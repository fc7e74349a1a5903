/*
 * crypto/signature.h: Ed25519 signature objects of @nmshd/crypto and their JSON / toBase64 forms.
 *   CryptoSignaturePublicKey  {"pub":b64u(32),"alg":3,"@type":...}
 *   CryptoSignaturePrivateKey {"prv":b64u(64 = seed||pk),"alg":3,"@type":...}
 *   CryptoSignatureKeypair    {"pub":{pub,alg},"prv":{prv,alg},"@type":...}
 *   CryptoSignature           {"sig":b64u(64),"alg":1|2|3,"@type":...}  (alg is a hash LABEL only)
 * Signing is plain crypto_sign_detached over the message; the label never changes the bytes signed.
 * Parsers accept "@type" absent or equal to the class; lengths are exact, alg must be supported.
 * *_to_json / *_to_base64 return malloc'd text: free with ecrypto_free_text(). Private keys live in
 * the caller's struct: wipe it with ecrypto_sig_private_key_wipe()/ecrypto_sig_keypair_wipe().
 */
#ifndef CONNECTOR_CRYPTO_SIGNATURE_H
#define CONNECTOR_CRYPTO_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"

#define ECRYPTO_SIG_PUBLIC_BYTES  32
#define ECRYPTO_SIG_PRIVATE_BYTES 64
#define ECRYPTO_SIG_SEED_BYTES    32
#define ECRYPTO_SIGNATURE_BYTES   64
#define ECRYPTO_ALG_ED25519       3 /* CryptoSignatureAlgorithm.ECDSA_ED25519 */

/* CryptoHashAlgorithm values, used as the "alg" label of CryptoSignature. */
enum ecrypto_hash_label { ECRYPTO_HASH_SHA256 = 1, ECRYPTO_HASH_SHA512 = 2, ECRYPTO_HASH_BLAKE2B = 3 };

struct ecrypto_sig_public_key {
	uint8_t pub[ECRYPTO_SIG_PUBLIC_BYTES];
};
struct ecrypto_sig_private_key {
	uint8_t prv[ECRYPTO_SIG_PRIVATE_BYTES];
};
struct ecrypto_sig_keypair {
	struct ecrypto_sig_public_key pub;
	struct ecrypto_sig_private_key prv;
};
struct ecrypto_signature {
	uint8_t sig[ECRYPTO_SIGNATURE_BYTES];
	int alg; /* enum ecrypto_hash_label */
};

/* ---- public key ---- */
enum ecrypto_err ecrypto_sig_public_key_from_json(const char *json, struct ecrypto_sig_public_key *out,
                                                  struct ecrypto_why *why);
/* From the toBase64 form: b64url(UTF-8 JSON), as sent to the Backbone (identityPublicKey). */
enum ecrypto_err ecrypto_sig_public_key_from_base64(const char *b64, struct ecrypto_sig_public_key *out,
                                                    struct ecrypto_why *why);
char *ecrypto_sig_public_key_to_json(const struct ecrypto_sig_public_key *key, bool verbose);
char *ecrypto_sig_public_key_to_base64(const struct ecrypto_sig_public_key *key);

/* ---- private key and keypair ---- */
enum ecrypto_err ecrypto_sig_private_key_from_json(const char *json, struct ecrypto_sig_private_key *out,
                                                   struct ecrypto_why *why);
char *ecrypto_sig_private_key_to_json(const struct ecrypto_sig_private_key *key, bool verbose);
void ecrypto_sig_private_key_wipe(struct ecrypto_sig_private_key *key);
/* The public half (crypto_sign_ed25519_sk_to_pk). */
void ecrypto_sig_private_key_public(const struct ecrypto_sig_private_key *key, struct ecrypto_sig_public_key *out);

enum ecrypto_err ecrypto_sig_keypair_generate(struct ecrypto_sig_keypair *out);
void ecrypto_sig_keypair_from_seed(const uint8_t seed[ECRYPTO_SIG_SEED_BYTES], struct ecrypto_sig_keypair *out);
/* Also checks that pub is the public half of prv. */
enum ecrypto_err ecrypto_sig_keypair_from_json(const char *json, struct ecrypto_sig_keypair *out,
                                               struct ecrypto_why *why);
char *ecrypto_sig_keypair_to_json(const struct ecrypto_sig_keypair *kp, bool verbose);
void ecrypto_sig_keypair_wipe(struct ecrypto_sig_keypair *kp);

/* ---- signature ---- */
enum ecrypto_err ecrypto_signature_from_json(const char *json, struct ecrypto_signature *out, struct ecrypto_why *why);
/* From the toBase64 form (signedChallenge.signature, ownerSignature, ...). */
enum ecrypto_err ecrypto_signature_from_base64(const char *b64, struct ecrypto_signature *out, struct ecrypto_why *why);
char *ecrypto_signature_to_json(const struct ecrypto_signature *sig, bool verbose);
char *ecrypto_signature_to_base64(const struct ecrypto_signature *sig);

/* Signs msg (at least 1 byte, like CryptoSignatures.sign) and records label in out->alg. */
enum ecrypto_err ecrypto_sign(const struct ecrypto_sig_private_key *key, const void *msg, size_t len,
                              enum ecrypto_hash_label label, struct ecrypto_signature *out, struct ecrypto_why *why);
/* ECRYPTO_OK when sig is a valid Ed25519 signature of msg under key, else ECRYPTO_ERR_SIGNATURE. */
enum ecrypto_err ecrypto_verify(const struct ecrypto_sig_public_key *key, const void *msg, size_t len,
                                const struct ecrypto_signature *sig, struct ecrypto_why *why);
/* Convenience for the Backbone: verify the toBase64 signature over a challenge string with the
 * toBase64 public key (both as received in POST /api/v2/Identities). */
enum ecrypto_err ecrypto_verify_challenge(const char *public_key_b64, const char *challenge, const char *signature_b64,
                                          struct ecrypto_why *why);

/* Readers for embedding in other objects (path names the object in errors; out is the struct). */
struct json_object;
enum ecrypto_err ecrypto_sig_public_key_read(const struct json_object *obj, const char *path, void *out,
                                             struct ecrypto_why *why);
enum ecrypto_err ecrypto_sig_private_key_read(const struct json_object *obj, const char *path, void *out,
                                              struct ecrypto_why *why);
enum ecrypto_err ecrypto_sig_keypair_read(const struct json_object *obj, const char *path, void *out,
                                          struct ecrypto_why *why);
enum ecrypto_err ecrypto_signature_read(const struct json_object *obj, const char *path, void *out,
                                        struct ecrypto_why *why);

#endif
