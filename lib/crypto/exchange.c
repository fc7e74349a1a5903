/*
 * crypto/exchange.c: X25519 exchange keys, secrets and template keys (see crypto/exchange.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/exchange.h"
#include "crypto/jsonutil.h"
#include "crypto/secretkey.h"

static const char PUB_CLS[] = "CryptoExchangePublicKey", PRV_CLS[] = "CryptoExchangePrivateKey",
                  KP_CLS[] = "CryptoExchangeKeypair", SEC_CLS[] = "CryptoExchangeSecrets",
                  TPL_CLS[] = "RelationshipTemplatePublicKey";

static enum ecrypto_err read_key_body(const json_object *obj, const char *path, const char *field, uint8_t *out,
                                      struct ecrypto_why *why)
{
	int alg;
	enum ecrypto_err err = ej_alg(obj, path, "alg", ECRYPTO_ALG_X25519, ECRYPTO_ALG_X25519, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, field, out, ECRYPTO_EXCHANGE_KEY_BYTES, why);
	return err;
}

/* ---- public key ---- */

enum ecrypto_err ecrypto_exchange_public_key_read(const json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why)
{
	struct ecrypto_exchange_public_key *key = out;
	enum ecrypto_err err = ej_expect_class(obj, path, PUB_CLS, why);
	return err ? err : read_key_body(obj, path, "pub", key->pub, why);
}

enum ecrypto_err ecrypto_exchange_public_key_from_json(const char *json, struct ecrypto_exchange_public_key *out,
                                                       struct ecrypto_why *why)
{
	return ej_read_text(json, PUB_CLS, ecrypto_exchange_public_key_read, out, why);
}

char *ecrypto_exchange_public_key_to_json(const struct ecrypto_exchange_public_key *key, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	if (verbose)
		ej_key_str(&o, "@type", PUB_CLS);
	ej_key_b64(&o, "pub", key->pub, sizeof(key->pub));
	ej_key_int(&o, "alg", ECRYPTO_ALG_X25519);
	return ej_take(&o);
}

/* ---- private key ---- */

static enum ecrypto_err private_key_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_exchange_private_key *key = out;
	enum ecrypto_err err = ej_expect_class(obj, path, PRV_CLS, why);
	return err ? err : read_key_body(obj, path, "prv", key->prv, why);
}

enum ecrypto_err ecrypto_exchange_private_key_from_json(const char *json, struct ecrypto_exchange_private_key *out,
                                                        struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, PRV_CLS, private_key_read, out, why);
	if (err)
		sodium_memzero(out, sizeof(*out));
	return err;
}

char *ecrypto_exchange_private_key_to_json(const struct ecrypto_exchange_private_key *key, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_b64(&o, "prv", key->prv, sizeof(key->prv));
	ej_key_int(&o, "alg", ECRYPTO_ALG_X25519);
	if (verbose)
		ej_key_str(&o, "@type", PRV_CLS);
	return ej_take(&o);
}

/* ---- keypair ---- */

enum ecrypto_err ecrypto_exchange_keypair_generate(struct ecrypto_exchange_keypair *out)
{
	if (ecrypto_init())
		return ECRYPTO_ERR_INTERNAL;
	crypto_kx_keypair(out->pub.pub, out->prv.prv);
	return ECRYPTO_OK;
}

void ecrypto_exchange_keypair_from_private(const uint8_t prv[ECRYPTO_EXCHANGE_KEY_BYTES],
                                           struct ecrypto_exchange_keypair *out)
{
	memcpy(out->prv.prv, prv, ECRYPTO_EXCHANGE_KEY_BYTES);
	crypto_scalarmult_base(out->pub.pub, out->prv.prv);
}

enum ecrypto_err ecrypto_exchange_keypair_read(const json_object *obj, const char *path, void *out,
                                               struct ecrypto_why *why)
{
	struct ecrypto_exchange_keypair *kp = out;
	json_object *pub, *prv;
	char sub[160];
	uint8_t derived[ECRYPTO_EXCHANGE_KEY_BYTES];
	enum ecrypto_err err = ej_expect_class(obj, path, KP_CLS, why);
	if (!err)
		err = ej_object(obj, path, "pub", &pub, why);
	if (!err)
		err = ej_object(obj, path, "prv", &prv, why);
	snprintf(sub, sizeof(sub), "%s.pub", path);
	if (!err)
		err = ecrypto_exchange_public_key_read(pub, sub, &kp->pub, why);
	snprintf(sub, sizeof(sub), "%s.prv", path);
	if (!err)
		err = private_key_read(prv, sub, &kp->prv, why);
	if (err)
		return err;
	crypto_scalarmult_base(derived, kp->prv.prv);
	if (sodium_memcmp(derived, kp->pub.pub, sizeof(derived)) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s: pub is not the public half of prv", path);
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_exchange_keypair_from_json(const char *json, struct ecrypto_exchange_keypair *out,
                                                    struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, KP_CLS, ecrypto_exchange_keypair_read, out, why);
	if (err)
		ecrypto_exchange_keypair_wipe(out);
	return err;
}

char *ecrypto_exchange_keypair_to_json(const struct ecrypto_exchange_keypair *kp, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_nested(&o, "pub", ecrypto_exchange_public_key_to_json(&kp->pub, false));
	ej_key_nested(&o, "prv", ecrypto_exchange_private_key_to_json(&kp->prv, false));
	if (verbose)
		ej_key_str(&o, "@type", KP_CLS);
	return ej_take(&o);
}

void ecrypto_exchange_keypair_wipe(struct ecrypto_exchange_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

/* ---- secrets ---- */

static enum ecrypto_err secrets_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_exchange_secrets *s = out;
	int alg;
	enum ecrypto_err err = ej_expect_class(obj, path, SEC_CLS, why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_XCHACHA20, ECRYPTO_ALG_XCHACHA20, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "rx", s->rx, sizeof(s->rx), why);
	if (!err)
		err = ej_bytes(obj, path, "tx", s->tx, sizeof(s->tx), why);
	return err;
}

enum ecrypto_err ecrypto_exchange_secrets_from_json(const char *json, struct ecrypto_exchange_secrets *out,
                                                    struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, SEC_CLS, secrets_read, out, why);
	if (err)
		ecrypto_exchange_secrets_wipe(out);
	return err;
}

char *ecrypto_exchange_secrets_to_json(const struct ecrypto_exchange_secrets *s, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_b64(&o, "rx", s->rx, sizeof(s->rx));
	ej_key_b64(&o, "tx", s->tx, sizeof(s->tx));
	ej_key_int(&o, "alg", ECRYPTO_ALG_XCHACHA20);
	if (verbose)
		ej_key_str(&o, "@type", SEC_CLS);
	return ej_take(&o);
}

void ecrypto_exchange_secrets_wipe(struct ecrypto_exchange_secrets *s)
{
	sodium_memzero(s, sizeof(*s));
}

enum ecrypto_err ecrypto_exchange_derive_requestor(const struct ecrypto_exchange_keypair *own,
                                                   const struct ecrypto_exchange_public_key *peer,
                                                   struct ecrypto_exchange_secrets *out, struct ecrypto_why *why)
{
	if (crypto_kx_server_session_keys(out->rx, out->tx, own->pub.pub, own->prv.prv, peer->pub) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_KEY_EXCHANGE, "kx (requestor): peer public key rejected");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_exchange_derive_templator(const struct ecrypto_exchange_keypair *own,
                                                   const struct ecrypto_exchange_public_key *peer,
                                                   struct ecrypto_exchange_secrets *out, struct ecrypto_why *why)
{
	if (crypto_kx_client_session_keys(out->rx, out->tx, own->pub.pub, own->prv.prv, peer->pub) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_KEY_EXCHANGE, "kx (templator): peer public key rejected");
	return ECRYPTO_OK;
}

/* ---- template public key ---- */

static bool valid_template_id(const char *s, size_t len)
{
	if (len == 0 || len > ECRYPTO_TEMPLATE_KEY_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

enum ecrypto_err ecrypto_template_public_key_read(const json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why)
{
	struct ecrypto_template_public_key *key = out;
	json_object *t = json_object_is_type(obj, json_type_object) ? ej_field(obj, "@type") : NULL;
	bool is_template = ej_field(obj, "id") != NULL || (t && json_object_is_type(t, json_type_string) &&
	                                                   strcmp(json_object_get_string(t), TPL_CLS) == 0);
	memset(key, 0, sizeof(*key));
	if (!is_template)
		return ecrypto_exchange_public_key_read(obj, path, &key->key, why);
	const char *id;
	size_t len;
	enum ecrypto_err err = ej_expect_class(obj, path, TPL_CLS, why);
	if (!err)
		err = ej_string(obj, path, "id", &id, &len, why);
	if (!err && !valid_template_id(id, len))
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.id: expected 1..%d letters or digits", path,
		                   ECRYPTO_TEMPLATE_KEY_ID_MAX);
	if (!err)
		err = read_key_body(obj, path, "pub", key->key.pub, why);
	if (!err)
		memcpy(key->id, id, len + 1);
	return err;
}

static enum ecrypto_err template_only_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_template_public_key *key = out;
	enum ecrypto_err err = ecrypto_template_public_key_read(obj, path, out, why);
	if (!err && !key->id[0])
		err = ecrypto_fail(why, ECRYPTO_ERR_MISSING, "%s.id: missing", path);
	return err;
}

enum ecrypto_err ecrypto_template_public_key_from_json(const char *json, struct ecrypto_template_public_key *out,
                                                       struct ecrypto_why *why)
{
	return ej_read_text(json, TPL_CLS, template_only_read, out, why);
}

char *ecrypto_template_public_key_to_json_nested(const struct ecrypto_template_public_key *key)
{
	if (!key->id[0])
		return ecrypto_exchange_public_key_to_json(&key->key, false);
	struct ej_out o;
	ej_begin(&o);
	ej_key_str(&o, "id", key->id);
	ej_key_b64(&o, "pub", key->key.pub, sizeof(key->key.pub));
	ej_key_int(&o, "alg", ECRYPTO_ALG_X25519);
	ej_key_str(&o, "@type", TPL_CLS);
	return ej_take(&o);
}

char *ecrypto_template_public_key_to_json(const struct ecrypto_template_public_key *key)
{
	return ecrypto_template_public_key_to_json_nested(key);
}
