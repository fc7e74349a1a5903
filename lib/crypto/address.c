/*
 * crypto/address.c: did:e address derivation and validation (see crypto/address.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/address.h"

#define PART_HEX 20

static bool is_lower_alnum_dash(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

enum ecrypto_err ecrypto_address_check_host(const char *host, struct ecrypto_why *why)
{
	if (!host || !*host)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address host: empty");
	size_t n = strlen(host);
	const char *last = strrchr(host, '.');
	last = last ? last + 1 : host;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];
		if (c == '.' && (i == 0 || host[i - 1] == '.'))
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address host: empty label at offset %zu", i);
		if (c != '.' && !is_lower_alnum_dash(c))
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
			                    "address host: character at offset %zu is not [a-z0-9.-] (lower case only)",
			                    i);
	}
	size_t last_len = strlen(last);
	if (last_len < 2)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address host: last label must have 2+ letters");
	for (size_t i = 0; i < last_len; i++)
		if (last[i] < 'a' || last[i] > 'z')
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
			                    "address host: last label must be letters only (no IP addresses)");
	return ECRYPTO_OK;
}

/* out = "did:e:<host>:dids:" + hex(part10) + checksum; host already checked. */
static enum ecrypto_err compose(const uint8_t part[10], const char *host, char out[ECRYPTO_ADDRESS_MAX + 1],
                                struct ecrypto_why *why)
{
	char head[ECRYPTO_ADDRESS_MAX + 1], hex[PART_HEX + 1], cs_hex[3];
	uint8_t cs[crypto_hash_sha256_BYTES];
	sodium_bin2hex(hex, sizeof(hex), part, 10);
	int n = snprintf(head, sizeof(head), "did:e:%s:dids:%s", host, hex);
	if (n < 0 || (size_t)n + 2 > ECRYPTO_ADDRESS_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address host: too long (address over %d characters)",
		                    ECRYPTO_ADDRESS_MAX);
	crypto_hash_sha256(cs, (const uint8_t *)head, (size_t)n);
	sodium_bin2hex(cs_hex, sizeof(cs_hex), cs, 1);
	memcpy(out, head, (size_t)n);
	memcpy(out + n, cs_hex, 3);
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_address_derive(const uint8_t *public_key, size_t key_len, const char *host,
                                        char out[ECRYPTO_ADDRESS_MAX + 1], struct ecrypto_why *why)
{
	uint8_t h512[crypto_hash_sha512_BYTES], h256[crypto_hash_sha256_BYTES];
	enum ecrypto_err err = ecrypto_address_check_host(host, why);
	if (err)
		return err;
	crypto_hash_sha512(h512, public_key, key_len);
	crypto_hash_sha256(h256, h512, sizeof(h512));
	return compose(h256, host, out, why);
}

enum ecrypto_err ecrypto_address_from_public_key(const struct ecrypto_sig_public_key *key, const char *host,
                                                 char out[ECRYPTO_ADDRESS_MAX + 1], struct ecrypto_why *why)
{
	return ecrypto_address_derive(key->pub, sizeof(key->pub), host, out, why);
}

enum ecrypto_err ecrypto_address_validate(const char *address, struct ecrypto_why *why)
{
	static const char prefix[] = "did:e:", marker[] = ":dids:";
	if (!address)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: missing");
	size_t n = strlen(address);
	if (n > ECRYPTO_ADDRESS_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: %zu characters, at most %d", n,
		                    ECRYPTO_ADDRESS_MAX);
	if (strncmp(address, prefix, sizeof(prefix) - 1) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: must start with \"did:e:\"");
	const char *m = strstr(address + sizeof(prefix) - 1, marker);
	if (!m || strlen(m + sizeof(marker) - 1) != PART_HEX + 2)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: expected did:e:<host>:dids:<22 hex>");
	const char *hex = m + sizeof(marker) - 1;
	for (size_t i = 0; i < PART_HEX + 2; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: identifier must be lower-case hex");
	char host[ECRYPTO_ADDRESS_MAX + 1], again[ECRYPTO_ADDRESS_MAX + 1];
	size_t host_len = (size_t)(m - address) - (sizeof(prefix) - 1);
	memcpy(host, address + sizeof(prefix) - 1, host_len);
	host[host_len] = 0;
	enum ecrypto_err err = ecrypto_address_check_host(host, why);
	if (err)
		return err;
	uint8_t part[10];
	sodium_hex2bin(part, sizeof(part), hex, PART_HEX, NULL, NULL, NULL);
	err = compose(part, host, again, why);
	if (err)
		return err;
	if (strcmp(again, address) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "address: checksum mismatch");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_address_deleted_identity(const char *host, bool utf16le, char out[ECRYPTO_ADDRESS_MAX + 1],
                                                  struct ecrypto_why *why)
{
	static const char text[] = "deleted identity";
	uint8_t wide[2 * (sizeof(text) - 1)];
	if (!utf16le)
		return ecrypto_address_derive((const uint8_t *)text, sizeof(text) - 1, host, out, why);
	for (size_t i = 0; i < sizeof(text) - 1; i++) {
		wide[2 * i] = (uint8_t)text[i];
		wide[2 * i + 1] = 0;
	}
	return ecrypto_address_derive(wide, sizeof(wide), host, out, why);
}
