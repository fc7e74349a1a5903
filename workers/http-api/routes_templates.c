/*
 * routes_templates.c: the RelationshipTemplates routes (http-api.md §1.3): GET /RelationshipTemplates,
 * /Own, /Peer, /{id}; POST /Own, /Peer, /Own/{id}/Token; DELETE /{id}.
 */
#include <string.h>

#include "routes_runtime.h"
#include "runtime/tokens.h"

void route_get_templates(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, -1, rt_templates_list);
}

void route_get_own_templates(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, 1, rt_templates_list);
}

void route_get_peer_templates(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, 0, rt_templates_list);
}

void route_get_template(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "RLT", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_template_get(&rt, id, &dto, &err);
	if (ok && routes_wants_png(req)) {
		json_object *own = NULL;
		if (!json_object_object_get_ex(dto, "isOwn", &own) || !json_object_get_boolean(own)) {
			json_object_put(dto);
			api_reply_error(reply, "error.runtime.relationshipTemplates.cannotCreateQRCodeForPeerTemplate",
			                "You cannot create a QR code for a peer RelationshipTemplate.");
			return;
		}
		routes_reply_qr(reply, dto);
		return;
	}
	routes_reply_result(reply, ok, dto, &err);
}

static bool read_template_options(struct api_reply *reply, json_object *body, struct rt_template_options *o)
{
	json_object *max = NULL;
	*o = (struct rt_template_options){0};
	if (!routes_date(reply, body, "expiresAt", true, true, &o->expires_at) ||
	    !routes_address(reply, body, "forIdentity", &o->for_identity) ||
	    !routes_password(reply, body, &o->password))
		return false;
	if (json_object_object_get_ex(body, "maxNumberOfAllocations", &max) && max) {
		if (!json_object_is_type(max, json_type_int))
			return routes_invalid(reply, "maxNumberOfAllocations must be integer");
		if (json_object_get_int64(max) < 1 || json_object_get_int64(max) > 1000000)
			return routes_invalid(reply, "maxNumberOfAllocations must be >= 1");
		o->max_allocations = json_object_get_int(max);
	}
	return true;
}

void route_create_own_template(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *content = NULL, *dto = NULL;
	struct rt_template_options o;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_require(reply, body, "content", &content) ||
	    !routes_check_content_type(reply, content, "content", "RelationshipTemplateContent") ||
	    !read_template_options(reply, body, &o) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_template_create_own(&rt, content, &o, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

void route_load_peer_template(const struct api_request *req, struct api_reply *reply)
{
	routes_load_peer(req, reply, rt_template_load_peer);
}

void route_delete_template(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "RLT", &id) || !routes_runtime(req, reply, &rt))
		return;
	if (rt_template_delete(&rt, id, &err))
		reply->status = 204;
	else
		routes_reply_runtime_error(reply, &err);
}

void route_create_token_for_template(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *body = routes_body(req), *dto = NULL;
	struct rt_token_options o;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "RLT", &id) || !routes_token_options(reply, body, false, &o))
		return;
	bool png = routes_wants_png(req);
	if (png)
		o.ephemeral = true; /* the QR variant never stores the token */
	if (!routes_runtime(req, reply, &rt))
		return;
	json_object *tdto = NULL;
	char expires[32];
	if (!o.expires_at) { /* default: the template's expiry */
		if (!rt_template_get(&rt, id, &tdto, &err)) {
			routes_reply_runtime_error(reply, &err);
			return;
		}
		snprintf(expires, sizeof(expires), "%s",
		         rt_json_str(tdto, "expiresAt") ? rt_json_str(tdto, "expiresAt") : "");
		json_object_put(tdto);
		o.expires_at = expires;
	}
	bool ok = rt_template_create_token(&rt, id, &o, &dto, &err);
	if (ok && png)
		routes_reply_qr(reply, dto);
	else
		routes_reply_result(reply, ok, dto, &err);
}
