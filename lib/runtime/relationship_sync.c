/*
 * runtime/relationship_sync.c: applying the Backbone's relationship events during a sync
 * (relationships.h; backbone-api.md §5 applyRelationshipChangedEvent). Runs inside the sync's open
 * transaction: never begins or commits.
 */
#include "runtime/relationships.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/relationship_crypto.h"
#include "runtime/relationship_row.h"

static bool fetch_remote(struct runtime *rt, const char *id, struct backbone_response *r, bool *gone,
                         struct runtime_error *err)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/Relationships/%s", id);
	*gone = false;
	if (backbone_call(rt->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, r) == BACKBONE_OK)
		return true;
	/* Decomposed by this side, or no longer visible: nothing to apply (the original skips it). */
	if (r->status == BACKBONE_ERR_REQUEST &&
	    (r->http_status == 404 || strstr(r->code, "relationshipAlreadyDecomposed") != NULL)) {
		*gone = true;
		backbone_response_clear(r);
		return true;
	}
	rt_fail_backbone(err, r);
	backbone_response_clear(r);
	return false;
}

/* A relationship this side did not create: a request on one of our templates. */
static bool insert_incoming(struct runtime *rt, json_object *remote, struct rel_row *row, bool *skipped,
                            struct runtime_error *err)
{
	const char *template_id = rt_json_str(remote, "relationshipTemplateId");
	const char *params[] = {template_id ? template_id : ""};
	PGresult *res = db_exec(rt->db, "SELECT template_keypair FROM relationship_templates WHERE id = $1 AND is_own",
	                        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a template");
	if (PQntuples(res) != 1) {
		PQclear(res);
		*skipped = true; /* not a template of this account: nothing we can open */
		return true;
	}
	struct rt_creation_plain plain;
	bool ok = rt_creation_open(rt_json_str(remote, "creationContent"), PQgetvalue(res, 0, 0), &plain, err);
	PQclear(res);
	if (!ok)
		return false;
	const char *from = rt_json_str(remote, "from");
	if (!from || strcmp(from, plain.address) != 0 || strcmp(plain.template_id, template_id) != 0) {
		rt_creation_plain_clear(&plain);
		return rt_fail(err, "error.transport.relationships.invalidCreationContent",
		               "The creation content names another requestor or template than the Backbone.");
	}
	char *peer_key = rt_public_key_base64(&plain.identity_key);
	snprintf(row->id, sizeof(row->id), "%s", rt_json_str(remote, "id"));
	snprintf(row->secrets_kind, sizeof(row->secrets_kind), "full");
	row->secrets = plain.secrets_json;
	plain.secrets_json = NULL;
	row->dto = rel_dto_new(remote, from, peer_key, plain.content);
	free(peer_key);
	ok = rel_row_apply_metadata(row, remote) ? rel_row_insert(rt, row, template_id, from, err)
	                                         : rt_fail(err, RT_ERR_UNEXPECTED, "unexpected relationship status");
	rt_creation_plain_clear(&plain);
	return ok;
}

/* A known relationship: convert request secrets once accepted, copy status and audit log. */
static bool update_known(struct runtime *rt, json_object *remote, struct rel_row *row, struct runtime_error *err)
{
	const char *response = rt_json_str(remote, "creationResponseContent");
	if (strcmp(row->secrets_kind, "request") == 0 && response) {
		char *full = NULL;
		if (!rt_response_apply(row->secrets, response, &full, err))
			return false;
		ecrypto_free_text(row->secrets);
		row->secrets = full;
		snprintf(row->secrets_kind, sizeof(row->secrets_kind), "full");
	}
	if (!rel_row_apply_metadata(row, remote))
		return true; /* e.g. ReadyForDeletion: not a status of the transport */
	return rel_row_save(rt, row, err);
}

bool rt_relationship_apply_remote(struct runtime *rt, const char *id, const char *event_namespace, bool *skipped,
                                  struct runtime_error *err)
{
	struct backbone_response r;
	struct rel_row row;
	bool gone = false, found = false;
	*skipped = false;
	if (!fetch_remote(rt, id, &r, &gone, err))
		return false;
	if (gone) {
		*skipped = true;
		return true;
	}
	bool ok = rel_row_load(rt, id, true, &row, &found, err);
	size_t before = found ? rel_audit_length(row.dto) : 0;
	if (ok)
		ok = found ? update_known(rt, r.result, &row, err) : insert_incoming(rt, r.result, &row, skipped, err);
	if (ok && !*skipped && rel_audit_length(row.dto) != before) {
		ok = rt_emit(rt, "transport.relationshipChanged", json_object_get(row.dto), err);
		if (ok && event_namespace)
			ok = rt_emit(rt, event_namespace, json_object_get(row.dto), err);
	} else if (ok && !*skipped) {
		*skipped = true; /* replayed: nothing changed */
	}
	rel_row_clear(&row);
	backbone_response_clear(&r);
	return ok;
}

bool rt_relationship_peer_deletion(struct runtime *rt, const char *id, const char *status, const char *deletion_date,
                                   const char *event_namespace, bool *skipped, struct runtime_error *err)
{
	struct rel_row row;
	bool found = false;
	*skipped = false;
	if (!rel_row_load(rt, id, true, &row, &found, err))
		return false;
	if (!found) {
		*skipped = true;
		return true;
	}
	if (status) {
		json_object *info = json_object_new_object();
		json_object_object_add(info, "deletionStatus", json_object_new_string(status));
		if (deletion_date)
			json_object_object_add(info, "deletionDate", json_object_new_string(deletion_date));
		json_object_object_add(row.dto, "peerDeletionInfo", info);
	} else {
		json_object_object_del(row.dto, "peerDeletionInfo");
	}
	bool ok = rel_row_save(rt, &row, err) && rt_emit(rt, event_namespace, json_object_get(row.dto), err);
	rel_row_clear(&row);
	return ok;
}

bool rt_template_allocations_exhausted(struct runtime *rt, const char *template_id, bool *skipped,
                                       struct runtime_error *err)
{
	const char *params[] = {template_id};
	PGresult *res = db_exec(rt->db, "SELECT dto FROM relationship_templates WHERE id = $1 AND is_own", 1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a template");
	*skipped = PQntuples(res) != 1;
	json_object *dto = *skipped ? NULL : json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (*skipped)
		return true;
	return rt_emit(rt, "transport.relationshipTemplateAllocationsExhausted", dto, err);
}
