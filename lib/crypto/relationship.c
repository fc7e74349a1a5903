/*
 * crypto/relationship.c: the relationship handshake and the use of its secrets (see
 * crypto/relationship.h). JSON lives in relationship_json.c.
 */
#include <sodium.h>
#include <string.h>

#include "crypto/relationship.h"

static const char CTX_REQUEST[] = "REQTMP01", CTX_REQUESTOR[] = "RELREQ01", CTX_TEMPLATOR[] = "RELTEM01";

/* Fills fresh with random keys and nonce when the caller gave none. */
static enum ecrypto_err fresh_or_random(const struct ecrypto_rel_fresh *given, struct ecrypto_rel_fresh *out,
                                        struct ecrypto_why *why)
{
	if (given) {
		*out = *given;
		return ECRYPTO_OK;
	}
	if (ecrypto_init())
		return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "relationship: sodium_init failed");
	ecrypto_exchange_keypair_generate(&out->exchange);
	ecrypto_exchange_keypair_generate(&out->ephemeral);
	ecrypto_sig_keypair_generate(&out->signature);
	randombytes_buf(out->nonce, sizeof(out->nonce));
	return ECRYPTO_OK;
}

/* kdf(one half of a kx result, 1, ctx) into a key. */
static enum ecrypto_err kdf1(const uint8_t half[ECRYPTO_EXCHANGE_KEY_BYTES], const char *ctx,
                             struct ecrypto_secret_key *out, struct ecrypto_why *why)
{
	struct ecrypto_secret_key base;
	memcpy(base.key, half, sizeof(base.key));
	enum ecrypto_err err = ecrypto_kdf_derive(&base, 1, ctx, out, why);
	ecrypto_secret_key_wipe(&base);
	return err;
}

static void make_state(struct ecrypto_private_state *st, enum ecrypto_state_type typ, const uint8_t *nonce)
{
	st->typ = typ;
	st->cnt = 0;
	memcpy(st->nnc, nonce, sizeof(st->nnc));
}

enum ecrypto_err ecrypto_rel_request_secrets_create(const struct ecrypto_template_public_key *template_key,
                                                    const struct ecrypto_sig_public_key *templator_identity,
                                                    const struct ecrypto_rel_fresh *fresh,
                                                    struct ecrypto_rel_request_secrets *out, struct ecrypto_why *why)
{
	struct ecrypto_rel_fresh f;
	struct ecrypto_exchange_secrets k;
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = fresh_or_random(fresh, &f, why);
	if (!err)
		err = ecrypto_exchange_derive_requestor(&f.ephemeral, &template_key->key, &k, why);
	if (!err)
		err = kdf1(k.tx, CTX_REQUEST, &out->key, why);
	if (!err) {
		out->eph = f.ephemeral;
		out->exc = f.exchange;
		out->sig = f.signature;
		memcpy(out->nnc, f.nonce, sizeof(out->nnc));
		out->pik = *templator_identity;
		out->pxk = *template_key;
	}
	sodium_memzero(&f, sizeof(f));
	ecrypto_exchange_secrets_wipe(&k);
	if (err)
		ecrypto_rel_request_secrets_wipe(out);
	return err;
}

void ecrypto_rel_request_secrets_public(const struct ecrypto_rel_request_secrets *rs,
                                        struct ecrypto_rel_public_request *out)
{
	out->exc = rs->exc.pub;
	out->sig = rs->sig.pub;
	out->eph = rs->eph.pub;
	memcpy(out->nnc, rs->nnc, sizeof(out->nnc));
}

void ecrypto_rel_request_secrets_wipe(struct ecrypto_rel_request_secrets *rs)
{
	sodium_memzero(rs, sizeof(*rs));
}

/* The templator's side: derive the states from the peer's exchange key and nonce. */
static enum ecrypto_err templator_states(struct ecrypto_rel_secrets *s, const struct ecrypto_rel_public_request *rq,
                                         const uint8_t *own_nonce, struct ecrypto_why *why)
{
	struct ecrypto_exchange_secrets k;
	enum ecrypto_err err = ecrypto_exchange_derive_templator(&s->exc, &rq->exc, &k, why);
	if (!err)
		err = kdf1(k.tx, CTX_TEMPLATOR, &s->tx.key, why);
	if (!err)
		err = kdf1(k.rx, CTX_REQUESTOR, &s->rx.key, why);
	ecrypto_exchange_secrets_wipe(&k);
	make_state(&s->tx, ECRYPTO_STATE_TRANSMIT, own_nonce);
	make_state(&s->rx, ECRYPTO_STATE_RECEIVE, rq->nnc);
	return err;
}

enum ecrypto_err ecrypto_rel_secrets_from_request(const struct ecrypto_rel_public_request *request,
                                                  const struct ecrypto_exchange_keypair *template_keypair,
                                                  const struct ecrypto_rel_fresh *fresh,
                                                  struct ecrypto_rel_secrets *out, struct ecrypto_why *why)
{
	struct ecrypto_rel_fresh f;
	struct ecrypto_exchange_secrets k;
	memset(out, 0, sizeof(*out));
	enum ecrypto_err err = fresh_or_random(fresh, &f, why);
	if (err)
		return err;
	out->typ = ECRYPTO_REL_TEMPLATOR;
	out->exc = f.exchange;
	out->sig = f.signature;
	out->psk = request->sig;
	out->ptk.key = request->eph;
	out->pxk = request->exc;
	err = templator_states(out, request, f.nonce, why);
	if (!err)
		err = ecrypto_exchange_derive_templator(template_keypair, &request->eph, &k, why);
	if (!err)
		err = kdf1(k.rx, CTX_REQUEST, &out->rsk, why);
	sodium_memzero(&f, sizeof(f));
	ecrypto_exchange_secrets_wipe(&k);
	if (err)
		ecrypto_rel_secrets_wipe(out);
	return err;
}

void ecrypto_rel_secrets_public_response(const struct ecrypto_rel_secrets *s, struct ecrypto_rel_public_response *out)
{
	out->exc = s->exc.pub;
	out->sig = s->sig.pub;
	out->sta.typ = ECRYPTO_STATE_TRANSMIT;
	memcpy(out->sta.nnc, s->tx.nnc, sizeof(out->sta.nnc));
}

enum ecrypto_err ecrypto_rel_secrets_from_response(const struct ecrypto_rel_public_response *response,
                                                   const struct ecrypto_rel_request_secrets *rs,
                                                   struct ecrypto_rel_secrets *out, struct ecrypto_why *why)
{
	struct ecrypto_exchange_secrets k;
	memset(out, 0, sizeof(*out));
	if (response->sta.typ != ECRYPTO_STATE_TRANSMIT)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "CryptoRelationshipPublicResponse.sta.typ: expected 2 "
		                    "(transmit)");
	enum ecrypto_err err = ecrypto_exchange_derive_requestor(&rs->exc, &response->exc, &k, why);
	if (!err)
		err = kdf1(k.tx, CTX_REQUESTOR, &out->tx.key, why);
	if (!err)
		err = kdf1(k.rx, CTX_TEMPLATOR, &out->rx.key, why);
	ecrypto_exchange_secrets_wipe(&k);
	if (err) {
		ecrypto_rel_secrets_wipe(out);
		return err;
	}
	out->typ = ECRYPTO_REL_REQUESTOR;
	out->exc = rs->exc;
	out->sig = rs->sig;
	out->has_pik = true;
	out->pik = rs->pik;
	out->psk = response->sig;
	out->ptk = rs->pxk;
	out->pxk = response->exc;
	out->rsk = rs->key;
	make_state(&out->tx, ECRYPTO_STATE_TRANSMIT, rs->nnc);
	make_state(&out->rx, ECRYPTO_STATE_RECEIVE, response->sta.nnc);
	return ECRYPTO_OK;
}

void ecrypto_rel_secrets_wipe(struct ecrypto_rel_secrets *s)
{
	sodium_memzero(s, sizeof(*s));
}

enum ecrypto_err ecrypto_rel_secrets_encrypt(struct ecrypto_rel_secrets *s, const void *pt, size_t len,
                                             struct ecrypto_cipher *out, struct ecrypto_why *why)
{
	return ecrypto_state_encrypt(&s->tx, pt, len, out, why);
}

enum ecrypto_err ecrypto_rel_secrets_decrypt(const struct ecrypto_rel_secrets *s, const struct ecrypto_cipher *c,
                                             uint8_t **pt, size_t *len, struct ecrypto_why *why)
{
	return ecrypto_state_decrypt(&s->rx, c, pt, len, why);
}

enum ecrypto_err ecrypto_rel_secrets_sign(const struct ecrypto_rel_secrets *s, const void *msg, size_t len,
                                          enum ecrypto_hash_label label, struct ecrypto_signature *out,
                                          struct ecrypto_why *why)
{
	return ecrypto_sign(&s->sig.prv, msg, len, label, out, why);
}

enum ecrypto_err ecrypto_rel_secrets_verify_peer(const struct ecrypto_rel_secrets *s, const void *msg, size_t len,
                                                 const struct ecrypto_signature *sig, struct ecrypto_why *why)
{
	return ecrypto_verify(&s->psk, msg, len, sig, why);
}
