/*
 * runtime/auto_accept.c: decisions and actions of the auto-accept / auto-decompose modules
 * (auto_accept.h).
 */
#include "runtime/auto_accept.h"

#include <string.h>

#include "log.h"

enum auto_kind auto_kind_of_module(const char *module)
{
	if (!module)
		return AUTO_NONE;
	if (strcmp(module, "autoAcceptPendingRelationships") == 0 ||
	    strcmp(module, "autoAcceptRelationshipCreationChanges") == 0)
		return AUTO_ACCEPT;
	if (strcmp(module, "autoDecomposeDeletionProposedRelationships") == 0)
		return AUTO_DECOMPOSE;
	return AUTO_NONE;
}

bool auto_decide(enum auto_kind kind, const char *namespace, json_object *dto, const char *own_address, const char **id)
{
	json_object *log = NULL;
	const char *status = rt_json_str(dto, "status");
	*id = rt_json_str(dto, "id");
	if (!namespace || strcmp(namespace, "transport.relationshipChanged") != 0 || !status || !*id)
		return false;
	if (kind == AUTO_DECOMPOSE)
		return strcmp(status, "DeletionProposed") == 0;
	if (kind != AUTO_ACCEPT || strcmp(status, "Pending") != 0 ||
	    !json_object_object_get_ex(dto, "auditLog", &log) || !json_object_is_type(log, json_type_array) ||
	    json_object_array_length(log) != 1)
		return false;
	const char *by = rt_json_str(json_object_array_get_idx(log, 0), "createdBy");
	return by && strcmp(by, own_address) != 0;
}

enum auto_result auto_act(struct runtime *rt, enum auto_kind kind, const char *id, struct runtime_error *err)
{
	json_object *dto = NULL;
	enum rt_rel_action action = kind == AUTO_DECOMPOSE ? RT_REL_DECOMPOSE : RT_REL_ACCEPT;
	if (rt_relationship_act(rt, id, action, &dto, err)) {
		json_object_put(dto);
		return AUTO_DONE;
	}
	if (strcmp(err->code, RT_ERR_NOT_FOUND) == 0 || strstr(err->code, "wrongRelationshipStatus") ||
	    strstr(err->code, "relationshipIsNotInCorrectStatus") || strstr(err->code, "relationshipAlreadyDecomposed"))
		return AUTO_NOTHING;
	if (strcmp(err->code, RT_ERR_UNEXPECTED) == 0 || strncmp(err->code, "error.transport.request", 23) == 0 ||
	    (err->remote_status >= 500))
		return AUTO_TRANSIENT;
	return AUTO_REFUSED;
}

int auto_decompose_pending(struct runtime *rt)
{
	PGresult *res = db_exec(
	        rt->db, "SELECT id FROM relationships WHERE status = 'DeletionProposed' ORDER BY created_at", 0, NULL);
	if (!res)
		return -1;
	int done = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		struct runtime_error err = {.remote_status = 0};
		if (auto_act(rt, AUTO_DECOMPOSE, PQgetvalue(res, i, 0), &err) == AUTO_DONE)
			done++;
		else
			log_warn("AutoDecompose", "relationship %s not decomposed: %s %s", PQgetvalue(res, i, 0),
			         err.code, err.message);
	}
	PQclear(res);
	return done;
}
