/*
 * bb_relationships.c: /api/v2/Relationships: CanCreate, create from a template, read, and the
 * state machine (Accept, Reject, Revoke, Terminate, Reactivate and its Accept/Reject/Revoke,
 * Decompose) with its audit log (strictly increasing timestamps) and external events to the peer.
 * Accepting or reactivating releases blocked message events; rejecting or revoking deletes them.
 */
#include "bb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CONTENT (10 * 1024 * 1024)
#define REL_ERR     "error.platform.validation.relationship."

struct rel {
	char id[BB_ID_LEN + 1];
	char from[BB_ADDR_MAX], to[BB_ADDR_MAX], status[24];
	bool from_decomposed, to_decomposed;
	char last_reason[48], last_by[BB_ADDR_MAX];
};

static const char *peer_of(const struct rel *rel, const char *self)
{
	return strcmp(rel->from, self) == 0 ? rel->to : rel->from;
}

static bool load_rel(struct bb_req *r, const char *id, struct rel *rel)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res =
	        bb_q(r,
	             "SELECT from_address, to_address, status, from_decomposed, to_decomposed, "
	             "(SELECT reason || ' ' || created_by FROM relationship_audit WHERE relationship_id = $1 "
	             "ORDER BY seq DESC LIMIT 1) FROM relationships WHERE id = $1 AND $2 IN (from_address, to_address)",
	             &p);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	if (found) {
		snprintf(rel->id, sizeof rel->id, "%s", id);
		snprintf(rel->from, sizeof rel->from, "%s", PQgetvalue(res, 0, 0));
		snprintf(rel->to, sizeof rel->to, "%s", PQgetvalue(res, 0, 1));
		snprintf(rel->status, sizeof rel->status, "%s", PQgetvalue(res, 0, 2));
		rel->from_decomposed = bb_col_bool(res, 0, 3);
		rel->to_decomposed = bb_col_bool(res, 0, 4);
		const char *last = PQgetvalue(res, 0, 5), *space = strchr(last, ' ');
		snprintf(rel->last_reason, sizeof rel->last_reason, "%.*s", space ? (int)(space - last) : 0, last);
		snprintf(rel->last_by, sizeof rel->last_by, "%s", space ? space + 1 : "");
		if (strcmp(rel->from, r->address) == 0 ? rel->from_decomposed : rel->to_decomposed) {
			bb_fail(r, 400, REL_ERR "relationshipAlreadyDecomposed",
			        "You have already decomposed this relationship.");
			found = false;
		}
	} else {
		bb_not_found(r, "Relationship");
	}
	PQclear(res);
	return found;
}

static json_object *audit_json(PGresult *res, int i)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "createdAt", bb_col_json_date(res, i, 0));
	json_object_object_add(o, "createdBy", bb_col_json_str(res, i, 1));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, i, 2));
	json_object_object_add(o, "reason", bb_col_json_str(res, i, 3));
	json_object_object_add(o, "oldStatus", bb_col_json_str(res, i, 4));
	json_object_object_add(o, "newStatus", bb_col_json_str(res, i, 5));
	return o;
}

static json_object *audit_log(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	PGresult *res = bb_q(r,
	                     "SELECT created_at, created_by, created_by_device, reason, old_status, new_status "
	                     "FROM relationship_audit WHERE relationship_id = $1 ORDER BY seq",
	                     &p);
	if (!res)
		return NULL;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, audit_json(res, i));
	PQclear(res);
	return list;
}

static json_object *rel_json(struct bb_req *r, const char *id, bool full)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	PGresult *res =
	        bb_q(r,
	             "SELECT id, template_id, from_address, to_address, created_at, status, " BB_B64U(
	                     "creation_content") ", " BB_B64U("creation_response_content") " FROM relationships "
	                                                                                   "WHERE id = $1",
	             &p);
	json_object *log = res && PQntuples(res) == 1 ? audit_log(r, id) : NULL;
	if (!log) {
		PQclear(res);
		return NULL;
	}
	json_object *o = json_object_new_object();
	static const char *const names[] = {"id", "relationshipTemplateId", "from", "to"};
	for (int i = 0; i < 4; i++)
		json_object_object_add(o, names[i], bb_col_json_str(res, 0, i));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, 0, 4));
	json_object_object_add(o, "status", bb_col_json_str(res, 0, 5));
	json_object_object_add(o, "auditLog", log);
	if (full) {
		json_object_object_add(o, "creationContent", bb_col_json_str(res, 0, 6));
		json_object_object_add(o, "creationResponseContent", bb_col_json_str(res, 0, 7));
	}
	PQclear(res);
	return o;
}

static void respond(struct bb_req *r, const char *id, int status, bool full)
{
	json_object *o = rel_json(r, id, full);
	if (o)
		bb_ok(r, status, o);
}

static bool audit_add(struct bb_req *r, const char *id, const char *reason, const char *old_status,
                      const char *new_status)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	bb_p_text(&p, reason);
	bb_p_text(&p, old_status);
	bb_p_text(&p, new_status);
	return bb_exec(r,
	               "INSERT INTO relationship_audit SELECT $1, COALESCE(max(seq) + 1, 0), GREATEST($2::bigint, "
	               "COALESCE(max(created_at) + 1, 0)), $3, $4, $5, $6, $7 FROM relationship_audit WHERE "
	               "relationship_id = $1",
	               &p);
}

static bool set_status(struct bb_req *r, const struct rel *rel, const char *reason, const char *status)
{
	struct bb_params p = {0};
	bb_p_text(&p, rel->id);
	bb_p_text(&p, status);
	return bb_exec(r, "UPDATE relationships SET status = $2 WHERE id = $1", &p) &&
	       audit_add(r, rel->id, reason, rel->status, status);
}

static bool emit(struct bb_req *r, const struct rel *rel, const char *type)
{
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "relationshipId", json_object_new_string(rel->id));
	return bb_event_add(r, peer_of(rel, r->address), type, payload, rel->id, false);
}

static bool need_status(struct bb_req *r, const struct rel *rel, const char *status)
{
	if (strcmp(rel->status, status) == 0)
		return true;
	bb_fail(r, 400, REL_ERR "relationshipIsNotInCorrectStatus", "The relationship is %s, not %s.", rel->status,
	        status);
	return false;
}

/* Loads the path's relationship; NULL-safe flow: false means the error is set. */
static bool begin(struct bb_req *r, struct rel *rel)
{
	const char *id;
	return bb_arg_id(r, 0, "REL", &id) && load_rel(r, id, rel);
}

static void relationship_get(struct bb_req *r)
{
	struct rel rel;
	if (begin(r, &rel))
		respond(r, rel.id, 200, true);
}

static void relationship_accept(struct bb_req *r)
{
	struct rel rel;
	unsigned char *content = NULL;
	size_t len = 0;
	if (!begin(r, &rel) || !need_status(r, &rel, "Pending"))
		return;
	if (strcmp(rel.to, r->address) != 0) {
		bb_fail(r, 400, REL_ERR "cannotAcceptOrRejectRelationshipAddressedToSomeoneElse",
		        "Only the recipient of a relationship request can accept it.");
		return;
	}
	if (!bb_get_bytes(r, r->json, "creationResponseContent", false, 0, MAX_CONTENT, &content, &len))
		return;
	struct bb_params p = {0};
	bb_p_text(&p, rel.id);
	bb_p_bytes(&p, content, len);
	if (bb_exec(r, "UPDATE relationships SET creation_response_content = $2 WHERE id = $1", &p) &&
	    set_status(r, &rel, "AcceptanceOfCreation", "Active") && emit(r, &rel, "RelationshipStatusChanged") &&
	    bb_events_unblock(r, rel.id))
		respond(r, rel.id, 200, false);
	free(content);
}

static void relationship_reject(struct bb_req *r)
{
	struct rel rel;
	if (!begin(r, &rel) || !need_status(r, &rel, "Pending"))
		return;
	if (strcmp(rel.to, r->address) != 0)
		bb_fail(r, 400, REL_ERR "cannotAcceptOrRejectRelationshipAddressedToSomeoneElse",
		        "Only the recipient of a relationship request can reject it.");
	else if (set_status(r, &rel, "RejectionOfCreation", "Rejected") && emit(r, &rel, "RelationshipStatusChanged") &&
	         bb_events_delete_blocked(r, rel.id))
		respond(r, rel.id, 200, false);
}

static void relationship_revoke(struct bb_req *r)
{
	struct rel rel;
	if (!begin(r, &rel) || !need_status(r, &rel, "Pending"))
		return;
	if (strcmp(rel.from, r->address) != 0)
		bb_fail(r, 400, REL_ERR "cannotRevokeRelationshipNotCreatedByYourself",
		        "Only the creator of a relationship request can revoke it.");
	else if (set_status(r, &rel, "RevocationOfCreation", "Revoked") && emit(r, &rel, "RelationshipStatusChanged") &&
	         bb_events_delete_blocked(r, rel.id))
		respond(r, rel.id, 200, false);
}

static void relationship_terminate(struct bb_req *r)
{
	struct rel rel;
	if (begin(r, &rel) && need_status(r, &rel, "Active") && set_status(r, &rel, "Termination", "Terminated") &&
	    emit(r, &rel, "RelationshipStatusChanged"))
		respond(r, rel.id, 200, false);
}

static bool open_request(const struct rel *rel, const char *by)
{
	return strcmp(rel->last_reason, "ReactivationRequested") == 0 && (!by || strcmp(rel->last_by, by) == 0);
}

static void relationship_reactivate(struct bb_req *r)
{
	struct rel rel;
	if (!begin(r, &rel) || !need_status(r, &rel, "Terminated"))
		return;
	if (open_request(&rel, NULL))
		bb_fail(r, 400, REL_ERR "cannotRequestReactivationWhenThereIsAnOpenReactivationRequest",
		        "There is already an open reactivation request.");
	else if (audit_add(r, rel.id, "ReactivationRequested", "Terminated", "Terminated") &&
	         emit(r, &rel, "RelationshipReactivationRequested"))
		respond(r, rel.id, 200, false);
}

static void reactivation_answer(struct bb_req *r, const char *reason, bool by_self, const char *missing_code)
{
	struct rel rel;
	if (!begin(r, &rel))
		return;
	if (!open_request(&rel, by_self ? r->address : peer_of(&rel, r->address))) {
		bb_fail(r, 400, missing_code, "There is no matching open reactivation request.");
		return;
	}
	bool accepted = strcmp(reason, "AcceptanceOfReactivation") == 0;
	if (set_status(r, &rel, reason, accepted ? "Active" : "Terminated") &&
	    emit(r, &rel, "RelationshipReactivationCompleted") && (!accepted || bb_events_unblock(r, rel.id)))
		respond(r, rel.id, 200, false);
}

static void reactivation_accept(struct bb_req *r)
{
	reactivation_answer(r, "AcceptanceOfReactivation", false,
	                    REL_ERR "noAcceptableRelationshipReactivationRequestExists");
}

static void reactivation_reject(struct bb_req *r)
{
	reactivation_answer(r, "RejectionOfReactivation", false, REL_ERR "noRejectableReactivationRequestExists");
}

static void reactivation_revoke(struct bb_req *r)
{
	reactivation_answer(r, "RevocationOfReactivation", true, REL_ERR "noRevocableReactivationRequestExists");
}

static bool decomposable(struct bb_req *r, const struct rel *rel)
{
	static const char *const ok[] = {"Rejected", "Revoked", "Terminated", "DeletionProposed"};
	for (int i = 0; i < 4; i++)
		if (strcmp(rel->status, ok[i]) == 0)
			return true;
	bb_fail(r, 400, REL_ERR "relationshipIsNotInCorrectStatus", "A relationship that is %s cannot be decomposed.",
	        rel->status);
	return false;
}

static bool mark_decomposed(struct bb_req *r, const struct rel *rel)
{
	struct bb_params p = {0};
	bb_p_text(&p, rel->id);
	bb_p_text(&p, r->address);
	return bb_exec(r,
	               "UPDATE relationships SET from_decomposed = from_decomposed OR from_address = $2, "
	               "to_decomposed = to_decomposed OR to_address = $2 WHERE id = $1",
	               &p) &&
	       bb_exec(r,
	               "DELETE FROM external_events WHERE owner = $2 AND context = $1 AND NOT delivered AND "
	               "sync_run_id IS NULL",
	               &p);
}

static void relationship_decompose(struct bb_req *r)
{
	struct rel rel;
	if (!begin(r, &rel) || !decomposable(r, &rel))
		return;
	bool second = strcmp(rel.status, "DeletionProposed") == 0;
	const char *status = second ? "ReadyForDeletion" : "DeletionProposed";
	if (set_status(r, &rel, "Decomposition", status) && mark_decomposed(r, &rel) &&
	    (second || emit(r, &rel, "RelationshipStatusChanged")))
		respond(r, rel.id, 200, false);
}

/* The code that forbids a new relationship between caller and peer, or NULL. */
static bool blocking_code(struct bb_req *r, const char *peer, const char **code)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	bb_p_text(&p, peer);
	PGresult *res = bb_q(r,
	                     "SELECT (SELECT status FROM identities WHERE address = $2), EXISTS (SELECT 1 FROM "
	                     "relationships WHERE ((from_address = $1 AND to_address = $2) OR (from_address = $2 AND "
	                     "to_address = $1)) AND status IN ('Active', 'Pending', 'Terminated', 'DeletionProposed'))",
	                     &p);
	if (!res)
		return false;
	const char *status = bb_col(res, 0, 0);
	*code = NULL;
	if (!status)
		bb_not_found(r, "Identity");
	else if (strcmp(status, "Active") != 0)
		*code = REL_ERR "peerIsToBeDeleted";
	else if (bb_col_bool(res, 0, 1))
		*code = REL_ERR "relationshipToTargetAlreadyExists";
	PQclear(res);
	return status != NULL;
}

static void relationship_can_create(struct bb_req *r)
{
	const char *peer = bb_query(r, "peer"), *code;
	if (!bb_address_valid(peer)) {
		bb_invalid(r, "peer", "must be a valid identity address");
		return;
	}
	if (!blocking_code(r, peer, &code))
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "canCreate", json_object_new_boolean(code == NULL));
	if (code)
		json_object_object_add(o, "code", json_object_new_string(code));
	bb_ok(r, 200, o);
}

/* Whether the caller may create a relationship from the template; fills its owner. */
static bool template_usable(struct bb_req *r, const char *template_id, char owner[BB_ADDR_MAX])
{
	struct bb_params p = {0};
	bb_p_text(&p, template_id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, r->now);
	PGresult *res =
	        bb_q(r,
	             "SELECT created_by FROM templates t WHERE id = $1 AND (for_identity IS NULL OR for_identity "
	             "IN ($2, created_by)) AND (expires_at IS NULL OR expires_at > $3 OR EXISTS (SELECT 1 FROM "
	             "relationships WHERE template_id = $1 AND (from_address = $2 OR to_address = $2)))",
	             &p);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	if (found)
		snprintf(owner, BB_ADDR_MAX, "%s", PQgetvalue(res, 0, 0));
	else
		bb_not_found(r, "RelationshipTemplate");
	PQclear(res);
	return found;
}

static bool insert_relationship(struct bb_req *r, const char *id, const char *template_id, const char *owner,
                                const unsigned char *content, size_t len)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, template_id);
	bb_p_text(&p, r->address);
	bb_p_text(&p, owner);
	bb_p_i64(&p, r->now);
	bb_p_bytes(&p, content, len);
	return bb_exec(r,
	               "INSERT INTO relationships (id, template_id, from_address, to_address, created_at, status, "
	               "creation_content) VALUES ($1, $2, $3, $4, $5, 'Pending', $6)",
	               &p) &&
	       audit_add(r, id, "Creation", NULL, "Pending");
}

static void create_checked(struct bb_req *r, const char *template_id, const unsigned char *content, size_t len)
{
	char owner[BB_ADDR_MAX], id[BB_ID_LEN + 1];
	const char *code;
	if (!template_usable(r, template_id, owner))
		return;
	if (strcmp(owner, r->address) == 0) {
		bb_fail(r, 400, REL_ERR "cannotCreateRelationshipWithYourself",
		        "You cannot create a relationship with yourself.");
		return;
	}
	if (!blocking_code(r, owner, &code))
		return;
	if (code) {
		bb_fail(r, 400, code, "A relationship with this identity cannot be created now.");
		return;
	}
	bb_new_id("REL", id);
	struct rel rel = {0};
	snprintf(rel.id, sizeof rel.id, "%s", id);
	snprintf(rel.from, sizeof rel.from, "%s", r->address);
	snprintf(rel.to, sizeof rel.to, "%s", owner);
	if (insert_relationship(r, id, template_id, owner, content, len) && emit(r, &rel, "RelationshipStatusChanged"))
		respond(r, id, 201, false);
}

static void relationship_create(struct bb_req *r)
{
	const char *template_id;
	unsigned char *content = NULL;
	size_t len = 0;
	if (!bb_get_str(r, r->json, "relationshipTemplateId", true, &template_id) ||
	    !bb_get_bytes(r, r->json, "creationContent", false, 0, MAX_CONTENT, &content, &len))
		return;
	if (!bb_id_valid(template_id, "RLT"))
		bb_fail(r, 400, "error.platform.validation.invalidId",
		        "'RelationshipTemplateId': not a valid template id");
	else
		create_checked(r, template_id, content, len);
	free(content);
}

static void relationship_list(struct bb_req *r)
{
	json_object *list = json_object_new_array();
	for (struct evkeyval *kv = r->query.tqh_first; kv && !r->error; kv = kv->next.tqe_next) {
		struct rel rel;
		if (strcasecmp(kv->key, "ids") != 0)
			continue;
		if (!bb_id_valid(kv->value, "REL")) {
			bb_fail(r, 400, "error.platform.validation.invalidId",
			        "'Ids': '%.40s' is not a relationship id", kv->value);
		} else if (load_rel(r, kv->value, &rel)) {
			json_object *o = rel_json(r, rel.id, true);
			if (o)
				json_object_array_add(list, o);
		} else if (r->status == 404 || r->status == 400) {
			json_object_put(r->error); /* unknown or decomposed ids are left out */
			r->error = NULL;
			r->status = 200;
		}
	}
	if (r->error)
		json_object_put(list);
	else
		bb_paged(r, list);
}

const struct bb_route bb_routes_relationships[] = {
        {EVHTTP_REQ_GET, "/api/v2/Relationships", BB_AUTH, BB_BODY_NONE, relationship_list},
        {EVHTTP_REQ_GET, "/api/v2/Relationships/CanCreate", BB_AUTH, BB_BODY_NONE, relationship_can_create},
        {EVHTTP_REQ_POST, "/api/v2/Relationships", BB_AUTH, BB_BODY_JSON, relationship_create},
        {EVHTTP_REQ_GET, "/api/v2/Relationships/{}", BB_AUTH, BB_BODY_NONE, relationship_get},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Accept", BB_AUTH, BB_BODY_JSON, relationship_accept},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Reject", BB_AUTH, BB_BODY_JSON, relationship_reject},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Revoke", BB_AUTH, BB_BODY_JSON, relationship_revoke},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Terminate", BB_AUTH, BB_BODY_JSON, relationship_terminate},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Reactivate", BB_AUTH, BB_BODY_JSON, relationship_reactivate},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Reactivate/Accept", BB_AUTH, BB_BODY_JSON, reactivation_accept},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Reactivate/Reject", BB_AUTH, BB_BODY_JSON, reactivation_reject},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Reactivate/Revoke", BB_AUTH, BB_BODY_JSON, reactivation_revoke},
        {EVHTTP_REQ_PUT, "/api/v2/Relationships/{}/Decompose", BB_AUTH, BB_BODY_JSON, relationship_decompose},
        {0},
};
