/*
 * messages_sends.h: idempotent message sends keyed by a client-supplied Idempotency-Key
 * (table message_sends, sql/0008_message_sends.sql). Used by messages.c only.
 */
#ifndef CONNECTOR_RUNTIME_MESSAGES_SENDS_H
#define CONNECTOR_RUNTIME_MESSAGES_SENDS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

#define MSG_SEND_KEY_MAX 255

struct msg_send_record {
	bool found;
	bool same_request;    /* the stored request_hash equals this request's */
	char *message_id;     /* set when the message is stored locally (owned) */
	json_object *request; /* the sealed Backbone body (owned) */
};

/* Whether key is a usable Idempotency-Key (1..255 printable ASCII characters). */
bool msg_send_key_valid(const char *key);
/* SHA-256 (hex) of recipients, content (sorted keys) and attachments. */
void msg_send_request_hash(json_object *recipients, json_object *content, json_object *attachments, char out[65]);
/* Session advisory lock of the key (released by unlock or when the session ends, e.g. a kill). */
bool msg_send_lock(struct runtime *rt, const char *key, struct runtime_error *err);
void msg_send_unlock(struct runtime *rt, const char *key);
bool msg_send_load(struct runtime *rt, const char *key, const char *hash, struct msg_send_record *rec,
                   struct runtime_error *err);
void msg_send_record_free(struct msg_send_record *rec);
/* Inside the caller's transaction: the row in state "sending" / its message id. */
bool msg_send_insert(struct runtime *rt, const char *key, const char *hash, json_object *request,
                     struct runtime_error *err);
bool msg_send_complete(struct runtime *rt, const char *key, const char *message_id, struct runtime_error *err);
/* Asks the Backbone whether it already holds the message of request (same body bytes, sent by
 * this identity); *message gets its Backbone JSON (owned) or NULL. */
bool msg_send_find_at_backbone(struct runtime *rt, json_object *request, json_object **message,
                               struct runtime_error *err);

#endif
