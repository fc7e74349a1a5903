/*
 * test_files_crypto.c: the streamed file cipher (lib/runtime/files_crypto.c): the official vector
 * (blob, cipherHash, plaintextHash byte-identical), equality with the one-shot library cipher for
 * sizes around the block and piece boundaries fed in random pieces, decryption from a file in any
 * key order, and refusal of tampered, truncated or wrong blobs with the field named.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "test_crypto_common.h"

#include "runtime/files_crypto.h"

struct membuf {
	uint8_t *data;
	size_t len, cap;
};

static bool to_mem(void *arg, const void *data, size_t len)
{
	struct membuf *m = arg;
	if (m->len + len + 1 > m->cap) {
		m->cap = (m->len + len + 1) * 2;
		m->data = realloc(m->data, m->cap);
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
	m->data[m->len] = 0;
	return true;
}

static uint32_t seed = 77;
static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

/* Encrypts pt in random pieces into blob; fills res. */
static void encrypt_pieces(const struct ecrypto_secret_key *key, const uint8_t *nonce, const uint8_t *pt, size_t len,
                           struct membuf *blob, struct fc_result *res)
{
	struct fc_encryptor e;
	memset(blob, 0, sizeof(*blob));
	fc_encryptor_init(&e, key, nonce, to_mem, blob);
	for (size_t off = 0; off < len;) {
		size_t n = 1 + rnd() % 70000;
		if (n > len - off)
			n = len - off;
		fc_encryptor_update(&e, pt + off, n);
		off += n;
	}
	fc_encryptor_finish(&e, res);
	fc_encryptor_free(&e);
}

/* A temporary file holding data (unlinked; caller closes). */
static int temp_fd(const void *data, size_t len)
{
	char path[] = "/tmp/test_files_crypto.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len)
		abort();
	return fd;
}

static bool decrypt_text(const char *blob, const struct ecrypto_secret_key *key, const char *hash, struct membuf *pt,
                         struct ecrypto_why *why)
{
	int fd = temp_fd(blob, strlen(blob));
	uint64_t size = 0;
	memset(pt, 0, sizeof(*pt));
	bool fine = fc_decrypt_fd(fd, key, hash, to_mem, pt, &size, why);
	close(fd);
	return fine && size == pt->len;
}

static void test_vector(json_object *V)
{
	struct ecrypto_secret_key key;
	uint8_t nonce[24];
	vhex(V, "file.fileKey_hex", key.key, 32);
	vhex(V, "file.fileNonce_hex", nonce, 24);
	const char *pt = vstr(V, "file.plaintext_utf8");
	struct membuf blob;
	struct fc_result res;
	encrypt_pieces(&key, nonce, (const uint8_t *)pt, strlen(pt), &blob, &res);
	is_str((char *)blob.data, vstr(V, "file.uploadBlob_utf8"), "upload blob is byte-identical to the official one");
	is_str(res.cipher_hash_b64, vstr(V, "file.cipherHash_b64url"), "cipherHash");
	is_str(res.plaintext_hash_b64, vstr(V, "file.plaintextHash_b64url"), "plaintextHash");
	is_int(res.size, strlen(pt), "plaintext size");
	struct membuf back;
	struct ecrypto_why why = {{0}};
	ok(decrypt_text((char *)blob.data, &key, vstr(V, "file.cipherHash_b64url"), &back, &why) &&
	           back.len == strlen(pt) && memcmp(back.data, pt, back.len) == 0,
	   "official blob decrypts %s", why.text);
	free(back.data);
	free(blob.data);
}

static void test_sizes(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 63, 64, 65, 127, 1000, 49151, 49152, 49153, 1048583};
	struct ecrypto_secret_key key;
	ecrypto_secret_key_generate(&key);
	int same = 0, back_ok = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		uint8_t *pt = malloc(len + 1), nonce[24];
		randombytes_buf(pt, len);
		randombytes_buf(nonce, sizeof(nonce));
		struct membuf blob;
		struct fc_result res;
		encrypt_pieces(&key, nonce, pt, len, &blob, &res);
		struct ecrypto_cipher c;
		ecrypto_encrypt(&key, pt, len, nonce, &c, NULL);
		char *json = ecrypto_cipher_to_json(&c, true);
		same += strcmp(json, (char *)blob.data) == 0;
		struct membuf back;
		struct ecrypto_why why = {{0}};
		back_ok += decrypt_text((char *)blob.data, &key, res.cipher_hash_b64, &back, &why) && back.len == len &&
		           (len == 0 || memcmp(back.data, pt, len) == 0);
		free(back.data);
		ecrypto_free_text(json);
		ecrypto_cipher_free(&c);
		free(blob.data);
		free(pt);
	}
	is_int(same, 16, "streamed blob equals the one-shot CryptoCipher JSON for 16 sizes (0 B .. 1 MiB+7)");
	is_int(back_ok, 16, "and each decrypts back to the same bytes");
}

struct bad_blob {
	const char *name;
	const char *blob;
	const char *why_has;
};

static void test_refusals(json_object *V)
{
	struct ecrypto_secret_key key;
	vhex(V, "file.fileKey_hex", key.key, 32);
	const char *good = vstr(V, "file.uploadBlob_utf8");
	struct membuf pt;
	struct ecrypto_why why = {{0}};

	/* nnc first, spaces, no @type: still fine */
	json_object *o = json_tokener_parse(good);
	char reordered[512];
	snprintf(reordered, sizeof(reordered), "{ \"nnc\" : \"%s\", \"alg\":3 ,\"cph\":\"%s\" }",
	         json_object_get_string(json_object_object_get(o, "nnc")),
	         json_object_get_string(json_object_object_get(o, "cph")));
	ok(decrypt_text(reordered, &key, NULL, &pt, &why) && pt.len == strlen(vstr(V, "file.plaintext_utf8")),
	   "another key order decrypts %s", why.text);
	free(pt.data);

	char tampered[512];
	snprintf(tampered, sizeof(tampered), "%s", good);
	tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
	char wrong_alg[512], with_cnt[600];
	snprintf(wrong_alg, sizeof(wrong_alg), "%s", reordered);
	*strstr(wrong_alg, "3 ,") = '2';
	snprintf(with_cnt, sizeof(with_cnt), "{\"cnt\":1,%s", reordered + 1);
	const struct bad_blob bad[] = {
	        {"tampered ciphertext", tampered, "authentication"},
	        {"wrong algorithm", wrong_alg, "alg"},
	        {"cnt instead of a nonce", with_cnt, "nnc"},
	        {"not JSON", "hello", "not a JSON object"},
	        {"truncated", "{\"cph\":\"abc", "malformed"},
	        {"no cph", "{\"alg\":3}", "cph is missing"},
	        {"short cph", "{\"cph\":\"AAAA\",\"alg\":3,\"nnc\":\"2Nna29zd3t_g4eLj5OXm5-jp6uvs7e7v\"}",
	         "cannot hold"},
	        {"bad base64 in cph", "{\"cph\":\"AA+A\",\"alg\":3}", "malformed"},
	        {"empty file", "", "not a JSON object"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&why, 0, sizeof(why));
		ok(!decrypt_text(bad[i].blob, &key, NULL, &pt, &why) && strstr(why.text, bad[i].why_has) && pt.len == 0,
		   "%s refused, nothing released: %s", bad[i].name, why.text);
		free(pt.data);
	}
	memset(&why, 0, sizeof(why));
	ok(!decrypt_text(good, &key, vstr(V, "file.plaintextHash_b64url"), &pt, &why) && strstr(why.text, "cipherHash"),
	   "a wrong cipherHash is refused: %s", why.text);
	free(pt.data);
	struct ecrypto_secret_key other;
	ecrypto_secret_key_generate(&other);
	ok(!decrypt_text(good, &other, NULL, &pt, &why) && strstr(why.text, "authentication"),
	   "another key is refused");
	free(pt.data);
	json_object_put(o);
}

int main(void)
{
	if (ecrypto_init() != ECRYPTO_OK)
		return 1;
	json_object *V = vectors_load();
	test_vector(V);
	test_sizes();
	test_refusals(V);
	json_object_put(V);
	return tap_done();
}
