/*
 * bench_crypto.c: operations per second of what the Connector does per message, against raw
 * libsodium AEAD on the same payload sizes.
 *   send    = sign the payload (relationship Ed25519 key) + fresh message key + encrypt the payload
 *             + encrypt the message key with the relationship transmit state + both toBase64 forms
 *   receive = parse both toBase64 forms + decrypt the message key (receive state) + parse it +
 *             decrypt the payload + verify the signature
 *   raw     = crypto_aead_xchacha20poly1305_ietf_encrypt / _decrypt alone; raw+sig adds Ed25519.
 * Usage: bench_crypto [seconds per measurement, default 0.5]. Prints one line per measurement:
 *   <size> <name> <ops/s>
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ctx {
	size_t size;
	uint8_t *payload, *buf;
	struct ecrypto_secret_key key;
	uint8_t nonce[ECRYPTO_NONCE_BYTES];
	struct ecrypto_sig_keypair sig;
	struct ecrypto_rel_secrets templator, requestor;
	char *body_b64, *key_b64;               /* one sent message, for the receive side */
	struct ecrypto_signature signature;     /* raw: by sig over payload */
	struct ecrypto_signature lib_signature; /* library: by the relationship key */
};

static void raw_encrypt(struct ctx *c)
{
	unsigned long long n;
	crypto_aead_xchacha20poly1305_ietf_encrypt(c->buf, &n, c->payload, c->size, NULL, 0, NULL, c->nonce,
	                                           c->key.key);
}

static void raw_decrypt(struct ctx *c)
{
	unsigned long long n;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(c->payload, &n, NULL, c->buf, c->size + 16, NULL, 0, c->nonce,
	                                               c->key.key) != 0)
		abort();
}

static void raw_encrypt_sign(struct ctx *c)
{
	uint8_t sig[64];
	crypto_sign_detached(sig, NULL, c->payload, c->size, c->sig.prv.prv);
	raw_encrypt(c);
}

static void raw_decrypt_verify(struct ctx *c)
{
	raw_decrypt(c);
	if (crypto_sign_verify_detached(c->signature.sig, c->payload, c->size, c->sig.pub.pub) != 0)
		abort();
}

/* One message as the library produces it; returns the two wire strings through c. */
static void lib_send(struct ctx *c)
{
	struct ecrypto_signature sig;
	struct ecrypto_secret_key mk;
	struct ecrypto_cipher body, ek;
	ecrypto_rel_secrets_sign(&c->templator, c->payload, c->size, ECRYPTO_HASH_SHA256, &sig, NULL);
	ecrypto_secret_key_generate(&mk);
	char *secret = ecrypto_secret_key_to_json(&mk, false);
	c->templator.tx.cnt = 0;
	if (ecrypto_encrypt(&mk, c->payload, c->size, NULL, &body, NULL) ||
	    ecrypto_rel_secrets_encrypt(&c->templator, secret, strlen(secret), &ek, NULL))
		abort();
	ecrypto_free_text(c->body_b64);
	ecrypto_free_text(c->key_b64);
	c->body_b64 = ecrypto_cipher_to_base64(&body);
	c->key_b64 = ecrypto_cipher_to_base64(&ek);
	c->lib_signature = sig;
	ecrypto_free_text(secret);
	ecrypto_cipher_free(&body);
	ecrypto_cipher_free(&ek);
	ecrypto_secret_key_wipe(&mk);
}

static void lib_receive(struct ctx *c)
{
	struct ecrypto_cipher body, ek;
	struct ecrypto_secret_key mk;
	uint8_t *secret, *pt;
	size_t sl, pl;
	if (ecrypto_cipher_from_base64(c->key_b64, &ek, NULL) ||
	    ecrypto_rel_secrets_decrypt(&c->requestor, &ek, &secret, &sl, NULL) ||
	    ecrypto_secret_key_from_json((char *)secret, &mk, NULL) ||
	    ecrypto_cipher_from_base64(c->body_b64, &body, NULL) || ecrypto_decrypt(&mk, &body, &pt, &pl, NULL) ||
	    ecrypto_rel_secrets_verify_peer(&c->requestor, pt, pl, &c->lib_signature, NULL))
		abort();
	ecrypto_free_bytes(secret, sl);
	free(pt);
	ecrypto_cipher_free(&ek);
	ecrypto_cipher_free(&body);
	ecrypto_secret_key_wipe(&mk);
}

static void measure(struct ctx *c, const char *name, void (*op)(struct ctx *), double seconds)
{
	long n = 0;
	op(c); /* warm up */
	double start = now(), end;
	do {
		op(c);
		n++;
		end = now();
	} while (end - start < seconds);
	printf("%zu %s %.1f\n", c->size, name, (double)n / (end - start));
	fflush(stdout);
}

static void setup(struct ctx *c, size_t size)
{
	struct ecrypto_exchange_keypair tkp;
	struct ecrypto_template_public_key tpub = {.id = "TRPRTKbenchbenchbenc"};
	struct ecrypto_rel_request_secrets rs;
	struct ecrypto_rel_public_request prq;
	struct ecrypto_rel_public_response prs;
	memset(c, 0, sizeof(*c));
	c->size = size;
	c->payload = malloc(size);
	c->buf = malloc(size + 16);
	randombytes_buf(c->payload, size);
	ecrypto_secret_key_generate(&c->key);
	randombytes_buf(c->nonce, sizeof(c->nonce));
	ecrypto_sig_keypair_generate(&c->sig);
	ecrypto_exchange_keypair_generate(&tkp);
	tpub.key = tkp.pub;
	if (ecrypto_rel_request_secrets_create(&tpub, &c->sig.pub, NULL, &rs, NULL))
		abort();
	ecrypto_rel_request_secrets_public(&rs, &prq);
	ecrypto_rel_secrets_from_request(&prq, &tkp, NULL, &c->templator, NULL);
	ecrypto_rel_secrets_public_response(&c->templator, &prs);
	ecrypto_rel_secrets_from_response(&prs, &rs, &c->requestor, NULL);
	ecrypto_rel_request_secrets_wipe(&rs);
	crypto_sign_detached(c->signature.sig, NULL, c->payload, size, c->sig.prv.prv);
	raw_encrypt(c);
}

static void teardown(struct ctx *c)
{
	free(c->payload);
	free(c->buf);
	ecrypto_free_text(c->body_b64);
	ecrypto_free_text(c->key_b64);
	sodium_memzero(c, sizeof(*c));
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	static const size_t sizes[] = {1024, 1024 * 1024};
	if (ecrypto_init() || seconds <= 0)
		return 2;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ctx c;
		setup(&c, sizes[i]);
		measure(&c, "raw_aead_encrypt", raw_encrypt, seconds);
		measure(&c, "raw_aead_encrypt+sign", raw_encrypt_sign, seconds);
		measure(&c, "lib_send", lib_send, seconds);
		measure(&c, "raw_aead_decrypt", raw_decrypt, seconds);
		measure(&c, "raw_aead_decrypt+verify", raw_decrypt_verify, seconds);
		lib_send(&c);
		measure(&c, "lib_receive", lib_receive, seconds);
		teardown(&c);
	}
	return 0;
}
