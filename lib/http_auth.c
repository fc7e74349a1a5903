/*
 * http_auth.c: API key configuration and constant-time checking (see http_auth.h). Invariant: no
 * plaintext key is kept after http_auth_load() returns.
 */
#include "http_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "timeutil.h"

#define KEYS_PATH "infrastructure.httpServer.authentication.apiKey"

static json_object *child(json_object *obj, const char *key)
{
	json_object *out = NULL;
	if (obj && json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &out))
		return out;
	return NULL;
}

static void hash_key(const struct http_auth *auth, const char *key, uint8_t out[HTTP_AUTH_HASH_BYTES])
{
	crypto_generichash(out, HTTP_AUTH_HASH_BYTES, (const unsigned char *)key, strlen(key), auth->hash_key,
	                   sizeof(auth->hash_key));
}

static int add_key(struct http_auth *auth, const char *name, const char *key, bool enabled, int64_t expires_ms)
{
	struct http_auth_key *grown = realloc(auth->keys, (auth->key_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	auth->keys = grown;
	struct http_auth_key *entry = &auth->keys[auth->key_count];
	entry->name = strdup(name);
	if (!entry->name)
		return -1;
	entry->enabled = enabled;
	entry->expires_ms = expires_ms;
	hash_key(auth, key, entry->hash);
	auth->key_count++;
	return 0;
}

static bool key_already_present(const struct http_auth *auth, const char *key)
{
	uint8_t hash[HTTP_AUTH_HASH_BYTES];
	hash_key(auth, key, hash);
	for (size_t i = 0; i < auth->key_count; i++)
		if (sodium_memcmp(hash, auth->keys[i].hash, sizeof(hash)) == 0)
			return true;
	return false;
}

/* One entry of authentication.apiKey.keys. */
static int load_named_key(struct http_auth *auth, const char *name, json_object *entry, char *err, size_t err_len)
{
	json_object *key = child(entry, "key"), *enabled = child(entry, "enabled"),
	            *expires = child(entry, "expiresAt");
	if (!json_object_is_type(entry, json_type_object) || !json_object_is_type(key, json_type_string) ||
	    json_object_get_string_len(key) == 0) {
		snprintf(err, err_len, KEYS_PATH ".keys.%s.key: expected a non-empty string", name);
		return -1;
	}
	if (enabled && !json_object_is_type(enabled, json_type_boolean)) {
		snprintf(err, err_len, KEYS_PATH ".keys.%s.enabled: expected a boolean", name);
		return -1;
	}
	int64_t expires_ms = 0;
	if (expires && (!json_object_is_type(expires, json_type_string) ||
	                !time_parse_iso(json_object_get_string(expires), &expires_ms))) {
		snprintf(err, err_len, KEYS_PATH ".keys.%s.expiresAt: expected an ISO 8601 date", name);
		return -1;
	}
	if (key_already_present(auth, json_object_get_string(key))) {
		snprintf(err, err_len, KEYS_PATH ".keys.%s.key: the same key is configured twice", name);
		return -1;
	}
	if (add_key(auth, name, json_object_get_string(key), !enabled || json_object_get_boolean(enabled),
	            expires_ms) != 0) {
		snprintf(err, err_len, KEYS_PATH ".keys.%s: out of memory", name);
		return -1;
	}
	return 0;
}

static int load_key_block(struct http_auth *auth, json_object *block, char *err, size_t err_len)
{
	if (!json_object_is_type(block, json_type_object)) {
		snprintf(err, err_len, KEYS_PATH ": expected an object");
		return -1;
	}
	json_object *enabled = child(block, "enabled"), *header = child(block, "headerName"),
	            *keys = child(block, "keys");
	if (enabled && !json_object_is_type(enabled, json_type_boolean)) {
		snprintf(err, err_len, KEYS_PATH ".enabled: expected a boolean");
		return -1;
	}
	if (enabled && !json_object_get_boolean(enabled))
		return 0;
	if (header) {
		const char *name = json_object_get_string(header);
		if (!json_object_is_type(header, json_type_string) || !*name ||
		    strlen(name) >= sizeof(auth->header_name) || strpbrk(name, " \t\r\n:")) {
			snprintf(err, err_len, KEYS_PATH ".headerName: expected an HTTP header name");
			return -1;
		}
		snprintf(auth->header_name, sizeof(auth->header_name), "%s", name);
	}
	if (keys && !json_object_is_type(keys, json_type_object)) {
		snprintf(err, err_len, KEYS_PATH ".keys: expected an object of named keys");
		return -1;
	}
	json_object_object_foreach(keys, name, entry)
	{
		if (load_named_key(auth, name, entry, err, err_len) != 0)
			return -1;
	}
	return 0;
}

int http_auth_load(struct http_auth *auth, json_object *config_root, char *err, size_t err_len)
{
	memset(auth, 0, sizeof(*auth));
	snprintf(auth->header_name, sizeof(auth->header_name), "%s", HTTP_AUTH_DEFAULT_HEADER);
	randombytes_buf(auth->hash_key, sizeof(auth->hash_key));
	json_object *server = child(child(config_root, "infrastructure"), "httpServer");
	json_object *old_key = child(server, "apiKey");
	if (old_key && !json_object_is_type(old_key, json_type_string) &&
	    !json_object_is_type(old_key, json_type_null)) {
		snprintf(err, err_len, "infrastructure.httpServer.apiKey: expected a string");
		return -1;
	}
	if (old_key && json_object_get_string_len(old_key) > 0 &&
	    add_key(auth, "apiKey", json_object_get_string(old_key), true, 0) != 0) {
		snprintf(err, err_len, "infrastructure.httpServer.apiKey: out of memory");
		return -1;
	}
	json_object *block = child(child(server, "authentication"), "apiKey");
	if (block && load_key_block(auth, block, err, err_len) != 0) {
		http_auth_free(auth);
		return -1;
	}
	return 0;
}

void http_auth_free(struct http_auth *auth)
{
	for (size_t i = 0; i < auth->key_count; i++)
		free(auth->keys[i].name);
	free(auth->keys);
	auth->keys = NULL;
	auth->key_count = 0;
	sodium_memzero(auth->hash_key, sizeof(auth->hash_key));
}

bool http_auth_is_open(const struct http_auth *auth)
{
	return auth->key_count == 0;
}

enum http_auth_result http_auth_check(const struct http_auth *auth, const char *presented, int64_t now_ms,
                                      const char **key_name)
{
	*key_name = NULL;
	if (http_auth_is_open(auth))
		return HTTP_AUTH_OPEN;
	if (!presented || !*presented)
		return HTTP_AUTH_MISSING;
	uint8_t hash[HTTP_AUTH_HASH_BYTES];
	hash_key(auth, presented, hash);
	const struct http_auth_key *found = NULL;
	for (size_t i = 0; i < auth->key_count; i++) {
		bool equal = sodium_memcmp(hash, auth->keys[i].hash, sizeof(hash)) == 0;
		if (equal && auth->keys[i].enabled)
			found = &auth->keys[i];
	}
	if (!found)
		return HTTP_AUTH_INVALID;
	if (found->expires_ms && now_ms >= found->expires_ms)
		return HTTP_AUTH_EXPIRED;
	*key_name = found->name;
	return HTTP_AUTH_OK;
}
