/*
 * account/health.h: the Backbone checks of GET /health (connector-modules.md §4.1) for the HTTP
 * worker's health thread. Both are blocking and bounded (platformTimeout, at most 5 s for the
 * connection check); safe on a helper thread (curl_global_init must have run).
 *   backboneConnection:     GET <baseUrl>/health answers 2xx.
 *   backboneAuthentication: a fresh login with the device credentials stored in the account's
 *                           schema succeeds; a success is reused for 5 minutes like the original.
 *                           When the schema has no identity yet, the check creates it first (the
 *                           original creates it at start, whatever modules are enabled).
 */
#ifndef CONNECTOR_ACCOUNT_HEALTH_H
#define CONNECTOR_ACCOUNT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define ACCOUNT_HEALTH_AUTH_CACHE_MS (5 * 60 * 1000)

bool account_health_backbone_connection(json_object *config, char *why, size_t why_len);
bool account_health_backbone_authentication(json_object *config, char *why, size_t why_len);

#endif
