/*
 * test_runtime_crypto.c: the runtime's sealed payloads (lib/runtime/sealed.c,
 * relationship_crypto.c): opening what the official TypeScript packages produced (vectors in
 * tests/data/crypto-vectors.json), round trips between two C identities, and tampering.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base64.h"
#include "runtime/relationship_crypto.h"
#include "runtime/sealed.h"
#include "tap.h"

static json_object *vectors;

static const char *vec(const char *group, const char *key)
{
	json_object *g = NULL, *v = NULL;
	json_object_object_get_ex(vectors, group, &g);
	json_object_object_get_ex(g, key, &v);
	return v ? json_object_get_string(v) : "";
}

static void hex_key(const char *hex, uint8_t *out, size_t n)
{
	sodium_hex2bin(out, n, hex, strlen(hex), NULL, NULL, NULL);
}

static void make_identity(struct account_identity *id, const char *host)
{
	memset(id, 0, sizeof(*id));
	ecrypto_sig_keypair_generate(&id->identity_keys);
	ecrypto_address_from_public_key(&id->identity_keys.pub, host, id->address, NULL);
}

static void test_official_template(void)
{
	struct ecrypto_secret_key key;
	struct rt_template_plain plain;
	struct runtime_error err = {.remote_status = 0};
	hex_key(vec("relationshipTemplate", "templateSecretKey_hex"), key.key, sizeof(key.key));
	ok(rt_template_open(vec("relationshipTemplate", "backboneContent_b64"), &key, &plain, &err),
	   "the official template opens: %s", err.message);
	is_str(rt_json_text(plain.content),
	       "{\"@type\":\"ArbitraryRelationshipTemplateContent\",\"value\":{\"hello\":\"world\"}}", "its content");
	is_str(plain.address, vec("relationshipTemplate", "templatorAddress"), "the templator's address");
	is_str(plain.template_key.id, "TRPRTKabcdefghij0123", "the template key id");
	rt_template_plain_clear(&plain);
	key.key[0] ^= 1;
	ok(!rt_template_open(vec("relationshipTemplate", "backboneContent_b64"), &key, &plain, &err),
	   "a wrong key is refused");
	ok(strstr(err.message, "cannot be decrypted") != NULL, "with a reason: %s", err.message);
}

static char *template_keypair_json(const char *sk_hex)
{
	uint8_t sk[32];
	struct ecrypto_exchange_keypair kp;
	hex_key(sk_hex, sk, sizeof(sk));
	ecrypto_exchange_keypair_from_private(sk, &kp);
	return ecrypto_exchange_keypair_to_json(&kp, true);
}

static void test_official_creation(void)
{
	json_object *hs = NULL, *inputs = NULL, *sk = NULL;
	json_object_object_get_ex(vectors, "relationshipHandshake", &hs);
	json_object_object_get_ex(hs, "inputs", &inputs);
	json_object_object_get_ex(inputs, "templateExchange_sk_hex", &sk);
	char *kp = template_keypair_json(json_object_get_string(sk));
	struct rt_creation_plain plain;
	struct runtime_error err = {.remote_status = 0};
	ok(rt_creation_open(vec("relationshipCreation", "backboneCreationContent_b64"), kp, &plain, &err),
	   "the official creation content opens: %s", err.message);
	is_str(rt_json_text(plain.content),
	       "{\"@type\":\"ArbitraryRelationshipCreationContent\",\"value\":{\"answer\":42}}", "its content");
	is_str(plain.address, vec("relationshipCreation", "requestorAddress"), "the requestor's address");
	is_str(plain.template_id, "RLTabcdefghij0123456", "the template id");
	rt_creation_plain_clear(&plain);
	free(kp);

	char *secrets = NULL;
	ok(rt_response_apply(vec("relationshipHandshake", "CryptoRelationshipRequestSecrets_json"),
	                     vec("relationshipCreationResponse", "backboneCreationResponseContent_b64"), &secrets,
	                     &err),
	   "the official creation response converts the request secrets: %s", err.message);
	is_str(secrets, vec("relationshipHandshake", "CryptoRelationshipSecrets_requestor_json"),
	       "into the requestor secrets the official package computed");
	ecrypto_free_text(secrets);
}

static void test_round_trip(void)
{
	struct account_identity templator, requestor;
	struct ecrypto_sig_keypair device;
	struct runtime_error err = {.remote_status = 0};
	make_identity(&templator, "localhost");
	make_identity(&requestor, "localhost");
	ecrypto_sig_keypair_generate(&device);

	struct ecrypto_exchange_keypair tkp;
	struct ecrypto_template_public_key tk = {.id = "TRPRTK00000000000001"};
	ecrypto_exchange_keypair_generate(&tkp);
	tk.key = tkp.pub;
	char *tkp_json = ecrypto_exchange_keypair_to_json(&tkp, true);
	struct ecrypto_secret_key key;
	ecrypto_secret_key_generate(&key);
	json_object *content =
	        json_tokener_parse("{\"@type\":\"ArbitraryRelationshipTemplateContent\",\"value\":{\"a\":"
	                           "\"x/y\",\"u\":\"\\u00e4\"}}");
	char *sealed = NULL;
	ok(rt_template_seal(&templator, content, &tk, &key, &sealed, &err), "a template seals");
	struct rt_template_plain tp;
	ok(rt_template_open(sealed, &key, &tp, &err), "and opens: %s", err.message);
	ok(json_object_equal(tp.content, content), "with the same content");
	is_str(tp.address, templator.address, "and the templator's address");
	ok(memcmp(tp.template_key.key.pub, tkp.pub.pub, 32) == 0, "and the template key");
	free(sealed);

	json_object *cc = json_tokener_parse("{\"@type\":\"ArbitraryRelationshipCreationContent\",\"value\":[1,2]}");
	char *creation = NULL, *request_secrets = NULL;
	ok(rt_creation_seal(&requestor, &device, "RLT00000000000000001", cc, &tp.template_key, &tp.identity_key,
	                    &creation, &request_secrets, &err),
	   "creation content seals: %s", err.message);
	struct rt_creation_plain cp;
	ok(rt_creation_open(creation, tkp_json, &cp, &err), "the templator opens it: %s", err.message);
	ok(json_object_equal(cp.content, cc), "same creation content");
	is_str(cp.address, requestor.address, "the requestor's address");
	is_str(cp.template_id, "RLT00000000000000001", "the template id");

	char *response = NULL, *templator_secrets = strdup(cp.secrets_json), *requestor_secrets = NULL;
	ok(rt_response_seal(&templator_secrets, &device, "REL00000000000000001", &response, &err),
	   "the acceptance seals: %s", err.message);
	ok(rt_response_apply(request_secrets, response, &requestor_secrets, &err), "the requestor converts: %s",
	   err.message);

	struct ecrypto_rel_secrets ts, rs;
	struct ecrypto_cipher c = {0};
	uint8_t *pt = NULL;
	size_t len = 0;
	ecrypto_rel_secrets_from_json(templator_secrets, &ts, NULL);
	ecrypto_rel_secrets_from_json(requestor_secrets, &rs, NULL);
	ok(ecrypto_rel_secrets_encrypt(&ts, "hello", 5, &c, NULL) == ECRYPTO_OK, "the templator encrypts");
	ok(ecrypto_rel_secrets_decrypt(&rs, &c, &pt, &len, NULL) == ECRYPTO_OK && len == 5 &&
	           memcmp(pt, "hello", 5) == 0,
	   "the requestor decrypts");
	ecrypto_free_bytes(pt, len);
	ecrypto_cipher_free(&c);

	/* Tampering with the creation content: a flipped byte of the cipher text. */
	size_t blen = 0;
	char berr[64];
	uint8_t *raw = b64_decode_alloc(B64_URL, creation, strlen(creation), &blen, berr, sizeof(berr));
	char *cph = strstr((char *)raw, "\"cph\":\"");
	cph[10] = cph[10] == 'A' ? 'B' : 'A';
	char *tampered = b64_encode_alloc(B64_URL, raw, blen);
	struct rt_creation_plain bad;
	ok(!rt_creation_open(tampered, tkp_json, &bad, &err), "a tampered creation content is refused");
	ok(strcmp(err.code, "error.transport.relationships.invalidCreationContent") == 0, "code %s", err.code);

	free(raw);
	free(tampered);
	ecrypto_rel_secrets_wipe(&ts);
	ecrypto_rel_secrets_wipe(&rs);
	free(response);
	ecrypto_free_text(templator_secrets);
	ecrypto_free_text(requestor_secrets);
	ecrypto_free_text(request_secrets);
	free(creation);
	rt_creation_plain_clear(&cp);
	json_object_put(cc);
	rt_template_plain_clear(&tp);
	json_object_put(content);
	free(tkp_json);
}

static void test_token(void)
{
	struct ecrypto_secret_key key;
	struct runtime_error err = {.remote_status = 0};
	ecrypto_secret_key_generate(&key);
	json_object *content = rt_token_content_template("RLT00000000000000001", &key, NULL, NULL), *back = NULL;
	char *sealed = NULL;
	ok(rt_token_seal(content, &key, &sealed, &err), "a token seals");
	ok(rt_token_open(sealed, &key, &back, &err), "and opens");
	ok(json_object_equal(content, back), "to the same content");
	is_str(rt_json_str(back, "@type"), "TokenContentRelationshipTemplate", "with its type");
	json_object_put(back);
	json_object_put(content);
	free(sealed);
}

int main(void)
{
	char path[1024];
	const char *src = getenv("CONNECTOR_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/crypto-vectors.json", src ? src : "..");
	if (ecrypto_init() != ECRYPTO_OK || !(vectors = json_object_from_file(path))) {
		printf("Bail out! cannot read %s\n", path);
		return 1;
	}
	test_official_template();
	test_official_creation();
	test_round_trip();
	test_token();
	json_object_put(vectors);
	return tap_done();
}
