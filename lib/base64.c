/*
 * base64.c: strict base64url / base64 codecs (see base64.h). The alphabet and padding checks run
 * first so that the error names the actual problem; libsodium then decodes and rejects non-zero
 * trailing bits.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "base64.h"

static int sodium_variant(enum b64_variant v)
{
	return v == B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
}

size_t b64_encoded_size(enum b64_variant v, size_t n)
{
	return sodium_base64_encoded_len(n, sodium_variant(v));
}

char *b64_encode(enum b64_variant v, const uint8_t *in, size_t n, char *out)
{
	return sodium_bin2base64(out, b64_encoded_size(v, n), in, n, sodium_variant(v));
}

char *b64_encode_alloc(enum b64_variant v, const uint8_t *in, size_t n)
{
	char *out = malloc(b64_encoded_size(v, n));
	return out ? b64_encode(v, in, n, out) : NULL;
}

size_t b64_decoded_max(size_t in_len)
{
	return in_len / 4 * 3 + 3;
}

static bool is_common_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool describe_char(enum b64_variant v, char c, size_t at, char *err, size_t errlen)
{
	unsigned char u = (unsigned char)c;
	if (v == B64_URL && c == '=')
		snprintf(err, errlen, "padding '=' at offset %zu is not allowed in base64url", at);
	else if (v == B64_URL && (c == '+' || c == '/'))
		snprintf(err, errlen, "'%c' at offset %zu is standard base64, expected base64url (-_)", c, at);
	else if (v == B64_STD && (c == '-' || c == '_'))
		snprintf(err, errlen, "'%c' at offset %zu is base64url, expected standard base64 (+/)", c, at);
	else if (u >= 0x21 && u < 0x7f)
		snprintf(err, errlen, "'%c' at offset %zu is not a base64 character", c, at);
	else
		snprintf(err, errlen, "byte 0x%02x at offset %zu is not a base64 character", u, at);
	return false;
}

/* Checks alphabet and padding; on success *data_len is the length without padding. */
static bool check_shape(enum b64_variant v, const char *in, size_t in_len, size_t *data_len, char *err, size_t errlen)
{
	size_t n = in_len;
	if (v == B64_STD) {
		if (in_len % 4 != 0) {
			snprintf(err, errlen, "length %zu is not a multiple of 4 (standard base64 needs padding)",
			         in_len);
			return false;
		}
		while (n > 0 && in_len - n < 2 && in[n - 1] == '=')
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		bool ok = is_common_char(c) || (v == B64_URL ? (c == '-' || c == '_') : (c == '+' || c == '/'));
		if (!ok)
			return describe_char(v, c, i, err, errlen);
	}
	if (n % 4 == 1) {
		snprintf(err, errlen, "length %zu is impossible for base64 (one character left over)", n);
		return false;
	}
	if (v == B64_STD && (in_len - n) != (4 - n % 4) % 4) {
		snprintf(err, errlen, "wrong amount of '=' padding");
		return false;
	}
	*data_len = n;
	return true;
}

bool b64_decode(enum b64_variant v, const char *in, size_t in_len, uint8_t *out, size_t out_max, size_t *out_len,
                char *err, size_t errlen)
{
	size_t data_len;
	*out_len = 0;
	if (!check_shape(v, in, in_len, &data_len, err, errlen))
		return false;
	if (sodium_base642bin(out, out_max, in, in_len, NULL, out_len, NULL, sodium_variant(v)) != 0) {
		snprintf(err, errlen, "non-canonical base64 (trailing bits set)");
		*out_len = 0;
		return false;
	}
	return true;
}

uint8_t *b64_decode_alloc(enum b64_variant v, const char *in, size_t in_len, size_t *out_len, char *err, size_t errlen)
{
	size_t cap = b64_decoded_max(in_len);
	uint8_t *out = malloc(cap + 1);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!b64_decode(v, in, in_len, out, cap, out_len, err, errlen)) {
		free(out);
		return NULL;
	}
	out[*out_len] = 0;
	return out;
}
