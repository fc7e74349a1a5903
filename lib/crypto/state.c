/*
 * crypto/state.c: relationship transmit/receive states (see crypto/state.h).
 */
#include <sodium.h>
#include <string.h>

#include "crypto/jsonutil.h"
#include "crypto/state.h"

static const char TX_CLS[] = "CryptoPrivateStateTransmit", RX_CLS[] = "CryptoPrivateStateReceive",
                  PUB_CLS[] = "CryptoPublicState";

static enum ecrypto_err read_typ(const json_object *obj, const char *path, enum ecrypto_state_type *out,
                                 struct ecrypto_why *why)
{
	int64_t typ;
	enum ecrypto_err err = ej_int(obj, path, "typ", ECRYPTO_STATE_RECEIVE, ECRYPTO_STATE_TRANSMIT, &typ, why);
	if (!err)
		*out = (enum ecrypto_state_type)typ;
	return err;
}

enum ecrypto_err ecrypto_private_state_read(const json_object *obj, const char *path, void *out,
                                            struct ecrypto_why *why)
{
	struct ecrypto_private_state *st = out;
	int alg;
	int64_t cnt;
	if (!json_object_is_type(obj, json_type_object))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s: expected a JSON object", path);
	enum ecrypto_err err = read_typ(obj, path, &st->typ, why);
	if (!err)
		err = ej_expect_class(obj, path, st->typ == ECRYPTO_STATE_TRANSMIT ? TX_CLS : RX_CLS, why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_XCHACHA20, ECRYPTO_ALG_XCHACHA20, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "nnc", st->nnc, sizeof(st->nnc), why);
	if (!err)
		err = ej_int(obj, path, "cnt", 0, UINT32_MAX, &cnt, why);
	if (!err)
		err = ej_bytes(obj, path, "key", st->key.key, sizeof(st->key.key), why);
	if (!err)
		st->cnt = (uint32_t)cnt;
	return err;
}

enum ecrypto_err ecrypto_private_state_from_json(const char *json, struct ecrypto_private_state *out,
                                                 struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_read_text(json, "CryptoPrivateState", ecrypto_private_state_read, out, why);
	if (err)
		ecrypto_private_state_wipe(out);
	return err;
}

char *ecrypto_private_state_to_json(const struct ecrypto_private_state *st)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_b64(&o, "nnc", st->nnc, sizeof(st->nnc));
	ej_key_int(&o, "cnt", st->cnt);
	ej_key_b64(&o, "key", st->key.key, sizeof(st->key.key));
	ej_key_int(&o, "alg", ECRYPTO_ALG_XCHACHA20);
	ej_key_int(&o, "typ", st->typ);
	ej_key_str(&o, "@type", st->typ == ECRYPTO_STATE_TRANSMIT ? TX_CLS : RX_CLS);
	return ej_take(&o);
}

void ecrypto_private_state_wipe(struct ecrypto_private_state *st)
{
	sodium_memzero(st, sizeof(*st));
}

enum ecrypto_err ecrypto_public_state_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_public_state *st = out;
	int alg;
	enum ecrypto_err err = ej_expect_class(obj, path, PUB_CLS, why);
	if (!err)
		err = ej_alg(obj, path, "alg", ECRYPTO_ALG_XCHACHA20, ECRYPTO_ALG_XCHACHA20, &alg, why);
	if (!err)
		err = ej_bytes(obj, path, "nnc", st->nnc, sizeof(st->nnc), why);
	if (!err)
		err = read_typ(obj, path, &st->typ, why);
	return err;
}

enum ecrypto_err ecrypto_public_state_from_json(const char *json, struct ecrypto_public_state *out,
                                                struct ecrypto_why *why)
{
	return ej_read_text(json, PUB_CLS, ecrypto_public_state_read, out, why);
}

char *ecrypto_public_state_to_json(const struct ecrypto_public_state *st, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	if (verbose)
		ej_key_str(&o, "@type", PUB_CLS);
	ej_key_b64(&o, "nnc", st->nnc, sizeof(st->nnc));
	ej_key_int(&o, "alg", ECRYPTO_ALG_XCHACHA20);
	ej_key_int(&o, "typ", st->typ);
	return ej_take(&o);
}

enum ecrypto_err ecrypto_state_encrypt(struct ecrypto_private_state *st, const void *pt, size_t len,
                                       struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	if (st->typ != ECRYPTO_STATE_TRANSMIT)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "state: only a transmit state encrypts");
	if (st->cnt == UINT32_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "state: counter exhausted");
	enum ecrypto_err err = ecrypto_encrypt_counter(&st->key, st->nnc, st->cnt, pt, len, out, why);
	if (!err)
		st->cnt++;
	return err;
}

enum ecrypto_err ecrypto_state_decrypt(const struct ecrypto_private_state *st, const struct ecrypto_cipher *c,
                                       uint8_t **pt, size_t *len, struct ecrypto_why *why)
{
	if (st->typ != ECRYPTO_STATE_RECEIVE) {
		*pt = NULL;
		*len = 0;
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "state: only a receive state decrypts");
	}
	return ecrypto_decrypt_counter(&st->key, st->nnc, c, pt, len, why);
}
