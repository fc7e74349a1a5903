/*
 * test_crypto_identity.c: what identity creation needs (client and local Backbone): the
 * CryptoSignaturePublicKey / CryptoSignature toBase64 forms, challenge signature verification and
 * did:e address derivation, checked against crypto-vectors.json, plus the errors of bad input.
 */
#include "crypto/address.h"
#include "crypto/signature.h"
#include "tap.h"
#include "test_crypto_common.h"

static json_object *V;

static void test_identity_public_key(void)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_sig_keypair kp;
	struct ecrypto_why why = {{0}};
	unsigned char seed[32];
	vhex(V, "identityCreation.identity_seed_hex", seed, sizeof(seed));
	ecrypto_sig_keypair_from_seed(seed, &kp);
	const char *param = vstr(V, "identityCreation.identityPublicKey_param");
	is_int(ecrypto_sig_public_key_from_base64(param, &key, &why), ECRYPTO_OK, "identityPublicKey parses");
	ok(memcmp(key.pub, kp.pub.pub, 32) == 0, "identityPublicKey is the public key of the identity seed");
	char *b64 = ecrypto_sig_public_key_to_base64(&kp.pub);
	is_str(b64, param, "toBase64 of the public key equals the TS parameter");
	ecrypto_free_text(b64);
	ecrypto_sig_keypair_wipe(&kp);
}

static void test_challenge(void)
{
	struct ecrypto_why why = {{0}};
	json_object *sc = json_tokener_parse(vstr(V, "identityCreation.signedChallenge_param_json"));
	const char *challenge = vstr(sc, "challenge"), *sig_b64 = vstr(sc, "signature");
	const char *pub_b64 = vstr(V, "identityCreation.identityPublicKey_param");
	is_int(ecrypto_verify_challenge(pub_b64, challenge, sig_b64, &why), ECRYPTO_OK,
	       "signed challenge verifies (Backbone check)");

	char *tampered = strdup(challenge);
	tampered[5] ^= 1;
	is_int(ecrypto_verify_challenge(pub_b64, tampered, sig_b64, &why), ECRYPTO_ERR_SIGNATURE,
	       "a changed challenge does not verify");
	free(tampered);

	/* Ed25519 is deterministic: signing the challenge again gives the TS bytes. */
	unsigned char seed[32];
	struct ecrypto_sig_keypair kp;
	struct ecrypto_signature sig;
	vhex(V, "identityCreation.identity_seed_hex", seed, sizeof(seed));
	ecrypto_sig_keypair_from_seed(seed, &kp);
	is_int(ecrypto_sign(&kp.prv, challenge, strlen(challenge), ECRYPTO_HASH_SHA512, &sig, &why), ECRYPTO_OK,
	       "sign the challenge");
	char *b64 = ecrypto_signature_to_base64(&sig);
	is_str(b64, sig_b64, "signature toBase64 equals the TS parameter");
	ecrypto_free_text(b64);
	ecrypto_sig_keypair_wipe(&kp);

	struct ecrypto_sig_public_key key;
	ecrypto_sig_public_key_from_base64(pub_b64, &key, NULL);
	char addr[ECRYPTO_ADDRESS_MAX + 1];
	is_int(ecrypto_address_from_public_key(&key, "localhost", addr, &why), ECRYPTO_OK, "derive address");
	is_str(addr, vstr(V, "identityCreation.expectedAddress_localhost"), "identity address for localhost");
	json_object_put(sc);
}

static void test_address_vectors(void)
{
	struct ecrypto_why why = {{0}};
	char addr[ECRYPTO_ADDRESS_MAX + 1], name[64];
	for (int i = 0; i < 2; i++) {
		unsigned char pk[32];
		char p[64];
		snprintf(p, sizeof(p), "address.vectors.%d.publicKey_hex", i);
		vhex(V, p, pk, sizeof(pk));
		snprintf(p, sizeof(p), "address.vectors.%d.hostname", i);
		const char *host = vstr(V, p);
		snprintf(p, sizeof(p), "address.vectors.%d.address", i);
		snprintf(name, sizeof(name), "address.vectors[%d] (%s)", i, host);
		addr[0] = 0;
		ecrypto_address_derive(pk, sizeof(pk), host, addr, &why);
		is_str(addr, vstr(V, p), name);
		is_int(ecrypto_address_validate(addr, &why), ECRYPTO_OK, "derived address validates");
	}
	ecrypto_address_deleted_identity("localhost", false, addr, &why);
	is_str(addr, vstr(V, "address.deletedIdentityPseudonym_localhost.typescript_utf8"),
	       "deleted identity pseudonym (TS, UTF-8)");
	ecrypto_address_deleted_identity("localhost", true, addr, &why);
	is_str(addr, vstr(V, "address.deletedIdentityPseudonym_localhost.backbone_utf16le"),
	       "deleted identity pseudonym (Backbone, UTF-16LE)");
}

static void expect_addr_error(const char *addr, const char *want_fragment, const char *name)
{
	struct ecrypto_why why = {{0}};
	enum ecrypto_err err = ecrypto_address_validate(addr, &why);
	ok(err == ECRYPTO_ERR_VALUE && strstr(why.text, want_fragment), "%s (%s)", name, why.text);
}

static void test_address_errors(void)
{
	struct ecrypto_why why = {{0}};
	char addr[ECRYPTO_ADDRESS_MAX + 1];
	unsigned char pk[32] = {1};
	expect_addr_error("did:e:localhost:dids:63c98b9b34bd7ce8a891f8", "checksum", "wrong checksum is rejected");
	expect_addr_error("did:e:localhost:dids:63C98B9B34BD7CE8A891F9", "hex", "upper-case hex is rejected");
	expect_addr_error("did:e:localhost:dids:63c98b9b34bd7ce8a891", "22 hex", "short identifier is rejected");
	expect_addr_error("did:x:localhost:dids:63c98b9b34bd7ce8a891f9", "did:e:", "wrong method is rejected");
	expect_addr_error("id1A6dLcC2dwoDwfPh7d2X16hDHt28eoXq6u", "did:e:", "legacy id1 address is rejected");
	is_int(ecrypto_address_derive(pk, 32, "127.0.0.1", addr, &why), ECRYPTO_ERR_VALUE, "IP host is rejected");
	is_int(ecrypto_address_derive(pk, 32, "Backbone.example", addr, &why), ECRYPTO_ERR_VALUE,
	       "upper-case host is rejected");
	is_int(ecrypto_address_derive(pk, 32, "a..example", addr, &why), ECRYPTO_ERR_VALUE,
	       "empty host label is rejected");
	is_int(ecrypto_address_derive(pk, 32, "", addr, &why), ECRYPTO_ERR_VALUE, "empty host is rejected");
	char long_host[80];
	memset(long_host, 'a', sizeof(long_host) - 1);
	long_host[sizeof(long_host) - 1] = 0;
	ok(ecrypto_address_derive(pk, 32, long_host, addr, &why) == ECRYPTO_ERR_VALUE && strstr(why.text, "80"),
	   "host making the address longer than 80 characters is rejected (%s)", why.text);
	is_int(ecrypto_address_derive(pk, 32, "my-backbone.example.com", addr, &why), ECRYPTO_OK,
	       "dashes and subdomains are accepted");
}

/* b64url(json) of a public key JSON text, for the error cases below. */
static char *b64_of(const char *json)
{
	size_t n = strlen(json), sz = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(sz);
	sodium_bin2base64(out, sz, (const unsigned char *)json, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static void expect_pub_error(const char *json, enum ecrypto_err want, const char *fragment, const char *name)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_why why = {{0}};
	enum ecrypto_err err = ecrypto_sig_public_key_from_json(json, &key, &why);
	ok(err == want && strstr(why.text, fragment), "%s: %s", name, why.text);
	char *b64 = b64_of(json);
	err = ecrypto_sig_public_key_from_base64(b64, &key, &why);
	ok(err == want && strstr(why.text, fragment), "%s (toBase64 form)", name);
	free(b64);
}

static void test_public_key_errors(void)
{
	const char *good = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
	char json[256];
	snprintf(json, sizeof(json), "{\"pub\":\"%s\",\"alg\":1}", good);
	expect_pub_error(json, ECRYPTO_ERR_ALGORITHM, "CryptoSignaturePublicKey.alg: unsupported algorithm 1",
	                 "alg 1 (P-256)");
	snprintf(json, sizeof(json), "{\"pub\":\"%s\",\"alg\":\"3\"}", good);
	expect_pub_error(json, ECRYPTO_ERR_FIELD_TYPE, "CryptoSignaturePublicKey.alg", "alg as a string");
	snprintf(json, sizeof(json), "{\"pub\":\"%s=\",\"alg\":3}", good);
	expect_pub_error(json, ECRYPTO_ERR_BASE64, "CryptoSignaturePublicKey.pub: padding", "padded base64");
	expect_pub_error("{\"pub\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"alg\":3}", ECRYPTO_ERR_BASE64,
	                 "standard base64", "standard alphabet");
	expect_pub_error("{\"pub\":\"AAECAwQFBgcICQoLDA0ODw\",\"alg\":3}", ECRYPTO_ERR_LENGTH,
	                 "CryptoSignaturePublicKey.pub: expected 32 bytes, got 16", "16-byte key");
	expect_pub_error("{\"alg\":3}", ECRYPTO_ERR_MISSING, "CryptoSignaturePublicKey.pub: missing", "no pub");
	snprintf(json, sizeof(json), "{\"pub\":\"%s\",\"alg\":3,\"@type\":\"CryptoExchangePublicKey\"}", good);
	expect_pub_error(json, ECRYPTO_ERR_TYPE_NAME, "@type", "wrong @type");
	expect_pub_error("[1,2]", ECRYPTO_ERR_JSON, "expected a JSON object", "array instead of object");
	expect_pub_error("{\"pub\":", ECRYPTO_ERR_JSON, "truncated", "truncated JSON");
	snprintf(json, sizeof(json), "{\"pub\":\"%s\",\"alg\":3} x", good);
	expect_pub_error(json, ECRYPTO_ERR_JSON, "offset", "trailing garbage");

	struct ecrypto_sig_public_key key;
	struct ecrypto_why why = {{0}};
	const char *param = vstr(V, "identityCreation.identityPublicKey_param");
	char *padded = malloc(strlen(param) + 3);
	sprintf(padded, "%s==", param);
	ok(ecrypto_sig_public_key_from_base64(padded, &key, &why) == ECRYPTO_ERR_BASE64,
	   "outer toBase64 with padding is rejected: %s", why.text);
	free(padded);
	ok(ecrypto_sig_public_key_from_base64("", &key, &why) == ECRYPTO_ERR_JSON, "empty input: %s", why.text);
	ok(ecrypto_sig_public_key_from_base64(NULL, &key, &why) != ECRYPTO_OK, "NULL input is an error");
}

static void test_signature_errors(void)
{
	struct ecrypto_signature sig;
	struct ecrypto_why why = {{0}};
	ok(ecrypto_signature_from_json("{\"sig\":\"AAAA\",\"alg\":2}", &sig, &why) == ECRYPTO_ERR_LENGTH &&
	           strstr(why.text, "CryptoSignature.sig: expected 64 bytes, got 3"),
	   "short signature: %s", why.text);
	const char *sig64 = "j02b_31vcGb0oKV8oZbKM-l5CMiQPbQe6qiDDQt2YqQ8SEyBVkZ3nwSOEOKETPay5-fHPmtVr30mvQhD1mSICg";
	char json[256];
	snprintf(json, sizeof(json), "{\"sig\":\"%s\",\"alg\":4}", sig64);
	ok(ecrypto_signature_from_json(json, &sig, &why) == ECRYPTO_ERR_ALGORITHM, "label 4: %s", why.text);
	snprintf(json, sizeof(json), "{\"sig\":\"%s\",\"alg\":0}", sig64);
	ok(ecrypto_signature_from_json(json, &sig, &why) == ECRYPTO_ERR_ALGORITHM, "label 0 is rejected");
	snprintf(json, sizeof(json), "{\"sig\":\"%s\",\"alg\":2.0}", sig64);
	ok(ecrypto_signature_from_json(json, &sig, &why) == ECRYPTO_ERR_FIELD_TYPE, "label 2.0: %s", why.text);
	snprintf(json, sizeof(json), "{\"sig\":\"%s\",\"alg\":3}", sig64);
	ok(ecrypto_signature_from_json(json, &sig, &why) == ECRYPTO_OK && sig.alg == 3, "label 3 is accepted");

	struct ecrypto_sig_keypair kp;
	unsigned char seed[32] = {7};
	ecrypto_sig_keypair_from_seed(seed, &kp);
	ok(ecrypto_sign(&kp.prv, "", 0, ECRYPTO_HASH_SHA512, &sig, &why) == ECRYPTO_ERR_VALUE,
	   "signing empty content is refused: %s", why.text);
	ecrypto_sig_keypair_wipe(&kp);
}

int main(void)
{
	V = vectors_load();
	test_identity_public_key();
	test_challenge();
	test_address_vectors();
	test_address_errors();
	test_public_key_errors();
	test_signature_errors();
	json_object_put(V);
	return tap_done();
}
