/*
 * crypto/reference.h: references to tokens (TOK...), relationship templates (RLT...) and files
 * (FIL...): the key to an encrypted Backbone object, shared out of band.
 *   truncated = b64url(utf8("<id>[@<backboneBaseUrl>]|3|<b64url key>|<forIdentity last 4>|<pw part>"))
 *               (the legacy 3-field form "<id>|3|<key>" is accepted on input)
 *   pw part   = "<pw|pin4..pin16>&<b64std salt(16), padded>[&<location indicator 0..99>]"
 *   url       = "<backboneBaseUrl>/r/<id>[?app=<app>]#" + b64url(utf8("3|<key>|<forId>|<pw part>"))
 * Parsing accepts a truncated string, "nmshd://qr#<truncated>", "nmshd://tr#<truncated>" or a URL
 * starting with "http". Every field is validated; errors name the field ("reference.key: ...").
 * A struct ecrypto_reference holds a key and a malloc'd URL: release with ecrypto_reference_free().
 */
#ifndef CONNECTOR_CRYPTO_REFERENCE_H
#define CONNECTOR_CRYPTO_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/error.h"
#include "crypto/password.h"
#include "crypto/secretkey.h"

#define ECRYPTO_REF_ID_LEN      20
#define ECRYPTO_REF_URL_MAX     1024
#define ECRYPTO_REF_NO_LOCATION (-1)

enum ecrypto_ref_kind { ECRYPTO_REF_ANY = 0, ECRYPTO_REF_TOKEN, ECRYPTO_REF_TEMPLATE, ECRYPTO_REF_FILE };

/* SharedPasswordProtection. */
struct ecrypto_password_protection {
	char type[8]; /* "pw" or "pin4" .. "pin16" */
	uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES];
	int location_indicator; /* 0..99 or ECRYPTO_REF_NO_LOCATION */
};

struct ecrypto_reference {
	char id[ECRYPTO_REF_ID_LEN + 1];
	char *backbone_base_url; /* NULL when absent */
	struct ecrypto_secret_key key;
	char for_identity_truncated[5]; /* last 4 characters of the address, "" when absent */
	bool has_password;
	struct ecrypto_password_protection password;
};

/* Parses any accepted form; kind restricts the id prefix (ECRYPTO_REF_ANY: TOK, RLT or FIL). */
enum ecrypto_err ecrypto_reference_parse(const char *text, enum ecrypto_ref_kind kind, struct ecrypto_reference *out,
                                         struct ecrypto_why *why);
/* Validates ref (id, url, forIdentity, password) and returns the truncated form. */
enum ecrypto_err ecrypto_reference_truncate(const struct ecrypto_reference *ref, char **out, struct ecrypto_why *why);
/* The URL form; needs backbone_base_url. app (NULL for none) becomes ?app=<app>. */
enum ecrypto_err ecrypto_reference_to_url(const struct ecrypto_reference *ref, const char *app, char **out,
                                          struct ecrypto_why *why);
/* Sets ref->backbone_base_url to a copy of url (NULL clears). */
enum ecrypto_err ecrypto_reference_set_base_url(struct ecrypto_reference *ref, const char *url,
                                                struct ecrypto_why *why);
void ecrypto_reference_free(struct ecrypto_reference *ref);

/*
 * JSON form (ts-serval, e.g. a message attachment or token content; keys sorted):
 *   {"backboneBaseUrl"?,"forIdentityTruncated"?,"id","key":{"key","alg"},"passwordProtection"?}
 * "@type" may be absent or TokenReference / RelationshipTemplateReference / FileReference; it is not
 * written (the nested form). SharedPasswordProtection JSON has its salt in base64url:
 *   {"passwordLocationIndicator"?,"passwordType","salt"}
 */
enum ecrypto_err ecrypto_reference_from_json(const char *json, enum ecrypto_ref_kind kind,
                                             struct ecrypto_reference *out, struct ecrypto_why *why);
enum ecrypto_err ecrypto_reference_to_json(const struct ecrypto_reference *ref, char **out, struct ecrypto_why *why);
enum ecrypto_err ecrypto_password_protection_from_json(const char *json, struct ecrypto_password_protection *out,
                                                       struct ecrypto_why *why);
char *ecrypto_password_protection_to_json(const struct ecrypto_password_protection *pp);

/* "pw" | "pin4".."pin16", salt, indicator 0..99 or none. */
enum ecrypto_err ecrypto_password_protection_check(const struct ecrypto_password_protection *pp,
                                                   struct ecrypto_why *why);

struct json_object;
enum ecrypto_err ecrypto_password_protection_read(const struct json_object *obj, const char *path, void *out,
                                                  struct ecrypto_why *why);

#endif
