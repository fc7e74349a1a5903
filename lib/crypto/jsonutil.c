/*
 * crypto/jsonutil.c: strict JSON reading (json-c) and a wipeable JSON writer for the crypto
 * objects. Invariants: readers never keep pointers into the parsed tree after returning; every
 * string of a parsed tree and the tokener's buffer are wiped before being freed, because they may
 * hold key material; writer buffers are wiped whenever they are resized or released.
 */
#include <json-c/printbuf.h>
#include <sodium.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "crypto/jsonutil.h"

#define EJ_MAX_TEXT (150u * 1024u * 1024u) /* a 100 MiB cipher in base64url plus JSON */

/* Wipes every string value and key of a parsed tree before it is freed. */
static void scrub_tree(json_object *v)
{
	if (json_object_is_type(v, json_type_string)) {
		sodium_memzero((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, child)
		{
			(void)key;
			scrub_tree(child);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++)
			scrub_tree(json_object_array_get_idx(v, i));
	}
}

static void free_tokener(json_tokener *tok)
{
	if (tok->pb && tok->pb->buf)
		sodium_memzero(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
}

static void put_scrubbed(json_object *v)
{
	if (v) {
		scrub_tree(v);
		json_object_put(v);
	}
}

enum ecrypto_err ej_parse_object(const char *text, size_t len, const char *path, json_object **out,
                                 struct ecrypto_why *why)
{
	*out = NULL;
	if (len > EJ_MAX_TEXT)
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: JSON text of %zu bytes is too large", path, len);
	if (len == 0 || memchr(text, 0, len))
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: empty JSON text or NUL byte inside", path);
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "%s: out of memory", path);
#ifdef JSON_TOKENER_VALIDATE_UTF8
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
#else
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
#endif
	json_object *v = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	free_tokener(tok);
	if (!v || jerr != json_tokener_success) {
		put_scrubbed(v);
		if (jerr == json_tokener_continue)
			return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: truncated JSON", path);
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: invalid JSON near offset %zu (%s)", path, used,
		                    json_tokener_error_desc(jerr));
	}
	if (used != len) {
		put_scrubbed(v);
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: trailing data after JSON at offset %zu", path, used);
	}
	if (!json_object_is_type(v, json_type_object)) {
		put_scrubbed(v);
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: expected a JSON object", path);
	}
	*out = v;
	return ECRYPTO_OK;
}

enum ecrypto_err ej_read_text(const char *text, const char *path, ej_reader rd, void *out, struct ecrypto_why *why)
{
	json_object *obj;
	if (!text)
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: no input", path);
	enum ecrypto_err err = ej_parse_object(text, strlen(text), path, &obj, why);
	if (err)
		return err;
	err = rd(obj, path, out, why);
	put_scrubbed(obj);
	return err;
}

enum ecrypto_err ej_read_base64(const char *b64, const char *path, ej_reader rd, void *out, struct ecrypto_why *why)
{
	char msg[160];
	size_t n;
	if (!b64)
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "%s: no input", path);
	size_t in_len = strlen(b64);
	uint8_t *text = b64_decode_alloc(B64_URL, b64, in_len, &n, msg, sizeof(msg));
	if (!text)
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "%s (base64url of JSON): %s", path, msg);
	enum ecrypto_err err;
	if (memchr(text, 0, n))
		err = ecrypto_fail(why, ECRYPTO_ERR_JSON, "%s: NUL byte inside the decoded JSON", path);
	else
		err = ej_read_text((const char *)text, path, rd, out, why);
	sodium_memzero(text, n);
	free(text);
	return err;
}

json_object *ej_field(const json_object *obj, const char *name)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, name, &v))
		return NULL;
	return v; /* JSON null comes back as NULL too */
}

enum ecrypto_err ej_expect_class(const json_object *obj, const char *path, const char *cls, struct ecrypto_why *why)
{
	if (!json_object_is_type(obj, json_type_object))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s: expected a JSON object", path);
	json_object *t = ej_field(obj, "@type");
	if (!t)
		return ECRYPTO_OK;
	if (!json_object_is_type(t, json_type_string))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s.@type: expected a string", path);
	if (strcmp(json_object_get_string(t), cls) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_TYPE_NAME, "%s.@type: expected \"%s\", got another class", path,
		                    cls);
	return ECRYPTO_OK;
}

enum ecrypto_err ej_object(const json_object *obj, const char *path, const char *name, json_object **out,
                           struct ecrypto_why *why)
{
	json_object *v = ej_field(obj, name);
	if (!v)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "%s.%s: missing", path, name);
	if (!json_object_is_type(v, json_type_object))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s.%s: expected an object", path, name);
	*out = v;
	return ECRYPTO_OK;
}

enum ecrypto_err ej_sub(const json_object *obj, const char *path, const char *name, ej_reader rd, void *out,
                        struct ecrypto_why *why)
{
	json_object *child;
	char sub[200];
	enum ecrypto_err err = ej_object(obj, path, name, &child, why);
	if (err)
		return err;
	snprintf(sub, sizeof(sub), "%s.%s", path, name);
	return rd(child, sub, out, why);
}

enum ecrypto_err ej_string(const json_object *obj, const char *path, const char *name, const char **out, size_t *len,
                           struct ecrypto_why *why)
{
	json_object *v = ej_field(obj, name);
	if (!v)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "%s.%s: missing", path, name);
	if (!json_object_is_type(v, json_type_string))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s.%s: expected a string", path, name);
	*out = json_object_get_string(v);
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return ECRYPTO_OK;
}

enum ecrypto_err ej_int(const json_object *obj, const char *path, const char *name, int64_t lo, int64_t hi,
                        int64_t *out, struct ecrypto_why *why)
{
	json_object *v = ej_field(obj, name);
	if (!v)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "%s.%s: missing", path, name);
	if (!json_object_is_type(v, json_type_int))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s.%s: expected an integer", path, name);
	int64_t x = json_object_get_int64(v);
	if (x == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.%s: %" PRIu64 " out of range %" PRId64 "..%" PRId64,
		                    path, name, json_object_get_uint64(v), lo, hi);
	if (x < lo || x > hi)
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "%s.%s: %" PRId64 " out of range %" PRId64 "..%" PRId64,
		                    path, name, x, lo, hi);
	*out = x;
	return ECRYPTO_OK;
}

enum ecrypto_err ej_alg(const json_object *obj, const char *path, const char *name, int lo, int hi, int *out,
                        struct ecrypto_why *why)
{
	json_object *v = ej_field(obj, name);
	if (!v)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "%s.%s: missing", path, name);
	if (!json_object_is_type(v, json_type_int))
		return ecrypto_fail(why, ECRYPTO_ERR_FIELD_TYPE, "%s.%s: expected an integer algorithm number", path,
		                    name);
	int64_t x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		if (lo == hi)
			return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM,
			                    "%s.%s: unsupported algorithm %" PRId64 " (only %d is implemented)", path,
			                    name, x, lo);
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM,
		                    "%s.%s: unsupported algorithm %" PRId64 " (expected %d..%d)", path, name, x, lo,
		                    hi);
	}
	*out = (int)x;
	return ECRYPTO_OK;
}

enum ecrypto_err ej_decode_exact(const char *s, size_t len, const char *path, const char *name, uint8_t *out,
                                 size_t want, struct ecrypto_why *why)
{
	char msg[160];
	size_t n;
	uint8_t *buf = b64_decode_alloc(B64_URL, s, len, &n, msg, sizeof(msg));
	if (!buf)
		return ecrypto_fail(
		        why, n == 0 && strcmp(msg, "out of memory") == 0 ? ECRYPTO_ERR_NOMEM : ECRYPTO_ERR_BASE64,
		        "%s.%s: %s", path, name, msg);
	enum ecrypto_err err = ECRYPTO_OK;
	if (n != want)
		err = ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "%s.%s: expected %zu bytes, got %zu", path, name, want, n);
	else
		memcpy(out, buf, n);
	sodium_memzero(buf, n);
	free(buf);
	return err;
}

enum ecrypto_err ej_bytes(const json_object *obj, const char *path, const char *name, uint8_t *out, size_t want,
                          struct ecrypto_why *why)
{
	const char *s;
	size_t len;
	enum ecrypto_err err = ej_string(obj, path, name, &s, &len, why);
	if (err)
		return err;
	return ej_decode_exact(s, len, path, name, out, want, why);
}

enum ecrypto_err ej_bytes_alloc(const json_object *obj, const char *path, const char *name, size_t min, size_t max,
                                uint8_t **out, size_t *out_len, struct ecrypto_why *why)
{
	const char *s;
	size_t len, n;
	char msg[160];
	enum ecrypto_err err = ej_string(obj, path, name, &s, &len, why);
	if (err)
		return err;
	if (len / 4 * 3 > max)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "%s.%s: more than %zu bytes", path, name, max);
	uint8_t *buf = b64_decode_alloc(B64_URL, s, len, &n, msg, sizeof(msg));
	if (!buf)
		return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "%s.%s: %s", path, name, msg);
	if (n < min || n > max) {
		free(buf);
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "%s.%s: expected %zu..%zu bytes, got %zu", path, name, min,
		                    max, n);
	}
	*out = buf;
	*out_len = n;
	return ECRYPTO_OK;
}

/* ---- writer ---- */

static void out_reserve(struct ej_out *o, size_t extra)
{
	if (o->failed || o->len + extra + 1 <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 128;
	while (cap < o->len + extra + 1)
		cap *= 2;
	char *nb = malloc(cap);
	if (!nb) {
		o->failed = 1;
		return;
	}
	if (o->buf) {
		memcpy(nb, o->buf, o->len);
		sodium_memzero(o->buf, o->cap);
		free(o->buf);
	}
	o->buf = nb;
	o->cap = cap;
}

static void out_append(struct ej_out *o, const char *s, size_t n)
{
	out_reserve(o, n);
	if (o->failed)
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void out_string(struct ej_out *o, const char *s)
{
	out_append(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			out_append(o, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_append(o, esc, 6);
		} else {
			out_append(o, (const char *)&c, 1);
		}
	}
	out_append(o, "\"", 1);
}

static void out_key(struct ej_out *o, const char *name)
{
	if (o->fields++)
		out_append(o, ",", 1);
	out_string(o, name);
	out_append(o, ":", 1);
}

void ej_begin(struct ej_out *o)
{
	memset(o, 0, sizeof(*o));
	out_append(o, "{", 1);
}

void ej_key_b64(struct ej_out *o, const char *name, const uint8_t *bytes, size_t n)
{
	size_t sz = b64_encoded_size(B64_URL, n);
	out_key(o, name);
	out_append(o, "\"", 1);
	out_reserve(o, sz);
	if (o->failed)
		return;
	b64_encode(B64_URL, bytes, n, o->buf + o->len);
	o->len += sz - 1;
	out_append(o, "\"", 1);
}

void ej_key_int(struct ej_out *o, const char *name, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);
	out_key(o, name);
	out_append(o, num, (size_t)n);
}

void ej_key_str(struct ej_out *o, const char *name, const char *s)
{
	out_key(o, name);
	out_string(o, s);
}

void ej_key_raw(struct ej_out *o, const char *name, const char *json)
{
	out_key(o, name);
	out_append(o, json, strlen(json));
}

void ej_key_nested(struct ej_out *o, const char *name, char *taken)
{
	if (!taken) {
		o->failed = 1;
		return;
	}
	ej_key_raw(o, name, taken);
	ecrypto_free_text(taken);
}

char *ej_take(struct ej_out *o)
{
	out_append(o, "}", 1);
	if (o->failed) {
		if (o->buf) {
			sodium_memzero(o->buf, o->cap);
			free(o->buf);
		}
		memset(o, 0, sizeof(*o));
		return NULL;
	}
	char *s = o->buf;
	memset(o, 0, sizeof(*o));
	return s;
}

char *ej_take_base64(struct ej_out *o)
{
	char *text = ej_take(o);
	if (!text)
		return NULL;
	char *b64 = b64_encode_alloc(B64_URL, (const uint8_t *)text, strlen(text));
	ecrypto_free_text(text);
	return b64;
}
