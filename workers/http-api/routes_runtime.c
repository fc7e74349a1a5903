/*
 * routes_runtime.c: the shared session, error replies and request validation of the runtime's
 * routes (routes_runtime.h). The session is opened on the first request that needs it (one attempt
 * per request; a failure answers 500 and the next request tries again) and kept for the worker's
 * life; a lost database connection is re-established by the next request.
 */
#include "routes_runtime.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "http_accept.h"
#include "log.h"
#include "runtime/qrcode.h"
#include "sync/session.h"

static struct account_session session;
static bool session_open;
static char reply_code[128]; /* replies are sent before the next request is handled */

static bool never_stop(void *arg)
{
	(void)arg;
	return false;
}

bool routes_runtime(const struct api_request *req, struct api_reply *reply, struct runtime *rt)
{
	char err[512];
	if (session_open && !db_is_connected(session.db) && db_connect(session.db) != DB_OK) {
		api_reply_error(reply, API_ERR_UNEXPECTED, "The database is not reachable: %s", db_error(session.db));
		return false;
	}
	if (!session_open) {
		if (account_session_open(&session, req->server->config, "connector-http-api", never_stop, NULL, 1, err,
		                         sizeof(err)) != SESSION_OK) {
			log_error("HttpServer", "account session: %s", err);
			api_reply_error(reply, API_ERR_UNEXPECTED, "The account is not available: %s", err);
			return false;
		}
		session_open = true;
	}
	rt->db = session.db;
	rt->client = session.client;
	rt->identity = &session.identity;
	return true;
}

void routes_reply_runtime_error(struct api_reply *reply, const struct runtime_error *err)
{
	snprintf(reply_code, sizeof(reply_code), "%s", err->code);
	api_reply_error(reply, reply_code, "%s", err->message);
	reply->error_status = rt_error_status(err);
}

bool routes_invalid(struct api_reply *reply, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	api_reply_error(reply, RT_ERR_INVALID_VALUE, "%s", message);
	return false;
}

bool routes_check_content_type(struct api_reply *reply, json_object *content, const char *field, const char *type)
{
	const char *got = json_object_is_type(content, json_type_object) ? rt_json_str(content, "@type") : NULL;
	if (!got)
		return routes_invalid(reply, "%s must be a %s or an Arbitrary%s (an object with '@type')", field, type,
		                      type);
	if (strcmp(got, type) == 0 || (strncmp(got, "Arbitrary", 9) == 0 && strcmp(got + 9, type) == 0))
		return true;
	api_reply_error(reply, "error.runtime.unknownType",
	                "Type '%.100s' with version 1 was not found within reflection classes. You might have to "
	                "install a module first.",
	                got);
	return false;
}

bool routes_check_id(const struct api_request *req, struct api_reply *reply, const char *prefix, const char **id)
{
	*id = api_param(req, "id");
	if (!*id || strncmp(*id, prefix, 3) != 0 || strlen(*id) != 20)
		return routes_invalid(reply, "id must match pattern %s.*", prefix);
	for (const char *p = *id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return routes_invalid(reply, "id must match pattern %s.*", prefix);
	return true;
}

json_object *routes_body(const struct api_request *req)
{
	return req->body && json_object_is_type(req->body, json_type_object) ? req->body : NULL;
}

bool routes_require(struct api_reply *reply, json_object *body, const char *name, json_object **out)
{
	if (!body || !json_object_object_get_ex(body, name, out) || !*out)
		return routes_invalid(reply, "must have required property '%s'", name);
	return true;
}

bool routes_string(struct api_reply *reply, json_object *body, const char *name, bool required, const char **out)
{
	json_object *v = NULL;
	if (!body || !json_object_object_get_ex(body, name, &v) || !v) {
		if (required)
			return routes_invalid(reply, "must have required property '%s'", name);
		return true;
	}
	if (!json_object_is_type(v, json_type_string))
		return routes_invalid(reply, "%s must be string", name);
	*out = json_object_get_string(v);
	return true;
}

bool routes_bool(struct api_reply *reply, json_object *body, const char *name, bool *out)
{
	json_object *v = NULL;
	if (!body || !json_object_object_get_ex(body, name, &v) || !v)
		return true;
	if (!json_object_is_type(v, json_type_boolean))
		return routes_invalid(reply, "%s must be boolean", name);
	*out = json_object_get_boolean(v);
	return true;
}

bool routes_date(struct api_reply *reply, json_object *body, const char *name, bool required, bool future,
                 const char **out)
{
	long long ms = 0;
	if (!routes_string(reply, body, name, required, out))
		return false;
	if (!*out)
		return true;
	if (!rt_parse_date(*out, &ms))
		return routes_invalid(reply, "%s must match ISO8601 datetime format", name);
	char now[32];
	long long now_ms = 0;
	rt_now_iso(now);
	rt_parse_date(now, &now_ms);
	if (future && ms <= now_ms)
		return routes_invalid(reply, "'%s' must be in the future", name);
	return true;
}

bool routes_address(struct api_reply *reply, json_object *body, const char *name, const char **out)
{
	struct ecrypto_why why = {{0}};
	if (!routes_string(reply, body, name, false, out))
		return false;
	if (*out && ecrypto_address_validate(*out, &why) != ECRYPTO_OK)
		return routes_invalid(reply, "%s must match pattern did:e:<domain>:dids:<22 hex characters> (%s)", name,
		                      why.text);
	return true;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool routes_password(struct api_reply *reply, json_object *body, struct rt_password_input *out)
{
	json_object *pp = NULL, *v = NULL;
	out->password = NULL;
	out->is_pin = false;
	out->location = ECRYPTO_REF_NO_LOCATION;
	if (!body || !json_object_object_get_ex(body, "passwordProtection", &pp) || !pp)
		return true;
	if (!json_object_is_type(pp, json_type_object))
		return routes_invalid(reply, "passwordProtection must be object");
	if (!routes_string(reply, pp, "password", true, &out->password))
		return false;
	if (!*out->password)
		return routes_invalid(reply, "passwordProtection/password must NOT have fewer than 1 characters");
	if (json_object_object_get_ex(pp, "passwordIsPin", &v) && v) {
		if (!json_object_is_type(v, json_type_boolean) || !json_object_get_boolean(v))
			return routes_invalid(reply, "passwordProtection/passwordIsPin must be equal to constant");
		out->is_pin = true;
		size_t n = strlen(out->password);
		if (n < 4 || n > 16 || !all_digits(out->password))
			return routes_invalid(
			        reply, "'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.");
	}
	if (json_object_object_get_ex(pp, "passwordLocationIndicator", &v) && v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) < 0 || json_object_get_int(v) > 99)
			return routes_invalid(
			        reply, "passwordProtection/passwordLocationIndicator must be an integer from 0 to 99");
		out->location = json_object_get_int(v);
	}
	return true;
}

bool routes_wants_png(const struct api_request *req)
{
	static const char *const types[] = {"application/json", "image/png"};
	const char *best = http_accept_best(req->accept, types, 2);
	return best && strcmp(best, "image/png") == 0;
}

void routes_reply_qr(struct api_reply *reply, json_object *dto)
{
	json_object *ref = NULL;
	json_object_object_get_ex(dto, "reference", &ref);
	const char *url = rt_json_str(ref, "url"), *id = rt_json_str(dto, "id");
	struct qr_code *qr = malloc(sizeof(*qr));
	if (qr && url && id && qr_encode((const uint8_t *)url, strlen(url), -1, qr)) {
		reply->png = qr_png(qr, 4, 4, &reply->png_len);
		snprintf(reply->png_name, sizeof(reply->png_name), "%s", id);
	}
	if (!reply->png)
		api_reply_error(reply, API_ERR_UNEXPECTED, "The QR code of '%s' could not be rendered.", id ? id : "");
	free(qr);
	json_object_put(dto);
}

void routes_reply_result(struct api_reply *reply, bool ok, json_object *result, const struct runtime_error *err)
{
	if (ok)
		reply->result = result;
	else
		routes_reply_runtime_error(reply, err);
}

void routes_list(const struct api_request *req, struct api_reply *reply, int own, routes_list_fn list)
{
	json_object *result = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = list(&rt, own, req->query, &result, &err);
	routes_reply_result(reply, ok, result, &err);
}

void routes_load_peer(const struct api_request *req, struct api_reply *reply, routes_load_fn load)
{
	json_object *body = routes_body(req), *dto = NULL;
	const char *reference = NULL, *password = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_string(reply, body, "reference", true, &reference) ||
	    !routes_string(reply, body, "password", false, &password) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = load(&rt, reference, password, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}
