/*
 * bb_crypto.c: the little cryptography the Backbone itself does: reading a CryptoSignaturePublicKey
 * and a CryptoSignature (base64 of their JSON), verifying the Ed25519 challenge signature, deriving
 * the did:e address (all through the project's crypto library, lib/crypto/), hashing device
 * passwords and access tokens (libsodium).
 */
#include "bb.h"

#include <sodium.h>
#include <stdio.h>

#include "crypto/address.h"
#include "crypto/signature.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool bb_parse_signature_public_key(const char *b64, unsigned char pub[32], char *why, size_t why_len)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_why w = {{0}};
	if (ecrypto_sig_public_key_from_base64(b64, &key, &w) != ECRYPTO_OK) {
		snprintf(why, why_len, "%s", w.text);
		return false;
	}
	memcpy(pub, key.pub, 32);
	return true;
}

bool bb_verify(const unsigned char pub[32], const char *signature_b64, const char *msg, size_t len)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_signature sig;
	memcpy(key.pub, pub, 32);
	return ecrypto_signature_from_base64(signature_b64, &sig, NULL) == ECRYPTO_OK &&
	       ecrypto_verify(&key, msg, len, &sig, NULL) == ECRYPTO_OK;
}

bool bb_derive_address(const unsigned char pub[32], const char *domain, char out[BB_ADDR_MAX])
{
	char address[ECRYPTO_ADDRESS_MAX + 1];
	if (ecrypto_address_derive(pub, 32, domain, address, NULL) != ECRYPTO_OK)
		return false;
	snprintf(out, BB_ADDR_MAX, "%s", address);
	return true;
}

bool bb_address_valid(const char *address)
{
	return address && ecrypto_address_validate(address, NULL) == ECRYPTO_OK;
}

bool bb_domain_valid(const char *domain)
{
	return ecrypto_address_check_host(domain, NULL) == ECRYPTO_OK;
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
