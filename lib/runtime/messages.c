/*
 * runtime/messages.c: sending, listing, reading and receiving messages (messages.h). The record
 * crypto is messages_crypto.c; relationship rows are read here by peer (table of 0004), files
 * through files.h; sends with an Idempotency-Key keep their record through messages_sends.c.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "runtime/files.h"
#include "runtime/messages.h"
#include "runtime/messages_crypto.h"
#include "runtime/messages_sends.h"
#include "runtime/relationships.h"
#include "runtime/store.h"

static const struct filter_field message_fields[] = {
        {"createdBy", FILTER_PLAIN},
        {"createdByDevice", FILTER_PLAIN},
        {"createdAt", FILTER_PLAIN},
        {"isOwn", FILTER_PLAIN},
        {"recipients.address", FILTER_PLAIN},
        {"recipients.relationshipId", FILTER_PLAIN},
        {"wasReadAt", FILTER_PLAIN},
        {"attachments", FILTER_CONTAINS_ANY},
        {"content.@type", FILTER_PLAIN},
        {"content.subject", FILTER_PLAIN},
        {"content.body", FILTER_PLAIN},
        {"content.bodyFormat", FILTER_PLAIN},
        {NULL, 0},
};

/* ---- the relationship to a peer ---- */

struct peer_rel {
	char id[24];
	struct ecrypto_rel_secrets secrets;
	bool usable; /* full secrets */
	bool active;
	const char *deletion; /* peerDeletionInfo.deletionStatus or NULL (points into a static string) */
};

/* The youngest relationship to peer (row locked when lock). *found false when there is none. */
static bool peer_rel_load(struct runtime *rt, const char *peer, bool lock, struct peer_rel *out, bool *found,
                          struct runtime_error *err)
{
	const char *params[] = {peer};
	PGresult *res = db_exec(rt->db,
	                        lock ? "SELECT id, status, secrets_kind, secrets, dto->'peerDeletionInfo'->>"
	                               "'deletionStatus' FROM relationships WHERE peer = $1 ORDER BY created_at DESC "
	                               "LIMIT 1 FOR UPDATE"
	                             : "SELECT id, status, secrets_kind, secrets, dto->'peerDeletionInfo'->>"
	                               "'deletionStatus' FROM relationships WHERE peer = $1 ORDER BY created_at DESC "
	                               "LIMIT 1",
	                        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading the relationship to a recipient");
	memset(out, 0, sizeof(*out));
	*found = PQntuples(res) == 1;
	bool fine = true;
	if (*found) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		out->active = strcmp(PQgetvalue(res, 0, 1), "Active") == 0;
		const char *del = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4);
		out->deletion = !del ? NULL : strcmp(del, "Deleted") == 0 ? "Deleted" : "ToBeDeleted";
		out->usable = strcmp(PQgetvalue(res, 0, 2), "full") == 0;
		struct ecrypto_why why = {{0}};
		if (out->usable &&
		    ecrypto_rel_secrets_from_json(PQgetvalue(res, 0, 3), &out->secrets, &why) != ECRYPTO_OK)
			fine = rt_fail_crypto(err, RT_ERR_UNEXPECTED, "stored relationship secrets", &why);
	}
	PQclear(res);
	return fine;
}

static bool peer_rel_save(struct runtime *rt, const struct peer_rel *rel, struct runtime_error *err)
{
	char *json = ecrypto_rel_secrets_to_json(&rel->secrets);
	const char *params[] = {json, rel->id};
	bool fine =
	        json && db_command(rt->db, "UPDATE relationships SET secrets = $1, updated_at = now() WHERE id = $2", 2,
	                           params);
	ecrypto_free_text(json);
	return fine ? true : rt_fail_db(err, rt, "saving the relationship counters");
}

/* ---- sending ---- */

static bool content_type_ok(json_object *content)
{
	static const char *const types[] = {"Mail", "ResponseWrapper", "Notification", "ArbitraryMessageContent",
	                                    "Request"};
	const char *t = rt_json_str(content, "@type");
	for (size_t i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

/* Joins the addresses of list (n entries) the way JS prints an array: a,b,c. */
static void join(char *out, size_t len, const char *const *list, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "", list[i]);
}

static bool recipients_error(struct runtime_error *err, const char *code, const char *const *list, size_t n,
                             const char *one, const char *many)
{
	char addrs[400];
	join(addrs, sizeof(addrs), list, n);
	return rt_fail(err, code, n > 1 ? many : one, addrs);
}

struct send_state {
	size_t n;
	const char **addresses;
	struct peer_rel *rels;
	struct msg_seal_recipient *seal;
};

static void send_state_free(struct send_state *s)
{
	for (size_t i = 0; s->rels && i < s->n; i++)
		ecrypto_rel_secrets_wipe(&s->rels[i].secrets);
	free(s->rels);
	free(s->seal);
	free(s->addresses);
}

/* Loads and locks every recipient's relationship and checks it as the original does. */
static bool load_recipients(struct runtime *rt, json_object *recipients, bool notification, struct send_state *s,
                            struct runtime_error *err)
{
	s->n = json_object_array_length(recipients);
	s->addresses = calloc(s->n, sizeof(char *));
	s->rels = calloc(s->n, sizeof(*s->rels));
	s->seal = calloc(s->n, sizeof(*s->seal));
	const char **deleted = calloc(s->n, sizeof(char *)), **deleting = calloc(s->n, sizeof(char *)),
	           **missing = calloc(s->n, sizeof(char *));
	size_t nd = 0, ntb = 0, nm = 0;
	bool fine = s->addresses && s->rels && s->seal && deleted && deleting && missing;
	for (size_t i = 0; fine && i < s->n; i++) {
		bool found = false;
		s->addresses[i] = json_object_get_string(json_object_array_get_idx(recipients, i));
		fine = peer_rel_load(rt, s->addresses[i], true, &s->rels[i], &found, err);
		if (!fine)
			break;
		if (!found || !s->rels[i].usable || (!notification && !s->rels[i].active))
			missing[nm++] = s->addresses[i];
		else if (s->rels[i].deletion && strcmp(s->rels[i].deletion, "Deleted") == 0)
			deleted[nd++] = s->addresses[i];
		else if (s->rels[i].deletion)
			deleting[ntb++] = s->addresses[i];
		s->seal[i] = (struct msg_seal_recipient){s->addresses[i], &s->rels[i].secrets};
	}
	if (fine && nd > 0)
		fine = recipients_error(
		        err, "error.transport.messages.peerIsDeleted", deleted, nd,
		        "The recipient with the address '%s' is deleted, so you cannot send them a Message.",
		        "The recipients with the following addresses '%s' are deleted, so you cannot send "
		        "them a Message.");
	else if (fine && ntb > 0)
		fine = recipients_error(
		        err, "error.transport.messages.peerIsToBeDeleted", deleting, ntb,
		        "The recipient with the address '%s' has the status 'ToBeDeleted', so you cannot "
		        "send them a Message.",
		        "The recipients with the following addresses '%s' have the status 'ToBeDeleted', so "
		        "you cannot send them a Message.");
	else if (fine && nm > 0)
		fine = recipients_error(
		        err, RT_ERR_NO_ACTIVE_RELATIONSHIP, missing, nm,
		        "An active Relationship with the given address '%s' does not exist, so you cannot "
		        "send them a Message.",
		        "An active Relationship with the given addresses '%s' does not exist, so you cannot "
		        "send them a Message.");
	if (!s->addresses || !s->rels || !s->seal || !deleted || !deleting || !missing)
		fine = rt_fail(err, RT_ERR_UNEXPECTED, "out of memory");
	free(deleted);
	free(deleting);
	free(missing);
	return fine;
}

/* The FileReference JSON objects of the attachment ids (array, owned). */
static bool attachment_refs(struct runtime *rt, json_object *attachments, json_object **out, struct runtime_error *err)
{
	*out = json_object_new_array();
	size_t n = attachments ? json_object_array_length(attachments) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *ref = NULL;
		if (!rt_file_reference_json(rt, json_object_get_string(json_object_array_get_idx(attachments, i)), &ref,
		                            err)) {
			json_object_put(*out);
			*out = NULL;
			return false;
		}
		json_object_array_add(*out, ref);
	}
	return true;
}

/* The Idempotency-Key of a send (key NULL: none) and its request hash. */
struct send_key {
	const char *key;
	char hash[65];
};

/* Seals the message and commits the advanced counters (with a key: and the send record in the
 * same transaction); *request gets the Backbone body. */
static bool seal_and_reserve(struct runtime *rt, json_object *recipients, json_object *content, json_object *refs,
                             const char *created_at, const struct send_key *k, json_object **request,
                             struct runtime_error *err)
{
	struct send_state s = {0};
	bool notification = strcmp(rt_json_str(content, "@type"), "Notification") == 0;
	if (!db_begin(rt->db))
		return rt_fail_db(err, rt, "starting a transaction");
	bool fine = load_recipients(rt, recipients, notification, &s, err);
	if (fine) {
		struct msg_seal_input in = {content, refs, created_at, s.seal, s.n, NULL, NULL};
		struct ecrypto_why why = {{0}};
		if (msg_seal(&in, request, NULL, &why) != ECRYPTO_OK)
			fine = rt_fail_crypto(err, RT_ERR_UNEXPECTED, "sealing the message", &why);
	}
	for (size_t i = 0; fine && i < s.n; i++)
		fine = peer_rel_save(rt, &s.rels[i], err);
	if (fine && k->key)
		fine = msg_send_insert(rt, k->key, k->hash, *request, err);
	if (fine && !db_commit(rt->db))
		fine = rt_fail_db(err, rt, "committing the message counters");
	if (!fine) {
		db_rollback(rt->db);
		json_object_put(*request);
		*request = NULL;
	}
	send_state_free(&s);
	return fine;
}

static json_object *recipient_dtos(struct runtime *rt, json_object *recipients)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(recipients); i++) {
		const char *address = json_object_get_string(json_object_array_get_idx(recipients, i));
		struct peer_rel rel;
		bool found = false;
		struct runtime_error ignored;
		json_object *r = json_object_new_object();
		json_object_object_add(r, "address", json_object_new_string(address));
		if (peer_rel_load(rt, address, false, &rel, &found, &ignored) && found)
			json_object_object_add(r, "relationshipId", json_object_new_string(rel.id));
		ecrypto_rel_secrets_wipe(&rel.secrets);
		json_object_array_add(list, r);
	}
	return list;
}

static json_object *sent_dto(struct runtime *rt, const char *id, const char *created_at, json_object *recipients,
                             json_object *content, json_object *attachments)
{
	json_object *dto = json_object_new_object();
	json_object_object_add(dto, "id", json_object_new_string(id));
	json_object_object_add(dto, "isOwn", json_object_new_boolean(1));
	json_object_object_add(dto, "content", msg_sorted_copy(content));
	json_object_object_add(dto, "createdBy", json_object_new_string(rt->identity->address));
	json_object_object_add(dto, "createdByDevice", json_object_new_string(rt->identity->device_id));
	json_object_object_add(dto, "recipients", recipient_dtos(rt, recipients));
	json_object_object_add(dto, "createdAt", json_object_new_string(created_at));
	json_object_object_add(dto, "attachments",
	                       attachments ? json_object_get(attachments) : json_object_new_array());
	return dto;
}

static bool store_message(struct runtime *rt, json_object *dto, bool is_own, json_object *refs, const char *namespace,
                          struct runtime_error *err)
{
	const char *params[] = {rt_json_str(dto, "id"), is_own ? "t" : "f", rt_json_text(refs), rt_json_text(dto)};
	if (!db_command(rt->db,
	                "INSERT INTO messages (id, is_own, attachment_refs, dto) VALUES ($1, $2::boolean, $3::jsonb, "
	                "$4::jsonb) ON CONFLICT (id) DO NOTHING",
	                4, params))
		return rt_fail_db(err, rt, "storing the message");
	return rt_emit(rt, namespace, json_object_get(dto), err);
}

/* Stores the sent message and its event (and completes the send record) in one transaction. */
static bool commit_sent(struct runtime *rt, json_object *dto, json_object *refs, const struct send_key *k,
                        struct runtime_error *err)
{
	bool fine = db_begin(rt->db) ? store_message(rt, dto, true, refs, "transport.messageSent", err)
	                             : rt_fail_db(err, rt, "starting a transaction");
	if (fine && k->key)
		fine = msg_send_complete(rt, k->key, rt_json_str(dto, "id"), err);
	if (fine && !db_commit(rt->db))
		fine = rt_fail_db(err, rt, "committing the message");
	if (!fine)
		db_rollback(rt->db);
	return fine;
}

/* The Backbone's record of the message (owned): POSTs request unless a keyed retry finds it there. */
static bool backbone_accept(struct runtime *rt, json_object *request, bool look_first, json_object **accepted,
                            struct runtime_error *err)
{
	*accepted = NULL;
	if (look_first && !msg_send_find_at_backbone(rt, request, accepted, err))
		return false;
	if (*accepted)
		return true;
	struct backbone_response r = {0};
	bool fine = backbone_call(rt->client, "POST", "/api/v2/Messages", request, BACKBONE_AUTH, &r) == BACKBONE_OK;
	if (!fine)
		rt_fail_backbone(err, &r);
	else if (!rt_json_str(r.result, "id"))
		fine = rt_fail(err, RT_ERR_UNEXPECTED, "the Backbone's answer to POST /api/v2/Messages has no id");
	else
		*accepted = json_object_get(r.result);
	backbone_response_clear(&r);
	return fine;
}

/* Seals (or, for a known key, takes the recorded body), gets the message accepted, stores it. */
static bool send_sealed(struct runtime *rt, json_object *recipients, json_object *content, json_object *attachments,
                        json_object *refs, const struct send_key *k, struct msg_send_record *rec, json_object **dto,
                        struct runtime_error *err)
{
	char now[32];
	rt_now_iso(now);
	json_object *request = rec->found ? json_object_get(rec->request) : NULL, *accepted = NULL;
	bool fine = rec->found || seal_and_reserve(rt, recipients, content, refs, now, k, &request, err);
	fine = fine && backbone_accept(rt, request, rec->found, &accepted, err);
	if (fine) {
		const char *created = rt_json_str(accepted, "createdAt");
		*dto = sent_dto(rt, rt_json_str(accepted, "id"), created ? created : now, recipients, content,
		                attachments);
		fine = commit_sent(rt, *dto, refs, k, err);
		if (!fine) {
			json_object_put(*dto);
			*dto = NULL;
		}
	}
	json_object_put(accepted);
	json_object_put(request);
	return fine;
}

/* Under the key's lock: the recorded outcome, a refusal for a different request, or the send. */
static bool send_keyed(struct runtime *rt, json_object *recipients, json_object *content, json_object *attachments,
                       json_object *refs, struct send_key *k, json_object **dto, struct runtime_error *err)
{
	struct msg_send_record rec = {0};
	msg_send_request_hash(recipients, content, attachments, k->hash);
	if (!msg_send_lock(rt, k->key, err))
		return false;
	bool fine = msg_send_load(rt, k->key, k->hash, &rec, err);
	if (fine && rec.found && !rec.same_request)
		fine = rt_fail(err, RT_ERR_INVALID_VALUE,
		               "The Idempotency-Key '%s' was already used for a different request.", k->key);
	else if (fine && rec.message_id)
		fine = rt_message_get(rt, rec.message_id, false, dto, err);
	else if (fine)
		fine = send_sealed(rt, recipients, content, attachments, refs, k, &rec, dto, err);
	msg_send_record_free(&rec);
	msg_send_unlock(rt, k->key);
	return fine;
}

bool rt_message_send(struct runtime *rt, json_object *recipients, json_object *content, json_object *attachments,
                     const char *idempotency_key, json_object **dto, struct runtime_error *err)
{
	*dto = NULL;
	if (!content_type_ok(content))
		return rt_fail(
		        err, RT_ERR_INVALID_VALUE,
		        "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or "
		        "an ArbitraryMessageContent.");
	json_object *refs = NULL;
	if (!attachment_refs(rt, attachments, &refs, err))
		return false;
	struct send_key k = {idempotency_key, {0}};
	struct msg_send_record none = {0};
	bool fine = k.key ? send_keyed(rt, recipients, content, attachments, refs, &k, dto, err)
	                  : send_sealed(rt, recipients, content, attachments, refs, &k, &none, dto, err);
	json_object_put(refs);
	return fine;
}

/* ---- reading ---- */

static bool take_flag(const struct http_query *query, const char *key, const char **value)
{
	*value = http_query_count(query, key) == 1 ? http_query_get(query, key) : NULL;
	return *value != NULL;
}

bool rt_messages_list(struct runtime *rt, const struct http_query *query, json_object **list, struct runtime_error *err)
{
	static const char *const skip_participant[] = {"participant", NULL};
	static const char *const skip_both[] = {"participant", "attachments", NULL};
	const char *participant = NULL, *attachments = NULL;
	bool has_participant = take_flag(query, "participant", &participant);
	bool has_any = take_flag(query, "attachments", &attachments) && strcmp(attachments, "+") == 0;
	char scope[400];
	snprintf(scope, sizeof(scope), "%s AND %s",
	         has_participant ? "(dto->>'createdBy' = $1 OR dto->'recipients' @> jsonb_build_array("
	                           "jsonb_build_object('address', $1::text)))"
	                         : "TRUE",
	         has_any ? "jsonb_array_length(dto->'attachments') > 0" : "TRUE");
	return rt_list_dtos(rt, "messages", scope, has_participant ? participant : NULL, message_fields,
	                    has_any ? skip_both : skip_participant, query, list, err);
}

static bool expand_attachments(struct runtime *rt, json_object *dto, struct runtime_error *err)
{
	json_object *ids = json_object_object_get(dto, "attachments"), *files = json_object_new_array();
	for (size_t i = 0; ids && i < json_object_array_length(ids); i++) {
		json_object *file = NULL;
		if (!rt_file_get(rt, json_object_get_string(json_object_array_get_idx(ids, i)), &file, err)) {
			json_object_put(files);
			return false;
		}
		json_object_array_add(files, file);
	}
	json_object_object_add(dto, "attachments", files);
	return true;
}

bool rt_message_get(struct runtime *rt, const char *id, bool with_attachments, json_object **dto,
                    struct runtime_error *err)
{
	if (!rt_get_dto(rt, "messages", id, "Message", dto, err))
		return false;
	if (with_attachments && !expand_attachments(rt, *dto, err)) {
		json_object_put(*dto);
		*dto = NULL;
		return false;
	}
	return true;
}

bool rt_message_attachment_ref(struct runtime *rt, const char *id, const char *attachment_id, json_object **ref,
                               struct runtime_error *err)
{
	const char *params[] = {id, attachment_id};
	*ref = NULL;
	PGresult *res = db_exec(rt->db,
	                        "SELECT r FROM messages, jsonb_array_elements(attachment_refs) r WHERE id = $1 AND "
	                        "r->>'id' = $2",
	                        2, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a message attachment");
	if (PQntuples(res) == 1)
		*ref = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	return *ref ? true
	            : rt_fail(err, RT_ERR_NOT_FOUND,
	                      "File not found. Make sure the ID exists and the record is not "
	                      "expired.");
}

/* ---- receiving ---- */

static json_object *own_recipient_entry(json_object *message, const char *own)
{
	json_object *rcpts = json_object_object_get(message, "recipients");
	for (size_t i = 0; rcpts && i < json_object_array_length(rcpts); i++) {
		json_object *e = json_object_array_get_idx(rcpts, i);
		if (strcmp(rt_json_str(e, "address") ? rt_json_str(e, "address") : "", own) == 0)
			return e;
	}
	return NULL;
}

static json_object *received_dto(struct runtime *rt, json_object *message, json_object *wrapper, const char *rel_id,
                                 json_object *own_entry)
{
	json_object *dto = json_object_new_object(), *rcpts = json_object_new_array();
	json_object *names = json_object_object_get(wrapper, "recipients"), *ids = json_object_new_array();
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(names, i));
		json_object *r = json_object_new_object();
		json_object_object_add(r, "address", json_object_new_string(a));
		if (strcmp(a, rt->identity->address) == 0) {
			const char *at = rt_json_str(own_entry, "receivedAt"),
			           *dev = rt_json_str(own_entry, "receivedByDevice");
			if (at)
				json_object_object_add(r, "receivedAt", json_object_new_string(at));
			if (dev)
				json_object_object_add(r, "receivedByDevice", json_object_new_string(dev));
		}
		json_object_object_add(r, "relationshipId", json_object_new_string(rel_id));
		json_object_array_add(rcpts, r);
	}
	json_object *att = json_object_object_get(wrapper, "attachments");
	for (size_t i = 0; att && i < json_object_array_length(att); i++)
		json_object_array_add(ids,
		                      json_object_new_string(rt_json_str(json_object_array_get_idx(att, i), "id")));
	json_object_object_add(dto, "id", json_object_new_string(rt_json_str(message, "id")));
	json_object_object_add(dto, "isOwn", json_object_new_boolean(0));
	json_object_object_add(dto, "content", json_object_get(json_object_object_get(wrapper, "content")));
	json_object_object_add(dto, "createdBy", json_object_new_string(rt_json_str(message, "createdBy")));
	json_object_object_add(dto, "createdByDevice", json_object_new_string(rt_json_str(message, "createdByDevice")));
	json_object_object_add(dto, "recipients", rcpts);
	json_object_object_add(dto, "createdAt", json_object_new_string(rt_json_str(message, "createdAt")));
	json_object_object_add(dto, "attachments", ids);
	return dto;
}

static bool already_stored(struct runtime *rt, const char *id, bool *yes, struct runtime_error *err)
{
	const char *params[] = {id};
	PGresult *res = db_exec(rt->db, "SELECT 1 FROM messages WHERE id = $1", 1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a message");
	*yes = PQntuples(res) == 1;
	PQclear(res);
	return true;
}

/*
 * A message can be handed out before the event that activated its relationship (the Backbone
 * unblocks older MessageReceived events on acceptance): bring the relationship up to date first,
 * which completes the requestor's secrets (a later RelationshipStatusChanged then finds no change).
 */
static bool complete_secrets(struct runtime *rt, const char *sender, struct peer_rel *rel, struct runtime_error *err)
{
	bool skipped = false, found = false;
	char id[sizeof(rel->id)];
	snprintf(id, sizeof(id), "%s", rel->id);
	if (!rt_relationship_apply_remote(rt, id, NULL, &skipped, err))
		return false;
	ecrypto_rel_secrets_wipe(&rel->secrets);
	return peer_rel_load(rt, sender, false, rel, &found, err);
}

/* Opens the Backbone's MessageDTO with the relationship to its sender, loads the attachments. */
static bool open_and_store(struct runtime *rt, json_object *message, struct runtime_error *err)
{
	const char *sender = rt_json_str(message, "createdBy"), *body = rt_json_str(message, "body");
	json_object *own = own_recipient_entry(message, rt->identity->address);
	if (!sender || !body || !own || !rt_json_str(own, "encryptedKey"))
		return rt_fail(
		        err, "error.transport.messages.ownAddressNotInList",
		        "The recipients list of Message %s didn't contain an entry for the own address. This Message "
		        "should not have been received.",
		        rt_json_str(message, "id") ? rt_json_str(message, "id") : "?");
	struct peer_rel rel;
	bool found = false;
	if (!peer_rel_load(rt, sender, false, &rel, &found, err))
		return false;
	if (found && !rel.usable && !complete_secrets(rt, sender, &rel, err))
		return false;
	if (!found || !rel.usable)
		return ecrypto_rel_secrets_wipe(&rel.secrets),
		       rt_fail(err, "error.transport.messages.missingRelationship",
		               "A Relationship with the given address '%s' does not exist.", sender);
	struct msg_opened o;
	struct ecrypto_why why = {{0}};
	enum ecrypto_err e =
	        msg_open(&rel.secrets, rt->identity->address, rt_json_str(own, "encryptedKey"), body, &o, &why);
	ecrypto_rel_secrets_wipe(&rel.secrets);
	if (e != ECRYPTO_OK)
		return rt_fail_crypto(err,
		                      e == ECRYPTO_ERR_SIGNATURE ? "error.transport.messages.signatureNotValid"
		                                                 : "error.transport.messages.plaintextMismatch",
		                      "opening the message", &why);
	json_object *refs = json_object_object_get(o.wrapper, "attachments");
	bool fine = true;
	for (size_t i = 0; fine && refs && i < json_object_array_length(refs); i++)
		fine = rt_file_load_from_ref(rt, json_object_array_get_idx(refs, i), err);
	json_object *dto = fine ? received_dto(rt, message, o.wrapper, rel.id, own) : NULL;
	json_object *none = refs ? NULL : json_object_new_array();
	if (fine)
		fine = store_message(rt, dto, false, refs ? refs : none, "transport.messageReceived", err);
	json_object_put(none);
	json_object_put(dto);
	json_object_put(o.wrapper);
	return fine;
}

bool rt_message_receive(struct runtime *rt, const char *id, bool *skipped, struct runtime_error *err)
{
	bool stored = false;
	*skipped = false;
	if (!already_stored(rt, id, &stored, err))
		return false;
	if (stored) {
		*skipped = true;
		return true;
	}
	char path[128];
	snprintf(path, sizeof(path), "/api/v2/Messages/%s", id);
	struct backbone_response r = {0};
	if (backbone_call(rt->client, "GET", path, NULL, BACKBONE_AUTH | BACKBONE_SAFE, &r) != BACKBONE_OK) {
		bool fine = rt_fail_backbone(err, &r);
		backbone_response_clear(&r);
		return fine;
	}
	bool fine = open_and_store(rt, r.result, err);
	backbone_response_clear(&r);
	return fine;
}
