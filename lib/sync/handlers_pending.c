/*
 * sync/handlers_pending.c: PLACEHOLDER handlers for the external events whose domain logic belongs
 * to other areas (messages, files, tokens). The relationship, peer and template handlers live in
 * lib/runtime/sync_handlers.c.
 *
 * Each of these RECORDS THE EVENT AND EMITS NOTHING YET: it returns SYNC_EVENT_RECORDED, so the
 * event is acknowledged to the Backbone and kept in external_events (result 'recorded', with its
 * payload) for the real handler to process later. None of them pretends to apply anything.
 *
 * The engineer of each area replaces the function (same name and signature, see sync/sync.h) with
 * one that applies the event in ctx->db's open transaction and appends its transport.* events with
 * outbox_append() in that same transaction, then deletes the placeholder here. What the original
 * does per type is in backbone-api.md §5.
 */
#include "sync/sync.h"

#include "log.h"

static enum sync_event_result recorded(const struct sync_event *event, const char *area)
{
	log_debug("Sync", "external event %s (%s) recorded; its %s handler does not exist yet", event->id, event->type,
	          area);
	return SYNC_EVENT_RECORDED;
}

/* MessageReceived and MessageDelivered: lib/runtime/messages_sync.c (messages area). */

/* FileOwnershipLocked and FileOwnershipClaimed: lib/runtime/messages_sync.c (messages area). */

/* The original has no processor (error.transport.unknown, retried 3 times); we record it and
 * acknowledge it, so the Backbone does not hand it out again. Records only. */
enum sync_event_result sync_handle_token_locked(struct sync_context *ctx, const struct sync_event *event)
{
	(void)ctx;
	return recorded(event, "token");
}

/* As TokenLocked: no processor in the original; recorded and acknowledged. Records only. */
enum sync_event_result sync_handle_peer_feature_flags_changed(struct sync_context *ctx, const struct sync_event *event)
{
	(void)ctx;
	return recorded(event, "relationship");
}
