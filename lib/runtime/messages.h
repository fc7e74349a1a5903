/*
 * runtime/messages.h: messages of the account (Messages routes, the MessageReceived sync handler).
 *
 * Invariants:
 *   - counters: a send locks the recipients' relationship rows, seals the message (advancing each
 *     transmit counter) and commits the advanced secrets BEFORE the request leaves for the
 *     Backbone, so a crash or a failed call can waste counter values but never reuse one;
 *   - a sent message is stored and transport.messageSent (MessageDTO) appended in one transaction
 *     after the Backbone accepted it; a received one is stored with transport.messageReceived in
 *     the sync's transaction of its MessageReceived event;
 *   - dto is the MessageDTO {id, isOwn, content, createdBy, createdByDevice, recipients:[{address,
 *     relationshipId, receivedAt?, receivedByDevice?}], createdAt, attachments:[FIL...], wasReadAt?}.
 */
#ifndef CONNECTOR_RUNTIME_MESSAGES_H
#define CONNECTOR_RUNTIME_MESSAGES_H

#include <stdbool.h>

#include <json-c/json.h>

#include "http_query.h"
#include "runtime/runtime.h"

#define RT_ERR_NO_ACTIVE_RELATIONSHIP "error.transport.messages.hasNoActiveRelationship"

/* recipients: array of address strings (checked by the caller); content: object with @type;
 * attachments: array of FIL ids or NULL. idempotency_key (NULL: none; checked by the caller with
 * msg_send_key_valid): a retried send with the same key and request answers the first one's
 * message and never sends a second (doc/messages-files.md "Retried sends"). */
bool rt_message_send(struct runtime *rt, json_object *recipients, json_object *content, json_object *attachments,
                     const char *idempotency_key, json_object **dto, struct runtime_error *err);
bool rt_messages_list(struct runtime *rt, const struct http_query *query, json_object **list,
                      struct runtime_error *err);
/* The MessageDTO; with_attachments expands attachments into File DTOs (MessageWithAttachmentsDTO). */
bool rt_message_get(struct runtime *rt, const char *id, bool with_attachments, json_object **dto,
                    struct runtime_error *err);
/* The attachment's FileReference JSON (owned) when attachment_id belongs to message id. */
bool rt_message_attachment_ref(struct runtime *rt, const char *id, const char *attachment_id, json_object **ref,
                               struct runtime_error *err);

/* Sync, inside the open transaction: fetch, open, store, emit. *skipped when already stored. */
bool rt_message_receive(struct runtime *rt, const char *id, bool *skipped, struct runtime_error *err);

#endif
