/*
 * runtime/messages_sync.c: the message handlers of the sync dispatch table (sync/sync.h, table in
 * sync/dispatch.c). MessageReceived fetches the message (which marks it received at the Backbone),
 * opens it with the relationship to its sender, loads its attachments' metadata, stores it and
 * appends transport.messageReceived, all in the sync's open transaction. MessageDelivered is no
 * longer emitted by the Backbone: it is recorded and acknowledged. FileOwnershipLocked and
 * FileOwnershipClaimed update the own file and append transport.fileOwnershipLocked / -Claimed.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "runtime/files.h"
#include "runtime/messages.h"
#include "sync/sync.h"

enum sync_event_result sync_handle_message_received(struct sync_context *ctx, const struct sync_event *event)
{
	struct runtime rt = {ctx->db, ctx->client, ctx->identity};
	struct runtime_error err = {.remote_status = 0};
	json_object *v = NULL;
	const char *id = event->payload && json_object_object_get_ex(event->payload, "id", &v) &&
	                                 json_object_is_type(v, json_type_string)
	                         ? json_object_get_string(v)
	                         : NULL;
	if (!id) {
		snprintf(ctx->error_code, sizeof(ctx->error_code), "error.transport.unknown");
		snprintf(ctx->message, sizeof(ctx->message),
		         "external event %s (MessageReceived): payload.id is missing", event->id);
		return SYNC_EVENT_FAILED;
	}
	bool skipped = false;
	if (rt_message_receive(&rt, id, &skipped, &err))
		return SYNC_EVENT_APPLIED;
	snprintf(ctx->error_code, sizeof(ctx->error_code), "%s", err.code);
	snprintf(ctx->message, sizeof(ctx->message), "%s", err.message);
	log_warn("Sync", "message %s of event %s failed: %s %s", id, event->id, err.code, err.message);
	bool transient = strncmp(err.code, "error.transport.request", 23) == 0 ||
	                 strcmp(err.code, RT_ERR_UNEXPECTED) == 0 || (err.remote_status >= 500);
	return transient ? SYNC_EVENT_ABORT : SYNC_EVENT_FAILED;
}

enum sync_event_result sync_handle_message_delivered(struct sync_context *ctx, const struct sync_event *event)
{
	(void)ctx;
	log_debug("Sync", "external event %s (MessageDelivered) recorded: the Backbone no longer emits it", event->id);
	return SYNC_EVENT_RECORDED;
}

static const char *payload_str(const struct sync_event *event, const char *key)
{
	json_object *v = NULL;
	if (!event->payload || !json_object_object_get_ex(event->payload, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static enum sync_event_result file_event(struct sync_context *ctx, const struct sync_event *event, bool claimed)
{
	struct runtime rt = {ctx->db, ctx->client, ctx->identity};
	struct runtime_error err = {.remote_status = 0};
	const char *id = payload_str(event, "fileId"), *owner = claimed ? payload_str(event, "newOwnerAddress") : NULL;
	if (!id || (claimed && !owner)) {
		snprintf(ctx->error_code, sizeof(ctx->error_code), "error.transport.unknown");
		snprintf(ctx->message, sizeof(ctx->message), "external event %s (%s): payload.%s is missing", event->id,
		         event->type, id ? "newOwnerAddress" : "fileId");
		return SYNC_EVENT_FAILED;
	}
	bool skipped = false;
	if (rt_file_ownership_event(&rt, id, owner, &skipped, &err))
		return SYNC_EVENT_APPLIED;
	snprintf(ctx->error_code, sizeof(ctx->error_code), "%s", err.code);
	snprintf(ctx->message, sizeof(ctx->message), "%s", err.message);
	return strcmp(err.code, RT_ERR_UNEXPECTED) == 0 ? SYNC_EVENT_ABORT : SYNC_EVENT_FAILED;
}

enum sync_event_result sync_handle_file_ownership_locked(struct sync_context *ctx, const struct sync_event *event)
{
	return file_event(ctx, event, false);
}

enum sync_event_result sync_handle_file_ownership_claimed(struct sync_context *ctx, const struct sync_event *event)
{
	return file_event(ctx, event, true);
}
