/*
 * sync/sync.h: one full sync of an account (backbone-api.md §3.10, §4.5, §5) and the dispatch of
 * external events to their handlers.
 *
 * Invariants:
 *   - single flight: sync_run_exclusive holds the session advisory lock DB_LOCK_SYNC_LEADER of the
 *     schema for the whole run, so one run at a time across all workers and hosts; a caller that
 *     finds the lock taken waits for it (its trigger is then served by a run that starts after it);
 *   - each event is applied in one transaction together with its external_events row and the
 *     outbox events its handler appends: a crash leaves every event either applied (with its
 *     events) or not at all;
 *   - a run is recorded in sync_runs before its events are read; a run left open by a crash is
 *     resumed by the next sync (events already applied are reported as such, not applied again),
 *     or marked abandoned when the Backbone no longer serves it, in which case the Backbone hands
 *     the events out again in a later run and the replay is recognised by event id;
 *   - the run is finalized with one result per event: none for applied or recorded ones, the
 *     handler's error code for failed ones (the Backbone retries those up to 3 times).
 */
#ifndef CONNECTOR_SYNC_SYNC_H
#define CONNECTOR_SYNC_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "account/identity.h"
#include "backbone/client.h"
#include "db.h"

struct sync_event {
	const char *id;   /* SYI... */
	const char *type; /* e.g. MessageReceived */
	int64_t index;
	int sync_error_count;
	json_object *payload; /* the event's payload object (borrowed) */
};

/* What a handler gets: an open transaction on db, the client (already logged in) and identity. */
struct sync_context {
	struct db *db;
	struct backbone_client *client;
	const struct account_identity *identity;
	const char *run_id;
	char error_code[128]; /* set by a handler that returns SYNC_EVENT_FAILED or SYNC_EVENT_ABORT */
	char message[600];
};

enum sync_event_result {
	SYNC_EVENT_APPLIED,  /* effects and outbox events written in the open transaction */
	SYNC_EVENT_RECORDED, /* no domain effect (yet): only the external_events row is written */
	SYNC_EVENT_FAILED,   /* reported to the Backbone with error_code; the transaction is rolled back */
	SYNC_EVENT_ABORT,    /* transient (Backbone or database unreachable): roll back, stop the run */
};

typedef enum sync_event_result (*sync_event_handler)(struct sync_context *ctx, const struct sync_event *event);

struct sync_dispatch_entry {
	const char *type;
	sync_event_handler handler;
};

/* The handler of an event type, or NULL for a type the Backbone is not known to emit. */
sync_event_handler sync_dispatch_lookup(const char *type);
/* The whole table (for tests and docs); *count gets its length. */
const struct sync_dispatch_entry *sync_dispatch_table(int *count);

/* Handlers (sync/handlers_*.c). The ones marked "recorded" in handlers_pending.c do not apply
 * anything yet: they belong to the relationship/message/file areas and are to be replaced. */
enum sync_event_result sync_handle_message_received(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_message_delivered(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_relationship_status_changed(struct sync_context *ctx,
                                                               const struct sync_event *event);
enum sync_event_result sync_handle_relationship_reactivation_requested(struct sync_context *ctx,
                                                                       const struct sync_event *event);
enum sync_event_result sync_handle_relationship_reactivation_completed(struct sync_context *ctx,
                                                                       const struct sync_event *event);
enum sync_event_result sync_handle_peer_to_be_deleted(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_peer_deletion_cancelled(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_peer_deleted(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_template_allocations_exhausted(struct sync_context *ctx,
                                                                  const struct sync_event *event);
enum sync_event_result sync_handle_file_ownership_locked(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_file_ownership_claimed(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_token_locked(struct sync_context *ctx, const struct sync_event *event);
enum sync_event_result sync_handle_peer_feature_flags_changed(struct sync_context *ctx, const struct sync_event *event);
/* Implemented (handlers_account.c): GET the process, store it, emit
 * transport.identityDeletionProcessStatusChanged in the same transaction. */
enum sync_event_result sync_handle_identity_deletion_process(struct sync_context *ctx, const struct sync_event *event);

struct sync_report {
	int runs;     /* Backbone runs finalized (or abandoned) by this sync */
	int events;   /* events handed out */
	int applied;  /* applied now */
	int recorded; /* recorded without domain effect */
	int failed;   /* reported with an error code */
	int replayed; /* already applied earlier (resumed run or Backbone replay) */
	bool resumed; /* an open run of an earlier, interrupted sync was continued */
};

enum sync_status {
	SYNC_OK = 0,
	SYNC_ERR_BACKBONE, /* unreachable or refused: retry later */
	SYNC_ERR_DATABASE, /* a statement failed or the server went away */
	SYNC_ERR_STOPPED,  /* the tick asked to stop */
	SYNC_ERR_BUSY,     /* sync_run_exclusive: the lock was not free within wait_ms */
};

/* One full sync; the caller holds the lock (or knows it runs alone). */
enum sync_status sync_everything(struct db *db, struct backbone_client *client, const struct account_identity *identity,
                                 struct sync_report *report, char *err, size_t err_len);

/*
 * Takes the sync lock (waiting at most wait_ms, calling tick about every 100 ms; tick returning
 * true stops the wait), runs sync_everything, releases the lock. The run's log lines and outbox
 * events carry the thread's current correlation id (correlation.h: POST /Account/Sync sets the
 * request's) or, when there is none, a fresh UUID v4 of this run.
 */
enum sync_status sync_run_exclusive(struct db *db, struct backbone_client *client,
                                    const struct account_identity *identity, int64_t wait_ms, bool (*tick)(void *arg),
                                    void *tick_arg, struct sync_report *report, char *err, size_t err_len);

/* lastSyncRun.completedAt as ISO text into out (false when no sync completed yet). */
bool sync_last_completed(struct db *db, char *out, size_t out_len, bool *found);

#endif
