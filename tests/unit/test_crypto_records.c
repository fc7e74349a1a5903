/*
 * test_crypto_records.c: the composite objects of crypto-vectors.json through the library: the
 * relationship secrets' exact JSON (and parsing it back), and the Backbone records built on them
 * (template, creation content, creation response, token, file metadata) and references.
 */
#include "tap.h"
#include "test_crypto_common.h"

static json_object *V;

static void same_text(char *got, const char *want, const char *name)
{
	is_str(got, want, name);
	ecrypto_free_text(got);
}

/* Nested JSON object text at a path of a JSON string vector (e.g. the cipher inside a wrapper). */
static char *nested_json(const char *vector, const char *field)
{
	json_object *outer = json_tokener_parse(vstr(V, vector));
	char *text = strdup(json_object_to_json_string_ext(vpath(outer, field),
	                                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(outer);
	return text;
}

static void test_relationship_json(void)
{
	struct handshake h;
	handshake_build(V, &h);
	same_text(ecrypto_rel_request_secrets_to_json(&h.request),
	          vstr(V, "relationshipHandshake.CryptoRelationshipRequestSecrets_json"),
	          "CryptoRelationshipRequestSecrets JSON is byte-identical");
	same_text(ecrypto_rel_public_request_to_json(&h.public_request, true),
	          vstr(V, "relationshipHandshake.CryptoRelationshipPublicRequest_json"),
	          "CryptoRelationshipPublicRequest JSON");
	same_text(ecrypto_rel_secrets_to_json(&h.templator),
	          vstr(V, "relationshipHandshake.CryptoRelationshipSecrets_templator_json"),
	          "CryptoRelationshipSecrets (templator) JSON");
	same_text(ecrypto_rel_public_response_to_json(&h.public_response, true),
	          vstr(V, "relationshipHandshake.CryptoRelationshipPublicResponse_json"),
	          "CryptoRelationshipPublicResponse JSON");
	same_text(ecrypto_rel_secrets_to_json(&h.requestor),
	          vstr(V, "relationshipHandshake.CryptoRelationshipSecrets_requestor_json"),
	          "CryptoRelationshipSecrets (requestor) JSON");

	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_rel_secrets s;
	struct ecrypto_rel_public_request prq;
	struct ecrypto_rel_public_response prs;
	struct ecrypto_why why = {{0}};
	ok(ecrypto_rel_request_secrets_from_json(vstr(V, "relationshipHandshake.CryptoRelationshipRequestSecrets_json"),
	                                         &rs, &why) == ECRYPTO_OK &&
	           memcmp(&rs, &h.request, sizeof(rs)) == 0,
	   "request secrets parse back to the same struct %s", why.text);
	ok(ecrypto_rel_secrets_from_json(vstr(V, "relationshipHandshake.CryptoRelationshipSecrets_templator_json"), &s,
	                                 &why) == ECRYPTO_OK &&
	           memcmp(&s, &h.templator, sizeof(s)) == 0,
	   "templator secrets parse back %s", why.text);
	ok(ecrypto_rel_secrets_from_json(vstr(V, "relationshipHandshake.CryptoRelationshipSecrets_requestor_json"), &s,
	                                 &why) == ECRYPTO_OK &&
	           memcmp(&s, &h.requestor, sizeof(s)) == 0,
	   "requestor secrets parse back %s", why.text);
	ok(ecrypto_rel_public_request_from_json(vstr(V, "relationshipHandshake.CryptoRelationshipPublicRequest_json"),
	                                        &prq, &why) == ECRYPTO_OK &&
	           memcmp(&prq, &h.public_request, sizeof(prq)) == 0,
	   "public request parses back");
	ok(ecrypto_rel_public_response_from_json(vstr(V, "relationshipHandshake.CryptoRelationshipPublicResponse_json"),
	                                         &prs, &why) == ECRYPTO_OK &&
	           memcmp(&prs, &h.public_response, sizeof(prs)) == 0,
	   "public response parses back");
	same_text(ecrypto_template_public_key_to_json(&h.template_pub),
	          vstr(V, "relationshipHandshake.inputs.templateKey_json"), "RelationshipTemplatePublicKey JSON");
	ecrypto_rel_request_secrets_wipe(&rs);
	ecrypto_rel_secrets_wipe(&s);
	handshake_wipe(&h);
}

/* Random material: a full handshake both ways, then messages in both directions. */
static void test_random_handshake(void)
{
	struct ecrypto_exchange_keypair tkp;
	struct ecrypto_template_public_key tpub = {.id = "TRPRTKxxxxxxxxxxxxxx"};
	struct ecrypto_sig_keypair identity;
	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_rel_public_request prq;
	struct ecrypto_rel_secrets templator, requestor;
	struct ecrypto_rel_public_response prs;
	ecrypto_exchange_keypair_generate(&tkp);
	ecrypto_sig_keypair_generate(&identity);
	tpub.key = tkp.pub;
	ok(ecrypto_rel_request_secrets_create(&tpub, &identity.pub, NULL, &rs, NULL) == ECRYPTO_OK,
	   "random handshake: request secrets");
	ecrypto_rel_request_secrets_public(&rs, &prq);
	ok(ecrypto_rel_secrets_from_request(&prq, &tkp, NULL, &templator, NULL) == ECRYPTO_OK,
	   "random handshake: templator secrets");
	ecrypto_rel_secrets_public_response(&templator, &prs);
	ok(ecrypto_rel_secrets_from_response(&prs, &rs, &requestor, NULL) == ECRYPTO_OK,
	   "random handshake: requestor secrets");
	ok(sodium_memcmp(templator.rsk.key, rs.key.key, 32) == 0, "both sides share requestSecretKey");
	const char msg[] = "ping";
	struct ecrypto_cipher c;
	struct ecrypto_signature sig;
	uint8_t *pt = NULL;
	size_t pl = 0;
	for (int i = 0; i < 3; i++) {
		ecrypto_rel_secrets_encrypt(&requestor, msg, sizeof(msg), &c, NULL);
		ok(c.cnt == (uint32_t)i && ecrypto_rel_secrets_decrypt(&templator, &c, &pt, &pl, NULL) == ECRYPTO_OK &&
		           pl == sizeof(msg),
		   "requestor -> templator message %d (cnt %u)", i, c.cnt);
		free(pt);
		ecrypto_cipher_free(&c);
	}
	ecrypto_rel_secrets_encrypt(&templator, msg, sizeof(msg), &c, NULL);
	ok(ecrypto_rel_secrets_decrypt(&requestor, &c, &pt, &pl, NULL) == ECRYPTO_OK, "templator -> requestor message");
	free(pt);
	ok(ecrypto_rel_secrets_decrypt(&templator, &c, &pt, &pl, NULL) == ECRYPTO_ERR_DECRYPT,
	   "own message does not decrypt with own receive state");
	ecrypto_cipher_free(&c);
	ecrypto_rel_secrets_sign(&templator, msg, sizeof(msg), ECRYPTO_HASH_SHA256, &sig, NULL);
	ok(ecrypto_rel_secrets_verify_peer(&requestor, msg, sizeof(msg), &sig, NULL) == ECRYPTO_OK,
	   "requestor verifies the templator's signature");
	ok(ecrypto_rel_secrets_verify_peer(&templator, msg, sizeof(msg), &sig, NULL) == ECRYPTO_ERR_SIGNATURE,
	   "templator's own signature is not the peer's");
	ecrypto_exchange_keypair_wipe(&tkp);
	ecrypto_sig_keypair_wipe(&identity);
	ecrypto_rel_request_secrets_wipe(&rs);
	ecrypto_rel_secrets_wipe(&templator);
	ecrypto_rel_secrets_wipe(&requestor);
}

static void test_template(void)
{
	struct ecrypto_secret_key key;
	struct ecrypto_cipher c;
	uint8_t *pt = NULL, nonce[24];
	size_t pl = 0;
	vhex(V, "relationshipTemplate.templateSecretKey_hex", key.key, 32);
	vhex(V, "relationshipTemplate.nonce_hex", nonce, 24);
	const char *signed_json = vstr(V, "relationshipTemplate.signedTemplate_json");
	ok(ecrypto_cipher_from_base64(vstr(V, "relationshipTemplate.backboneContent_b64"), &c, NULL) == ECRYPTO_OK &&
	           ecrypto_decrypt(&key, &c, &pt, &pl, NULL) == ECRYPTO_OK && strcmp((char *)pt, signed_json) == 0,
	   "template content decrypts to RelationshipTemplateSigned");
	ecrypto_cipher_free(&c);
	ok(ecrypto_encrypt(&key, signed_json, strlen(signed_json), nonce, &c, NULL) == ECRYPTO_OK,
	   "template re-encrypts");
	same_text(ecrypto_cipher_to_base64(&c), vstr(V, "relationshipTemplate.backboneContent_b64"),
	          "template content toBase64 is byte-identical");
	ecrypto_cipher_free(&c);
	free(pt);

	json_object *ts = json_tokener_parse(signed_json);
	const char *serialized = vstr(ts, "serializedTemplate");
	json_object *inner = json_tokener_parse(serialized);
	struct ecrypto_signature sig;
	struct ecrypto_sig_public_key pub;
	char *pub_json = strdup(json_object_to_json_string_ext(
	        vpath(inner, "identity.publicKey"), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	char *sig_json = strdup(json_object_to_json_string_ext(
	        vpath(ts, "deviceSignature"), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ok(ecrypto_sig_public_key_from_json(pub_json, &pub, NULL) == ECRYPTO_OK &&
	           ecrypto_signature_from_json(sig_json, &sig, NULL) == ECRYPTO_OK &&
	           ecrypto_verify(&pub, serialized, strlen(serialized), &sig, NULL) == ECRYPTO_OK,
	   "template signature verifies with the identity key inside the template");
	char addr[ECRYPTO_ADDRESS_MAX + 1];
	ecrypto_address_from_public_key(&pub, "localhost", addr, NULL);
	is_str(addr, vstr(inner, "identity.address"), "template identity address matches its key");
	struct ecrypto_template_public_key tk;
	char *tk_json = strdup(json_object_to_json_string_ext(vpath(inner, "templateKey"),
	                                                      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ok(ecrypto_template_public_key_from_json(tk_json, &tk, NULL) == ECRYPTO_OK &&
	           strcmp(tk.id, "TRPRTKabcdefghij0123") == 0,
	   "templateKey (without @type) parses with its id");
	free(tk_json);
	free(pub_json);
	free(sig_json);
	json_object_put(inner);
	json_object_put(ts);
}

static void test_creation(void)
{
	struct handshake h;
	struct ecrypto_cipher c;
	struct ecrypto_rel_public_request prq;
	uint8_t *pt = NULL;
	size_t pl = 0;
	handshake_build(V, &h);
	char *cipher = nested_json("relationshipCreation.RelationshipCreationContentCipher_json", "cipher");
	char *pub = nested_json("relationshipCreation.RelationshipCreationContentCipher_json",
	                        "publicCreationContentCrypto");
	ok(ecrypto_rel_public_request_from_json(pub, &prq, NULL) == ECRYPTO_OK &&
	           memcmp(&prq, &h.public_request, sizeof(prq)) == 0,
	   "creation content: publicCreationContentCrypto is the public request");
	const char *signed_json = vstr(V, "relationshipCreation.signed_json");
	ok(ecrypto_cipher_from_json(cipher, &c, NULL) == ECRYPTO_OK &&
	           ecrypto_decrypt(&h.templator.rsk, &c, &pt, &pl, NULL) == ECRYPTO_OK &&
	           strcmp((char *)pt, signed_json) == 0,
	   "creation content decrypts with the templator's requestSecretKey");
	json_object *sj = json_tokener_parse(signed_json);
	const char *serialized = vstr(sj, "serializedCreationContent");
	char *rel_sig = strdup(json_object_to_json_string_ext(vpath(sj, "relationshipSignature"),
	                                                      JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	struct ecrypto_signature sig;
	ok(ecrypto_signature_from_json(rel_sig, &sig, NULL) == ECRYPTO_OK && sig.alg == ECRYPTO_HASH_SHA256 &&
	           ecrypto_rel_secrets_verify_peer(&h.templator, serialized, strlen(serialized), &sig, NULL) ==
	                   ECRYPTO_OK,
	   "creation relationshipSignature verifies with psk");
	struct ecrypto_signature again;
	ok(ecrypto_sign(&h.request.sig.prv, serialized, strlen(serialized), ECRYPTO_HASH_SHA256, &again, NULL) ==
	                   ECRYPTO_OK &&
	           memcmp(again.sig, sig.sig, 64) == 0,
	   "requestor reproduces its relationship signature");
	free(rel_sig);
	json_object_put(sj);
	free(pt);
	ecrypto_cipher_free(&c);
	free(cipher);
	free(pub);

	/* The acceptance: counter 0 of the templator's transmit state. */
	struct ecrypto_rel_public_response prs;
	cipher = nested_json("relationshipCreationResponse.RelationshipCreationResponseContentCipher_json", "cipher");
	pub = nested_json("relationshipCreationResponse.RelationshipCreationResponseContentCipher_json",
	                  "publicCreationResponseContentCrypto");
	ok(ecrypto_rel_public_response_from_json(pub, &prs, NULL) == ECRYPTO_OK &&
	           memcmp(&prs, &h.public_response, sizeof(prs)) == 0,
	   "creation response: public response matches");
	signed_json = vstr(V, "relationshipCreationResponse.signed_json");
	ok(ecrypto_cipher_from_json(cipher, &c, NULL) == ECRYPTO_OK && c.counter_mode && c.cnt == 0 &&
	           ecrypto_rel_secrets_decrypt(&h.requestor, &c, &pt, &pl, NULL) == ECRYPTO_OK &&
	           strcmp((char *)pt, signed_json) == 0,
	   "creation response decrypts with the requestor's receive state");
	ecrypto_cipher_free(&c);
	ok(ecrypto_rel_secrets_encrypt(&h.templator, signed_json, strlen(signed_json), &c, NULL) == ECRYPTO_OK,
	   "templator encrypts the response at counter 0");
	char *mine = ecrypto_cipher_to_json(&c, false);
	is_str(mine, cipher, "creation response cipher is byte-identical");
	ecrypto_free_text(mine);
	ecrypto_cipher_free(&c);
	free(pt);
	free(cipher);
	free(pub);
	handshake_wipe(&h);
}

static void test_token_and_file(void)
{
	struct ecrypto_secret_key key;
	struct ecrypto_cipher c;
	uint8_t *pt = NULL;
	size_t pl = 0;
	vhex(V, "token.tokenKey_hex", key.key, 32);
	ok(ecrypto_cipher_from_base64(vstr(V, "token.backboneContent_b64"), &c, NULL) == ECRYPTO_OK &&
	           ecrypto_decrypt(&key, &c, &pt, &pl, NULL) == ECRYPTO_OK &&
	           strstr((char *)pt, "\"@type\":\"TokenContent"),
	   "token content decrypts to a TokenContent*");
	free(pt);
	ecrypto_cipher_free(&c);
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	ok(ecrypto_reference_parse(vstr(V, "token.reference_truncated"), ECRYPTO_REF_TOKEN, &ref, &why) == ECRYPTO_OK &&
	           memcmp(ref.key.key, key.key, 32) == 0,
	   "token reference carries the token key %s", why.text);
	char *url = NULL;
	ecrypto_reference_to_url(&ref, NULL, &url, NULL);
	is_str(url, vstr(V, "token.reference_url"), "token reference URL");
	free(url);
	ecrypto_reference_free(&ref);

	struct ecrypto_secret_key mk;
	vhex(V, "file.metadataKey_hex", mk.key, 32);
	ok(ecrypto_cipher_from_base64(vstr(V, "file.encryptedProperties_b64"), &c, NULL) == ECRYPTO_OK &&
	           ecrypto_decrypt(&mk, &c, &pt, &pl, NULL) == ECRYPTO_OK &&
	           strcmp((char *)pt, vstr(V, "file.FileMetadata_json")) == 0,
	   "file encryptedProperties decrypt to FileMetadata");
	free(pt);
	ecrypto_cipher_free(&c);
	ok(ecrypto_reference_parse(vstr(V, "file.fileReference_truncated"), ECRYPTO_REF_FILE, &ref, &why) ==
	                   ECRYPTO_OK &&
	           memcmp(ref.key.key, mk.key, 32) == 0 && strcmp(ref.backbone_base_url, "http://localhost:8090") == 0,
	   "file reference carries the metadata key and base URL");
	ecrypto_reference_free(&ref);
	ok(ecrypto_reference_parse(vstr(V, "relationshipTemplate.reference_url"), ECRYPTO_REF_TEMPLATE, &ref, &why) ==
	                   ECRYPTO_OK &&
	           strcmp(ref.id, "RLTabcdefghij0123456") == 0,
	   "template reference URL parses");
	char *tr = NULL;
	ecrypto_reference_truncate(&ref, &tr, NULL);
	is_str(tr, vstr(V, "relationshipTemplate.reference_truncated"), "template reference truncates identically");
	free(tr);
	ecrypto_reference_free(&ref);
}

static void check_reference_vector(int i)
{
	char p[128], name[160];
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	unsigned char key[32];
	snprintf(p, sizeof(p), "references.vectors.%d", i);
	json_object *v = vpath(V, p);
	json_object *in = vpath(v, "input");
	vhex(in, "key_hex", key, 32);
	snprintf(name, sizeof(name), "references[%d]: truncated parses", i);
	enum ecrypto_err err = ecrypto_reference_parse(vstr(v, "truncated"), ECRYPTO_REF_TOKEN, &ref, &why);
	ok(err == ECRYPTO_OK && strcmp(ref.id, vstr(in, "id")) == 0 && memcmp(ref.key.key, key, 32) == 0, "%s %s", name,
	   why.text);
	json_object *x;
	if (json_object_object_get_ex(in, "backboneBaseUrl", &x))
		is_str(ref.backbone_base_url, json_object_get_string(x), "  backboneBaseUrl");
	if (json_object_object_get_ex(in, "forIdentityTruncated", &x))
		is_str(ref.for_identity_truncated, json_object_get_string(x), "  forIdentityTruncated");
	if (json_object_object_get_ex(in, "passwordProtection", &x)) {
		unsigned char salt[16];
		vhex(x, "salt_hex", salt, 16);
		json_object *loc = NULL;
		int want_loc = json_object_object_get_ex(x, "passwordLocationIndicator", &loc)
		                       ? json_object_get_int(loc)
		                       : ECRYPTO_REF_NO_LOCATION;
		ok(ref.has_password && strcmp(ref.password.type, vstr(x, "passwordType")) == 0 &&
		           memcmp(ref.password.salt, salt, 16) == 0 && ref.password.location_indicator == want_loc,
		   "  passwordProtection %s", vstr(x, "passwordType"));
	}
	char *out = NULL;
	ecrypto_reference_truncate(&ref, &out, NULL);
	is_str(out, vstr(v, "truncated"), "  truncate() is byte-identical");
	free(out);
	if (json_object_object_get_ex(v, "url", &x)) {
		ecrypto_reference_to_url(&ref, NULL, &out, NULL);
		is_str(out, json_object_get_string(x), "  toUrl()");
		free(out);
		ecrypto_reference_to_url(&ref, "eu.enmeshed.app", &out, NULL);
		is_str(out, vstr(v, "url_withAppId"), "  toUrl(app)");
		struct ecrypto_reference back;
		ok(ecrypto_reference_parse(out, ECRYPTO_REF_ANY, &back, &why) == ECRYPTO_OK &&
		           strcmp(back.backbone_base_url, ref.backbone_base_url) == 0 &&
		           back.has_password == ref.has_password && memcmp(back.key.key, key, 32) == 0,
		   "  URL parses back %s", why.text);
		ecrypto_reference_free(&back);
		free(out);
	}
	ecrypto_reference_free(&ref);
}

static void test_references(void)
{
	int n = (int)json_object_array_length(vpath(V, "references.vectors"));
	for (int i = 0; i < n; i++)
		check_reference_vector(i);
	struct ecrypto_reference ref;
	ok(ecrypto_reference_parse(vstr(V, "references.legacyThreeComponent.truncated"), ECRYPTO_REF_TOKEN, &ref,
	                           NULL) == ECRYPTO_OK &&
	           !ref.backbone_base_url && !ref.has_password,
	   "legacy 3-field reference parses");
	ecrypto_reference_free(&ref);
	char buf[512];
	snprintf(buf, sizeof(buf), "nmshd://qr#%s", vstr(V, "references.vectors.0.truncated"));
	ok(ecrypto_reference_parse(buf, ECRYPTO_REF_TOKEN, &ref, NULL) == ECRYPTO_OK, "nmshd://qr# prefix accepted");
	ecrypto_reference_free(&ref);
}

static void test_reference_json(void)
{
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	char *att = nested_json("message.MessageContentWrapper_withAttachment_json", "attachments.0");
	ok(ecrypto_reference_from_json(att, ECRYPTO_REF_FILE, &ref, &why) == ECRYPTO_OK &&
	           strcmp(ref.id, "FILabcdefghij0123456") == 0 && ref.backbone_base_url,
	   "attachment FileReference JSON parses %s", why.text);
	char *out = NULL;
	ecrypto_reference_to_json(&ref, &out, NULL);
	is_str(out, att, "FileReference JSON is byte-identical");
	free(out);
	ecrypto_reference_free(&ref);
	free(att);

	struct ecrypto_password_protection pp;
	char *ppj = nested_json("token.TokenContentRelationshipTemplate_withForIdentityAndPassword_json",
	                        "passwordProtection");
	ok(ecrypto_password_protection_from_json(ppj, &pp, &why) == ECRYPTO_OK && strcmp(pp.type, "pin4") == 0 &&
	           pp.location_indicator == 1,
	   "SharedPasswordProtection JSON parses (salt in base64url) %s", why.text);
	same_text(ecrypto_password_protection_to_json(&pp), ppj, "SharedPasswordProtection JSON is byte-identical");
	free(ppj);
	ok(ecrypto_password_protection_from_json("{\"passwordType\":\"pw\",\"salt\":\"EBESExQVFhcYGRobHB0eHw==\"}", &pp,
	                                         &why) == ECRYPTO_ERR_BASE64,
	   "padded salt in JSON is rejected: %s", why.text);
	ok(ecrypto_reference_from_json(
	           "{\"id\":\"TOKabcdefghij0123456\",\"key\":{\"key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\","
	           "\"alg\":3},\"@type\":\"Token\"}",
	           ECRYPTO_REF_ANY, &ref, &why) == ECRYPTO_ERR_TYPE_NAME,
	   "reference JSON with a foreign @type: %s", why.text);
}

int main(void)
{
	V = vectors_load();
	test_relationship_json();
	test_random_handshake();
	test_template();
	test_creation();
	test_token_and_file();
	test_references();
	test_reference_json();
	json_object_put(V);
	return tap_done();
}
