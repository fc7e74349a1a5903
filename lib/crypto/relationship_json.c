/*
 * crypto/relationship_json.c: JSON of the relationship objects (see crypto/relationship.h).
 * Public request/response: insertion order of @nmshd/crypto (exc, sig, eph|sta, nnc, @type).
 * Request secrets and secrets: ts-serval's alphabetical order with "@type" first.
 */
#include <string.h>

#include "crypto/jsonutil.h"
#include "crypto/relationship.h"

static const char RS_CLS[] = "CryptoRelationshipRequestSecrets", RQ_CLS[] = "CryptoRelationshipPublicRequest",
                  RP_CLS[] = "CryptoRelationshipPublicResponse", S_CLS[] = "CryptoRelationshipSecrets";

/* ---- request secrets ---- */

static enum ecrypto_err request_secrets_read(const json_object *obj, const char *path, void *out,
                                             struct ecrypto_why *why)
{
	struct ecrypto_rel_request_secrets *rs = out;
	enum ecrypto_err err = ej_expect_class(obj, path, RS_CLS, why);
	if (!err)
		err = ej_sub(obj, path, "eph", ecrypto_exchange_keypair_read, &rs->eph, why);
	if (!err)
		err = ej_sub(obj, path, "exc", ecrypto_exchange_keypair_read, &rs->exc, why);
	if (!err)
		err = ej_sub(obj, path, "key", ecrypto_secret_key_read, &rs->key, why);
	if (!err)
		err = ej_bytes(obj, path, "nnc", rs->nnc, sizeof(rs->nnc), why);
	if (!err)
		err = ej_sub(obj, path, "pik", ecrypto_sig_public_key_read, &rs->pik, why);
	if (!err)
		err = ej_sub(obj, path, "pxk", ecrypto_template_public_key_read, &rs->pxk, why);
	if (!err)
		err = ej_sub(obj, path, "sig", ecrypto_sig_keypair_read, &rs->sig, why);
	return err;
}

enum ecrypto_err ecrypto_rel_request_secrets_from_json(const char *json, struct ecrypto_rel_request_secrets *out,
                                                       struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = ej_read_text(json, RS_CLS, request_secrets_read, out, why);
	if (err)
		ecrypto_rel_request_secrets_wipe(out);
	return err;
}

char *ecrypto_rel_request_secrets_to_json(const struct ecrypto_rel_request_secrets *rs)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_str(&o, "@type", RS_CLS);
	ej_key_nested(&o, "eph", ecrypto_exchange_keypair_to_json(&rs->eph, false));
	ej_key_nested(&o, "exc", ecrypto_exchange_keypair_to_json(&rs->exc, false));
	ej_key_nested(&o, "key", ecrypto_secret_key_to_json(&rs->key, false));
	ej_key_b64(&o, "nnc", rs->nnc, sizeof(rs->nnc));
	ej_key_nested(&o, "pik", ecrypto_sig_public_key_to_json(&rs->pik, false));
	ej_key_nested(&o, "pxk", ecrypto_template_public_key_to_json_nested(&rs->pxk));
	ej_key_nested(&o, "sig", ecrypto_sig_keypair_to_json(&rs->sig, false));
	return ej_take(&o);
}

/* ---- public request ---- */

static enum ecrypto_err public_request_read(const json_object *obj, const char *path, void *out,
                                            struct ecrypto_why *why)
{
	struct ecrypto_rel_public_request *pr = out;
	enum ecrypto_err err = ej_expect_class(obj, path, RQ_CLS, why);
	if (!err)
		err = ej_sub(obj, path, "exc", ecrypto_exchange_public_key_read, &pr->exc, why);
	if (!err)
		err = ej_sub(obj, path, "sig", ecrypto_sig_public_key_read, &pr->sig, why);
	if (!err)
		err = ej_sub(obj, path, "eph", ecrypto_exchange_public_key_read, &pr->eph, why);
	if (!err)
		err = ej_bytes(obj, path, "nnc", pr->nnc, sizeof(pr->nnc), why);
	return err;
}

enum ecrypto_err ecrypto_rel_public_request_from_json(const char *json, struct ecrypto_rel_public_request *out,
                                                      struct ecrypto_why *why)
{
	return ej_read_text(json, RQ_CLS, public_request_read, out, why);
}

char *ecrypto_rel_public_request_to_json(const struct ecrypto_rel_public_request *pr, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_nested(&o, "exc", ecrypto_exchange_public_key_to_json(&pr->exc, false));
	ej_key_nested(&o, "sig", ecrypto_sig_public_key_to_json(&pr->sig, false));
	ej_key_nested(&o, "eph", ecrypto_exchange_public_key_to_json(&pr->eph, false));
	ej_key_b64(&o, "nnc", pr->nnc, sizeof(pr->nnc));
	if (verbose)
		ej_key_str(&o, "@type", RQ_CLS);
	return ej_take(&o);
}

/* ---- public response ---- */

static enum ecrypto_err public_response_read(const json_object *obj, const char *path, void *out,
                                             struct ecrypto_why *why)
{
	struct ecrypto_rel_public_response *pr = out;
	enum ecrypto_err err = ej_expect_class(obj, path, RP_CLS, why);
	if (!err)
		err = ej_sub(obj, path, "exc", ecrypto_exchange_public_key_read, &pr->exc, why);
	if (!err)
		err = ej_sub(obj, path, "sig", ecrypto_sig_public_key_read, &pr->sig, why);
	if (!err)
		err = ej_sub(obj, path, "sta", ecrypto_public_state_read, &pr->sta, why);
	return err;
}

enum ecrypto_err ecrypto_rel_public_response_from_json(const char *json, struct ecrypto_rel_public_response *out,
                                                       struct ecrypto_why *why)
{
	return ej_read_text(json, RP_CLS, public_response_read, out, why);
}

char *ecrypto_rel_public_response_to_json(const struct ecrypto_rel_public_response *pr, bool verbose)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_nested(&o, "exc", ecrypto_exchange_public_key_to_json(&pr->exc, false));
	ej_key_nested(&o, "sig", ecrypto_sig_public_key_to_json(&pr->sig, false));
	ej_key_nested(&o, "sta", ecrypto_public_state_to_json(&pr->sta, false));
	if (verbose)
		ej_key_str(&o, "@type", RP_CLS);
	return ej_take(&o);
}

/* ---- secrets ---- */

static enum ecrypto_err state_of_type(const json_object *obj, const char *path, const char *name,
                                      enum ecrypto_state_type want, struct ecrypto_private_state *st,
                                      struct ecrypto_why *why)
{
	enum ecrypto_err err = ej_sub(obj, path, name, ecrypto_private_state_read, st, why);
	if (!err && st->typ != want)
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.%s.typ: expected %d", path, name, (int)want);
	return err;
}

static enum ecrypto_err secrets_read(const json_object *obj, const char *path, void *out, struct ecrypto_why *why)
{
	struct ecrypto_rel_secrets *s = out;
	int64_t typ;
	enum ecrypto_err err = ej_expect_class(obj, path, S_CLS, why);
	if (!err)
		err = ej_int(obj, path, "typ", ECRYPTO_REL_TEMPLATOR, ECRYPTO_REL_REQUESTOR, &typ, why);
	if (!err)
		err = ej_sub(obj, path, "exc", ecrypto_exchange_keypair_read, &s->exc, why);
	s->has_pik = !err && ej_field(obj, "pik") != NULL;
	if (s->has_pik)
		err = ej_sub(obj, path, "pik", ecrypto_sig_public_key_read, &s->pik, why);
	if (!err)
		err = ej_sub(obj, path, "psk", ecrypto_sig_public_key_read, &s->psk, why);
	if (!err)
		err = ej_sub(obj, path, "ptk", ecrypto_template_public_key_read, &s->ptk, why);
	if (!err)
		err = ej_sub(obj, path, "pxk", ecrypto_exchange_public_key_read, &s->pxk, why);
	if (!err)
		err = ej_sub(obj, path, "rsk", ecrypto_secret_key_read, &s->rsk, why);
	if (!err)
		err = state_of_type(obj, path, "rx", ECRYPTO_STATE_RECEIVE, &s->rx, why);
	if (!err)
		err = ej_sub(obj, path, "sig", ecrypto_sig_keypair_read, &s->sig, why);
	if (!err)
		err = state_of_type(obj, path, "tx", ECRYPTO_STATE_TRANSMIT, &s->tx, why);
	if (!err)
		s->typ = (enum ecrypto_rel_type)typ;
	return err;
}

enum ecrypto_err ecrypto_rel_secrets_from_json(const char *json, struct ecrypto_rel_secrets *out,
                                               struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = ej_read_text(json, S_CLS, secrets_read, out, why);
	if (err)
		ecrypto_rel_secrets_wipe(out);
	return err;
}

char *ecrypto_rel_secrets_to_json(const struct ecrypto_rel_secrets *s)
{
	struct ej_out o;
	ej_begin(&o);
	ej_key_str(&o, "@type", S_CLS);
	ej_key_nested(&o, "exc", ecrypto_exchange_keypair_to_json(&s->exc, false));
	if (s->has_pik)
		ej_key_nested(&o, "pik", ecrypto_sig_public_key_to_json(&s->pik, false));
	ej_key_nested(&o, "psk", ecrypto_sig_public_key_to_json(&s->psk, false));
	ej_key_nested(&o, "ptk", ecrypto_template_public_key_to_json_nested(&s->ptk));
	ej_key_nested(&o, "pxk", ecrypto_exchange_public_key_to_json(&s->pxk, false));
	ej_key_nested(&o, "rsk", ecrypto_secret_key_to_json(&s->rsk, false));
	ej_key_nested(&o, "rx", ecrypto_private_state_to_json(&s->rx));
	ej_key_nested(&o, "sig", ecrypto_sig_keypair_to_json(&s->sig, false));
	ej_key_nested(&o, "tx", ecrypto_private_state_to_json(&s->tx));
	ej_key_int(&o, "typ", s->typ);
	return ej_take(&o);
}
