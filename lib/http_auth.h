/*
 * http_auth.h: API-key authentication of the Core HTTP API.
 *
 * Configuration, both forms accepted (and combined):
 *   infrastructure.httpServer.apiKey                         "<key>"  (4.6.3; key name "apiKey")
 *   infrastructure.httpServer.authentication.apiKey = {enabled?, headerName = "X-API-KEY",
 *       keys: {<name>: {key, enabled? = true, expiresAt? (ISO), description?, scopes?}}}   (today)
 * No key at all (both absent, empty string, or authentication.apiKey.enabled = false with no old
 * key) leaves the API open; the caller logs the original's warning (HTTP_AUTH_OPEN_WARNING).
 * Keys that are configured but all disabled keep the API closed (every request is refused).
 *
 * Comparison: each configured key is stored only as a keyed BLAKE2b hash (random per-process key,
 * 32 bytes); a presented key is hashed the same way and compared with sodium_memcmp against every
 * configured key without stopping at the first match, so timing reveals neither the key nor which
 * key matched. Needs sodium_init().
 */
#ifndef CONNECTOR_HTTP_AUTH_H
#define CONNECTOR_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define HTTP_AUTH_DEFAULT_HEADER "X-API-KEY"
#define HTTP_AUTH_HASH_BYTES     32
#define HTTP_AUTH_OPEN_WARNING \
	"No api key set in config, this Connector runs without any authentication! This is strongly discouraged."

struct http_auth_key {
	char *name;
	uint8_t hash[HTTP_AUTH_HASH_BYTES];
	bool enabled;
	int64_t expires_ms; /* 0: never */
};

struct http_auth {
	char header_name[128];
	struct http_auth_key *keys;
	size_t key_count;
	uint8_t hash_key[32];
};

enum http_auth_result { HTTP_AUTH_OK, HTTP_AUTH_OPEN, HTTP_AUTH_MISSING, HTTP_AUTH_INVALID, HTTP_AUTH_EXPIRED };

/*
 * Reads the configuration root. Returns 0, or -1 with err naming the key path (e.g.
 * "infrastructure.httpServer.authentication.apiKey.keys.k1.key: expected a non-empty string").
 */
int http_auth_load(struct http_auth *auth, json_object *config_root, char *err, size_t err_len);
void http_auth_free(struct http_auth *auth);
bool http_auth_is_open(const struct http_auth *auth);

/*
 * Checks the presented header value (NULL when absent) at now_ms. On HTTP_AUTH_OK *key_name is the
 * matching key's name (owned by auth).
 */
enum http_auth_result http_auth_check(const struct http_auth *auth, const char *presented, int64_t now_ms,
                                      const char **key_name);

#endif
