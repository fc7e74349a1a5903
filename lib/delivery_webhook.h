/*
 * delivery_webhook.h: the webhooks module's configuration and wire format, process-free.
 *
 * Configuration (modules.webhooks, the original's v2 shape; modules.webhooksV2 is merged in by
 * config_load): targets {name: {url, headers?, authentication?, secret?}}, webhooks [{triggers[],
 * target: name | inline target}], skipTlsCheck. Parsing follows the original's order (named targets
 * first, then webhooks) and stops at the first error with the original's code and message:
 *   error.runtime.modules.webhooks.invalidUrlFormat        '<url>' is not a valid URL.
 *   error.runtime.modules.webhooks.invalidTargetReference  Invalid configuration. target '<name>' not found!
 *   error.runtime.modules.webhooks.invalidAuthenticationConfig  (HEAD's code for a bad authentication block)
 * Keys added here (doc/delivery.md): targets.*.secret (Standard Webhooks signing secret, whsec_...),
 * requestTimeoutMs (15000), retrySchedule (ms array), leaseMs, batchSize, maxInFlight, sweepMs.
 *
 * Body: {"data":<event data>,"trigger":"<namespace>"}, the bytes JSON.stringify({data, trigger})
 * gives (data as PostgreSQL stored it, compact; the key "data" is omitted when the event has none).
 */
#ifndef CONNECTOR_DELIVERY_WEBHOOK_H
#define CONNECTOR_DELIVERY_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "delivery.h"

enum webhook_auth_type { WEBHOOK_AUTH_NONE, WEBHOOK_AUTH_API_KEY, WEBHOOK_AUTH_OAUTH2 };

struct webhook_auth {
	enum webhook_auth_type type;
	char *api_key, *header_name;                                /* ApiKey (header default x-api-key) */
	char *access_token_url, *client_id, *client_secret, *scope; /* OAuth2 client credentials */
};

struct webhook_target {
	char *name; /* NULL for an inline target */
	char *url;  /* may contain {{trigger}} (the first occurrence is replaced) */
	char **header_names, **header_values;
	int header_count;
	struct webhook_auth auth;
	unsigned char *secret; /* decoded signing key (NULL: unsigned) */
	size_t secret_len;
};

struct webhook_hook {
	int index; /* 1-based position in modules.webhooks.webhooks */
	char **triggers;
	int trigger_count;
	struct webhook_target *target; /* a named target of the config, or its own inline one */
	bool inline_target;
	char *consumer_id; /* webhook:<index>:<target name | inline> */
};

struct webhook_config {
	bool enabled, skip_tls_check;
	struct webhook_target *targets;
	int target_count;
	struct webhook_hook *hooks;
	int hook_count;
	int64_t request_timeout_ms;
	int lease_ms, batch_size, max_in_flight, sweep_ms;
	struct delivery_schedule schedule;
};

struct webhook_error {
	char code[96];
	char message[768];
};

/* Parses modules.webhooks of the effective configuration root. False: err holds code and message. */
bool webhook_config_parse(json_object *root, struct webhook_config *out, struct webhook_error *err);
void webhook_config_free(struct webhook_config *cfg);
const struct webhook_hook *webhook_config_hook(const struct webhook_config *cfg, const char *consumer_id);

/* The URL for one event: the first "{{trigger}}" replaced by the namespace (malloc'd). */
char *webhook_url_for(const char *url_template, const char *namespace);
/* The body bytes (malloc'd, *len set). data_json NULL or "null" with has_data false omits "data". */
char *webhook_body(const char *data_json, const char *namespace, size_t *len);

/*
 * Standard Webhooks signature header value "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>".
 * out needs WEBHOOK_SIGNATURE_LEN bytes.
 */
#define WEBHOOK_SIGNATURE_LEN 64
void webhook_sign(const unsigned char *key, size_t key_len, const char *msg_id, int64_t timestamp, const char *body,
                  size_t body_len, char out[WEBHOOK_SIGNATURE_LEN]);
/* Decodes a "whsec_<base64>" secret (or plain base64); false when it is not base64 of 1..64 bytes. */
bool webhook_secret_decode(const char *text, unsigned char **key, size_t *key_len);

/* EventEmitter2 (wildcard, delimiter '.') match of one trigger pattern: '*' one segment, '**' any number. */
bool webhook_trigger_matches(const char *pattern, const char *namespace);
/* The outbox subscription for a trigger: the namespace itself, "*" for "**", else "~<regex>". */
char *webhook_trigger_subscription(const char *pattern);

/* Retry-After (seconds or an HTTP date) in ms from now, -1 when absent or unparsable. */
int64_t webhook_parse_retry_after(const char *value, int64_t now_epoch_ms);

#endif
