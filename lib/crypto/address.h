/*
 * crypto/address.h: enmeshed identity addresses, did:e:<host>:dids:<part><checksum>.
 *   part     = hex(SHA256(SHA512(public key))[0..10])          (20 lower-case hex characters)
 *   checksum = hex(SHA256(ascii("did:e:<host>:dids:<part>"))[0]) (2 lower-case hex characters)
 * The host (the Backbone's DidDomainName, or the hostname of its base URL) must match the
 * Backbone's rule (?:[a-z0-9-]+\.)*[a-z]{2,} and the whole address is at most 80 characters.
 */
#ifndef CONNECTOR_CRYPTO_ADDRESS_H
#define CONNECTOR_CRYPTO_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"
#include "crypto/signature.h"

#define ECRYPTO_ADDRESS_MAX 80 /* characters, without the NUL */

/* Derives the address of an identity public key (raw 32 bytes). out holds ECRYPTO_ADDRESS_MAX + 1. */
enum ecrypto_err ecrypto_address_derive(const uint8_t *public_key, size_t key_len, const char *host,
                                        char out[ECRYPTO_ADDRESS_MAX + 1], struct ecrypto_why *why);
enum ecrypto_err ecrypto_address_from_public_key(const struct ecrypto_sig_public_key *key, const char *host,
                                                 char out[ECRYPTO_ADDRESS_MAX + 1], struct ecrypto_why *why);
/* Checks shape, host rule, length and checksum of an address string. */
enum ecrypto_err ecrypto_address_validate(const char *address, struct ecrypto_why *why);
/* ECRYPTO_OK when host satisfies the Backbone's DidDomainName rule. */
enum ecrypto_err ecrypto_address_check_host(const char *host, struct ecrypto_why *why);

/* The pseudonym of deleted identities: the address of the bytes of "deleted identity", encoded as
 * UTF-8 (what the TypeScript runtime uses) or UTF-16LE (what the Backbone's GetAnonymized uses). */
enum ecrypto_err ecrypto_address_deleted_identity(const char *host, bool utf16le, char out[ECRYPTO_ADDRESS_MAX + 1],
                                                  struct ecrypto_why *why);

#endif
