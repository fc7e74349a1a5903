/*
 * test_crypto_common.h: helpers shared by the crypto unit tests: loading
 * tests/data/crypto-vectors.json (from $CONNECTOR_SRCDIR, or the source tree when run by hand),
 * looking values up by a dotted path, and hex conversion.
 */
#ifndef CONNECTOR_TEST_CRYPTO_COMMON_H
#define CONNECTOR_TEST_CRYPTO_COMMON_H

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

__attribute__((unused)) static json_object *vectors_load(void)
{
	const char *src = getenv("CONNECTOR_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/crypto-vectors.json", src ? src : "..");
	json_object *v = json_object_from_file(path);
	if (!v) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	return v;
}

/* Looks up "a.b.2.c" (numbers index arrays). Bails out when absent, so a typo cannot pass. */
__attribute__((unused)) static json_object *vpath(json_object *root, const char *path)
{
	char buf[512], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	json_object *cur = root;
	for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;
		if (json_object_is_type(cur, json_type_array))
			next = json_object_array_get_idx(cur, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(cur, tok, &next))
			next = NULL;
		if (!next) {
			printf("Bail out! vector %s missing\n", path);
			exit(1);
		}
		cur = next;
	}
	return cur;
}

__attribute__((unused)) static const char *vstr(json_object *root, const char *path)
{
	return json_object_get_string(vpath(root, path));
}

/* Hex of a vector into out (max bytes); returns the byte count. */
__attribute__((unused)) static size_t vhex(json_object *root, const char *path, unsigned char *out, size_t max)
{
	const char *h = vstr(root, path);
	size_t n = 0;
	if (sodium_hex2bin(out, max, h, strlen(h), NULL, &n, NULL) != 0) {
		printf("Bail out! vector %s is not hex\n", path);
		exit(1);
	}
	return n;
}

__attribute__((unused)) static int eq_hex(const unsigned char *b, size_t n, const char *hex)
{
	char *h = malloc(2 * n + 1);
	sodium_bin2hex(h, 2 * n + 1, b, n);
	int r = strcmp(h, hex) == 0;
	free(h);
	return r;
}

/* The three handshake results of relationshipHandshake, built from the vector inputs. */
struct handshake {
	struct ecrypto_template_public_key template_pub;
	struct ecrypto_exchange_keypair template_kp;
	struct ecrypto_sig_public_key templator_identity;
	struct ecrypto_rel_request_secrets request;
	struct ecrypto_rel_public_request public_request;
	struct ecrypto_rel_secrets templator;
	struct ecrypto_rel_public_response public_response;
	struct ecrypto_rel_secrets requestor;
	enum ecrypto_err create_err, templator_err, requestor_err;
};

__attribute__((unused)) static void handshake_build(json_object *V, struct handshake *h)
{
	struct ecrypto_rel_fresh rq, tp;
	struct ecrypto_sig_keypair identity;
	unsigned char b[32];
	memset(h, 0, sizeof(*h));
	memset(&rq, 0, sizeof(rq));
	memset(&tp, 0, sizeof(tp));
	vhex(V, "relationshipHandshake.inputs.templateExchange_sk_hex", b, 32);
	ecrypto_exchange_keypair_from_private(b, &h->template_kp);
	h->template_pub.key = h->template_kp.pub;
	ecrypto_template_public_key_from_json(vstr(V, "relationshipHandshake.inputs.templateKey_json"),
	                                      &h->template_pub, NULL);
	vhex(V, "relationshipHandshake.inputs.templatorIdentity_seed_hex", b, 32);
	ecrypto_sig_keypair_from_seed(b, &identity);
	h->templator_identity = identity.pub;
	ecrypto_sig_keypair_wipe(&identity);

	vhex(V, "relationshipHandshake.inputs.requestor_exchange_sk_hex", b, 32);
	ecrypto_exchange_keypair_from_private(b, &rq.exchange);
	vhex(V, "relationshipHandshake.inputs.requestor_ephemeral_sk_hex", b, 32);
	ecrypto_exchange_keypair_from_private(b, &rq.ephemeral);
	vhex(V, "relationshipHandshake.inputs.requestor_relationshipSignature_seed_hex", b, 32);
	ecrypto_sig_keypair_from_seed(b, &rq.signature);
	vhex(V, "relationshipHandshake.inputs.requestNonce_hex", rq.nonce, 24);

	vhex(V, "relationshipHandshake.inputs.templator_exchange_sk_hex", b, 32);
	ecrypto_exchange_keypair_from_private(b, &tp.exchange);
	vhex(V, "relationshipHandshake.inputs.templator_relationshipSignature_seed_hex", b, 32);
	ecrypto_sig_keypair_from_seed(b, &tp.signature);
	vhex(V, "relationshipHandshake.inputs.templatorTransmitNonce_hex", tp.nonce, 24);

	h->create_err =
	        ecrypto_rel_request_secrets_create(&h->template_pub, &h->templator_identity, &rq, &h->request, NULL);
	ecrypto_rel_request_secrets_public(&h->request, &h->public_request);
	h->templator_err =
	        ecrypto_rel_secrets_from_request(&h->public_request, &h->template_kp, &tp, &h->templator, NULL);
	ecrypto_rel_secrets_public_response(&h->templator, &h->public_response);
	h->requestor_err = ecrypto_rel_secrets_from_response(&h->public_response, &h->request, &h->requestor, NULL);
	sodium_memzero(&rq, sizeof(rq));
	sodium_memzero(&tp, sizeof(tp));
}

__attribute__((unused)) static void handshake_wipe(struct handshake *h)
{
	sodium_memzero(h, sizeof(*h));
}

#endif
