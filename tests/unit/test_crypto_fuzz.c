/*
 * test_crypto_fuzz.c: fuzz-style robustness of every crypto parser. For each object and reference
 * form: every truncation of a valid input, deterministic random strings, and random mutations of a
 * valid input. A parser must return a known error with a message (never crash, never leak; run under
 * ASan/LSan) and leave the output struct zeroed on failure where it holds secrets.
 */
#include "tap.h"
#include "test_crypto_common.h"

static json_object *V;

typedef enum ecrypto_err (*parse_fn)(const char *text, struct ecrypto_why *why, int *zeroed);

/* Every parser wrapper: parse, check the struct is zeroed after a failure, release. */
#define WRAP(name, type, call, release)                                                      \
	static enum ecrypto_err name(const char *text, struct ecrypto_why *why, int *zeroed) \
	{                                                                                    \
		type out;                                                                    \
		static const type zero;                                                      \
		memset(&out, 0xa5, sizeof(out));                                             \
		enum ecrypto_err err = call;                                                 \
		*zeroed = err == ECRYPTO_OK || memcmp(&out, &zero, sizeof(out)) == 0;        \
		release;                                                                     \
		return err;                                                                  \
	}

WRAP(p_secret_key, struct ecrypto_secret_key, ecrypto_secret_key_from_json(text, &out, why), (void)0)
WRAP(p_secret_key_b64, struct ecrypto_secret_key, ecrypto_secret_key_from_base64(text, &out, why), (void)0)
WRAP(p_cipher, struct ecrypto_cipher, ecrypto_cipher_from_json(text, &out, why), ecrypto_cipher_free(&out))
WRAP(p_cipher_b64, struct ecrypto_cipher, ecrypto_cipher_from_base64(text, &out, why), ecrypto_cipher_free(&out))
WRAP(p_sig_pub, struct ecrypto_sig_public_key, (ecrypto_sig_public_key_from_json(text, &out, why)), *zeroed = 1)
WRAP(p_sig_pub_b64, struct ecrypto_sig_public_key, (ecrypto_sig_public_key_from_base64(text, &out, why)), *zeroed = 1)
WRAP(p_sig_prv, struct ecrypto_sig_private_key, ecrypto_sig_private_key_from_json(text, &out, why), (void)0)
WRAP(p_sig_kp, struct ecrypto_sig_keypair, ecrypto_sig_keypair_from_json(text, &out, why), (void)0)
WRAP(p_signature, struct ecrypto_signature, ecrypto_signature_from_json(text, &out, why), *zeroed = 1)
WRAP(p_signature_b64, struct ecrypto_signature, ecrypto_signature_from_base64(text, &out, why), *zeroed = 1)
WRAP(p_exc_pub, struct ecrypto_exchange_public_key, ecrypto_exchange_public_key_from_json(text, &out, why), *zeroed = 1)
WRAP(p_exc_kp, struct ecrypto_exchange_keypair, ecrypto_exchange_keypair_from_json(text, &out, why), (void)0)
WRAP(p_exc_secrets, struct ecrypto_exchange_secrets, ecrypto_exchange_secrets_from_json(text, &out, why), (void)0)
WRAP(p_template_key, struct ecrypto_template_public_key, ecrypto_template_public_key_from_json(text, &out, why),
     *zeroed = 1)
WRAP(p_req_secrets, struct ecrypto_rel_request_secrets, ecrypto_rel_request_secrets_from_json(text, &out, why), (void)0)
WRAP(p_pub_request, struct ecrypto_rel_public_request, ecrypto_rel_public_request_from_json(text, &out, why),
     *zeroed = 1)
WRAP(p_pub_response, struct ecrypto_rel_public_response, ecrypto_rel_public_response_from_json(text, &out, why),
     *zeroed = 1)
WRAP(p_secrets, struct ecrypto_rel_secrets, ecrypto_rel_secrets_from_json(text, &out, why), (void)0)
WRAP(p_reference, struct ecrypto_reference, ecrypto_reference_parse(text, ECRYPTO_REF_ANY, &out, why),
     ecrypto_reference_free(&out))

static enum ecrypto_err p_reference_json(const char *text, struct ecrypto_why *why, int *zeroed)
{
	struct ecrypto_reference out;
	static const struct ecrypto_reference zero;
	enum ecrypto_err err = ecrypto_reference_from_json(text, ECRYPTO_REF_ANY, &out, why);
	*zeroed = err == ECRYPTO_OK || memcmp(&out, &zero, sizeof(out)) == 0;
	ecrypto_reference_free(&out);
	return err;
}

static enum ecrypto_err p_address(const char *text, struct ecrypto_why *why, int *zeroed)
{
	*zeroed = 1;
	return ecrypto_address_validate(text, why);
}

/* The identity challenge of the vectors: fuzz the key with the signature fixed, and vice versa. */
static const char *challenge_text, *challenge_sig, *challenge_key;

static enum ecrypto_err p_challenge_key(const char *text, struct ecrypto_why *why, int *zeroed)
{
	*zeroed = 1;
	return ecrypto_verify_challenge(text, challenge_text, challenge_sig, why);
}

static enum ecrypto_err p_challenge_sig(const char *text, struct ecrypto_why *why, int *zeroed)
{
	*zeroed = 1;
	return ecrypto_verify_challenge(challenge_key, challenge_text, text, why);
}

struct target {
	const char *name;
	parse_fn parse;
	const char *vector; /* path of a valid input */
};

static const struct target TARGETS[] = {
        {"CryptoSecretKey", p_secret_key, "secretKey.json_verbose"},
        {"CryptoSecretKey toBase64", p_secret_key_b64, "secretKey.toBase64"},
        {"CryptoCipher (nonce)", p_cipher, "aead.2.CryptoCipher_json"},
        {"CryptoCipher (counter)", p_cipher, "aeadCounter.vectors.3.CryptoCipher_json"},
        {"CryptoCipher toBase64", p_cipher_b64, "aead.1.CryptoCipher_toBase64"},
        {"CryptoSignaturePublicKey", p_sig_pub, "ed25519.CryptoSignaturePublicKey_json"},
        {"CryptoSignaturePublicKey toBase64", p_sig_pub_b64, "ed25519.CryptoSignaturePublicKey_toBase64"},
        {"CryptoSignaturePrivateKey", p_sig_prv, "ed25519.CryptoSignaturePrivateKey_json"},
        {"CryptoSignatureKeypair", p_sig_kp, "ed25519.CryptoSignatureKeypair_json"},
        {"CryptoSignature", p_signature, "ed25519.signatures.1.CryptoSignature_json"},
        {"CryptoSignature toBase64", p_signature_b64, "ed25519.signatures.1.CryptoSignature_toBase64"},
        {"CryptoExchangePublicKey", p_exc_pub, "kx.templator.CryptoExchangePublicKey_json"},
        {"CryptoExchangeKeypair", p_exc_kp, "kx.requestor.CryptoExchangeKeypair_json"},
        {"CryptoExchangeSecrets", p_exc_secrets, "kx.deriveRequestor.CryptoExchangeSecrets_json"},
        {"RelationshipTemplatePublicKey", p_template_key, "relationshipHandshake.inputs.templateKey_json"},
        {"CryptoRelationshipRequestSecrets", p_req_secrets,
         "relationshipHandshake.CryptoRelationshipRequestSecrets_json"},
        {"CryptoRelationshipPublicRequest", p_pub_request,
         "relationshipHandshake.CryptoRelationshipPublicRequest_json"},
        {"CryptoRelationshipPublicResponse", p_pub_response,
         "relationshipHandshake.CryptoRelationshipPublicResponse_json"},
        {"CryptoRelationshipSecrets", p_secrets, "relationshipHandshake.CryptoRelationshipSecrets_requestor_json"},
        {"reference (truncated, password)", p_reference, "references.vectors.4.truncated"},
        {"reference (truncated, url, forIdentity)", p_reference, "references.vectors.2.truncated"},
        {"reference (url)", p_reference, "references.vectors.3.url_withAppId"},
        {"address", p_address, "address.vectors.1.address"},
        {"reference JSON", p_reference_json, "reference_json"},
        {"identity challenge: public key", p_challenge_key, "identityCreation.identityPublicKey_param"},
        {"identity challenge: signature", p_challenge_sig, NULL},
};

/* Deterministic pseudo-random bytes (fixed seed, so a failure reproduces). */
static uint8_t rnd_stream[1 << 20];
static size_t rnd_pos;
static uint32_t rnd(uint32_t n)
{
	if (rnd_pos + 4 > sizeof(rnd_stream))
		rnd_pos = 0;
	uint32_t v;
	memcpy(&v, rnd_stream + rnd_pos, 4);
	rnd_pos += 4;
	return n ? v % n : v;
}

struct tally {
	int runs, bad; /* bad: unknown error, empty message or non-zeroed output */
	int accepted;
	char first_bad[200];
};

static void run_one(const struct target *t, const char *input, struct tally *ty)
{
	struct ecrypto_why why = {{0}};
	int zeroed = 0;
	enum ecrypto_err err = t->parse(input, &why, &zeroed);
	ty->runs++;
	if (err == ECRYPTO_OK) {
		ty->accepted++;
		return;
	}
	if (err < ECRYPTO_ERR_JSON || err > ECRYPTO_ERR_INTERNAL || !why.text[0] || !zeroed) {
		if (!ty->bad++)
			snprintf(ty->first_bad, sizeof(ty->first_bad), "err %d msg '%s' zeroed %d", err, why.text,
			         zeroed);
	}
}

static void fuzz_truncations(const struct target *t, const char *valid)
{
	struct tally ty = {0};
	size_t n = strlen(valid);
	char *buf = malloc(n + 1);
	for (size_t len = 0; len < n; len++) {
		memcpy(buf, valid, len);
		buf[len] = 0;
		run_one(t, buf, &ty);
	}
	free(buf);
	/* a reference prefix can be valid ("&50" -> "&5"); a JSON prefix never is */
	ok(ty.bad == 0 && (ty.accepted == 0 || t->parse == p_reference),
	   "%s: %d truncations, every error explained (%d valid prefixes) %s", t->name, ty.runs, ty.accepted,
	   ty.first_bad);
}

static const char ALPHABET[] = "{}[]\":,0123456789-_+/=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@|&#.: "
                               "\\\x01\x7f\xc3\xa4";

static void fuzz_random(const struct target *t, int count)
{
	struct tally ty = {0};
	char buf[300];
	for (int i = 0; i < count; i++) {
		size_t len = rnd(sizeof(buf) - 1);
		for (size_t j = 0; j < len; j++)
			buf[j] = i % 2 ? (char)(rnd(255) + 1) : ALPHABET[rnd(sizeof(ALPHABET) - 1)];
		buf[len] = 0;
		run_one(t, buf, &ty);
	}
	ok(ty.bad == 0, "%s: %d random inputs, every error known and explained (%d accepted) %s", t->name, ty.runs,
	   ty.accepted, ty.first_bad);
}

static void fuzz_mutations(const struct target *t, const char *valid, int count)
{
	struct tally ty = {0};
	size_t n = strlen(valid);
	char *buf = malloc(n + 1);
	for (int i = 0; i < count; i++) {
		memcpy(buf, valid, n + 1);
		int edits = 1 + (int)rnd(3);
		for (int e = 0; e < edits; e++) {
			char c = ALPHABET[rnd(sizeof(ALPHABET) - 1)];
			buf[rnd((uint32_t)n)] = c ? c : 'x';
		}
		run_one(t, buf, &ty);
	}
	free(buf);
	ok(ty.bad == 0, "%s: %d mutations, no crash, every error explained (%d still valid) %s", t->name, ty.runs,
	   ty.accepted, ty.first_bad);
}

int main(void)
{
	static const unsigned char seed[randombytes_SEEDBYTES] = "enmeshed-crypto-fuzz-seed-000001";
	randombytes_buf_deterministic(rnd_stream, sizeof(rnd_stream), seed);
	V = vectors_load();
	json_object *sc = json_tokener_parse(vstr(V, "identityCreation.signedChallenge_param_json"));
	challenge_text = vstr(sc, "challenge");
	challenge_sig = vstr(sc, "signature");
	challenge_key = vstr(V, "identityCreation.identityPublicKey_param");
	struct ecrypto_reference ref;
	ecrypto_reference_parse(vstr(V, "references.vectors.3.truncated"), ECRYPTO_REF_ANY, &ref, NULL);
	strcpy(ref.for_identity_truncated, "1a2b");
	char *reference_json = NULL;
	ecrypto_reference_to_json(&ref, &reference_json, NULL);
	ecrypto_reference_free(&ref);
	for (size_t i = 0; i < sizeof(TARGETS) / sizeof(TARGETS[0]); i++) {
		const struct target *t = &TARGETS[i];
		const char *valid = !t->vector                                 ? challenge_sig
		                    : strcmp(t->vector, "reference_json") == 0 ? reference_json
		                                                               : vstr(V, t->vector);
		struct ecrypto_why why = {{0}};
		int zeroed;
		if (!ok(t->parse(valid, &why, &zeroed) == ECRYPTO_OK, "%s: the valid sample parses %s", t->name,
		        why.text))
			continue;
		fuzz_truncations(t, valid);
		fuzz_random(t, 400);
		fuzz_mutations(t, valid, 400);
	}
	free(reference_json);
	json_object_put(sc);
	json_object_put(V);
	return tap_done();
}
