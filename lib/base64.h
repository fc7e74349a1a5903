/*
 * base64.h: strict base64 for the enmeshed wire formats, on top of libsodium.
 *   B64_URL: RFC 4648 §5 alphabet (-_), never padded (every crypto field, toBase64 of objects);
 *   B64_STD: RFC 4648 §4 alphabet (+/), always padded (Backbone password hash, reference salt).
 * Decoding rejects the other alphabet, wrong or missing padding, impossible lengths, non-zero
 * trailing bits and any other byte, with a message that says which and where. Encoders never fail
 * except on allocation.
 */
#ifndef CONNECTOR_BASE64_H
#define CONNECTOR_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum b64_variant { B64_URL, B64_STD };

/* Characters needed to encode n bytes, including the terminating NUL. */
size_t b64_encoded_size(enum b64_variant v, size_t n);
/* Encodes into out (of at least b64_encoded_size bytes). Returns out. */
char *b64_encode(enum b64_variant v, const uint8_t *in, size_t n, char *out);
/* Encodes into a malloc'd string; NULL on allocation failure. */
char *b64_encode_alloc(enum b64_variant v, const uint8_t *in, size_t n);

/* Upper bound of the decoded size of in_len characters. */
size_t b64_decoded_max(size_t in_len);
/*
 * Decodes in[0..in_len) into out (capacity out_max, at least b64_decoded_max(in_len)). On failure
 * returns false and writes a reason (no input bytes beyond one offending character) to err.
 */
bool b64_decode(enum b64_variant v, const char *in, size_t in_len, uint8_t *out, size_t out_max, size_t *out_len,
                char *err, size_t errlen);
/* Same, into a malloc'd buffer (one spare NUL byte appended, not counted in *out_len). */
uint8_t *b64_decode_alloc(enum b64_variant v, const char *in, size_t in_len, size_t *out_len, char *err, size_t errlen);

#endif
