/*
 * runtime/relationship_row.c: loading, saving and shaping stored relationships (relationship_row.h).
 */
#include "runtime/relationship_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rel_status_known(const char *status)
{
	static const char *const known[] = {"Pending", "Active",     "Rejected",
	                                    "Revoked", "Terminated", "DeletionProposed"};
	for (size_t i = 0; status && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(status, known[i]) == 0)
			return true;
	return false;
}

bool rel_row_load(struct runtime *rt, const char *id, bool lock, struct rel_row *row, bool *found,
                  struct runtime_error *err)
{
	const char *params[] = {id};
	memset(row, 0, sizeof(*row));
	*found = false;
	PGresult *res = db_exec(
	        rt->db,
	        lock ? "SELECT id, status, secrets_kind, secrets, dto FROM relationships WHERE id = $1 FOR UPDATE"
	             : "SELECT id, status, secrets_kind, secrets, dto FROM relationships WHERE id = $1",
	        1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a relationship");
	if (PQntuples(res) == 1) {
		*found = true;
		snprintf(row->id, sizeof(row->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(row->status, sizeof(row->status), "%s", PQgetvalue(res, 0, 1));
		snprintf(row->secrets_kind, sizeof(row->secrets_kind), "%s", PQgetvalue(res, 0, 2));
		row->secrets = strdup(PQgetvalue(res, 0, 3));
		row->dto = json_tokener_parse(PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	if (*found && (!row->secrets || !row->dto)) {
		rel_row_clear(row);
		return rt_fail(err, RT_ERR_UNEXPECTED, "stored relationship %s is unreadable", id);
	}
	return true;
}

void rel_row_clear(struct rel_row *row)
{
	ecrypto_free_text(row->secrets);
	json_object_put(row->dto);
	memset(row, 0, sizeof(*row));
}

/* An audit log entry without the Backbone's nulls. */
static json_object *audit_entry(json_object *entry)
{
	json_object *out = json_object_new_object();
	json_object_object_foreach(entry, key, value)
	{
		if (!value)
			continue;
		if (strcmp(key, "createdAt") && strcmp(key, "createdBy") && strcmp(key, "createdByDevice") &&
		    strcmp(key, "reason") && strcmp(key, "oldStatus") && strcmp(key, "newStatus"))
			continue;
		json_object_object_add(out, key, json_object_get(value));
	}
	return out;
}

bool rel_row_apply_metadata(struct rel_row *row, json_object *metadata)
{
	const char *status = rt_json_str(metadata, "status");
	json_object *log = NULL;
	if (!rel_status_known(status) || !json_object_object_get_ex(metadata, "auditLog", &log) ||
	    !json_object_is_type(log, json_type_array))
		return false;
	json_object *entries = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(log); i++)
		json_object_array_add(entries, audit_entry(json_object_array_get_idx(log, i)));
	json_object_object_add(row->dto, "status", json_object_new_string(status));
	json_object_object_add(row->dto, "auditLog", entries);
	snprintf(row->status, sizeof(row->status), "%s", status);
	return true;
}

bool rel_row_save(struct runtime *rt, struct rel_row *row, struct runtime_error *err)
{
	const char *params[] = {row->id, row->status, row->secrets_kind, row->secrets, rt_json_text(row->dto)};
	return db_command(rt->db,
	                  "UPDATE relationships SET status = $2, secrets_kind = $3, secrets = $4, dto = $5::jsonb, "
	                  "updated_at = now() WHERE id = $1",
	                  5, params)
	               ? true
	               : rt_fail_db(err, rt, "saving a relationship");
}

bool rel_row_insert(struct runtime *rt, struct rel_row *row, const char *template_id, const char *peer,
                    struct runtime_error *err)
{
	const char *params[] = {row->id,      template_id,           peer, row->status, row->secrets_kind,
	                        row->secrets, rt_json_text(row->dto)};
	return db_command(rt->db,
	                  "INSERT INTO relationships (id, template_id, peer, status, secrets_kind, secrets, dto) "
	                  "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
	                  7, params)
	               ? true
	               : rt_fail_db(err, rt, "storing a relationship");
}

json_object *rel_dto_new(json_object *metadata, const char *peer, const char *peer_public_key_b64,
                         json_object *creation_content)
{
	json_object *o = json_object_new_object(), *pi = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(rt_json_str(metadata, "id")));
	json_object_object_add(o, "templateId",
	                       json_object_new_string(rt_json_str(metadata, "relationshipTemplateId")
	                                                      ? rt_json_str(metadata, "relationshipTemplateId")
	                                                      : ""));
	json_object_object_add(o, "status", json_object_new_string("Pending"));
	json_object_object_add(o, "peer", json_object_new_string(peer));
	json_object_object_add(pi, "address", json_object_new_string(peer));
	json_object_object_add(pi, "publicKey", json_object_new_string(peer_public_key_b64));
	json_object_object_add(o, "peerIdentity", pi);
	json_object_object_add(o, "creationContent", json_object_get(creation_content));
	json_object_object_add(o, "auditLog", json_object_new_array());
	return o;
}

size_t rel_audit_length(json_object *dto)
{
	json_object *log = NULL;
	return json_object_object_get_ex(dto, "auditLog", &log) ? json_object_array_length(log) : 0;
}

json_object *rel_audit_last(json_object *dto)
{
	json_object *log = NULL;
	size_t n = json_object_object_get_ex(dto, "auditLog", &log) ? json_object_array_length(log) : 0;
	return n ? json_object_array_get_idx(log, n - 1) : NULL;
}

bool rel_created_by(json_object *dto, const char *address)
{
	json_object *log = NULL;
	if (!json_object_object_get_ex(dto, "auditLog", &log) || json_object_array_length(log) == 0)
		return false;
	const char *by = rt_json_str(json_object_array_get_idx(log, 0), "createdBy");
	return by && strcmp(by, address) == 0;
}
