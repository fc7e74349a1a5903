/*
 * runtime/sync_handlers.c: the relationship and template handlers of the sync dispatch table
 * (sync/sync.h, table in sync/dispatch.c): RelationshipStatusChanged,
 * RelationshipReactivationRequested/-Completed, PeerToBeDeleted, PeerDeletionCancelled, PeerDeleted
 * and RelationshipTemplateAllocationsExhausted. Each applies its event in the sync's open
 * transaction through runtime/relationships.h and reports the outcome.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "runtime/relationships.h"
#include "sync/sync.h"

static const char *payload_str(const struct sync_event *event, const char *key)
{
	json_object *v = NULL;
	if (!event->payload || !json_object_object_get_ex(event->payload, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Maps a runtime outcome to the sync's: transport problems abort the run, the rest fail the event. */
static enum sync_event_result outcome(struct sync_context *ctx, const struct sync_event *event, bool ok, bool skipped,
                                      const struct runtime_error *err)
{
	if (ok)
		(void)skipped; /* nothing to apply is applied, too */
	return SYNC_EVENT_APPLIED;
	snprintf(ctx->error_code, sizeof(ctx->error_code), "%s", err->code);
	snprintf(ctx->message, sizeof(ctx->message), "%s", err->message);
	log_warn("Sync", "external event %s (%s) failed: %s %s", event->id, event->type, err->code, err->message);
	if (strncmp(err->code, "error.transport.request", 23) == 0 || strcmp(err->code, RT_ERR_UNEXPECTED) == 0)
		return SYNC_EVENT_ABORT;
	return SYNC_EVENT_FAILED;
}

static enum sync_event_result missing_field(struct sync_context *ctx, const struct sync_event *event, const char *key)
{
	snprintf(ctx->error_code, sizeof(ctx->error_code), "error.transport.unknown");
	snprintf(ctx->message, sizeof(ctx->message), "external event %s (%s): payload.%s is missing", event->id,
	         event->type, key);
	return SYNC_EVENT_FAILED;
}

static enum sync_event_result apply_remote(struct sync_context *ctx, const struct sync_event *event,
                                           const char *extra_namespace)
{
	struct runtime rt = {ctx->db, ctx->client, ctx->identity};
	struct runtime_error err = {.remote_status = 0};
	const char *id = payload_str(event, "relationshipId");
	bool skipped = false;
	if (!id)
		return missing_field(ctx, event, "relationshipId");
	bool ok = rt_relationship_apply_remote(&rt, id, extra_namespace, &skipped, &err);
	return outcome(ctx, event, ok, skipped, &err);
}

enum sync_event_result sync_handle_relationship_status_changed(struct sync_context *ctx, const struct sync_event *event)
{
	return apply_remote(ctx, event, NULL);
}

enum sync_event_result sync_handle_relationship_reactivation_requested(struct sync_context *ctx,
                                                                       const struct sync_event *event)
{
	return apply_remote(ctx, event, "transport.relationshipReactivationRequested");
}

enum sync_event_result sync_handle_relationship_reactivation_completed(struct sync_context *ctx,
                                                                       const struct sync_event *event)
{
	return apply_remote(ctx, event, "transport.relationshipReactivationCompleted");
}

static enum sync_event_result peer_deletion(struct sync_context *ctx, const struct sync_event *event,
                                            const char *status, const char *namespace)
{
	struct runtime rt = {ctx->db, ctx->client, ctx->identity};
	struct runtime_error err = {.remote_status = 0};
	const char *id = payload_str(event, "relationshipId");
	bool skipped = false;
	if (!id)
		return missing_field(ctx, event, "relationshipId");
	bool ok = rt_relationship_peer_deletion(&rt, id, status, payload_str(event, "deletionDate"), namespace,
	                                        &skipped, &err);
	return outcome(ctx, event, ok, skipped, &err);
}

enum sync_event_result sync_handle_peer_to_be_deleted(struct sync_context *ctx, const struct sync_event *event)
{
	return peer_deletion(ctx, event, "ToBeDeleted", "transport.peerToBeDeleted");
}

enum sync_event_result sync_handle_peer_deletion_cancelled(struct sync_context *ctx, const struct sync_event *event)
{
	return peer_deletion(ctx, event, NULL, "transport.peerDeletionCancelled");
}

enum sync_event_result sync_handle_peer_deleted(struct sync_context *ctx, const struct sync_event *event)
{
	return peer_deletion(ctx, event, "Deleted", "transport.peerDeleted");
}

enum sync_event_result sync_handle_template_allocations_exhausted(struct sync_context *ctx,
                                                                  const struct sync_event *event)
{
	struct runtime rt = {ctx->db, ctx->client, ctx->identity};
	struct runtime_error err = {.remote_status = 0};
	const char *id = payload_str(event, "relationshipTemplateId");
	bool skipped = false;
	if (!id)
		return missing_field(ctx, event, "relationshipTemplateId");
	bool ok = rt_template_allocations_exhausted(&rt, id, &skipped, &err);
	return outcome(ctx, event, ok, skipped, &err);
}
