/*
 * test_crypto_common.h: helpers shared by the crypto unit tests: loading
 * tests/data/crypto-vectors.json (from $CONNECTOR_SRCDIR, or the source tree when run by hand),
 * looking values up by a dotted path, and hex conversion.
 */
#ifndef CONNECTOR_TEST_CRYPTO_COMMON_H
#define CONNECTOR_TEST_CRYPTO_COMMON_H

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((unused)) static json_object *vectors_load(void)
{
	const char *src = getenv("CONNECTOR_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/crypto-vectors.json", src ? src : "..");
	json_object *v = json_object_from_file(path);
	if (!v) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	return v;
}

/* Looks up "a.b.2.c" (numbers index arrays). Bails out when absent, so a typo cannot pass. */
__attribute__((unused)) static json_object *vpath(json_object *root, const char *path)
{
	char buf[512], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	json_object *cur = root;
	for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;
		if (json_object_is_type(cur, json_type_array))
			next = json_object_array_get_idx(cur, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(cur, tok, &next))
			next = NULL;
		if (!next) {
			printf("Bail out! vector %s missing\n", path);
			exit(1);
		}
		cur = next;
	}
	return cur;
}

__attribute__((unused)) static const char *vstr(json_object *root, const char *path)
{
	return json_object_get_string(vpath(root, path));
}

/* Hex of a vector into out (max bytes); returns the byte count. */
__attribute__((unused)) static size_t vhex(json_object *root, const char *path, unsigned char *out, size_t max)
{
	const char *h = vstr(root, path);
	size_t n = 0;
	if (sodium_hex2bin(out, max, h, strlen(h), NULL, &n, NULL) != 0) {
		printf("Bail out! vector %s is not hex\n", path);
		exit(1);
	}
	return n;
}

__attribute__((unused)) static int eq_hex(const unsigned char *b, size_t n, const char *hex)
{
	char *h = malloc(2 * n + 1);
	sodium_bin2hex(h, 2 * n + 1, b, n);
	int r = strcmp(h, hex) == 0;
	free(h);
	return r;
}

#endif
