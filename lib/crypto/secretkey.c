/*
 * crypto/secretkey.c: CryptoSecretKey and the KDF (see crypto/secretkey.h). JSON key order as in
 * @nmshd/crypto: key, alg, @type.
 */
#include <sodium.h>
#include <string.h>

#include "crypto/jsonutil.h"
#include "crypto/secretkey.h"

enum ecrypto_err ecrypto_secret_key_generate(struct ecrypto_secret_key *out)
{
	if (ecrypto_init())
		return ECRYPTO_ERR_INTERNAL;
	crypto_aead_xchacha20poly1305_ietf_keygen(out->key);
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_secret_key_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_secret_key *key = out;
	int alg;
	enum ecrypto_err err = ej_expect_class(obj, path, "CryptoSecretKey", why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_XCHACHA20, ECRYPTO_ALG_XCHACHA20, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "key", key->key, sizeof(key->key), why);
	return err;
}

enum ecrypto_err ecrypto_secret_key_from_json(const char *json, struct ecrypto_secret_key *out, struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, "CryptoSecretKey", ecrypto_secret_key_read, out, why);
	if (err)
		ecrypto_secret_key_wipe(out);
	return err;
}

enum ecrypto_err ecrypto_secret_key_from_base64(const char *b64, struct ecrypto_secret_key *out,
                                                struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_base64(b64, "CryptoSecretKey", ecrypto_secret_key_read, out, why);
	if (err)
		ecrypto_secret_key_wipe(out);
	return err;
}

static void write_key(struct ej_out *o, const struct ecrypto_secret_key *key, bool verbose)
{
	ej_begin(o);
	ej_key_b64(o, "key", key->key, sizeof(key->key));
	ej_key_int(o, "alg", ECRYPTO_ALG_XCHACHA20);
	if (verbose)
		ej_key_str(o, "@type", "CryptoSecretKey");
}

char *ecrypto_secret_key_to_json(const struct ecrypto_secret_key *key, bool verbose)
{
	struct ej_out o;
	write_key(&o, key, verbose);
	return ej_take(&o);
}

char *ecrypto_secret_key_to_base64(const struct ecrypto_secret_key *key)
{
	struct ej_out o;
	write_key(&o, key, true);
	return ej_take_base64(&o);
}

void ecrypto_secret_key_wipe(struct ecrypto_secret_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

enum ecrypto_err ecrypto_kdf_derive(const struct ecrypto_secret_key *base, uint64_t id, const char *context,
                                    struct ecrypto_secret_key *out, struct ecrypto_why *why)
{
	if (!context || strlen(context) != crypto_kdf_CONTEXTBYTES)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "kdf context: must be exactly %d characters",
		                    crypto_kdf_CONTEXTBYTES);
	if (id > ECRYPTO_KDF_MAX_ID)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "kdf subkey id: %llu above %llu (not derivable by JS peers)",
		                    (unsigned long long)id, ECRYPTO_KDF_MAX_ID);
	if (crypto_kdf_derive_from_key(out->key, sizeof(out->key), id, context, base->key) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "kdf: crypto_kdf_derive_from_key failed");
	return ECRYPTO_OK;
}
