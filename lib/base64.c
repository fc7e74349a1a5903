/*
 * base64.c: strict base64url / base64 codecs (see base64.h). The alphabet and padding checks run
 * first so that the error names the actual problem. Short data (keys, up to FAST_MIN bytes) goes
 * through libsodium's constant-time codec; long data (ciphertext and the JSON around it, which is not
 * secret) through a table codec that is several times faster. Both reject non-zero trailing bits.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "base64.h"

#define FAST_MIN 192 /* bytes of binary data from which the table codec is used */

static const char URL_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char STD_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void fast_encode(enum b64_variant v, const uint8_t *in, size_t n, char *out)
{
	const char *a = v == B64_URL ? URL_ALPHABET : STD_ALPHABET;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t x = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = a[x >> 18];
		*out++ = a[(x >> 12) & 63];
		*out++ = a[(x >> 6) & 63];
		*out++ = a[x & 63];
	}
	if (n - i == 1) {
		*out++ = a[in[i] >> 2];
		*out++ = a[(in[i] & 3) << 4];
		if (v == B64_STD) {
			*out++ = '=';
			*out++ = '=';
		}
	} else if (n - i == 2) {
		uint32_t x = (uint32_t)in[i] << 8 | in[i + 1];
		*out++ = a[x >> 10];
		*out++ = a[(x >> 4) & 63];
		*out++ = a[(x & 15) << 2];
		if (v == B64_STD)
			*out++ = '=';
	}
	*out = 0;
}

/* Character -> 6-bit value per alphabet; 255 marks characters outside the alphabet. */
static const uint8_t URL_VALUE[256] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 62,  255, 255, 52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  255, 255, 255, 255, 255, 255, 255, 0,
        1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,
        23,  24,  25,  255, 255, 255, 255, 63,  255, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,
        39,  40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};
static const uint8_t STD_VALUE[256] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 62,
        255, 255, 255, 63,  52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  255, 255, 255, 255, 255, 255, 255, 0,
        1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,
        23,  24,  25,  255, 255, 255, 255, 255, 255, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,
        39,  40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

/* Decodes n characters already checked by check_shape (no padding). False on set trailing bits. */
static bool fast_decode(enum b64_variant v, const char *in, size_t n, uint8_t *out, size_t *out_len)
{
	const uint8_t *t = v == B64_URL ? URL_VALUE : STD_VALUE;
#define sextet(c) t[(unsigned char)(c)]
	size_t o = 0, i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t x = (uint32_t)sextet(in[i]) << 18 | (uint32_t)sextet(in[i + 1]) << 12 |
		             (uint32_t)sextet(in[i + 2]) << 6 | sextet(in[i + 3]);
		out[o++] = (uint8_t)(x >> 16);
		out[o++] = (uint8_t)(x >> 8);
		out[o++] = (uint8_t)x;
	}
	if (n - i == 2) {
		uint32_t x = (uint32_t)sextet(in[i]) << 6 | sextet(in[i + 1]);
		if (x & 15)
			return false;
		out[o++] = (uint8_t)(x >> 4);
	} else if (n - i == 3) {
		uint32_t x = (uint32_t)sextet(in[i]) << 12 | (uint32_t)sextet(in[i + 1]) << 6 | sextet(in[i + 2]);
		if (x & 3)
			return false;
		out[o++] = (uint8_t)(x >> 10);
		out[o++] = (uint8_t)(x >> 2);
	}
#undef sextet
	*out_len = o;
	return true;
}

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
	if (n < FAST_MIN)
		return sodium_bin2base64(out, b64_encoded_size(v, n), in, n, sodium_variant(v));
	fast_encode(v, in, n, out);
	return out;
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

/* Names the offending character without echoing alphabet characters (they may be key material). */
static bool describe_char(enum b64_variant v, char c, size_t at, char *err, size_t errlen)
{
	unsigned char u = (unsigned char)c;
	if (v == B64_URL && c == '=')
		snprintf(err, errlen, "padding '=' at offset %zu is not allowed in base64url", at);
	else if (v == B64_URL && (c == '+' || c == '/'))
		snprintf(err, errlen, "standard base64 character ('+' or '/') at offset %zu, expected base64url (-_)",
		         at);
	else if (v == B64_STD && (c == '-' || c == '_'))
		snprintf(err, errlen, "base64url character ('-' or '_') at offset %zu, expected standard base64 (+/)",
		         at);
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
	const uint8_t *t = v == B64_URL ? URL_VALUE : STD_VALUE;
	for (size_t i = 0; i < n; i++)
		if (t[(unsigned char)in[i]] == 255)
			return describe_char(v, in[i], i, err, errlen);
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
	if (data_len / 4 * 3 >= FAST_MIN && b64_decoded_max(data_len) <= out_max) {
		if (fast_decode(v, in, data_len, out, out_len))
			return true;
		snprintf(err, errlen, "non-canonical base64 (trailing bits set)");
		*out_len = 0;
		return false;
	}
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
