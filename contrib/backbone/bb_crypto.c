/*
 * bb_crypto.c: the little cryptography the Backbone itself does: reading a CryptoSignaturePublicKey
 * and a CryptoSignature (base64 of their JSON), verifying the Ed25519 challenge signature, deriving
 * the did:e address, hashing device passwords and access tokens. Uses libsodium only.
 */
#include "bb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes base64 of a JSON object and returns its field `key` decoded from base64url (exact size). */
static bool crypto_json_field(const char *b64, const char *key, unsigned char *out, size_t want)
{
	unsigned char *raw;
	size_t len;
	if (!b64 || !bb_b64_decode(b64, &raw, &len))
		return false;
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, (const char *)raw, (int)len);
	json_tokener_free(tok);
	free(raw);
	bool ok = false;
	json_object *v = bb_field(obj, key), *alg = bb_field(obj, "alg");
	if (v && json_object_is_type(v, json_type_string) && alg && json_object_is_type(alg, json_type_int)) {
		unsigned char *bytes;
		size_t n;
		if (bb_b64_decode(json_object_get_string(v), &bytes, &n)) {
			ok = n == want;
			if (ok)
				memcpy(out, bytes, n);
			free(bytes);
		}
	}
	json_object_put(obj);
	return ok;
}

bool bb_parse_signature_public_key(const char *b64, unsigned char pub[32])
{
	return crypto_json_field(b64, "pub", pub, 32);
}

bool bb_parse_signature(const char *b64, unsigned char sig[64])
{
	return crypto_json_field(b64, "sig", sig, 64);
}

bool bb_verify(const unsigned char pub[32], const unsigned char sig[64], const char *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, (const unsigned char *)msg, len, pub) == 0;
}

void bb_derive_address(const unsigned char pub[32], const char *domain, char out[BB_ADDR_MAX])
{
	unsigned char h512[crypto_hash_sha512_BYTES], h256[crypto_hash_sha256_BYTES];
	char hex[21];
	crypto_hash_sha512(h512, pub, 32);
	crypto_hash_sha256(h256, h512, sizeof h512);
	sodium_bin2hex(hex, sizeof hex, h256, 10);
	char main_part[BB_ADDR_MAX];
	snprintf(main_part, sizeof main_part, "did:e:%s:dids:%s", domain, hex);
	crypto_hash_sha256(h256, (const unsigned char *)main_part, strlen(main_part));
	snprintf(out, BB_ADDR_MAX, "%s%02x", main_part, h256[0]);
}

bool bb_password_hash(const char *password, char out[128])
{
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_MIN,
	                         crypto_pwhash_MEMLIMIT_MIN) == 0;
}

bool bb_password_check(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void bb_sha256_hex(const char *text, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, 65, h, sizeof h);
}
