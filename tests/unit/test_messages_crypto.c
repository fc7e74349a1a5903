/*
 * test_messages_crypto.c: message records (lib/runtime/messages_crypto.c): the official vector
 * reproduced byte for byte (serializedPlaintext, encryptedKey, body) and opened; a fresh message to
 * three recipients over three relationships with an attachment, opened by each, with the transmit
 * counters advancing; and refusals (other identity, tampered body, foreign signature) with reasons.
 */
#include "tap.h"
#include "test_crypto_common.h"

#include "runtime/messages_crypto.h"

static json_object *V;

static void test_vector(void)
{
	struct handshake h;
	handshake_build(V, &h);
	struct ecrypto_cipher ek;
	uint8_t *pt = NULL;
	size_t len = 0;
	ecrypto_cipher_from_json(vstr(V, "message.encryptedKey_json"), &ek, NULL);
	bool templator_receives = ecrypto_rel_secrets_decrypt(&h.templator, &ek, &pt, &len, NULL) == ECRYPTO_OK;
	free(pt);
	struct ecrypto_rel_secrets *sender = templator_receives ? &h.requestor : &h.templator;
	struct ecrypto_rel_secrets *receiver = templator_receives ? &h.templator : &h.requestor;
	sender->tx.cnt = ek.cnt;
	ecrypto_cipher_free(&ek);

	json_object *plain = json_tokener_parse(vstr(V, "message.serializedPlaintext"));
	struct ecrypto_secret_key key;
	uint8_t nonce[24];
	vhex(V, "message.messageKey_hex", key.key, 32);
	vhex(V, "message.bodyNonce_hex", nonce, 24);
	const char *recipient = vstr(V, "message.recipient");
	struct msg_seal_recipient r = {recipient, sender};
	struct msg_seal_input in = {json_object_object_get(plain, "content"),
	                            NULL,
	                            json_object_get_string(json_object_object_get(plain, "createdAt")),
	                            &r,
	                            1,
	                            &key,
	                            nonce};
	json_object *req = NULL;
	char *text = NULL;
	struct ecrypto_why why = {{0}};
	ok(msg_seal(&in, &req, &text, &why) == ECRYPTO_OK, "vector message seals %s", why.text);
	is_str(text, vstr(V, "message.serializedPlaintext"), "serializedPlaintext is byte-identical");
	json_object *entry = json_object_array_get_idx(json_object_object_get(req, "recipients"), 0);
	is_str(json_object_get_string(json_object_object_get(entry, "encryptedKey")),
	       vstr(V, "message.encryptedKey_b64"), "encryptedKey is byte-identical");
	is_str(json_object_get_string(json_object_object_get(req, "body")), vstr(V, "message.body_b64"),
	       "body is byte-identical (MessageSigned with the same signature)");
	is_int(json_object_array_length(json_object_object_get(req, "attachments")), 0, "no attachments");

	struct msg_opened o;
	ok(msg_open(receiver, recipient, vstr(V, "message.encryptedKey_b64"), vstr(V, "message.body_b64"), &o, &why) ==
	           ECRYPTO_OK,
	   "the official message opens %s", why.text);
	is_str(json_object_get_string(json_object_object_get(json_object_object_get(o.wrapper, "content"), "subject")),
	       "Hello", "content subject");
	json_object_put(o.wrapper);
	ok(msg_open(receiver, vstr(V, "message.sender"), vstr(V, "message.encryptedKey_b64"),
	            vstr(V, "message.body_b64"), &o, &why) != ECRYPTO_OK &&
	           strstr(why.text, "signatures"),
	   "another address finds no signature entry: %s", why.text);
	ok(msg_open(sender, recipient, vstr(V, "message.encryptedKey_b64"), vstr(V, "message.body_b64"), &o, &why) ==
	           ECRYPTO_ERR_DECRYPT,
	   "the sender's own receive state cannot open it");
	json_object_put(req);
	free(text);
	json_object_put(plain);
	handshake_wipe(&h);
}

/* A fresh relationship: templator and requestor secrets. */
static void relationship(struct ecrypto_rel_secrets *templator, struct ecrypto_rel_secrets *requestor)
{
	struct ecrypto_exchange_keypair tkp;
	struct ecrypto_template_public_key tpub = {.id = "TRPRTKxxxxxxxxxxxxxx"};
	struct ecrypto_sig_keypair identity;
	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_rel_public_request prq;
	struct ecrypto_rel_public_response prs;
	ecrypto_exchange_keypair_generate(&tkp);
	ecrypto_sig_keypair_generate(&identity);
	tpub.key = tkp.pub;
	ecrypto_rel_request_secrets_create(&tpub, &identity.pub, NULL, &rs, NULL);
	ecrypto_rel_request_secrets_public(&rs, &prq);
	ecrypto_rel_secrets_from_request(&prq, &tkp, NULL, templator, NULL);
	ecrypto_rel_secrets_public_response(templator, &prs);
	ecrypto_rel_secrets_from_response(&prs, &rs, requestor, NULL);
	ecrypto_rel_request_secrets_wipe(&rs);
}

static void test_three_recipients(void)
{
	struct ecrypto_rel_secrets mine[3], theirs[3];
	const char *addr[3] = {"did:e:localhost:dids:000000000000000000000a",
	                       "did:e:localhost:dids:000000000000000000000b",
	                       "did:e:localhost:dids:000000000000000000000c"};
	struct msg_seal_recipient r[3];
	for (int i = 0; i < 3; i++) {
		relationship(&mine[i], &theirs[i]);
		mine[i].tx.cnt = (uint32_t)(5 * i);
		r[i] = (struct msg_seal_recipient){addr[i], &mine[i]};
	}
	json_object *content = json_tokener_parse("{\"value\":{\"z\":1,\"a\":[{\"y\":2,\"b\":3}]},"
	                                          "\"@type\":\"ArbitraryMessageContent\"}");
	json_object *att = json_tokener_parse("[{\"id\":\"FILabcdefghij0123456\",\"key\":{\"key\":"
	                                      "\"d3h5ent8fX5_gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZY\",\"alg\":3}}]");
	struct msg_seal_input in = {content, att, "2026-11-27T02:00:00.000Z", r, 3, NULL, NULL};
	json_object *req = NULL;
	char *text = NULL;
	struct ecrypto_why why = {{0}};
	ok(msg_seal(&in, &req, &text, &why) == ECRYPTO_OK, "three recipients seal");
	ok(strstr(text, "\"content\":{\"@type\":\"ArbitraryMessageContent\",\"value\":{\"a\":[{\"b\":3,\"y\":2}],\"z\":"
	                "1}}") != NULL,
	   "content keys sorted at every depth");
	is_int(mine[0].tx.cnt * 100 + mine[1].tx.cnt * 10 + mine[2].tx.cnt, 0 * 100 + 1 * 100 + 6 * 10 + 11,
	       "each transmit counter advanced by one");
	is_str(json_object_get_string(json_object_object_get(
	               json_object_array_get_idx(json_object_object_get(req, "attachments"), 0), "id")),
	       "FILabcdefghij0123456", "attachment ids go to the Backbone");
	json_object *rcpts = json_object_object_get(req, "recipients");
	const char *body = json_object_get_string(json_object_object_get(req, "body"));
	int opened = 0;
	for (int i = 0; i < 3; i++) {
		struct msg_opened o;
		const char *ek = json_object_get_string(
		        json_object_object_get(json_object_array_get_idx(rcpts, (size_t)i), "encryptedKey"));
		if (msg_open(&theirs[i], addr[i], ek, body, &o, &why) == ECRYPTO_OK) {
			json_object *a = json_object_object_get(o.wrapper, "attachments");
			opened += json_object_array_length(a) == 1 &&
			          json_object_array_length(json_object_object_get(o.wrapper, "recipients")) == 3;
			json_object_put(o.wrapper);
		}
	}
	is_int(opened, 3, "each recipient opens the message with its own relationship");

	struct msg_opened o;
	const char *ek0 =
	        json_object_get_string(json_object_object_get(json_object_array_get_idx(rcpts, 0), "encryptedKey"));
	ok(msg_open(&theirs[1], addr[1], ek0, body, &o, &why) == ECRYPTO_ERR_DECRYPT,
	   "another relationship cannot open recipient 0's key");
	char *bad = strdup(body);
	bad[40] = bad[40] == 'A' ? 'B' : 'A';
	ok(msg_open(&theirs[0], addr[0], ek0, bad, &o, &why) != ECRYPTO_OK, "a tampered body is refused: %s", why.text);
	free(bad);
	struct msg_seal_input none = in;
	none.nrecipients = 0;
	json_object *req2 = NULL;
	ok(msg_seal(&none, &req2, NULL, &why) == ECRYPTO_ERR_VALUE && req2 == NULL && strstr(why.text, "recipients"),
	   "no recipients refused: %s", why.text);
	json_object_put(req);
	free(text);
	json_object_put(content);
	json_object_put(att);
	for (int i = 0; i < 3; i++) {
		ecrypto_rel_secrets_wipe(&mine[i]);
		ecrypto_rel_secrets_wipe(&theirs[i]);
	}
}

int main(void)
{
	if (ecrypto_init() != ECRYPTO_OK)
		return 1;
	V = vectors_load();
	test_vector();
	test_three_recipients();
	json_object_put(V);
	return tap_done();
}
