/*
 * runtime/runtime.h: the enmeshed runtime of one account (transport layer): tokens, relationship
 * templates and relationships, stored in the account schema (sql/0004_relationships.sql), talking
 * to the Backbone through backbone/client.h, emitting transport.* events into the outbox in the
 * same transaction as the state change that caused them.
 *
 * Every operation takes a struct runtime (database handle, logged-in Backbone client, the ready
 * identity) and reports failure in a struct runtime_error: the original's error code and message,
 * plus the Backbone's HTTP status when the error is the Backbone's own (remote_status, else 0).
 * Results are DTOs as the Core HTTP API answers them (json-c objects, caller owns the reference).
 *
 * Ordering: an action first talks to the Backbone, then commits the local change together with
 * its events. The Backbone never tells the actor about its own action, so a crash between the two
 * leaves the local row behind until the next change of that relationship (documented in
 * doc/runtime.md).
 */
#ifndef CONNECTOR_RUNTIME_RUNTIME_H
#define CONNECTOR_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "account/identity.h"
#include "backbone/client.h"
#include "crypto/crypto.h"
#include "db.h"

struct runtime {
	struct db *db;
	struct backbone_client *client;
	const struct account_identity *identity;
};

struct runtime_error {
	char code[128];
	char message[512];
	int remote_status; /* the Backbone's HTTP status for its own errors, else 0 */
};

/* Error vocabulary (codes of the original runtime / transport). */
#define RT_ERR_NOT_FOUND       "error.runtime.recordNotFound"
#define RT_ERR_INVALID_VALUE   "error.runtime.validation.invalidPropertyValue"
#define RT_ERR_INVALID_PAYLOAD "error.runtime.validation.invalidPayload"
#define RT_ERR_UNEXPECTED      "error.connector.unexpected"

/* Writes code and message; returns false (so `return rt_fail(...)` reads naturally). */
bool rt_fail(struct runtime_error *err, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failed Backbone call: its code/message; transport failures become error.connector.unexpected-like. */
bool rt_fail_backbone(struct runtime_error *err, const struct backbone_response *response);
/* A failed statement: error.connector.unexpected naming what was being done. */
bool rt_fail_db(struct runtime_error *err, struct runtime *rt, const char *what);
/* A crypto failure (bad reference, bad cipher, bad signature) with its reason. */
bool rt_fail_crypto(struct runtime_error *err, const char *code, const char *what, const struct ecrypto_why *why);
/* HTTP status an error maps to (api_error_status, or the Backbone's own status). */
int rt_error_status(const struct runtime_error *err);

/* JSON text of obj as JavaScript would write it (no escaped slashes). Borrowed from obj. */
const char *rt_json_text(json_object *obj);
/* Parses text into an object; NULL when it is not JSON. */
json_object *rt_json_parse(const char *text, size_t len);
/* A string field or NULL. */
const char *rt_json_str(json_object *obj, const char *key);

/* The device keypair of the account (device signatures). */
bool rt_device_keypair(struct runtime *rt, struct ecrypto_sig_keypair *out, struct runtime_error *err);

/* Appends an event (namespace, data: new reference taken) to the outbox in the open transaction. */
bool rt_emit(struct runtime *rt, const char *namespace, json_object *data, struct runtime_error *err);

/* ISO now with milliseconds (25 bytes). */
void rt_now_iso(char out[32]);
/* True when text is an ISO 8601 date; *ms gets its epoch milliseconds. */
bool rt_parse_date(const char *text, long long *ms);

#endif
