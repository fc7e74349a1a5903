/*
 * routes_relationships.c: the Relationships routes (http-api.md §1.3): CanCreate, create, list,
 * get, attributes, and the lifecycle PUTs (Accept, Reject, Revoke, Terminate, Reactivate and its
 * Accept/Reject/Revoke) plus DELETE (decompose, 204).
 */
#include <string.h>

#include "routes_runtime.h"
#include "runtime/relationships.h"

/* {templateId, creationContent}: both required, creationContent an (Arbitrary)RelationshipCreationContent. */
static bool read_creation(struct api_reply *reply, json_object *body, const char **template_id, json_object **content)
{
	if (!routes_string(reply, body, "templateId", true, template_id))
		return false;
	if (strncmp(*template_id, "RLT", 3) != 0 || strlen(*template_id) != 20)
		return routes_invalid(reply, "templateId must match pattern RLT.*");
	if (!routes_require(reply, body, "creationContent", content))
		return false;
	return routes_check_content_type(reply, *content, "creationContent", "RelationshipCreationContent");
}

void route_can_create_relationship(const struct api_request *req, struct api_reply *reply)
{
	const char *template_id = NULL;
	json_object *content = NULL, *result = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!read_creation(reply, routes_body(req), &template_id, &content) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationship_can_create(&rt, template_id, &result, &err);
	routes_reply_result(reply, ok, result, &err);
	reply->status = 200;
}

void route_create_relationship(const struct api_request *req, struct api_reply *reply)
{
	const char *template_id = NULL;
	json_object *content = NULL, *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!read_creation(reply, routes_body(req), &template_id, &content) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationship_create(&rt, template_id, content, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

void route_get_relationships(const struct api_request *req, struct api_reply *reply)
{
	json_object *list = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationships_list(&rt, req->query, &list, &err);
	routes_reply_result(reply, ok, list, &err);
}

void route_get_relationship(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "REL", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationship_get(&rt, id, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

/* Attributes come with the attribute area; until then a known relationship has none. */
void route_get_relationship_attributes(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "REL", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationship_get(&rt, id, &dto, &err);
	json_object_put(dto);
	routes_reply_result(reply, ok, ok ? json_object_new_array() : NULL, &err);
}

static void act(const struct api_request *req, struct api_reply *reply, enum rt_rel_action action)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "REL", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_relationship_act(&rt, id, action, &dto, &err);
	if (ok && action == RT_REL_DECOMPOSE) {
		reply->status = 204;
		return;
	}
	routes_reply_result(reply, ok, dto, &err);
}

void route_accept_relationship(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_ACCEPT);
}

void route_reject_relationship(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REJECT);
}

void route_revoke_relationship(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REVOKE);
}

void route_terminate_relationship(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_TERMINATE);
}

void route_decompose_relationship(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_DECOMPOSE);
}

void route_request_reactivation(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REACTIVATE);
}

void route_accept_reactivation(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REACTIVATE_ACCEPT);
}

void route_reject_reactivation(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REACTIVATE_REJECT);
}

void route_revoke_reactivation(const struct api_request *req, struct api_reply *reply)
{
	act(req, reply, RT_REL_REACTIVATE_REVOKE);
}
