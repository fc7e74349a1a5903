/*
 * crypto/reference.c: truncated and URL references (see crypto/reference.h). Invariant: every
 * buffer that held the decoded reference text (which contains the key) is wiped before release.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "crypto/reference.h"
#include "crypto/reference_check.h"

#define PLAIN_MAX  (ECRYPTO_REF_URL_MAX + 256) /* decoded reference text */
#define MAX_FIELDS 5

static const char *const PREFIXES[] = {"TOK", "RLT", "FIL"};

/* ---- field validation ---- */

static bool is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

enum ecrypto_err ecrypto_ref_check_id(const char *id, size_t len, enum ecrypto_ref_kind kind, struct ecrypto_why *why)
{
	if (len != ECRYPTO_REF_ID_LEN)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.id: expected %d characters, got %zu",
		                    ECRYPTO_REF_ID_LEN, len);
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(id[i]))
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
			                    "reference.id: character %zu is not a letter or digit", i);
	for (int k = ECRYPTO_REF_TOKEN; k <= ECRYPTO_REF_FILE; k++)
		if ((kind == ECRYPTO_REF_ANY || kind == (enum ecrypto_ref_kind)k) &&
		    strncmp(id, PREFIXES[k - 1], 3) == 0)
			return ECRYPTO_OK;
	if (kind == ECRYPTO_REF_ANY)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.id: must start with TOK, RLT or FIL");
	return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.id: must start with %s", PREFIXES[kind - 1]);
}

enum ecrypto_err ecrypto_ref_check_url(const char *url, size_t len, struct ecrypto_why *why)
{
	size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (scheme == 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.backboneBaseUrl: must start with http:// or https://");
	if (len > ECRYPTO_REF_URL_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.backboneBaseUrl: longer than %d",
		                    ECRYPTO_REF_URL_MAX);
	if (len == scheme || url[scheme] == '/')
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.backboneBaseUrl: no host");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c == 0x7f || c == '|' || c == '#' || c == '?' || c == '"' || c == '\\')
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
			                    "reference.backboneBaseUrl: invalid character at offset %zu", i);
	}
	if (url[len - 1] == '/')
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.backboneBaseUrl: must not end with '/'");
	return ECRYPTO_OK;
}

enum ecrypto_err ecrypto_ref_check_for_identity(const char *s, size_t len, struct ecrypto_why *why)
{
	if (len == 0)
		return ECRYPTO_OK;
	if (len != 4)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.forIdentityTruncated: expected 4 characters, got %zu", len);
	for (size_t i = 0; i < 4; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
			                    "reference.forIdentityTruncated: expected lower-case hex");
	return ECRYPTO_OK;
}

static bool valid_password_type(const char *t)
{
	if (strcmp(t, "pw") == 0)
		return true;
	if (strncmp(t, "pin", 3) != 0)
		return false;
	const char *d = t + 3;
	if (!(d[0] >= '1' && d[0] <= '9') || (d[1] && !(d[1] >= '0' && d[1] <= '9')) || (d[1] && d[2]))
		return false;
	int n = atoi(d);
	return n >= 4 && n <= 16;
}

enum ecrypto_err ecrypto_password_protection_check(const struct ecrypto_password_protection *pp,
                                                   struct ecrypto_why *why)
{
	if (!memchr(pp->type, 0, sizeof(pp->type)) || !valid_password_type(pp->type))
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.passwordProtection.passwordType: expected pw or pin4..pin16");
	if (pp->location_indicator != ECRYPTO_REF_NO_LOCATION &&
	    (pp->location_indicator < 0 || pp->location_indicator > 99))
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.passwordProtection.passwordLocationIndicator: expected 0..99");
	return ECRYPTO_OK;
}

/* ---- parsing ---- */

/* Splits s (NUL-terminated, modified) at sep into at most max fields; returns the count or -1. */
static int split(char *s, char sep, char **fields, int max)
{
	int n = 0;
	fields[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p != sep)
			continue;
		if (n == max)
			return -1;
		*p = 0;
		fields[n++] = p + 1;
	}
	return n;
}

static enum ecrypto_err parse_location(const char *s, int *out, struct ecrypto_why *why)
{
	size_t len = strlen(s);
	if (len == 0 || len > 2 || !(s[0] >= '0' && s[0] <= '9') || (len == 2 && !(s[1] >= '0' && s[1] <= '9')))
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.passwordProtection.passwordLocationIndicator: expected 0..99");
	*out = atoi(s);
	return ECRYPTO_OK;
}

static enum ecrypto_err parse_password(char *s, struct ecrypto_reference *ref, struct ecrypto_why *why)
{
	char *parts[3], msg[160];
	size_t n;
	int count = split(s, '&', parts, 3);
	if (count != 2 && count != 3)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference.passwordProtection: expected 2 or 3 '&' parts");
	struct ecrypto_password_protection *pp = &ref->password;
	if (strlen(parts[0]) >= sizeof(pp->type) || !valid_password_type(parts[0]))
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                    "reference.passwordProtection.passwordType: expected pw or pin4..pin16");
	strcpy(pp->type, parts[0]);
	uint8_t salt[ECRYPTO_PASSWORD_SALT_BYTES + 3];
	size_t slen = strlen(parts[1]);
	if (slen != 24) /* 16 bytes are 24 padded base64 characters */
		return ecrypto_fail(
		        why, ECRYPTO_ERR_LENGTH,
		        "reference.passwordProtection.salt: expected 16 bytes (24 base64 characters), got %zu "
		        "characters",
		        slen);
	if (!b64_decode(B64_STD, parts[1], slen, salt, sizeof(salt), &n, msg, sizeof(msg)))
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "reference.passwordProtection.salt: %s", msg);
	if (n != ECRYPTO_PASSWORD_SALT_BYTES)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH,
		                    "reference.passwordProtection.salt: expected 16 bytes, got %zu", n);
	memcpy(pp->salt, salt, sizeof(pp->salt));
	pp->location_indicator = ECRYPTO_REF_NO_LOCATION;
	ref->has_password = true;
	return count == 3 ? parse_location(parts[2], &pp->location_indicator, why) : ECRYPTO_OK;
}

/* Fields after the id: alg, key, [forIdentity, password]; count is 2 or 4. */
static enum ecrypto_err parse_key_fields(char **f, int count, struct ecrypto_reference *ref, struct ecrypto_why *why)
{
	char msg[160];
	size_t n;
	if (strcmp(f[0], "3") != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "reference.key.alg: unsupported algorithm (only 3)");
	uint8_t key[ECRYPTO_SECRET_KEY_BYTES + 3];
	size_t klen = strlen(f[1]);
	if (klen > 44)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "reference.key: expected 32 bytes, got more");
	if (!b64_decode(B64_URL, f[1], klen, key, sizeof(key), &n, msg, sizeof(msg)))
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "reference.key: %s", msg);
	if (n != ECRYPTO_SECRET_KEY_BYTES) {
		sodium_memzero(key, sizeof(key));
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "reference.key: expected 32 bytes, got %zu", n);
	}
	memcpy(ref->key.key, key, ECRYPTO_SECRET_KEY_BYTES);
	sodium_memzero(key, sizeof(key));
	if (count == 2)
		return ECRYPTO_OK;
	enum ecrypto_err err = ecrypto_ref_check_for_identity(f[2], strlen(f[2]), why);
	if (err)
		return err;
	strcpy(ref->for_identity_truncated, f[2]);
	return f[3][0] ? parse_password(f[3], ref, why) : ECRYPTO_OK;
}

static enum ecrypto_err set_url(struct ecrypto_reference *ref, const char *url, size_t len, struct ecrypto_why *why)
{
	enum ecrypto_err err = ecrypto_ref_check_url(url, len, why);
	if (err)
		return err;
	ref->backbone_base_url = strndup(url, len);
	return ref->backbone_base_url ? ECRYPTO_OK : ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "reference: out of memory");
}

/* Decodes the b64url text into plain (NUL-terminated). */
static enum ecrypto_err decode_plain(const char *b64, size_t len, char plain[PLAIN_MAX], struct ecrypto_why *why)
{
	char msg[160];
	size_t n;
	if (len == 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference: empty");
	if (b64_decoded_max(len) >= PLAIN_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "reference: longer than %d characters", PLAIN_MAX);
	if (!b64_decode(B64_URL, b64, len, (uint8_t *)plain, PLAIN_MAX - 1, &n, msg, sizeof(msg)))
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "reference: %s", msg);
	plain[n] = 0;
	if (strlen(plain) != n)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference: NUL byte inside");
	return ECRYPTO_OK;
}

static enum ecrypto_err parse_truncated(const char *b64, enum ecrypto_ref_kind kind, struct ecrypto_reference *ref,
                                        struct ecrypto_why *why)
{
	char plain[PLAIN_MAX], *f[MAX_FIELDS];
	enum ecrypto_err err = decode_plain(b64, strlen(b64), plain, why);
	int count = err ? 0 : split(plain, '|', f, MAX_FIELDS);
	if (!err && count != 3 && count != 5)
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference: expected 3 or 5 '|' separated fields");
	if (!err) {
		char *at = strchr(f[0], '@');
		size_t id_len = at ? (size_t)(at - f[0]) : strlen(f[0]);
		err = ecrypto_ref_check_id(f[0], id_len, kind, why);
		if (!err)
			memcpy(ref->id, f[0], ECRYPTO_REF_ID_LEN);
		if (!err && at)
			err = set_url(ref, at + 1, strlen(at + 1), why);
	}
	if (!err)
		err = parse_key_fields(f + 1, count - 1, ref, why);
	sodium_memzero(plain, sizeof(plain));
	return err;
}

static enum ecrypto_err parse_url(const char *url, enum ecrypto_ref_kind kind, struct ecrypto_reference *ref,
                                  struct ecrypto_why *why)
{
	const char *hash = strchr(url, '#');
	if (!hash)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference url: no '#' fragment with the key");
	const char *query = memchr(url, '?', (size_t)(hash - url));
	const char *end = query ? query : hash;
	const char *slash = end;
	while (slash > url && slash[-1] != '/')
		slash--;
	size_t id_len = (size_t)(end - slash);
	if (slash - url < 3 || strncmp(slash - 3, "/r/", 3) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference url: path must end in /r/<id>");
	enum ecrypto_err err = ecrypto_ref_check_id(slash, id_len, kind, why);
	if (err)
		return err;
	memcpy(ref->id, slash, ECRYPTO_REF_ID_LEN);
	err = set_url(ref, url, (size_t)(slash - 3 - url), why);
	char plain[PLAIN_MAX], *f[4];
	if (!err)
		err = decode_plain(hash + 1, strlen(hash + 1), plain, why);
	int count = err ? 0 : split(plain, '|', f, 4);
	if (!err && count != 2 && count != 4)
		err = ecrypto_fail(why, ECRYPTO_ERR_VALUE,
		                   "reference url fragment: expected 2 or 4 '|' separated fields");
	if (!err)
		err = parse_key_fields(f, count, ref, why);
	sodium_memzero(plain, sizeof(plain));
	return err;
}

enum ecrypto_err ecrypto_reference_parse(const char *text, enum ecrypto_ref_kind kind, struct ecrypto_reference *out,
                                         struct ecrypto_why *why)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference: missing");
	enum ecrypto_err err;
	if (strncmp(text, "http", 4) == 0)
		err = parse_url(text, kind, out, why);
	else if (strncmp(text, "nmshd://qr#", 11) == 0 || strncmp(text, "nmshd://tr#", 11) == 0)
		err = parse_truncated(text + 11, kind, out, why);
	else
		err = parse_truncated(text, kind, out, why);
	if (err)
		ecrypto_reference_free(out);
	return err;
}

/* ---- writing ---- */

/* "3|<key>|<forId>|<pw part>" appended to buf at *len. */
static void append_key_fields(const struct ecrypto_reference *ref, char *buf, size_t cap, size_t *len)
{
	char key[48], salt[32], loc[8] = "";
	b64_encode(B64_URL, ref->key.key, sizeof(ref->key.key), key);
	int n = snprintf(buf + *len, cap - *len, "%d|%s|%s|", ECRYPTO_ALG_XCHACHA20, key, ref->for_identity_truncated);
	*len += (size_t)n;
	sodium_memzero(key, sizeof(key));
	if (!ref->has_password)
		return;
	b64_encode(B64_STD, ref->password.salt, sizeof(ref->password.salt), salt);
	if (ref->password.location_indicator != ECRYPTO_REF_NO_LOCATION)
		snprintf(loc, sizeof(loc), "&%d", ref->password.location_indicator);
	n = snprintf(buf + *len, cap - *len, "%s&%s%s", ref->password.type, salt, loc);
	*len += (size_t)n;
}

static enum ecrypto_err check_ref(const struct ecrypto_reference *ref, struct ecrypto_why *why)
{
	enum ecrypto_err err = ecrypto_ref_check_id(ref->id, strnlen(ref->id, sizeof(ref->id)), ECRYPTO_REF_ANY, why);
	if (!err && ref->backbone_base_url)
		err = ecrypto_ref_check_url(ref->backbone_base_url, strlen(ref->backbone_base_url), why);
	if (!err)
		err = ecrypto_ref_check_for_identity(
		        ref->for_identity_truncated,
		        strnlen(ref->for_identity_truncated, sizeof(ref->for_identity_truncated)), why);
	if (!err && ref->has_password)
		err = ecrypto_password_protection_check(&ref->password, why);
	return err;
}

static enum ecrypto_err encode_plain(char *plain, size_t len, char **out, struct ecrypto_why *why)
{
	*out = b64_encode_alloc(B64_URL, (const uint8_t *)plain, len);
	sodium_memzero(plain, PLAIN_MAX);
	return *out ? ECRYPTO_OK : ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "reference: out of memory");
}

enum ecrypto_err ecrypto_reference_truncate(const struct ecrypto_reference *ref, char **out, struct ecrypto_why *why)
{
	char plain[PLAIN_MAX];
	size_t len;
	*out = NULL;
	enum ecrypto_err err = check_ref(ref, why);
	if (err)
		return err;
	if (ref->backbone_base_url)
		len = (size_t)snprintf(plain, sizeof(plain), "%s@%s|", ref->id, ref->backbone_base_url);
	else
		len = (size_t)snprintf(plain, sizeof(plain), "%s|", ref->id);
	append_key_fields(ref, plain, sizeof(plain), &len);
	return encode_plain(plain, len, out, why);
}

static bool valid_app(const char *app)
{
	for (; *app; app++)
		if (!(is_alnum(*app) || *app == '.' || *app == '-' || *app == '_'))
			return false;
	return true;
}

enum ecrypto_err ecrypto_reference_to_url(const struct ecrypto_reference *ref, const char *app, char **out,
                                          struct ecrypto_why *why)
{
	char plain[PLAIN_MAX], *frag;
	size_t len = 0;
	*out = NULL;
	enum ecrypto_err err = check_ref(ref, why);
	if (err)
		return err;
	if (!ref->backbone_base_url)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "reference.backboneBaseUrl: required for a URL");
	if (app && (!*app || strlen(app) > 100 || !valid_app(app)))
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "reference url app: expected 1..100 of [A-Za-z0-9._-]");
	append_key_fields(ref, plain, sizeof(plain), &len);
	err = encode_plain(plain, len, &frag, why);
	if (err)
		return err;
	size_t cap = strlen(ref->backbone_base_url) + strlen(frag) + (app ? strlen(app) : 0) + 40;
	char *url = malloc(cap);
	if (url)
		snprintf(url, cap, "%s/r/%s%s%s#%s", ref->backbone_base_url, ref->id, app ? "?app=" : "",
		         app ? app : "", frag);
	ecrypto_free_text(frag);
	*out = url;
	return url ? ECRYPTO_OK : ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "reference: out of memory");
}

enum ecrypto_err ecrypto_reference_set_base_url(struct ecrypto_reference *ref, const char *url, struct ecrypto_why *why)
{
	free(ref->backbone_base_url);
	ref->backbone_base_url = NULL;
	return url ? set_url(ref, url, strlen(url), why) : ECRYPTO_OK;
}

void ecrypto_reference_free(struct ecrypto_reference *ref)
{
	free(ref->backbone_base_url);
	sodium_memzero(ref, sizeof(*ref));
}
