/*
 * crypto/jsonutil.h: JSON plumbing shared by the crypto object files (internal to lib/crypto/).
 * Readers take a "path" naming the object being read ("CryptoSignatureKeypair.pub") so that every
 * error names its field. Writers build json-c objects in the exact key order of @nmshd/crypto and
 * print them without whitespace or slash escaping, byte-identical to JSON.stringify for our values.
 */
#ifndef CONNECTOR_CRYPTO_JSONUTIL_H
#define CONNECTOR_CRYPTO_JSONUTIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/error.h"

/* Reads one object of some class from a json object; out is the class's struct. */
typedef enum ecrypto_err (*ej_reader)(const json_object *obj, const char *path, void *out, struct ecrypto_why *why);

/* Parses text (NUL-terminated) as exactly one JSON value and hands the object to rd. */
enum ecrypto_err ej_read_text(const char *text, const char *path, ej_reader rd, void *out, struct ecrypto_why *why);
/* Decodes b64url(UTF-8 JSON) (the CryptoSerializable.toBase64 form) and reads it like ej_read_text. */
enum ecrypto_err ej_read_base64(const char *b64, const char *path, ej_reader rd, void *out, struct ecrypto_why *why);
/* Parses text into a json object (caller puts it); the value must be a JSON object. */
enum ecrypto_err ej_parse_object(const char *text, size_t len, const char *path, json_object **out,
                                 struct ecrypto_why *why);

/* obj must be a JSON object whose optional "@type" equals cls. */
enum ecrypto_err ej_expect_class(const json_object *obj, const char *path, const char *cls, struct ecrypto_why *why);
/* Field lookup; NULL when absent or JSON null. */
json_object *ej_field(const json_object *obj, const char *name);
/* Required JSON object field. */
enum ecrypto_err ej_object(const json_object *obj, const char *path, const char *name, json_object **out,
                           struct ecrypto_why *why);
/* Required object field read with rd; errors name path.name. */
enum ecrypto_err ej_sub(const json_object *obj, const char *path, const char *name, ej_reader rd, void *out,
                        struct ecrypto_why *why);
/* Required string field; *out points into obj. */
enum ecrypto_err ej_string(const json_object *obj, const char *path, const char *name, const char **out, size_t *len,
                           struct ecrypto_why *why);
/* Required integer field within [lo, hi]. */
enum ecrypto_err ej_int(const json_object *obj, const char *path, const char *name, int64_t lo, int64_t hi,
                        int64_t *out, struct ecrypto_why *why);
/* Required "alg" (or other) field that must equal one of the supported values in [lo, hi]. */
enum ecrypto_err ej_alg(const json_object *obj, const char *path, const char *name, int lo, int hi, int *out,
                        struct ecrypto_why *why);
/* Required b64url field decoding to exactly want bytes into out (wiped on failure). */
enum ecrypto_err ej_bytes(const json_object *obj, const char *path, const char *name, uint8_t *out, size_t want,
                          struct ecrypto_why *why);
/* Required b64url field of min..max bytes into a malloc'd buffer. */
enum ecrypto_err ej_bytes_alloc(const json_object *obj, const char *path, const char *name, size_t min, size_t max,
                                uint8_t **out, size_t *out_len, struct ecrypto_why *why);
/* Decodes a b64url string (already extracted) to exactly want bytes; field names the error. */
enum ecrypto_err ej_decode_exact(const char *s, size_t len, const char *path, const char *name, uint8_t *out,
                                 size_t want, struct ecrypto_why *why);

/*
 * Writer: builds one flat JSON object text in a buffer it owns, in call order, so that output that
 * holds key material can be wiped (json-c's own buffers cannot). Allocation failure is sticky and
 * reported by ej_take*.
 */
struct ej_out {
	char *buf;
	size_t len, cap;
	int fields;
	int failed;
};
void ej_begin(struct ej_out *o);
void ej_key_b64(struct ej_out *o, const char *name, const uint8_t *bytes, size_t n);
void ej_key_int(struct ej_out *o, const char *name, int64_t v);
void ej_key_str(struct ej_out *o, const char *name, const char *s);
/* Inserts already-encoded JSON (a nested object built with another ej_out). */
void ej_key_raw(struct ej_out *o, const char *name, const char *json);
/* Inserts a nested object text taken from another ej_out and wipes + frees it (NULL marks failure). */
void ej_key_nested(struct ej_out *o, const char *name, char *taken);
/* Closes the object and returns its malloc'd text (NULL on allocation failure). */
char *ej_take(struct ej_out *o);
/* Closes the object and returns b64url(text) (the toBase64 form), wiping the text. */
char *ej_take_base64(struct ej_out *o);

#endif
