/*
 * sync/handlers_account.c: the account's own external events. IdentityDeletionProcessStarted and
 * IdentityDeletionProcessStatusChanged (payload {deletionProcessId}): GET the process from the
 * Backbone, upsert identity_deletion_processes and append transport.identityDeletionProcessStatusChanged
 * (data: the process as the Backbone returned it) in the caller's open transaction.
 */
#include <stdio.h>
#include <string.h>

#include "outbox.h"
#include "sync/sync.h"

static const char *payload_string(const struct sync_event *event, const char *key)
{
	json_object *v = NULL;
	if (event->payload && json_object_object_get_ex(event->payload, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static enum sync_event_result fail(struct sync_context *ctx, enum sync_event_result result, const char *code,
                                   const char *message)
{
	snprintf(ctx->error_code, sizeof(ctx->error_code), "%s", code);
	snprintf(ctx->message, sizeof(ctx->message), "%s", message);
	return result;
}

enum sync_event_result sync_handle_identity_deletion_process(struct sync_context *ctx, const struct sync_event *event)
{
	const char *id = payload_string(event, "deletionProcessId");
	if (!id || strlen(id) != 20)
		return fail(ctx, SYNC_EVENT_FAILED, "error.transport.invalidPayload",
		            "payload.deletionProcessId: expected an IDP id");
	char path[96];
	snprintf(path, sizeof(path), "/api/v2/Identities/Self/DeletionProcesses/%s", id);
	struct backbone_response r;
	enum backbone_status st = backbone_call(ctx->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, &r);
	if (st != BACKBONE_OK) {
		enum sync_event_result res = st == BACKBONE_ERR_REQUEST ? SYNC_EVENT_FAILED : SYNC_EVENT_ABORT;
		fail(ctx, res, r.code, r.message);
		backbone_response_clear(&r);
		return res;
	}
	json_object *status = NULL;
	json_object_object_get_ex(r.result, "status", &status);
	const char *dto = json_object_to_json_string_ext(r.result, JSON_C_TO_STRING_PLAIN);
	const char *params[] = {id, status ? json_object_get_string(status) : "", dto};
	bool ok = db_command(ctx->db,
	                     "INSERT INTO identity_deletion_processes (process_id, status, dto) VALUES ($1, $2, $3) "
	                     "ON CONFLICT (process_id) DO UPDATE SET status = $2, dto = $3, updated_at = now()",
	                     3, params) &&
	          outbox_append(ctx->db, "transport.identityDeletionProcessStatusChanged", ctx->identity->address, dto,
	                        NULL, NULL);
	backbone_response_clear(&r);
	if (!ok)
		return fail(ctx, SYNC_EVENT_ABORT, "error.connector.database", db_error(ctx->db));
	return SYNC_EVENT_APPLIED;
}
