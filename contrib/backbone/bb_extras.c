/*
 * bb_extras.c: the cheap endpoints runtime use cases call: Identities/IsDeleted, identity deletion
 * processes (start, read, cancel; peers get PeerToBeDeleted / PeerDeletionCancelled), Tags with an
 * ETag and 304, Announcements (none), Notifications (relationship checked, not delivered), public
 * relationship template references (none).
 */
#include "bb.h"

#include <event2/buffer.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS      (24LL * 60 * 60 * 1000)
#define TAGS_RESULT "{\"supportedLanguages\":[\"en\"],\"tagsForAttributeValueTypes\":{}}"

static void is_deleted(struct bb_req *r)
{
	const char *username = bb_query(r, "username");
	if (!username || !bb_id_valid(username, "USR")) {
		bb_fail(r, 400, "error.platform.validation.invalidId", "'Username': not a valid username");
		return;
	}
	struct bb_params p = {0};
	bb_p_text(&p, username);
	PGresult *res = bb_q(r,
	                     "SELECT i.deletion_date FROM devices d JOIN identities i ON i.address = d.address "
	                     "WHERE d.username = $1",
	                     &p);
	if (!res)
		return;
	if (PQntuples(res) == 1) {
		json_object *o = json_object_new_object();
		bool deleted = bb_col(res, 0, 0) && bb_col_i64(res, 0, 0) <= r->now;
		json_object_object_add(o, "isDeleted", json_object_new_boolean(deleted));
		json_object_object_add(o, "deletionDate", deleted ? bb_col_json_date(res, 0, 0) : NULL);
		bb_ok(r, 200, o);
	} else {
		bb_not_found(r, "Identity");
	}
	PQclear(res);
}

static void process_respond(struct bb_req *r, const char *id, int status)
{
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r,
	                     "SELECT id, status, created_at, created_by_device, grace_period_ends_at, cancelled_at, "
	                     "cancelled_by_device FROM "
	                     "deletion_processes WHERE id = $1 AND address = $2",
	                     &p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		bb_not_found(r, "IdentityDeletionProcess");
		PQclear(res);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", bb_col_json_str(res, 0, 0));
	json_object_object_add(o, "status", bb_col_json_str(res, 0, 1));
	json_object_object_add(o, "createdAt", bb_col_json_date(res, 0, 2));
	json_object_object_add(o, "createdByDevice", bb_col_json_str(res, 0, 3));
	json_object_object_add(o, "approvedAt", bb_col_json_date(res, 0, 2));
	json_object_object_add(o, "approvedByDevice", bb_col_json_str(res, 0, 3));
	json_object_object_add(o, "gracePeriodEndsAt", bb_col_json_date(res, 0, 4));
	json_object_object_add(o, "gracePeriodReminder1SentAt", NULL);
	json_object_object_add(o, "gracePeriodReminder2SentAt", NULL);
	json_object_object_add(o, "gracePeriodReminder3SentAt", NULL);
	json_object_object_add(o, "cancelledAt", bb_col_json_date(res, 0, 5));
	json_object_object_add(o, "cancelledByDevice", bb_col_json_str(res, 0, 6));
	PQclear(res);
	bb_ok(r, status, o);
}

/* Tells every peer of a Pending, Active or Terminated relationship. */
static bool tell_peers(struct bb_req *r, const char *type, int64_t deletion_date)
{
	struct bb_params p = {0};
	bb_p_text(&p, r->address);
	PGresult *res = bb_q(r,
	                     "SELECT id, CASE WHEN from_address = $1 THEN to_address ELSE from_address END FROM "
	                     "relationships WHERE $1 IN (from_address, to_address) AND status IN ('Pending', 'Active', "
	                     "'Terminated')",
	                     &p);
	bool ok = res != NULL;
	for (int i = 0; ok && i < PQntuples(res); i++) {
		json_object *payload = json_object_new_object();
		json_object_object_add(payload, "relationshipId", json_object_new_string(PQgetvalue(res, i, 0)));
		if (deletion_date)
			json_object_object_add(payload, "deletionDate", bb_jdate(deletion_date));
		ok = bb_event_add(r, PQgetvalue(res, i, 1), type, payload, PQgetvalue(res, i, 0), false);
	}
	PQclear(res);
	return ok;
}

static void process_start(struct bb_req *r)
{
	int64_t days = 14;
	if (!bb_get_int(r, r->json, "lengthOfGracePeriodInDays", false, &days, NULL))
		return;
	if (days < 0 || days > 365) {
		bb_invalid(r, "lengthOfGracePeriodInDays", "must be between 0 and 365");
		return;
	}
	char id[BB_ID_LEN + 1];
	bb_new_id("IDP", id);
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->device);
	bb_p_i64(&p, r->now + days * DAY_MS);
	PGresult *res = bb_q(r,
	                     "UPDATE identities SET status = 'ToBeDeleted', deletion_date = $5 WHERE address = $2 "
	                     "AND status = 'Active' AND $1::text IS NOT NULL AND $3::bigint IS NOT NULL AND $4::text "
	                     "IS NOT NULL",
	                     &p);
	if (!res)
		return;
	bool started = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	if (!started)
		bb_fail(r, 400, "error.platform.validation.device.onlyOneActiveDeletionProcessAllowed",
		        "Only one active deletion process is allowed.");
	else if (bb_exec(r,
	                 "INSERT INTO deletion_processes (id, address, status, created_at, created_by_device, "
	                 "grace_period_ends_at) VALUES ($1, $2, 'Active', $3, $4, $5)",
	                 &p) &&
	         tell_peers(r, "PeerToBeDeleted", r->now + days * DAY_MS))
		process_respond(r, id, 201);
}

static void process_get(struct bb_req *r)
{
	const char *id;
	if (bb_arg_id(r, 0, "IDP", &id))
		process_respond(r, id, 200);
}

static void process_cancel(struct bb_req *r)
{
	const char *id;
	if (!bb_arg_id(r, 0, "IDP", &id))
		return;
	struct bb_params p = {0};
	bb_p_text(&p, id);
	bb_p_text(&p, r->address);
	bb_p_i64(&p, r->now);
	bb_p_text(&p, r->device);
	PGresult *res = bb_q(r,
	                     "UPDATE deletion_processes SET status = 'Cancelled', cancelled_at = $3, "
	                     "cancelled_by_device = $4 WHERE id = $1 AND address = $2 AND status = 'Active'",
	                     &p);
	if (!res)
		return;
	bool cancelled = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	if (!cancelled) {
		bb_fail(r, 400, "error.platform.validation.device.noDeletionProcessWithRequiredStatusExists",
		        "There is no active deletion process with this id.");
		return;
	}
	struct bb_params q = {0};
	bb_p_text(&q, r->address);
	if (bb_exec(r, "UPDATE identities SET status = 'Active', deletion_date = NULL WHERE address = $1", &q) &&
	    tell_peers(r, "PeerDeletionCancelled", 0))
		process_respond(r, id, 200);
}

static void tags_get(struct bb_req *r)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[17], etag[24];
	crypto_hash_sha256(h, (const unsigned char *)TAGS_RESULT, strlen(TAGS_RESULT));
	sodium_bin2hex(hex, sizeof hex, h, 8);
	snprintf(etag, sizeof etag, "\"%s\"", hex);
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(r->req), "If-None-Match");
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "ETag", etag);
	if (inm && strcmp(inm, etag) == 0) {
		r->status = 304;
		r->raw = evbuffer_new();
		r->raw_type = "application/json";
		return;
	}
	bb_ok(r, 200, json_tokener_parse(TAGS_RESULT));
}

static void empty_list(struct bb_req *r)
{
	bb_ok(r, 200, json_object_new_array());
}

static void notification_send(struct bb_req *r)
{
	const char *code;
	json_object *recipients = bb_field(r->json, "recipients");
	if (!bb_get_str(r, r->json, "code", true, &code))
		return;
	if (!recipients || !json_object_is_type(recipients, json_type_array) || !json_object_array_length(recipients)) {
		bb_invalid(r, "recipients", "must be a non-empty array of addresses");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(recipients); i++) {
		struct bb_params p = {0};
		bb_p_text(&p, r->address);
		bb_p_text(&p, json_object_get_string(json_object_array_get_idx(recipients, i)));
		PGresult *res = bb_q(r,
		                     "SELECT 1 FROM relationships WHERE ((from_address = $1 AND to_address = $2) OR "
		                     "(from_address = $2 AND to_address = $1)) AND status = 'Active'",
		                     &p);
		if (!res)
			return;
		bool ok = PQntuples(res) > 0;
		PQclear(res);
		if (!ok) {
			bb_fail(r, 400,
			        "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists",
			        "There is no active relationship to one or more recipients.");
			return;
		}
	}
	bb_no_content(r);
}

const struct bb_route bb_routes_extras[] = {
        {EVHTTP_REQ_GET, "/api/v2/Identities/IsDeleted", BB_ANON, BB_BODY_NONE, is_deleted},
        {EVHTTP_REQ_POST, "/api/v2/Identities/Self/DeletionProcesses", BB_AUTH, BB_BODY_JSON, process_start},
        {EVHTTP_REQ_GET, "/api/v2/Identities/Self/DeletionProcesses/{}", BB_AUTH, BB_BODY_NONE, process_get},
        {EVHTTP_REQ_PUT, "/api/v2/Identities/Self/DeletionProcesses/{}/Cancel", BB_AUTH, BB_BODY_JSON, process_cancel},
        {EVHTTP_REQ_GET, "/api/v2/Tags", BB_OPTIONAL, BB_BODY_NONE, tags_get},
        {EVHTTP_REQ_GET, "/api/v2/Announcements", BB_AUTH, BB_BODY_NONE, empty_list},
        {EVHTTP_REQ_POST, "/api/v2/Notifications", BB_AUTH, BB_BODY_JSON, notification_send},
        {EVHTTP_REQ_GET, "/api/poc/PublicRelationshipTemplateReferences", BB_AUTH, BB_BODY_NONE, empty_list},
        {0},
};
