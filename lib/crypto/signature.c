/*
 * crypto/signature.c: Ed25519 keys and signatures (see crypto/signature.h). The JSON key order
 * matches @nmshd/crypto's toJSON: pub/prv/sig first, then alg, then "@type" when verbose.
 */
#include <sodium.h>
#include <string.h>

#include "crypto/jsonutil.h"
#include "crypto/signature.h"

/* ---- public key ---- */

enum ecrypto_err ecrypto_sig_public_key_read(const json_object *obj, const char *path, void *out,
                                             struct ecrypto_why *why)
{
	struct ecrypto_sig_public_key *key = out;
	int alg;
	enum ecrypto_err err = ej_expect_class(obj, path, "CryptoSignaturePublicKey", why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_ED25519, ECRYPTO_ALG_ED25519, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "pub", key->pub, sizeof(key->pub), why);
	return err;
}

enum ecrypto_err ecrypto_sig_public_key_from_json(const char *json, struct ecrypto_sig_public_key *out,
                                                  struct ecrypto_why *why)
{
	return ej_read_text(json, "CryptoSignaturePublicKey", ecrypto_sig_public_key_read, out, why);
}

enum ecrypto_err ecrypto_sig_public_key_from_base64(const char *b64, struct ecrypto_sig_public_key *out,
                                                    struct ecrypto_why *why)
{
	return ej_read_base64(b64, "CryptoSignaturePublicKey", ecrypto_sig_public_key_read, out, why);
}

static void write_public(struct ej_out *o, const struct ecrypto_sig_public_key *key, bool verbose)
{
	ej_begin(o);
	ej_key_b64(o, "pub", key->pub, sizeof(key->pub));
	ej_key_int(o, "alg", ECRYPTO_ALG_ED25519);
	if (verbose)
		ej_key_str(o, "@type", "CryptoSignaturePublicKey");
}

char *ecrypto_sig_public_key_to_json(const struct ecrypto_sig_public_key *key, bool verbose)
{
	struct ej_out o;
	write_public(&o, key, verbose);
	return ej_take(&o);
}

char *ecrypto_sig_public_key_to_base64(const struct ecrypto_sig_public_key *key)
{
	struct ej_out o;
	write_public(&o, key, true);
	return ej_take_base64(&o);
}

/* ---- private key ---- */

enum ecrypto_err ecrypto_sig_private_key_read(const json_object *obj, const char *path, void *out,
                                              struct ecrypto_why *why)
{
	struct ecrypto_sig_private_key *key = out;
	int alg;
	enum ecrypto_err err = ej_expect_class(obj, path, "CryptoSignaturePrivateKey", why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_ED25519, ECRYPTO_ALG_ED25519, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "prv", key->prv, sizeof(key->prv), why);
	return err;
}

enum ecrypto_err ecrypto_sig_private_key_from_json(const char *json, struct ecrypto_sig_private_key *out,
                                                   struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, "CryptoSignaturePrivateKey", ecrypto_sig_private_key_read, out, why);
	if (err)
		ecrypto_sig_private_key_wipe(out);
	return err;
}

static char *private_text(const struct ecrypto_sig_private_key *key, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_b64(&o, "prv", key->prv, sizeof(key->prv));
	ej_key_int(&o, "alg", ECRYPTO_ALG_ED25519);
	if (verbose)
		ej_key_str(&o, "@type", "CryptoSignaturePrivateKey");
	return ej_take(&o);
}

char *ecrypto_sig_private_key_to_json(const struct ecrypto_sig_private_key *key, bool verbose)
{
	return private_text(key, verbose);
}

void ecrypto_sig_private_key_wipe(struct ecrypto_sig_private_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

void ecrypto_sig_private_key_public(const struct ecrypto_sig_private_key *key, struct ecrypto_sig_public_key *out)
{
	crypto_sign_ed25519_sk_to_pk(out->pub, key->prv);
}

/* ---- keypair ---- */

enum ecrypto_err ecrypto_sig_keypair_generate(struct ecrypto_sig_keypair *out)
{
	if (ecrypto_init())
		return ECRYPTO_ERR_INTERNAL;
	crypto_sign_keypair(out->pub.pub, out->prv.prv);
	return ECRYPTO_OK;
}

void ecrypto_sig_keypair_from_seed(const uint8_t seed[ECRYPTO_SIG_SEED_BYTES], struct ecrypto_sig_keypair *out)
{
	crypto_sign_seed_keypair(out->pub.pub, out->prv.prv, seed);
}

enum ecrypto_err ecrypto_sig_keypair_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_sig_keypair *kp = out;
	json_object *pub, *prv;
	char sub[160];
	struct ecrypto_sig_public_key derived;
	enum ecrypto_err err = ej_expect_class(obj, path, "CryptoSignatureKeypair", why);
	if (!err)
		err = ej_object(obj, path, "pub", &pub, why);
	if (!err)
		err = ej_object(obj, path, "prv", &prv, why);
	snprintf(sub, sizeof(sub), "%s.pub", path);
	if (!err)
		err = ecrypto_sig_public_key_read(pub, sub, &kp->pub, why);
	snprintf(sub, sizeof(sub), "%s.prv", path);
	if (!err)
		err = ecrypto_sig_private_key_read(prv, sub, &kp->prv, why);
	if (err)
		return err;
	ecrypto_sig_private_key_public(&kp->prv, &derived);
	if (sodium_memcmp(derived.pub, kp->pub.pub, sizeof(derived.pub)) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s: pub is not the public half of prv", path);
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_sig_keypair_from_json(const char *json, struct ecrypto_sig_keypair *out,
                                               struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, "CryptoSignatureKeypair", ecrypto_sig_keypair_read, out, why);
	if (err)
		ecrypto_sig_keypair_wipe(out);
	return err;
}

char *ecrypto_sig_keypair_to_json(const struct ecrypto_sig_keypair *kp, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_nested(&o, "pub", ecrypto_sig_public_key_to_json(&kp->pub, false));
	ej_key_nested(&o, "prv", private_text(&kp->prv, false));
	if (verbose)
		ej_key_str(&o, "@type", "CryptoSignatureKeypair");
	return ej_take(&o);
}

void ecrypto_sig_keypair_wipe(struct ecrypto_sig_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

/* ---- signature ---- */

enum ecrypto_err ecrypto_signature_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_signature *sig = out;
	enum ecrypto_err err = ej_expect_class(obj, path, "CryptoSignature", why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_HASH_SHA256, ECRYPTO_HASH_BLAKE2B, &sig->alg, why);
	if (!err)
		err = ej_bytes(obj, path, "sig", sig->sig, sizeof(sig->sig), why);
	return err;
}

enum ecrypto_err ecrypto_signature_from_json(const char *json, struct ecrypto_signature *out, struct ecrypto_why *why)
{
	return ej_read_text(json, "CryptoSignature", ecrypto_signature_read, out, why);
}

enum ecrypto_err ecrypto_signature_from_base64(const char *b64, struct ecrypto_signature *out, struct ecrypto_why *why)
{
	return ej_read_base64(b64, "CryptoSignature", ecrypto_signature_read, out, why);
}

static void write_signature(struct ej_out *o, const struct ecrypto_signature *sig, bool verbose)
{
	ej_begin(o);
	ej_key_b64(o, "sig", sig->sig, sizeof(sig->sig));
	ej_key_int(o, "alg", sig->alg);
	if (verbose)
		ej_key_str(o, "@type", "CryptoSignature");
}

char *ecrypto_signature_to_json(const struct ecrypto_signature *sig, bool verbose)
{
	struct ej_out o;
	write_signature(&o, sig, verbose);
	return ej_take(&o);
}

char *ecrypto_signature_to_base64(const struct ecrypto_signature *sig)
{
	struct ej_out o;
	write_signature(&o, sig, true);
	return ej_take_base64(&o);
}

enum ecrypto_err ecrypto_sign(const struct ecrypto_sig_private_key *key, const void *msg, size_t len,
                              enum ecrypto_hash_label label, struct ecrypto_signature *out, struct ecrypto_why *why)
{
	if (len == 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "sign: content must not be empty");
	if (label < ECRYPTO_HASH_SHA256 || label > ECRYPTO_HASH_BLAKE2B)
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "sign: unknown hash label %d", (int)label);
	crypto_sign_detached(out->sig, NULL, msg, len, key->prv);
	out->alg = label;
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_verify(const struct ecrypto_sig_public_key *key, const void *msg, size_t len,
                                const struct ecrypto_signature *sig, struct ecrypto_why *why)
{
	if (crypto_sign_verify_detached(sig->sig, msg, len, key->pub) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_SIGNATURE, "CryptoSignature: does not verify with this key");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_verify_challenge(const char *public_key_b64, const char *challenge, const char *signature_b64,
                                          struct ecrypto_why *why)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_signature sig;
	enum ecrypto_err err = ecrypto_sig_public_key_from_base64(public_key_b64, &key, why);
	if (!err)
		err = ecrypto_signature_from_base64(signature_b64, &sig, why);
	if (!err && !challenge)
		err = ecrypto_fail(why, ECRYPTO_ERR_MISSING, "challenge: missing");
	if (!err)
		err = ecrypto_verify(&key, challenge, strlen(challenge), &sig, why);
	return err;
}
