/*
 * runtime/files_crypto.c: the streamed file cipher of files_crypto.h. The AEAD follows libsodium's
 * chacha20poly1305_ietf construction step for step (Poly1305 key from keystream block 0, data from
 * block 1, MAC over ciphertext || pad16 || le64(0) || le64(len)), keeping one keystream block so
 * that pieces of any length can be fed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "runtime/files_crypto.h"

#define PIECE      49152 /* plaintext bytes per step: a multiple of 3 (base64) and of 64 (ChaCha blocks) */
#define READ_CHARS 65536 /* base64 characters per read: a multiple of 4 */

static const uint8_t zeros[16];

struct fc_work {
	uint8_t piece[PIECE];
	uint8_t joined[PIECE + 3 + 16];
	char text[(PIECE + 3 + 16) / 3 * 4 + 8];
};

void fc_aead_init(struct fc_aead *a, const struct ecrypto_secret_key *key, const uint8_t nonce[ECRYPTO_NONCE_BYTES])
{
	uint8_t block0[64];
	memset(a, 0, sizeof(*a));
	crypto_core_hchacha20(a->subkey, nonce, key->key, NULL);
	memcpy(a->npub + 4, nonce + 16, 8);
	crypto_stream_chacha20_ietf(block0, sizeof(block0), a->npub, a->subkey);
	crypto_onetimeauth_poly1305_init(&a->mac, block0);
	sodium_memzero(block0, sizeof(block0));
	a->ks_used = sizeof(a->ks);
	a->block = 1;
}

static void keystream_xor(struct fc_aead *a, uint8_t *p, size_t n)
{
	while (n > 0 && a->ks_used < sizeof(a->ks))
		*p++ ^= a->ks[a->ks_used++], n--;
	size_t full = n / 64 * 64;
	if (full > 0) {
		crypto_stream_chacha20_ietf_xor_ic(p, p, full, a->npub, (uint32_t)a->block, a->subkey);
		a->block += full / 64;
		p += full;
		n -= full;
	}
	if (n > 0) {
		memset(a->ks, 0, sizeof(a->ks));
		crypto_stream_chacha20_ietf_xor_ic(a->ks, a->ks, sizeof(a->ks), a->npub, (uint32_t)a->block, a->subkey);
		a->block++;
		a->ks_used = 0;
		while (n > 0)
			*p++ ^= a->ks[a->ks_used++], n--;
	}
}

void fc_aead_update(struct fc_aead *a, uint8_t *buf, size_t len, bool encrypting)
{
	if (!encrypting)
		crypto_onetimeauth_poly1305_update(&a->mac, buf, len);
	keystream_xor(a, buf, len);
	if (encrypting)
		crypto_onetimeauth_poly1305_update(&a->mac, buf, len);
	a->len += len;
}

void fc_aead_mac_only(struct fc_aead *a, const uint8_t *ct, size_t len)
{
	crypto_onetimeauth_poly1305_update(&a->mac, ct, len);
	a->len += len;
}

void fc_aead_final(struct fc_aead *a, uint8_t tag[ECRYPTO_TAG_BYTES])
{
	uint8_t lens[16] = {0};
	crypto_onetimeauth_poly1305_update(&a->mac, zeros, (16 - (a->len & 15)) & 15);
	for (int i = 0; i < 8; i++)
		lens[8 + i] = (uint8_t)(a->len >> (8 * i)); /* le64(adlen = 0) || le64(len) */
	crypto_onetimeauth_poly1305_update(&a->mac, lens, sizeof(lens));
	crypto_onetimeauth_poly1305_final(&a->mac, tag);
	sodium_memzero(a, sizeof(*a));
}

/* ---- encryptor ---- */

static bool emit(struct fc_encryptor *e, const void *data, size_t len)
{
	if (e->failed)
		return false;
	crypto_hash_sha512_update(&e->blob_hash, data, len);
	if (!e->sink(e->arg, data, len))
		e->failed = true;
	return !e->failed;
}

bool fc_encryptor_init(struct fc_encryptor *e, const struct ecrypto_secret_key *key, const uint8_t *nonce, fc_sink sink,
                       void *arg)
{
	memset(e, 0, sizeof(*e));
	e->work = malloc(sizeof(*e->work));
	if (!e->work)
		return false;
	if (nonce)
		memcpy(e->nonce, nonce, sizeof(e->nonce));
	else
		randombytes_buf(e->nonce, sizeof(e->nonce));
	fc_aead_init(&e->aead, key, e->nonce);
	crypto_hash_sha512_init(&e->plain_hash);
	crypto_hash_sha512_init(&e->blob_hash);
	e->sink = sink;
	e->arg = arg;
	return true;
}

void fc_encryptor_free(struct fc_encryptor *e)
{
	if (e->work)
		sodium_memzero(e->work, sizeof(*e->work));
	free(e->work);
	sodium_memzero(e, sizeof(*e));
}

/* Base64 of carry || data (the multiple-of-3 prefix, or everything when final). */
static bool emit_base64(struct fc_encryptor *e, const uint8_t *data, size_t len, bool final)
{
	char *text = e->work->text;
	uint8_t *joined = e->work->joined;
	memcpy(joined, e->carry, e->ncarry);
	memcpy(joined + e->ncarry, data, len);
	size_t total = e->ncarry + len;
	size_t now = final ? total : total / 3 * 3;
	b64_encode(B64_URL, joined, now, text);
	e->ncarry = total - now;
	memcpy(e->carry, joined + now, e->ncarry);
	return emit(e, text, strlen(text));
}

static bool start(struct fc_encryptor *e)
{
	if (e->started)
		return !e->failed;
	e->started = true;
	static const char head[] = "{\"cph\":\"";
	return emit(e, head, sizeof(head) - 1);
}

bool fc_encryptor_update(struct fc_encryptor *e, const void *pt, size_t len)
{
	uint8_t *piece = e->work->piece;
	const uint8_t *in = pt;
	if (!start(e))
		return false;
	crypto_hash_sha512_update(&e->plain_hash, in, len);
	e->size += len;
	while (len > 0) {
		size_t n = len < PIECE ? len : PIECE;
		memcpy(piece, in, n);
		fc_aead_update(&e->aead, piece, n, true);
		if (!emit_base64(e, piece, n, false))
			return false;
		in += n;
		len -= n;
	}
	return true;
}

bool fc_encryptor_finish(struct fc_encryptor *e, struct fc_result *out)
{
	uint8_t tag[ECRYPTO_TAG_BYTES], blob_digest[64];
	char nonce_b64[40], tail[96];
	if (!start(e))
		return false;
	fc_aead_final(&e->aead, tag);
	if (!emit_base64(e, tag, sizeof(tag), true))
		return false;
	b64_encode(B64_URL, e->nonce, sizeof(e->nonce), nonce_b64);
	int n = snprintf(tail, sizeof(tail), "\",\"alg\":3,\"nnc\":\"%s\",\"@type\":\"CryptoCipher\"}", nonce_b64);
	if (!emit(e, tail, (size_t)n))
		return false;
	memset(out, 0, sizeof(*out));
	out->size = e->size;
	crypto_hash_sha512_final(&e->plain_hash, out->plaintext_hash);
	b64_encode(B64_URL, out->plaintext_hash, sizeof(out->plaintext_hash), out->plaintext_hash_b64);
	crypto_hash_sha512_final(&e->blob_hash, blob_digest);
	b64_encode(B64_URL, blob_digest, sizeof(blob_digest), out->cipher_hash_b64);
	return true;
}

/* ---- decryptor ---- */

struct reader {
	int fd;
	uint8_t buf[65536];
	size_t len, pos;
	off_t base; /* file offset of buf[0] */
};

static int rd_getc(struct reader *r)
{
	if (r->pos == r->len) {
		r->base += (off_t)r->len;
		ssize_t n;
		do
			n = pread(r->fd, r->buf, sizeof(r->buf), r->base);
		while (n < 0 && errno == EINTR);
		r->len = n > 0 ? (size_t)n : 0;
		r->pos = 0;
		if (r->len == 0)
			return -1;
	}
	return r->buf[r->pos++];
}

static off_t rd_offset(const struct reader *r)
{
	return r->base + (off_t)r->pos;
}

static int rd_skip_ws(struct reader *r)
{
	int c;
	while ((c = rd_getc(r)) == ' ' || c == '\t' || c == '\r' || c == '\n')
		;
	return c;
}

struct blob_fields {
	off_t cph_start;
	size_t cph_chars;
	bool has_cph, has_cnt;
	char alg[16], nnc[64], type[32];
};

/* Reads a short string (opening quote consumed) into out; false if too long or escaped. */
static bool read_short(struct reader *r, char *out, size_t out_len)
{
	size_t n = 0;
	int c;
	while ((c = rd_getc(r)) != '"') {
		if (c < 0x20 || c == '\\' || n + 1 >= out_len)
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return true;
}

static bool read_cph(struct reader *r, struct blob_fields *f)
{
	f->cph_start = rd_offset(r);
	int c;
	while ((c = rd_getc(r)) != '"') {
		if (c < 0 || !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		               (c >= 'A' && c <= 'Z')))
			return false;
	}
	f->cph_chars = (size_t)(rd_offset(r) - 1 - f->cph_start);
	f->has_cph = true;
	return true;
}

static bool read_value(struct reader *r, const char *key, struct blob_fields *f, int c)
{
	char scratch[64];
	if (c == '"') {
		if (strcmp(key, "cph") == 0)
			return read_cph(r, f);
		char *dst = strcmp(key, "nnc") == 0 ? f->nnc : strcmp(key, "@type") == 0 ? f->type : scratch;
		size_t cap = dst == f->nnc ? sizeof(f->nnc) : dst == f->type ? sizeof(f->type) : sizeof(scratch);
		return read_short(r, dst, cap);
	}
	size_t n = 0;
	while ((c >= '0' && c <= '9') || c == '-' || c == '.' || c == 'e' || c == 'E' || c == '+') {
		if (n + 1 >= sizeof(scratch))
			return false;
		scratch[n++] = (char)c;
		c = rd_getc(r);
	}
	if (n == 0)
		return false;
	scratch[n] = '\0';
	if (c >= 0)
		r->pos--; /* give back the delimiter */
	if (strcmp(key, "alg") == 0)
		snprintf(f->alg, sizeof(f->alg), "%.15s", scratch);
	if (strcmp(key, "cnt") == 0)
		f->has_cnt = true;
	return true;
}

static bool scan_fields(struct reader *rp, struct blob_fields *f, struct ecrypto_why *why);

static bool scan_blob(int fd, struct blob_fields *f, struct ecrypto_why *why)
{
	struct reader *rp = calloc(1, sizeof(*rp));
	if (!rp)
		return ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "out of memory"), false;
	rp->fd = fd;
	bool fine = scan_fields(rp, f, why);
	free(rp);
	return fine;
}

static bool scan_fields(struct reader *rp, struct blob_fields *f, struct ecrypto_why *why)
{
	memset(f, 0, sizeof(*f));
	if (rd_skip_ws(rp) != '{')
		return ecrypto_fail(why, ECRYPTO_ERR_JSON, "CryptoCipher: the file content is not a JSON object"),
		       false;
	for (int c = rd_skip_ws(rp); c != '}'; c = rd_skip_ws(rp)) {
		char key[16];
		if (c != '"' || !read_short(rp, key, sizeof(key)) || rd_skip_ws(rp) != ':' ||
		    !read_value(rp, key, f, rd_skip_ws(rp)))
			return ecrypto_fail(why, ECRYPTO_ERR_JSON, "CryptoCipher: malformed JSON near byte %lld",
			                    (long long)rd_offset(rp)),
			       false;
		c = rd_skip_ws(rp);
		if (c == '}')
			break;
		if (c != ',')
			return ecrypto_fail(why, ECRYPTO_ERR_JSON, "CryptoCipher: expected , or } at byte %lld",
			                    (long long)rd_offset(rp)),
			       false;
	}
	if (!f->has_cph)
		return ecrypto_fail(why, ECRYPTO_ERR_MISSING, "CryptoCipher.cph is missing"), false;
	if (strcmp(f->alg, "3") != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_ALGORITHM, "CryptoCipher.alg must be 3"), false;
	if (f->type[0] && strcmp(f->type, "CryptoCipher") != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_TYPE_NAME, "CryptoCipher.@type names %s", f->type), false;
	if (f->has_cnt || !f->nnc[0])
		return ecrypto_fail(why, ECRYPTO_ERR_VALUE, "CryptoCipher.nnc: a file cipher needs a nonce, not cnt"),
		       false;
	if (f->cph_chars % 4 == 1 || f->cph_chars / 4 * 3 + (f->cph_chars % 4 ? f->cph_chars % 4 - 1 : 0) < 16)
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "CryptoCipher.cph: %zu characters cannot hold a tag",
		                    f->cph_chars),
		       false;
	return true;
}

static bool hash_fd(int fd, const char *expected, struct ecrypto_why *why)
{
	uint8_t buf[16384];
	crypto_hash_sha512_state st;
	uint8_t digest[64];
	char b64[ECRYPTO_SHA512_B64URL_SIZE];
	crypto_hash_sha512_init(&st);
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "reading the file content: %s", strerror(errno)),
			       false;
		if (n == 0)
			break;
		crypto_hash_sha512_update(&st, buf, (size_t)n);
		off += n;
	}
	crypto_hash_sha512_final(&st, digest);
	b64_encode(B64_URL, digest, sizeof(digest), b64);
	if (strcmp(b64, expected) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_DECRYPT, "cipherHash: the downloaded content does not match"),
		       false;
	return true;
}

static bool walk_pieces(int fd, const struct blob_fields *f, struct fc_aead *a, fc_sink sink, void *arg,
                        uint8_t tag[ECRYPTO_TAG_BYTES], char *chars, uint8_t *bytes, struct ecrypto_why *why);

/* Walks the decoded cph: ciphertext to mac-only (sink NULL) or decrypt+sink; the tag into tag. */
static bool walk_cph(int fd, const struct blob_fields *f, struct fc_aead *a, fc_sink sink, void *arg,
                     uint8_t tag[ECRYPTO_TAG_BYTES], struct ecrypto_why *why)
{
	char *chars = malloc(READ_CHARS);
	uint8_t *bytes = malloc(READ_CHARS / 4 * 3);
	bool fine = chars && bytes && walk_pieces(fd, f, a, sink, arg, tag, chars, bytes, why);
	if (!chars || !bytes)
		ecrypto_fail(why, ECRYPTO_ERR_NOMEM, "out of memory");
	free(chars);
	if (bytes)
		sodium_memzero(bytes, READ_CHARS / 4 * 3);
	free(bytes);
	return fine;
}

static bool walk_pieces(int fd, const struct blob_fields *f, struct fc_aead *a, fc_sink sink, void *arg,
                        uint8_t tag[ECRYPTO_TAG_BYTES], char *chars, uint8_t *bytes, struct ecrypto_why *why)
{
	size_t total = f->cph_chars / 4 * 3 + (f->cph_chars % 4 ? f->cph_chars % 4 - 1 : 0);
	size_t ct_len = total - ECRYPTO_TAG_BYTES, done = 0;
	for (size_t at = 0; at < f->cph_chars;) {
		size_t want = f->cph_chars - at < READ_CHARS ? f->cph_chars - at : READ_CHARS;
		ssize_t n = pread(fd, chars, want, f->cph_start + (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)want)
			return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "reading the file content failed"), false;
		size_t got;
		char err[128];
		if (!b64_decode(B64_URL, chars, want, bytes, READ_CHARS / 4 * 3, &got, err, sizeof(err)))
			return ecrypto_fail(why, ECRYPTO_ERR_BASE64, "CryptoCipher.cph: %s", err), false;
		size_t ct_part = done < ct_len ? (ct_len - done < got ? ct_len - done : got) : 0;
		if (sink) {
			fc_aead_update(a, bytes, ct_part, false);
			if (ct_part > 0 && !sink(arg, bytes, ct_part))
				return ecrypto_fail(why, ECRYPTO_ERR_INTERNAL, "the receiver of the plaintext stopped"),
				       false;
		} else {
			fc_aead_mac_only(a, bytes, ct_part);
		}
		for (size_t i = ct_part; i < got; i++)
			tag[done + i - ct_len] = bytes[i];
		done += got;
		at += want;
	}
	return true;
}

bool fc_decrypt_fd(int fd, const struct ecrypto_secret_key *key, const char *expected_cipher_hash, fc_sink sink,
                   void *arg, uint64_t *size, struct ecrypto_why *why)
{
	struct blob_fields f;
	uint8_t nonce[ECRYPTO_NONCE_BYTES], tag[ECRYPTO_TAG_BYTES], want_tag[ECRYPTO_TAG_BYTES], unused[16];
	size_t nonce_len;
	char err[128];
	if (expected_cipher_hash && !hash_fd(fd, expected_cipher_hash, why))
		return false;
	if (!scan_blob(fd, &f, why))
		return false;
	if (!b64_decode(B64_URL, f.nnc, strlen(f.nnc), nonce, sizeof(nonce), &nonce_len, err, sizeof(err)) ||
	    nonce_len != sizeof(nonce))
		return ecrypto_fail(why, ECRYPTO_ERR_LENGTH, "CryptoCipher.nnc: expected 24 bytes"), false;
	struct fc_aead a;
	fc_aead_init(&a, key, nonce);
	if (!walk_cph(fd, &f, &a, NULL, NULL, want_tag, why))
		return sodium_memzero(&a, sizeof(a)), false;
	fc_aead_final(&a, tag);
	if (crypto_verify_16(tag, want_tag) != 0)
		return ecrypto_fail(why, ECRYPTO_ERR_DECRYPT, "authentication of the file content failed"), false;
	fc_aead_init(&a, key, nonce);
	bool fine = walk_cph(fd, &f, &a, sink, arg, unused, why);
	*size = a.len;
	sodium_memzero(&a, sizeof(a));
	return fine;
}
