/*
 * test_crypto_errors.c: strict parsing, case by case: each malformed input gets the expected
 * error class and a message naming the object and field. Also the base64 codecs and the argument
 * checks of KDF, password hashing, states and references.
 */
#include "base64.h"
#include "tap.h"
#include "test_crypto_common.h"

static const char KEY[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"; /* 32 bytes */
static const char NONCE[] = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZX";          /* 24 bytes */
static const char CPH[] = "YdhIm9WM--PsbVkTZxw3eQ";                      /* 16 bytes */

static void expect(enum ecrypto_err got, struct ecrypto_why *why, enum ecrypto_err want, const char *fragment,
                   const char *name)
{
	if (!ok(got == want && strstr(why->text, fragment), "%s -> %s", name, why->text))
		diag("got %d (%s), want %d containing '%s'", got, ecrypto_error_message(got), want, fragment);
	why->text[0] = 0;
}

static void test_base64(void)
{
	uint8_t out[64];
	size_t n;
	char err[160];
	ok(b64_decode(B64_URL, "-__-AAH_Pj8", 11, out, sizeof(out), &n, err, sizeof(err)) && n == 8, "b64url decodes");
	ok(b64_decode(B64_STD, "+//+AAH/Pj8=", 12, out, sizeof(out), &n, err, sizeof(err)) && n == 8, "b64std decodes");
	ok(!b64_decode(B64_URL, "+//+AAH/Pj8", 11, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "standard"),
	   "b64url rejects the standard alphabet: %s", err);
	ok(!b64_decode(B64_STD, "-__-AAH_Pj8=", 12, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "base64url"),
	   "b64std rejects the url alphabet: %s", err);
	ok(!b64_decode(B64_URL, "-__-AAH_Pj8=", 12, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "padding"),
	   "b64url rejects padding: %s", err);
	ok(!b64_decode(B64_STD, "+//+AAH/Pj8", 11, out, sizeof(out), &n, err, sizeof(err)) &&
	           strstr(err, "multiple of 4"),
	   "b64std requires padding: %s", err);
	ok(!b64_decode(B64_STD, "+//+AAH/Pj==", 12, out, sizeof(out), &n, err, sizeof(err)),
	   "b64std: wrong padding: %s", err);
	ok(!b64_decode(B64_URL, "AAAAA", 5, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "impossible"),
	   "b64url: impossible length: %s", err);
	ok(!b64_decode(B64_URL, "AB", 2, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "trailing bits"),
	   "b64url: non-canonical trailing bits: %s", err);
	ok(!b64_decode(B64_URL, "AA AA", 5, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "offset 2"),
	   "b64url: space rejected with its offset: %s", err);
	ok(!b64_decode(B64_URL, "AA\nA", 4, out, sizeof(out), &n, err, sizeof(err)) && strstr(err, "0x0a"),
	   "b64url: newline rejected: %s", err);
	ok(b64_decode(B64_URL, "", 0, out, sizeof(out), &n, err, sizeof(err)) && n == 0, "empty decodes to nothing");
	char enc[32];
	is_str(b64_encode(B64_STD, (const uint8_t *)"\xfb\xff\xfe", 3, enc), "+//+", "b64std encodes");
	is_str(b64_encode(B64_URL, (const uint8_t *)"\xfb\xff", 2, enc), "-_8", "b64url encodes without padding");
}

/* The table codec (long data) must agree with libsodium and be as strict. */
static void test_base64_long(void)
{
	static uint8_t bin[700], back[700];
	static char mine[1000], ref[1000], err[160];
	int agree = 1, strict = 1;
	randombytes_buf(bin, sizeof(bin));
	for (size_t n = 0; n < sizeof(bin); n += 7) {
		for (int v = 0; v < 2; v++) {
			int sv = v == B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING
			                      : sodium_base64_VARIANT_ORIGINAL;
			size_t got;
			b64_encode((enum b64_variant)v, bin, n, mine);
			sodium_bin2base64(ref, sizeof(ref), bin, n, sv);
			agree &= strcmp(mine, ref) == 0;
			agree &= b64_decode((enum b64_variant)v, mine, strlen(mine), back, sizeof(back), &got, err,
			                    sizeof(err)) &&
			         got == n && memcmp(back, bin, n) == 0;
			if (n % 3 != 0 && n > 0) { /* flip the unused low bits of the last character */
				size_t len = strlen(mine), last = len - 1;
				while (mine[last] == '=')
					last--;
				mine[last] = 'B'; /* value 1: sets a bit that the encoding leaves zero */
				strict &= !b64_decode((enum b64_variant)v, mine, len, back, sizeof(back), &got, err,
				                      sizeof(err));
			}
		}
	}
	ok(agree, "table codec and libsodium agree on every length 0..700 (both alphabets)");
	ok(strict, "set trailing bits are rejected at every length (both codecs)");
	memset(mine, 'A', 400);
	mine[400] = 0;
	mine[399] = 'B';
	size_t got;
	ok(b64_decode(B64_URL, mine, 400, back, sizeof(back), &got, err, sizeof(err)) && got == 300,
	   "400 characters ending in B decode (no partial group)");
	mine[398] = 'B';
	mine[399] = 0;
	ok(!b64_decode(B64_URL, mine, 399, back, sizeof(back), &got, err, sizeof(err)) && strstr(err, "trailing bits"),
	   "long input with set trailing bits is rejected: %s", err);
	memset(mine, 'A', 400);
	mine[300] = '/';
	ok(!b64_decode(B64_URL, mine, 400, back, sizeof(back), &got, err, sizeof(err)) && strstr(err, "offset 300"),
	   "long input with a standard character is rejected at its offset: %s", err);
	mine[300] = '=';
	ok(!b64_decode(B64_URL, mine, 400, back, sizeof(back), &got, err, sizeof(err)) && strstr(err, "padding"),
	   "long input with '=' inside is rejected: %s", err);
}

static void test_cipher_errors(void)
{
	struct ecrypto_cipher c;
	struct ecrypto_why why = {{0}};
	char j[400];
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"nnc\":\"%s\",\"cnt\":1}", CPH, NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_VALUE, "exactly one of nnc",
	       "both nnc and cnt");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_VALUE, "neither", "neither nnc nor cnt");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"nnc\":\"AAECAwQFBgcICQoL\"}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_LENGTH,
	       "CryptoCipher.nnc: expected 24 bytes, got 12", "12-byte nonce");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":1,\"nnc\":\"%s\"}", CPH, NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_ALGORITHM, "CryptoCipher.alg",
	       "AES128_GCM (1)");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":2,\"nnc\":\"%s\"}", CPH, NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_ALGORITHM, "unsupported algorithm 2",
	       "AES256_GCM (2)");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"cnt\":-1}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_VALUE, "CryptoCipher.cnt: -1 out of range",
	       "negative counter");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"cnt\":4294967296}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_VALUE, "out of range", "counter 2^32");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"cnt\":99999999999999999999999}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_VALUE, "out of range", "huge counter");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"cnt\":1.5}", CPH);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_FIELD_TYPE,
	       "CryptoCipher.cnt: expected an integer", "fractional counter");
	snprintf(j, sizeof(j), "{\"cph\":\"AAAA\",\"alg\":3,\"nnc\":\"%s\"}", NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_LENGTH, "CryptoCipher.cph: expected 16..",
	       "cph shorter than the tag");
	snprintf(j, sizeof(j), "{\"cph\":null,\"alg\":3,\"nnc\":\"%s\"}", NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_MISSING, "CryptoCipher.cph: missing",
	       "cph null");
	snprintf(j, sizeof(j), "{\"cph\":12,\"alg\":3,\"nnc\":\"%s\"}", NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_FIELD_TYPE,
	       "CryptoCipher.cph: expected a string", "cph number");
	snprintf(j, sizeof(j), "{\"cph\":\"%s\",\"alg\":3,\"nnc\":\"%s\",\"@type\":\"CryptoSecretKey\"}", CPH, NONCE);
	expect(ecrypto_cipher_from_json(j, &c, &why), &why, ECRYPTO_ERR_TYPE_NAME, "CryptoCipher.@type", "wrong @type");
	expect(ecrypto_cipher_from_json("{\"cph\":'x'}", &c, &why), &why, ECRYPTO_ERR_JSON,
	       "CryptoCipher: invalid JSON", "single-quoted string");
	expect(ecrypto_cipher_from_json("{\"a\":1,}", &c, &why), &why, ECRYPTO_ERR_JSON, "invalid JSON",
	       "trailing comma");
	expect(ecrypto_cipher_from_base64("e30=", &c, &why), &why, ECRYPTO_ERR_BASE64, "padding",
	       "toBase64 with padding");
	expect(ecrypto_cipher_from_base64("e30", &c, &why), &why, ECRYPTO_ERR_MISSING, "CryptoCipher.alg: missing",
	       "toBase64 of {}");

	/* decrypt-side errors */
	struct ecrypto_secret_key key = {{0}}, other = {{1}};
	uint8_t *pt;
	size_t pl;
	ecrypto_encrypt(&key, "hi", 2, NULL, &c, NULL);
	expect(ecrypto_decrypt(&other, &c, &pt, &pl, &why), &why, ECRYPTO_ERR_DECRYPT, "authentication failed",
	       "wrong key");
	c.cph[0] ^= 1;
	expect(ecrypto_decrypt(&key, &c, &pt, &pl, &why), &why, ECRYPTO_ERR_DECRYPT, "authentication", "tampered cph");
	expect(ecrypto_decrypt_counter(&key, c.nnc, &c, &pt, &pl, &why), &why, ECRYPTO_ERR_VALUE, "not a counter-mode",
	       "nonce cipher given to counter decrypt");
	ecrypto_cipher_free(&c);
	ecrypto_encrypt_counter(&key, (const uint8_t *)"012345678901234567890123", 5, "hi", 2, &c, NULL);
	expect(ecrypto_decrypt(&key, &c, &pt, &pl, &why), &why, ECRYPTO_ERR_VALUE, "counter mode",
	       "counter cipher given to nonce decrypt");
	ecrypto_cipher_free(&c);
}

static void test_key_errors(void)
{
	struct ecrypto_why why = {{0}};
	struct ecrypto_secret_key sk;
	struct ecrypto_sig_keypair skp;
	struct ecrypto_exchange_keypair xkp;
	char j[600];
	snprintf(j, sizeof(j), "{\"key\":\"%s\",\"alg\":4}", KEY);
	expect(ecrypto_secret_key_from_json(j, &sk, &why), &why, ECRYPTO_ERR_ALGORITHM, "CryptoSecretKey.alg", "alg 4");
	expect(ecrypto_secret_key_from_json("{\"key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg\",\"alg\":3}", &sk,
	                                    &why),
	       &why, ECRYPTO_ERR_LENGTH, "CryptoSecretKey.key: expected 32 bytes, got 31", "31-byte key");
	static const struct ecrypto_secret_key zero;
	ok(memcmp(&sk, &zero, sizeof(sk)) == 0, "failed parse leaves the key zeroed");
	snprintf(j, sizeof(j),
	         "{\"pub\":{\"pub\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"alg\":3},\"prv\":{\"prv\":\"%s\","
	         "\"alg\":3}}",
	         KEY);
	expect(ecrypto_sig_keypair_from_json(j, &skp, &why), &why, ECRYPTO_ERR_LENGTH,
	       "CryptoSignatureKeypair.prv.prv: expected 64 bytes, got 32", "nested field named in the error");
	snprintf(j, sizeof(j), "{\"pub\":{\"pub\":\"%s\",\"alg\":3},\"prv\":{\"prv\":\"%s\",\"alg\":3}}", KEY, KEY);
	expect(ecrypto_exchange_keypair_from_json(j, &xkp, &why), &why, ECRYPTO_ERR_VALUE, "not the public half",
	       "mismatched exchange keypair");
	snprintf(j, sizeof(j), "{\"pub\":{\"pub\":\"%s\",\"alg\":1},\"prv\":{\"prv\":\"%s\",\"alg\":3}}", KEY, KEY);
	expect(ecrypto_exchange_keypair_from_json(j, &xkp, &why), &why, ECRYPTO_ERR_ALGORITHM,
	       "CryptoExchangeKeypair.pub.alg", "ECDH_P256 (1)");
	snprintf(j, sizeof(j), "{\"pub\":\"%s\",\"prv\":{\"prv\":\"%s\",\"alg\":3}}", KEY, KEY);
	expect(ecrypto_exchange_keypair_from_json(j, &xkp, &why), &why, ECRYPTO_ERR_FIELD_TYPE,
	       "CryptoExchangeKeypair.pub: expected an object", "pub as a string");
	struct ecrypto_template_public_key tk;
	snprintf(j, sizeof(j), "{\"id\":\"TRP RTK\",\"pub\":\"%s\",\"alg\":3}", KEY);
	expect(ecrypto_template_public_key_from_json(j, &tk, &why), &why, ECRYPTO_ERR_VALUE,
	       "RelationshipTemplatePublicKey.id", "bad template key id");
	snprintf(j, sizeof(j), "{\"pub\":\"%s\",\"alg\":3}", KEY);
	expect(ecrypto_template_public_key_from_json(j, &tk, &why), &why, ECRYPTO_ERR_MISSING,
	       "RelationshipTemplatePublicKey.id: missing", "template key without id");

	/* the all-zero X25519 key is rejected by crypto_kx */
	struct ecrypto_exchange_public_key zero_pub = {{0}};
	struct ecrypto_exchange_secrets s;
	ecrypto_exchange_keypair_generate(&xkp);
	expect(ecrypto_exchange_derive_requestor(&xkp, &zero_pub, &s, &why), &why, ECRYPTO_ERR_KEY_EXCHANGE, "rejected",
	       "kx with a low-order key");
	ecrypto_exchange_keypair_wipe(&xkp);
}

static void test_state_and_secrets_errors(void)
{
	struct ecrypto_why why = {{0}};
	struct ecrypto_private_state st;
	char j[600];
	snprintf(j, sizeof(j),
	         "{\"nnc\":\"%s\",\"cnt\":0,\"key\":\"%s\",\"alg\":3,\"typ\":1,\"@type\":"
	         "\"CryptoPrivateStateTransmit\"}",
	         NONCE, KEY);
	expect(ecrypto_private_state_from_json(j, &st, &why), &why, ECRYPTO_ERR_TYPE_NAME, "@type",
	       "typ 1 with a transmit @type");
	snprintf(j, sizeof(j), "{\"nnc\":\"%s\",\"cnt\":0,\"key\":\"%s\",\"alg\":3,\"typ\":3}", NONCE, KEY);
	expect(ecrypto_private_state_from_json(j, &st, &why), &why, ECRYPTO_ERR_VALUE, "typ: 3 out of range", "typ 3");
	snprintf(j, sizeof(j), "{\"nnc\":\"%s\",\"cnt\":4294967295,\"key\":\"%s\",\"alg\":3,\"typ\":2}", NONCE, KEY);
	ok(ecrypto_private_state_from_json(j, &st, &why) == ECRYPTO_OK, "transmit state at the last counter parses");
	struct ecrypto_cipher c;
	expect(ecrypto_state_encrypt(&st, "x", 1, &c, &why), &why, ECRYPTO_ERR_VALUE, "exhausted",
	       "exhausted counter refuses to encrypt");
	uint8_t *pt;
	size_t pl;
	expect(ecrypto_state_decrypt(&st, &c, &pt, &pl, &why), &why, ECRYPTO_ERR_VALUE, "only a receive state",
	       "transmit state refuses to decrypt");
	ecrypto_private_state_wipe(&st);

	json_object *V = vectors_load();
	json_object *sj = json_tokener_parse(vstr(V, "relationshipHandshake.CryptoRelationshipSecrets_requestor_json"));
	json_object_object_add(sj, "rx", json_object_get(vpath(sj, "tx")));
	char *bad = strdup(json_object_to_json_string_ext(sj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(sj);
	struct ecrypto_rel_secrets s;
	expect(ecrypto_rel_secrets_from_json(bad, &s, &why), &why, ECRYPTO_ERR_VALUE,
	       "CryptoRelationshipSecrets.rx.typ", "rx holding a transmit state");
	static const struct ecrypto_rel_secrets zero;
	ok(memcmp(&s, &zero, sizeof(s)) == 0, "failed secrets parse leaves the struct zeroed");
	free(bad);
	struct ecrypto_rel_public_response pr;
	bad = strdup(vstr(V, "relationshipHandshake.CryptoRelationshipPublicResponse_json"));
	strstr(bad, "\"typ\":2")[6] = '1';
	ok(ecrypto_rel_public_response_from_json(bad, &pr, &why) == ECRYPTO_OK, "public response with typ 1 parses");
	struct ecrypto_rel_request_secrets rs = {0};
	expect(ecrypto_rel_secrets_from_response(&pr, &rs, &s, &why), &why, ECRYPTO_ERR_VALUE, "sta.typ",
	       "response state must be transmit");
	free(bad);
	json_object_put(V);
}

static void test_derivation_errors(void)
{
	struct ecrypto_why why = {{0}};
	struct ecrypto_secret_key base = {{0}}, out;
	expect(ecrypto_kdf_derive(&base, 1, "SHORT01", &out, &why), &why, ECRYPTO_ERR_VALUE, "8 characters",
	       "7-char context");
	expect(ecrypto_kdf_derive(&base, 2147483648ULL, "DataSync", &out, &why), &why, ECRYPTO_ERR_VALUE, "JS peers",
	       "subkey id 2^31");
	ok(ecrypto_kdf_derive(&base, 2147483647ULL, "DataSync", &out, &why) == ECRYPTO_OK, "subkey id 2^31-1 works");
	uint8_t salt[16] = {0}, key[32];
	expect(ecrypto_password_derive("pw", salt, 0, ECRYPTO_PASSWORD_MEMLIMIT, ECRYPTO_ARGON2ID, key, &why), &why,
	       ECRYPTO_ERR_VALUE, "opslimit", "opslimit 0");
	expect(ecrypto_password_derive("pw", salt, 3, 1024, ECRYPTO_ARGON2ID, key, &why), &why, ECRYPTO_ERR_VALUE,
	       "memlimit", "memlimit 1 KiB");
	expect(ecrypto_password_derive(NULL, salt, 3, ECRYPTO_PASSWORD_MEMLIMIT, ECRYPTO_ARGON2ID, key, &why), &why,
	       ECRYPTO_ERR_MISSING, "password", "NULL password");
	enum ecrypto_pwhash_alg alg;
	expect(ecrypto_pwhash_alg_from_name("scrypt", &alg, &why), &why, ECRYPTO_ERR_ALGORITHM, "argon2id", "scrypt");
	ok(ecrypto_pwhash_alg_from_name("argon2i", &alg, NULL) == ECRYPTO_OK && alg == ECRYPTO_ARGON2I, "argon2i name");
	uint8_t h[64];
	size_t hl;
	expect(ecrypto_hash(ECRYPTO_HASH_BLAKE2B, "x", 1, h, &hl, &why), &why, ECRYPTO_ERR_ALGORITHM, "not supported",
	       "BLAKE2B hash like TS");
}

/* b64url of a text, for building references. */
static char *b64u(const char *text)
{
	return b64_encode_alloc(B64_URL, (const uint8_t *)text, strlen(text));
}

static void expect_ref(const char *plain, enum ecrypto_err want, const char *fragment, const char *name)
{
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	char *t = b64u(plain);
	expect(ecrypto_reference_parse(t, ECRYPTO_REF_ANY, &ref, &why), &why, want, fragment, name);
	free(t);
}

static void test_reference_errors(void)
{
	char p[400];
	struct ecrypto_reference ref;
	struct ecrypto_why why = {{0}};
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s|", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "3 or 5", "4 fields");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|4|%s||", KEY);
	expect_ref(p, ECRYPTO_ERR_ALGORITHM, "reference.key.alg", "alg 4");
	snprintf(p, sizeof(p), "TOKabcdefghij012345|3|%s||", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "reference.id: expected 20", "19-char id");
	snprintf(p, sizeof(p), "MSGabcdefghij0123456|3|%s||", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "TOK, RLT or FIL", "message id");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|AAECAwQFBgcICQoLDA0ODw||");
	expect_ref(p, ECRYPTO_ERR_LENGTH, "reference.key: expected 32 bytes, got 16", "16-byte key");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s=||", KEY);
	expect_ref(p, ECRYPTO_ERR_BASE64, "reference.key: padding", "padded key");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s|1A2B|", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "forIdentityTruncated", "upper-case forIdentity");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s|1a2b3|", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "expected 4 characters", "5-char forIdentity");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pin3&EBESExQVFhcYGRobHB0eHw==", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "passwordType", "pin3");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pin17&EBESExQVFhcYGRobHB0eHw==", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "passwordType", "pin17");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pw&EBESExQVFhcYGRobHB0eHw", KEY);
	expect_ref(p, ECRYPTO_ERR_LENGTH, "salt", "unpadded salt");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pw&EBESExQVFhcYGRobHB0eH_==", KEY);
	expect_ref(p, ECRYPTO_ERR_BASE64, "salt: base64url character", "base64url salt");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pw&EBESExQVFhcYGRobHB0eHw==&100", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "passwordLocationIndicator", "indicator 100");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||pw&EBESExQVFhcYGRobHB0eHw==&1&x", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "2 or 3", "4 password parts (7.0.0 &password)");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456@ftp://x|3|%s||", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "backboneBaseUrl", "ftp base URL");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456@https://|3|%s||", KEY);
	expect_ref(p, ECRYPTO_ERR_VALUE, "no host", "empty host");

	expect(ecrypto_reference_parse("https://b.example/r/TOKabcdefghij0123456", ECRYPTO_REF_ANY, &ref, &why), &why,
	       ECRYPTO_ERR_VALUE, "fragment", "URL without fragment");
	expect(ecrypto_reference_parse("https://b.example/x/TOKabcdefghij0123456#M3x8", ECRYPTO_REF_ANY, &ref, &why),
	       &why, ECRYPTO_ERR_VALUE, "/r/<id>", "URL without /r/");
	snprintf(p, sizeof(p), "TOKabcdefghij0123456|3|%s||", KEY);
	char *t = b64u(p);
	expect(ecrypto_reference_parse(t, ECRYPTO_REF_FILE, &ref, &why), &why, ECRYPTO_ERR_VALUE, "must start with FIL",
	       "token reference where a file reference is expected");
	ok(ecrypto_reference_parse(t, ECRYPTO_REF_TOKEN, &ref, &why) == ECRYPTO_OK, "same text as a token reference");
	char *url = NULL;
	expect(ecrypto_reference_to_url(&ref, NULL, &url, &why), &why, ECRYPTO_ERR_MISSING, "backboneBaseUrl",
	       "toUrl without base URL");
	ecrypto_reference_set_base_url(&ref, "https://b.example", NULL);
	expect(ecrypto_reference_to_url(&ref, "a b", &url, &why), &why, ECRYPTO_ERR_VALUE, "app", "app with a space");
	strcpy(ref.password.type, "pin2");
	ref.has_password = true;
	char *tr = NULL;
	expect(ecrypto_reference_truncate(&ref, &tr, &why), &why, ECRYPTO_ERR_VALUE, "passwordType",
	       "truncate validates the password type");
	ecrypto_reference_free(&ref);
	free(t);
	expect(ecrypto_reference_parse("", ECRYPTO_REF_ANY, &ref, &why), &why, ECRYPTO_ERR_VALUE, "empty",
	       "empty text");
}

int main(void)
{
	test_base64();
	test_base64_long();
	test_cipher_errors();
	test_key_errors();
	test_state_and_secrets_errors();
	test_derivation_errors();
	test_reference_errors();
	for (int e = ECRYPTO_OK; e <= ECRYPTO_ERR_INTERNAL; e++)
		if (!strcmp(ecrypto_error_message((enum ecrypto_err)e), "unknown error"))
			ok(0, "error %d has a message", e);
	ok(strcmp(ecrypto_error_message(ECRYPTO_ERR_BASE64), "invalid base64") == 0, "error names are stable");
	return tap_done();
}
