/*
 * backbone/client.h: the Backbone Consumer API client (libcurl, blocking, one per thread).
 *
 * Owns: the transport options of transportLibrary (baseUrl, platformClientId/-Secret,
 * platformTimeout, platformMaxRedirects, platformAdditionalHeaders; proxies come from the usual
 * http_proxy / https_proxy / no_proxy variables, which libcurl reads itself), the device login
 * (POST /connect/token, password grant) with its token cache, the response envelope and the
 * error mapping of backbone-api.md §1.4, pagination, and retries.
 *
 * Invariants:
 *   - the access token is renewed 10 s before expires_in runs out, and once more after a 401
 *     (the request is then repeated once);
 *   - only requests flagged BACKBONE_SAFE (GETs and other idempotent calls) are retried, with
 *     exponential backoff, and only on transport failures, 5xx, 502/503/504 or 429;
 *   - error texts never contain the client secret, the device password or a token.
 */
#ifndef CONNECTOR_BACKBONE_CLIENT_H
#define CONNECTOR_BACKBONE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define BACKBONE_MIN_VERSION 6
#define BACKBONE_MAX_VERSION 7

enum backbone_status {
	BACKBONE_OK = 0,
	BACKBONE_ERR_CONFIG,    /* bad transportLibrary options: retrying cannot help */
	BACKBONE_ERR_TRANSPORT, /* connect/timeout/stream failure: the Backbone is unreachable */
	BACKBONE_ERR_AUTH,      /* the login was refused (error.transport.request.noAuthGrant) */
	BACKBONE_ERR_REQUEST,   /* the Backbone answered with an error (code/status in the response) */
	BACKBONE_ERR_PROTOCOL,  /* the answer is not what the API promises (bad JSON, no result) */
	BACKBONE_ERR_STOPPED,   /* the tick callback asked to stop */
};

/* Request flags. */
#define BACKBONE_AUTH       0x01u /* send the bearer token (log in first when needed) */
#define BACKBONE_DATAWALLET 0x02u /* x-supported-datawallet-version: 1 (sync runs, datawallet) */
#define BACKBONE_SAFE       0x04u /* idempotent: may be retried with backoff */
#define BACKBONE_RAW        0x08u /* no envelope: the whole body is the result (OAuth, /health) */

struct backbone_response {
	enum backbone_status status;
	long http_status;        /* 0 when no answer arrived */
	json_object *result;     /* the envelope's result (owned; NULL for 204) */
	json_object *pagination; /* the envelope's pagination or NULL (owned) */
	char code[128];          /* error code, e.g. error.platform.recordNotFound */
	char message[512];       /* human text naming the call */
};

struct backbone_options {
	const char *base_url;            /* required, http(s)://host[:port] without a trailing path */
	const char *client_id;           /* required */
	const char *client_secret;       /* required */
	long timeout_ms;                 /* total per request, default 60000 */
	long max_redirects;              /* default 10 */
	json_object *additional_headers; /* object of header: string value, or NULL */
	int max_attempts;                /* for BACKBONE_SAFE requests, default 3 */
	int retry_floor_ms;              /* first retry delay, default 200 */
	const char *address_host;        /* addressGenerationHostnameOverride, or NULL: the baseUrl host */
};

struct backbone_client;

/* Called about once a second while a transfer runs or a retry waits; return true to abort. */
typedef bool (*backbone_tick_fn)(void *arg);

/*
 * Reads transportLibrary of the configuration into options (pointers into config). Returns false
 * and writes the reason (naming the key) to err when a required option is missing or malformed.
 */
bool backbone_options_from_config(json_object *config, struct backbone_options *options, char *err, size_t err_len);

/* curl_global_init must have run. Returns NULL and writes the reason when options are bad. */
struct backbone_client *backbone_client_new(const struct backbone_options *options, char *err, size_t err_len);
void backbone_client_free(struct backbone_client *client);
void backbone_client_set_tick(struct backbone_client *client, backbone_tick_fn tick, void *arg);
/* Calls the tick callback now (if one is set): true when it asks to stop. For callers that wait. */
bool backbone_client_tick(struct backbone_client *client);
/* The device credentials used by the login; clears the cached token. */
void backbone_client_set_device(struct backbone_client *client, const char *username, const char *password);
const char *backbone_client_base_url(const struct backbone_client *client);
/* The platform client (sent in POST /api/v2/Identities). */
const char *backbone_client_id(const struct backbone_client *client);
const char *backbone_client_secret(const struct backbone_client *client);
/* The host name of baseUrl. */
const char *backbone_client_host(const struct backbone_client *client);
/* The did:e domain for local address derivation: addressGenerationHostnameOverride or the host. */
const char *backbone_client_address_host(const struct backbone_client *client);

/*
 * One call. path starts with "/" and is appended to baseUrl; body (may be NULL) is sent as JSON.
 * The response is reset first; free it with backbone_response_clear. Returns response->status.
 */
enum backbone_status backbone_call(struct backbone_client *client, const char *method, const char *path,
                                   json_object *body, unsigned flags, struct backbone_response *response);
/* GET of a paged list: follows pagination.totalPages; result is one array of all pages. */
enum backbone_status backbone_get_all(struct backbone_client *client, const char *path, unsigned flags,
                                      struct backbone_response *response);
void backbone_response_clear(struct backbone_response *response);

/* GET of raw bytes (a file's cipher): on 2xx *data (malloc'd) and *len; errors as backbone_call. */
enum backbone_status backbone_download(struct backbone_client *client, const char *path, unsigned flags, uint8_t **data,
                                       size_t *len, struct backbone_response *response);

/* One multipart/form-data field: a text value, or bytes sent as a file part (filename, default
 * "cipher.bin", type application/octet-stream) when data is set. */
struct backbone_part {
	const char *name;
	const char *value;
	const uint8_t *data;
	size_t len;
	const char *filename;
};
/* POST of a multipart/form-data body (POST /api/v2/Files); the answer is read like backbone_call. */
enum backbone_status backbone_post_multipart(struct backbone_client *client, const char *path,
                                             const struct backbone_part *parts, int count, unsigned flags,
                                             struct backbone_response *response);

/* A valid access token (logs in when none is cached or it expires within 10 s). */
enum backbone_status backbone_token(struct backbone_client *client, char **token, struct backbone_response *why);
/* Forgets the cached token (the next call logs in again). */
void backbone_forget_token(struct backbone_client *client);
/* A fresh login, ignoring the cache: the health check backboneAuthentication. */
enum backbone_status backbone_login(struct backbone_client *client, struct backbone_response *why);

/* GET /api/v2/Version: *major gets majorVersion; BACKBONE_ERR_REQUEST with code
 * error.transport.incompatibleBackbone when it is outside [MIN, MAX]. */
enum backbone_status backbone_check_version(struct backbone_client *client, int *major, struct backbone_response *why);

/* GET <baseUrl>/health: true on 2xx (health check backboneConnection). */
bool backbone_health(struct backbone_client *client, char *why, size_t why_len);

/*
 * A new curl easy handle for a streaming GET (SSE) of path (below baseUrl, or an absolute http(s)
 * URL such as modules.sse.baseUrlOverride + "/api/v1/sse"): platformAdditionalHeaders, Accept
 * text/event-stream and the bearer token; *headers_out must be freed (curl_slist_free_all) after
 * the handle. The caller sets the write callback. NULL on allocation failure.
 */
struct curl_slist;
void *backbone_stream_handle(struct backbone_client *client, const char *path, const char *token,
                             struct curl_slist **headers_out);

#endif
