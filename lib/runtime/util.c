/*
 * runtime/util.c: the runtime's shared helpers: error records, JSON text as JavaScript writes it,
 * the device keypair of the account, and event emission into the outbox.
 */
#include "runtime/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "outbox.h"
#include "timeutil.h"

bool rt_fail(struct runtime_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->remote_status = 0;
	return false;
}

bool rt_fail_backbone(struct runtime_error *err, const struct backbone_response *r)
{
	if (r->status == BACKBONE_ERR_REQUEST && r->code[0]) {
		snprintf(err->code, sizeof(err->code), "%s", r->code);
		snprintf(err->message, sizeof(err->message), "%s", r->message);
		/* An unconverted Backbone error keeps the Backbone's status (http-api.md §2.2). */
		err->remote_status = (int)r->http_status;
		return false;
	}
	return rt_fail(err, r->code[0] ? r->code : "error.transport.request.noAuthPossible", "%s",
	               r->message[0] ? r->message : "the Backbone could not be reached");
}

bool rt_fail_db(struct runtime_error *err, struct runtime *rt, const char *what)
{
	return rt_fail(err, RT_ERR_UNEXPECTED, "database error while %s: %s", what, db_error(rt->db));
}

bool rt_fail_crypto(struct runtime_error *err, const char *code, const char *what, const struct ecrypto_why *why)
{
	return rt_fail(err, code, "%s: %s", what, why && why->text[0] ? why->text : "invalid");
}

int rt_error_status(const struct runtime_error *err)
{
	if (err->remote_status)
		return api_error_status_of_remote(err->remote_status);
	return api_error_status(err->code);
}

const char *rt_json_text(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

json_object *rt_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int)len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

const char *rt_json_str(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool rt_device_keypair(struct runtime *rt, struct ecrypto_sig_keypair *out, struct runtime_error *err)
{
	PGresult *res = db_exec(rt->db, "SELECT device_keypair FROM account_identity", 0, NULL);
	if (!res)
		return rt_fail_db(err, rt, "reading the device key");
	struct ecrypto_why why = {{0}};
	bool ok = PQntuples(res) == 1 && ecrypto_sig_keypair_from_json(PQgetvalue(res, 0, 0), out, &why) == ECRYPTO_OK;
	PQclear(res);
	if (!ok)
		return rt_fail(err, RT_ERR_UNEXPECTED, "the device key of the account is unusable: %s", why.text);
	return true;
}

bool rt_emit(struct runtime *rt, const char *namespace, json_object *data, struct runtime_error *err)
{
	bool ok = outbox_append(rt->db, namespace, rt->identity->address, rt_json_text(data), NULL, NULL);
	json_object_put(data);
	return ok ? true : rt_fail_db(err, rt, "writing an event");
}

void rt_now_iso(char out[32])
{
	time_now_iso(out, 32);
}

bool rt_parse_date(const char *text, long long *ms)
{
	int64_t v = 0;
	if (!text || !time_parse_iso(text, &v))
		return false;
	*ms = (long long)v;
	return true;
}
