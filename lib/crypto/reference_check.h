/*
 * crypto/reference_check.h: field validators shared by reference.c (text forms) and
 * reference_json.c (JSON form); internal to lib/crypto/.
 */
#ifndef CONNECTOR_CRYPTO_REFERENCE_CHECK_H
#define CONNECTOR_CRYPTO_REFERENCE_CHECK_H

#include <stddef.h>

#include "crypto/reference.h"

enum ecrypto_err ecrypto_ref_check_id(const char *id, size_t len, enum ecrypto_ref_kind kind, struct ecrypto_why *why);
enum ecrypto_err ecrypto_ref_check_url(const char *url, size_t len, struct ecrypto_why *why);
enum ecrypto_err ecrypto_ref_check_for_identity(const char *s, size_t len, struct ecrypto_why *why);

#endif
