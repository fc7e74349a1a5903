/*
 * routes_tokens.c: the Tokens routes (http-api.md §1.3): POST /Tokens/Own, POST /Tokens/Peer,
 * GET /Tokens/Own, GET /Tokens/Peer, GET /Tokens/{id}, DELETE /Tokens/{id}.
 */
#include "routes_runtime.h"

#include "runtime/tokens.h"

bool routes_token_options(struct api_reply *reply, json_object *body, bool expires_required, struct rt_token_options *o)
{
	*o = (struct rt_token_options){0};
	return routes_date(reply, body, "expiresAt", expires_required, true, &o->expires_at) &&
	       routes_bool(reply, body, "ephemeral", &o->ephemeral) &&
	       routes_address(reply, body, "forIdentity", &o->for_identity) &&
	       routes_password(reply, body, &o->password);
}

void route_create_own_token(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *content = NULL, *dto = NULL;
	struct rt_token_options o;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_require(reply, body, "content", &content) || !routes_token_options(reply, body, true, &o) ||
	    !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_token_create_own(&rt, content, &o, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

void route_load_peer_token(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *dto = NULL;
	const char *reference = NULL, *password = NULL;
	bool ephemeral = false;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_string(reply, body, "reference", true, &reference) ||
	    !routes_bool(reply, body, "ephemeral", &ephemeral) ||
	    !routes_string(reply, body, "password", false, &password) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_token_load_peer(&rt, reference, ephemeral, password, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

static void list_tokens(const struct api_request *req, struct api_reply *reply, bool own)
{
	json_object *list = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_tokens_list(&rt, own, req->query, &list, &err);
	routes_reply_result(reply, ok, list, &err);
}

void route_get_own_tokens(const struct api_request *req, struct api_reply *reply)
{
	list_tokens(req, reply, true);
}

void route_get_peer_tokens(const struct api_request *req, struct api_reply *reply)
{
	list_tokens(req, reply, false);
}

void route_get_token(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "TOK", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_token_get(&rt, id, &dto, &err);
	if (ok && routes_wants_png(req)) {
		routes_reply_qr(reply, dto);
		return;
	}
	routes_reply_result(reply, ok, dto, &err);
}

void route_delete_token(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "TOK", &id) || !routes_runtime(req, reply, &rt))
		return;
	if (rt_token_delete(&rt, id, &err))
		reply->status = 204;
	else
		routes_reply_runtime_error(reply, &err);
}
