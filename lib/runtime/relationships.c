/*
 * runtime/relationships.c: creating relationships and this side's lifecycle actions
 * (relationships.h; backbone-api.md §3.7, §4.1).
 */
#include "runtime/relationships.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/relationship_crypto.h"
#include "runtime/relationship_row.h"
#include "runtime/store.h"

#define ERR_WRONG_STATUS "error.transport.relationships.wrongRelationshipStatus"

static const struct filter_field relationship_fields[] = {
        {"templateId", FILTER_PLAIN},
        {"peer", FILTER_PLAIN},
        {"status", FILTER_PLAIN},
        {NULL, 0},
};

struct peer_template {
	char *creator;
	struct ecrypto_template_public_key template_key;
	struct ecrypto_sig_public_key identity_key;
};

/* The peer template id as stored (error.runtime.recordNotFound when not loaded or own). */
static bool load_peer_template(struct runtime *rt, const char *id, struct peer_template *out, struct runtime_error *err)
{
	const char *params[] = {id};
	PGresult *res = db_exec(rt->db,
	                        "SELECT template_public_key, identity_public_key, dto->>'createdBy' FROM "
	                        "relationship_templates WHERE id = $1 AND NOT is_own",
	                        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a template");
	struct ecrypto_why why = {{0}};
	bool found = PQntuples(res) == 1;
	bool ok =
	        found &&
	        ecrypto_template_public_key_from_json(PQgetvalue(res, 0, 0), &out->template_key, &why) == ECRYPTO_OK &&
	        ecrypto_sig_public_key_from_json(PQgetvalue(res, 0, 1), &out->identity_key, &why) == ECRYPTO_OK;
	out->creator = ok ? strdup(PQgetvalue(res, 0, 2)) : NULL;
	PQclear(res);
	if (!found)
		return rt_fail(
		        err, RT_ERR_NOT_FOUND,
		        "RelationshipTemplate not found. Make sure the ID exists and the record is not expired.");
	return ok ? true : rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored peer template", &why);
}

/* error.transport.relationships.relationshipCurrentlyExists when a live relationship to peer exists. */
static bool check_no_live_relationship(struct runtime *rt, const char *peer, struct runtime_error *err)
{
	const char *params[] = {peer};
	PGresult *res = db_exec(rt->db,
	                        "SELECT status FROM relationships WHERE peer = $1 AND status IN ('Pending', 'Active', "
	                        "'Terminated', 'DeletionProposed') ORDER BY created_at DESC LIMIT 1",
	                        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading relationships");
	bool exists = PQntuples(res) == 1;
	if (exists) {
		if (strcmp(PQgetvalue(res, 0, 0), "DeletionProposed") == 0)
			rt_fail(err, "error.transport.relationships.relationshipNotYetDecomposedByPeer",
			        "No new Relationship can be created as the former Relationship is not yet decomposed "
			        "by the peer.");
		else
			rt_fail(err, "error.transport.relationships.relationshipCurrentlyExists",
			        "No new Relationship to the peer can be created as a Relationship in status '%s' "
			        "currently exists.",
			        PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return !exists;
}

static bool post_relationship(struct runtime *rt, const char *template_id, const char *creation_content,
                              struct backbone_response *r, struct runtime_error *err)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "relationshipTemplateId", json_object_new_string(template_id));
	json_object_object_add(body, "creationContent", json_object_new_string(creation_content));
	enum backbone_status st = backbone_call(rt->client, "POST", "/api/v2/Relationships", body, BACKBONE_AUTH, r);
	json_object_put(body);
	if (st == BACKBONE_OK && rt_json_str(r->result, "id"))
		return true;
	if (st == BACKBONE_OK)
		rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone answered without a relationship id");
	else
		rt_fail_backbone(err, r);
	backbone_response_clear(r);
	return false;
}

/* Inserts the row and emits transport.relationshipChanged in one transaction. */
static bool commit_new(struct runtime *rt, struct rel_row *row, const char *template_id, const char *peer,
                       struct runtime_error *err)
{
	if (!db_begin(rt->db))
		return rt_fail_db(err, rt, "storing a relationship");
	if (!rel_row_insert(rt, row, template_id, peer, err) ||
	    !rt_emit(rt, "transport.relationshipChanged", json_object_get(row->dto), err)) {
		db_rollback(rt->db);
		return false;
	}
	return db_commit(rt->db) ? true : rt_fail_db(err, rt, "storing a relationship");
}

bool rt_relationship_create(struct runtime *rt, const char *template_id, json_object *content, json_object **dto,
                            struct runtime_error *err)
{
	struct peer_template pt;
	struct ecrypto_sig_keypair device;
	struct backbone_response r;
	char *creation = NULL, *secrets = NULL;
	if (!load_peer_template(rt, template_id, &pt, err))
		return false;
	bool ok = check_no_live_relationship(rt, pt.creator, err) && rt_device_keypair(rt, &device, err) &&
	          rt_creation_seal(rt->identity, &device, template_id, content, &pt.template_key, &pt.identity_key,
	                           &creation, &secrets, err) &&
	          post_relationship(rt, template_id, creation, &r, err);
	ecrypto_sig_keypair_wipe(&device);
	free(creation);
	if (ok) {
		struct rel_row row = {.secrets = secrets};
		char *peer_key = rt_public_key_base64(&pt.identity_key);
		snprintf(row.id, sizeof(row.id), "%s", rt_json_str(r.result, "id"));
		snprintf(row.secrets_kind, sizeof(row.secrets_kind), "request");
		row.dto = rel_dto_new(r.result, pt.creator, peer_key, content);
		ok = rel_row_apply_metadata(&row, r.result) ? commit_new(rt, &row, template_id, pt.creator, err)
		                                            : rt_fail(err, RT_ERR_UNEXPECTED,
		                                                      "the Backbone's answer has no "
		                                                      "valid status or audit log");
		*dto = ok ? json_object_get(row.dto) : NULL;
		free(peer_key);
		rel_row_clear(&row);
		secrets = NULL;
		backbone_response_clear(&r);
	}
	ecrypto_free_text(secrets);
	free(pt.creator);
	return ok;
}

static json_object *can_create_answer(bool success, const char *code, const char *message)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "isSuccess", json_object_new_boolean(success));
	if (!success) {
		json_object_object_add(o, "code", json_object_new_string(code));
		json_object_object_add(o, "message", json_object_new_string(message));
	}
	return o;
}

bool rt_relationship_can_create(struct runtime *rt, const char *template_id, json_object **result,
                                struct runtime_error *err)
{
	struct peer_template pt;
	struct runtime_error why = {.remote_status = 0};
	if (!load_peer_template(rt, template_id, &pt, &why)) {
		if (strcmp(why.code, RT_ERR_NOT_FOUND) != 0) {
			*err = why;
			return false;
		}
		*result = can_create_answer(false, why.code, why.message);
		return true;
	}
	if (!check_no_live_relationship(rt, pt.creator, &why)) {
		free(pt.creator);
		*result = can_create_answer(false, why.code, why.message);
		return strncmp(why.code, "error.connector", 15) == 0 ? (*err = why, false) : true;
	}
	char *escaped = rt_url_escape(pt.creator), path[512];
	snprintf(path, sizeof(path), "/api/v2/Relationships/CanCreate?peer=%s", escaped);
	free(escaped);
	free(pt.creator);
	struct backbone_response r;
	if (backbone_call(rt->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, &r) != BACKBONE_OK) {
		rt_fail_backbone(err, &r);
		backbone_response_clear(&r);
		return false;
	}
	json_object *can = NULL;
	bool yes = json_object_object_get_ex(r.result, "canCreate", &can) && json_object_get_boolean(can);
	const char *code = rt_json_str(r.result, "code");
	if (yes)
		*result = can_create_answer(true, NULL, NULL);
	else if (code && strstr(code, "peerIsToBeDeleted"))
		*result = can_create_answer(
		        false,
		        "error.transport.relationships.activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate",
		        "The Identity who created the RelationshipTemplate is currently in the process of deleting "
		        "itself. "
		        "Thus, it is not possible to establish a Relationship to it.");
	else
		*result = can_create_answer(false,
		                            code ? code : "error.transport.relationships.relationshipCurrentlyExists",
		                            "The Backbone does not allow a new Relationship to this peer.");
	backbone_response_clear(&r);
	return true;
}

static const char *action_path(enum rt_rel_action a)
{
	static const char *const paths[] = {"Accept",
	                                    "Reject",
	                                    "Revoke",
	                                    "Terminate",
	                                    "Reactivate",
	                                    "Reactivate/Accept",
	                                    "Reactivate/Reject",
	                                    "Reactivate/Revoke",
	                                    "Decompose"};
	return paths[a];
}

/* The local preconditions of the original (transport) before it calls the Backbone. */
static bool check_action(struct runtime *rt, const struct rel_row *row, enum rt_rel_action a, struct runtime_error *err)
{
	const char *self = rt->identity->address, *s = row->status;
	bool requestor = rel_created_by(row->dto, self);
	json_object *last = rel_audit_last(row->dto);
	const char *last_reason = rt_json_str(last, "reason"), *last_by = rt_json_str(last, "createdBy");
	bool reactivation_open = last_reason && strcmp(last_reason, "ReactivationRequested") == 0;
	bool by_self = last_by && strcmp(last_by, self) == 0;
	bool status_ok = true;
	switch (a) {
	case RT_REL_ACCEPT:
	case RT_REL_REJECT:
		status_ok = strcmp(s, "Pending") == 0;
		if (status_ok && requestor)
			return rt_fail(err, "error.transport.relationships.operationOnlyAllowedForPeer",
			               "Only your peer can accept or reject the Relationship '%s'.", row->id);
		break;
	case RT_REL_REVOKE:
		status_ok = strcmp(s, "Pending") == 0;
		if (status_ok && !requestor)
			return rt_fail(err, "error.transport.relationships.operationOnlyAllowedForPeer",
			               "Only your peer can revoke the Relationship '%s'.", row->id);
		break;
	case RT_REL_TERMINATE:
		status_ok = strcmp(s, "Active") == 0;
		break;
	case RT_REL_REACTIVATE:
		status_ok = strcmp(s, "Terminated") == 0;
		if (status_ok && reactivation_open)
			return rt_fail(
			        err, "error.transport.relationships.reactivationAlreadyRequested",
			        by_self ? "You have already requested the reactivation of the Relationship '%s'."
			                : "Your peer has already requested the reactivation of the Relationship '%s'. "
			                  "You can accept the request instead.",
			        row->id);
		break;
	case RT_REL_REACTIVATE_ACCEPT:
	case RT_REL_REACTIVATE_REJECT:
	case RT_REL_REACTIVATE_REVOKE:
		status_ok = strcmp(s, "Terminated") == 0;
		if (status_ok && (!reactivation_open || by_self != (a == RT_REL_REACTIVATE_REVOKE)))
			return rt_fail(err, "error.transport.relationships.reactivationNotRequested",
			               "The Relationship '%s' has no reactivation Request to respond to.", row->id);
		break;
	case RT_REL_DECOMPOSE:
		status_ok = strcmp(s, "Rejected") == 0 || strcmp(s, "Revoked") == 0 || strcmp(s, "Terminated") == 0 ||
		            strcmp(s, "DeletionProposed") == 0;
		break;
	}
	if (!status_ok)
		return rt_fail(err, ERR_WRONG_STATUS,
		               "The Relationship '%s' has the wrong status '%s' to run this operation.", row->id, s);
	return true;
}

/* The Backbone call of an action; accept sends the creation response (row secrets advance). */
static bool call_action(struct runtime *rt, struct rel_row *row, enum rt_rel_action a, struct backbone_response *r,
                        struct runtime_error *err)
{
	json_object *body = json_object_new_object();
	if (a == RT_REL_ACCEPT) {
		struct ecrypto_sig_keypair device;
		char *response = NULL;
		bool ok = rt_device_keypair(rt, &device, err) &&
		          rt_response_seal(&row->secrets, &device, row->id, &response, err);
		ecrypto_sig_keypair_wipe(&device);
		if (!ok) {
			json_object_put(body);
			return false;
		}
		json_object_object_add(body, "creationResponseContent", json_object_new_string(response));
		free(response);
	}
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/Relationships/%s/%s", row->id, action_path(a));
	enum backbone_status st = backbone_call(rt->client, "PUT", path, body, BACKBONE_AUTH, r);
	json_object_put(body);
	if (st == BACKBONE_OK)
		return true;
	rt_fail_backbone(err, r);
	backbone_response_clear(r);
	return false;
}

/* After the Backbone agreed: update (or delete, when decomposed) and emit. Transaction open. */
static bool record_action(struct runtime *rt, struct rel_row *row, enum rt_rel_action a, json_object *metadata,
                          struct runtime_error *err)
{
	if (a == RT_REL_DECOMPOSE) {
		const char *params[] = {row->id};
		json_object *data = json_object_new_object();
		json_object_object_add(data, "relationshipId", json_object_new_string(row->id));
		if (!db_command(rt->db, "DELETE FROM relationships WHERE id = $1", 1, params)) {
			json_object_put(data);
			return rt_fail_db(err, rt, "deleting a relationship");
		}
		return rt_emit(rt, "transport.relationshipDecomposedBySelf", data, err);
	}
	if (!rel_row_apply_metadata(row, metadata))
		return rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone's answer has no valid status or audit log");
	return rel_row_save(rt, row, err) &&
	       rt_emit(rt, "transport.relationshipChanged", json_object_get(row->dto), err);
}

bool rt_relationship_act(struct runtime *rt, const char *id, enum rt_rel_action action, json_object **dto,
                         struct runtime_error *err)
{
	struct rel_row row;
	struct backbone_response r;
	bool found = false;
	*dto = NULL;
	if (!db_begin(rt->db))
		return rt_fail_db(err, rt, "starting a transaction");
	bool ok = rel_row_load(rt, id, true, &row, &found, err);
	if (ok && !found)
		ok = rt_fail(err, RT_ERR_NOT_FOUND,
		             "Relationship not found. Make sure the ID exists and the record is not expired.");
	ok = ok && check_action(rt, &row, action, err) && call_action(rt, &row, action, &r, err);
	if (ok) {
		ok = record_action(rt, &row, action, r.result, err);
		backbone_response_clear(&r);
	}
	if (ok && !db_commit(rt->db))
		ok = rt_fail_db(err, rt, "committing a relationship change");
	if (!ok)
		db_rollback(rt->db);
	if (ok && action != RT_REL_DECOMPOSE)
		*dto = json_object_get(row.dto);
	rel_row_clear(&row);
	return ok;
}

bool rt_relationships_list(struct runtime *rt, const struct http_query *query, json_object **list,
                           struct runtime_error *err)
{
	return rt_list_dtos(rt, "relationships", NULL, NULL, relationship_fields, NULL, query, list, err);
}

bool rt_relationship_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err)
{
	return rt_get_dto(rt, "relationships", id, "Relationship", dto, err);
}
