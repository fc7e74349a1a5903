/*
 * bb_messages.c: /api/v2/Messages: send (recipient rules: youngest relationship must exist and be
 * Active, Pending or Terminated, at most 20 unreceived messages per sender; the MessageReceived
 * event is blocked while the relationship is Pending or Terminated), read one or many (a
 * recipient's first read sets receivedAt; a recipient sees only its own recipient entry).
 */
#include "bb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY        (10 * 1024 * 1024)
#define MAX_ATTACHMENTS 20
#define MAX_UNRECEIVED  20
#define MSG_ERR         "error.platform.validation.message."

struct recipient {
	const char *address;
	unsigned char *key;
	size_t key_len;
	char relationship[BB_ID_LEN + 1];
	bool blocked;
};

static bool array_field(struct bb_req *r, const char *name, bool required, json_object **out)
{
	*out = bb_field(r->json, name);
	if (!*out || json_object_is_type(*out, json_type_null)) {
		*out = NULL;
		if (required)
			bb_invalid(r, name, "must not be empty");
		return !required;
	}
	if (json_object_is_type(*out, json_type_array))
		return true;
	char prop[64];
	snprintf(prop, sizeof prop, "%c%s", name[0] - 32, name + 1);
	bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'%s': must be an array", prop);
	return false;
}

/* Checks the relationship rules for one recipient. */
static bool check_recipient(struct bb_req *r, struct recipient *rc)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	bb_p_text(&p, rc->address);
	PGresult *res =
	        bb_q(r,
	             "SELECT id, status, (SELECT count(*) FROM message_recipients mr JOIN messages m ON m.id = "
	             "mr.message_id WHERE m.created_by = $1 AND mr.address = $2 AND mr.received_at IS NULL) "
	             "FROM relationships WHERE (from_address = $1 AND to_address = $2) OR (from_address = $2 AND "
	             "to_address = $1) ORDER BY created_at DESC LIMIT 1",
	             &p);
	if (!res)
		return false;
	bool ok = false;
	const char *status = PQntuples(res) ? PQgetvalue(res, 0, 1) : NULL;
	if (!status)
		bb_fail(r, 400, MSG_ERR "noRelationshipToRecipientExists", "There is no relationship to %s.",
		        rc->address);
	else if (strcmp(status, "Active") && strcmp(status, "Pending") && strcmp(status, "Terminated"))
		bb_fail(r, 400, MSG_ERR "relationshipToRecipientNotActive", "The relationship to %s is %s.",
		        rc->address, status);
	else if (bb_col_i64(res, 0, 2) >= MAX_UNRECEIVED)
		bb_fail(r, 400, MSG_ERR "maxNumberOfUnreceivedMessagesReached",
		        "%s has too many unreceived messages from you.", rc->address);
	else
		ok = true;
	if (ok) {
		snprintf(rc->relationship, sizeof rc->relationship, "%s", PQgetvalue(res, 0, 0));
		rc->blocked = strcmp(status, "Active") != 0;
	}
	PQclear(res);
	return ok;
}

static bool read_recipient(struct bb_req *r, json_object *item, struct recipient *rc, struct recipient *all, size_t n)
{
	if (!bb_get_str(r, item, "address", true, &rc->address) ||
	    !bb_get_bytes(r, item, "encryptedKey", true, 30, 300, &rc->key, &rc->key_len))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].address, rc->address) == 0) {
			bb_invalid(r, "recipients", "addresses must be unique");
			return false;
		}
	return check_recipient(r, rc);
}

static bool read_attachments(struct bb_req *r, json_object *list)
{
	size_t n = list ? json_object_array_length(list) : 0;
	if (n > MAX_ATTACHMENTS) {
		bb_invalid(r, "attachments", "at most 20 attachments are allowed");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *id;
		if (!bb_get_str(r, json_object_array_get_idx(list, i), "id", true, &id))
			return false;
		if (!bb_id_valid(id, "FIL")) {
			bb_fail(r, 400, "error.platform.validation.invalidId",
			        "'Attachments': '%.40s' is not a file id", id);
			return false;
		}
	}
	return true;
}

static bool store_recipient(struct bb_req *r, const char *id, int seq, struct recipient *rc)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, seq);
	bb_p_text(&p, rc->address);
	bb_p_bytes(&p, rc->key, rc->key_len);
	bb_p_text(&p, rc->relationship);
	if (!bb_exec(r,
	             "INSERT INTO message_recipients (message_id, seq, address, encrypted_key, relationship_id) "
	             "VALUES ($1, $2, $3, $4, $5)",
	             &p))
		return false;
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "id", json_object_new_string(id));
	return bb_event_add(r, rc->address, "MessageReceived", payload, rc->relationship, rc->blocked);
}

static void store_message(struct bb_req *r, const unsigned char *body, size_t len, struct recipient *rcs, size_t n,
                          json_object *attachments)
{
	char id[BB_ID_LEN + 1];
	bb_new_id("MSG", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->address);
	bb_p_text(&p, r->device);
	bb_p_bytes(&p, body, len);
	if (!bb_exec(r, "INSERT INTO messages VALUES ($1, $2, $3, $4, $5)", &p))
		return;
	for (size_t i = 0; i < n; i++)
		if (!store_recipient(r, id, (int)i, &rcs[i]))
			return;
	for (size_t i = 0; attachments && i < json_object_array_length(attachments); i++) {
		struct bb_params a = {0};
		bb_p_text(&a, id);
		bb_p_i64(&a, (int64_t)i);
		bb_p_text(&a, json_object_get_string(bb_field(json_object_array_get_idx(attachments, i), "id")));
		if (!bb_exec(r, "INSERT INTO message_attachments VALUES ($1, $2, $3)", &a))
			return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "createdAt", bb_jdate(r->now));
	bb_ok(r, 201, o);
}

static void message_send(struct bb_req *r)
{
	json_object *list, *attachments;
	unsigned char *body = NULL;
	size_t len, n;
	if (!array_field(r, "recipients", true, &list) || !array_field(r, "attachments", false, &attachments) ||
	    !bb_get_bytes(r, r->json, "body", true, 1, MAX_BODY, &body, &len))
		return;
	n = json_object_array_length(list);
	if (n < 1 || n > (size_t)r->srv->cfg.max_recipients) {
		char why[64];
		snprintf(why, sizeof why, "must have between 1 and %d entries", r->srv->cfg.max_recipients);
		bb_invalid(r, "recipients", why);
		free(body);
		return;
	}
	struct recipient *rcs = calloc(n, sizeof *rcs);
	size_t done = 0;
	while (rcs && done < n && read_recipient(r, json_object_array_get_idx(list, done), &rcs[done], rcs, done))
		done++;
	if (done == n && read_attachments(r, attachments))
		store_message(r, body, len, rcs, n, attachments);
	for (size_t i = 0; rcs && i < n; i++)
		free(rcs[i].key);
	free(rcs);
	free(body);
}

static bool mark_received(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->device);
	return bb_exec(r,
	               "UPDATE message_recipients SET received_at = $3, received_by_device = $4 WHERE message_id = "
	               "$1 AND address = $2 AND received_at IS NULL",
	               &p);
}

static json_object *recipients_json(struct bb_req *r, const char *id, bool sender)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_bool(&p, sender);
	PGresult *res =
	        bb_q(r,
	             "SELECT address, " BB_B64U("encrypted_key") ", received_at, received_by_device FROM "
	                                                         "message_recipients WHERE message_id = $1 AND ($3 OR "
	                                                         "address = $2) ORDER BY seq",
	             &p);
	if (!res)
		return NULL;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "address", bb_col_json_str(res, i, 0));
		json_object_object_add(o, "encryptedKey", bb_col_json_str(res, i, 1));
		json_object_object_add(o, "receivedAt", bb_col_json_date(res, i, 2));
		json_object_object_add(o, "receivedByDevice", bb_col_json_str(res, i, 3));
		json_object_array_add(list, o);
	}
	PQclear(res);
	return list;
}

static json_object *attachments_json(struct bb_req *r, const char *id)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	PGresult *res = bb_q(r, "SELECT file_id FROM message_attachments WHERE message_id = $1 ORDER BY seq", &p);
	if (!res)
		return NULL;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", bb_col_json_str(res, i, 0));
		json_object_array_add(list, o);
	}
	PQclear(res);
	return list;
}

/* Builds the DTO of a message the caller takes part in (NULL and no error when not visible). */
static json_object *message_json(struct bb_req *r, const char *id, bool with_body)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r,
	                     "SELECT id, created_at, created_by, created_by_device, " BB_B64U(
	                             "body") ", "
	                                     "created_by = $2 FROM messages WHERE id = $1 AND (created_by = $2 OR "
	                                     "EXISTS (SELECT 1 FROM "
	                                     "message_recipients WHERE message_id = $1 AND address = $2))",
	                     &p);
	if (!res || PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	bool sender = bb_col_bool(res, 0, 5);
	if (!sender && !mark_received(r, id)) {
		PQclear(res);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(res, 0, 0));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, 0, 1));
	json_object_object_add(o, "createdBy", bb_col_json_str(res, 0, 2));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, 0, 3));
	json_object_object_add(o, "body", with_body ? bb_col_json_str(res, 0, 4) : NULL);
	json_object_object_add(o, "attachments", attachments_json(r, id));
	json_object_object_add(o, "recipients", recipients_json(r, id, sender));
	PQclear(res);
	return o;
}

static void message_get(struct bb_req *r)
{
	const char *id, *no_body = bb_query(r, "noBody");
	if (!bb_arg_id(r, 0, "MSG", &id))
		return;
	json_object *o = message_json(r, id, !(no_body && strcmp(no_body, "true") == 0));
	if (o)
		bb_ok(r, 200, o);
	else
		bb_not_found(r, "Message");
}

static json_object *message_item(struct bb_req *r, const char *id)
{
	return message_json(r, id, true);
}

/* Without ids: every message the caller sent or received, oldest first (as the real Backbone,
 * which lists all of the identity's messages when no ids are given), paged by bb_paged. */
static void message_list_all(struct bb_req *r)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r,
	                     "SELECT id FROM messages m WHERE created_by = $1 OR EXISTS (SELECT 1 FROM "
	                     "message_recipients WHERE message_id = m.id AND address = $1) ORDER BY created_at, id",
	                     &p);
	if (!res)
		return;
	json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res) && !r->error; i++) {
		json_object *o = message_json(r, PQgetvalue(res, i, 0), true);
		if (o)
			json_object_array_add(list, o);
	}
	PQclear(res);
	if (r->error)
		json_object_put(list);
	else
		bb_paged(r, list);
}

static void message_list(struct bb_req *r)
{
	if (bb_query(r, "ids"))
		bb_list_ids(r, "MSG", message_item);
	else
		message_list_all(r);
}

const struct bb_route bb_routes_messages[] = {
        {EVHTTP_REQ_POST, "/api/v2/Messages", BB_AUTH, BB_BODY_JSON, message_send},
        {EVHTTP_REQ_GET, "/api/v2/Messages", BB_AUTH, BB_BODY_NONE, message_list},
        {EVHTTP_REQ_GET, "/api/v2/Messages/{}", BB_AUTH, BB_BODY_NONE, message_get},
        {0},
};
