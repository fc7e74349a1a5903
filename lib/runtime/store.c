/*
 * runtime/store.c: shared pieces of the runtime's records (store.h).
 */
#include "runtime/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

bool rt_password_param(const char *password, const struct ecrypto_password_protection *pp,
                       char param[ECRYPTO_PASSWORD_PARAM_SIZE], struct runtime_error *err)
{
	struct ecrypto_why why = {{0}};
	if (ecrypto_password_backbone_param(password, pp->salt, param, &why) != ECRYPTO_OK)
		return rt_fail_crypto(err, RT_ERR_INVALID_VALUE, "password", &why);
	return true;
}

bool rt_password_prepare(const struct rt_password_input *in, struct ecrypto_password_protection *pp,
                         char param[ECRYPTO_PASSWORD_PARAM_SIZE], struct runtime_error *err)
{
	memset(pp, 0, sizeof(*pp));
	if (in->is_pin)
		snprintf(pp->type, sizeof(pp->type), "pin%d", (int)(strlen(in->password) % 100));
	else
		snprintf(pp->type, sizeof(pp->type), "pw");
	randombytes_buf(pp->salt, sizeof(pp->salt));
	pp->location_indicator = in->location;
	return rt_password_param(in->password, pp, param, err);
}

json_object *rt_password_dto(const char *password, const struct ecrypto_password_protection *pp)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "password", json_object_new_string(password));
	if (strncmp(pp->type, "pin", 3) == 0)
		json_object_object_add(o, "passwordIsPin", json_object_new_boolean(1));
	if (pp->location_indicator != ECRYPTO_REF_NO_LOCATION)
		json_object_object_add(o, "passwordLocationIndicator", json_object_new_int(pp->location_indicator));
	return o;
}

json_object *rt_reference_dto(const struct ecrypto_reference *ref, struct runtime_error *err)
{
	char *truncated = NULL, *url = NULL;
	struct ecrypto_why why = {{0}};
	if (ecrypto_reference_truncate(ref, &truncated, &why) != ECRYPTO_OK ||
	    ecrypto_reference_to_url(ref, NULL, &url, &why) != ECRYPTO_OK) {
		free(truncated);
		rt_fail_crypto(err, RT_ERR_UNEXPECTED, "reference", &why);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "truncated", json_object_new_string(truncated));
	json_object_object_add(o, "url", json_object_new_string(url));
	ecrypto_free_text(truncated);
	ecrypto_free_text(url);
	return o;
}

char *rt_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.~", *p)) {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '%';
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 15];
	}
	*o = '\0';
	return out;
}

bool rt_get_dto(struct runtime *rt, const char *table, const char *id, const char *entity, json_object **out,
                struct runtime_error *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT dto FROM %s WHERE id = $1", table);
	const char *params[] = {id};
	PGresult *res = db_exec(rt->db, sql, 1, params);
	if (!res)
		return rt_fail_db(err, rt, "reading a record");
	bool found = PQntuples(res) == 1;
	*out = found ? json_tokener_parse(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	if (!found)
		return rt_fail(err, RT_ERR_NOT_FOUND,
		               "%s not found. Make sure the ID exists and the record is not expired.", entity);
	return *out ? true : rt_fail(err, RT_ERR_UNEXPECTED, "stored %s is not JSON", entity);
}

bool rt_list_dtos(struct runtime *rt, const char *table, const char *scope, const char *scope_param,
                  const struct filter_field *fields, const char *const *skip, const struct http_query *query,
                  json_object **out, struct runtime_error *err)
{
	struct filter_sql f;
	char why[512];
	int first = scope_param ? 2 : 1;
	if (!filter_build(query, fields, skip, "dto", first, &f, why, sizeof(why)))
		return rt_fail(err, FILTER_ERR_CODE, "%s", why);
	char *sql = NULL;
	if (asprintf(&sql, "SELECT dto FROM %s WHERE %s AND %s ORDER BY created_at, id", table, scope ? scope : "TRUE",
	             f.where) < 0) {
		filter_sql_free(&f);
		return rt_fail(err, RT_ERR_UNEXPECTED, "out of memory");
	}
	const char **params = calloc((size_t)f.nparams + 1, sizeof(char *));
	int n = 0;
	if (scope_param)
		params[n++] = scope_param;
	for (int i = 0; i < f.nparams; i++)
		params[n++] = f.params[i];
	PGresult *res = db_exec(rt->db, sql, n, params);
	free(params);
	free(sql);
	filter_sql_free(&f);
	if (!res)
		return rt_fail_db(err, rt, "listing records");
	*out = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(*out, json_tokener_parse(PQgetvalue(res, i, 0)));
	PQclear(res);
	return true;
}

void rt_new_id(const char *prefix, char out[21])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(prefix);
	memcpy(out, prefix, n);
	for (size_t i = n; i < 20; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[20] = '\0';
}

bool rt_fetch_referenced(struct runtime *rt, const char *collection, const struct ecrypto_reference *ref,
                         const char *password, unsigned flags, struct backbone_response *r, struct runtime_error *err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", collection, ref->id);
	if (ref->has_password) {
		char param[ECRYPTO_PASSWORD_PARAM_SIZE];
		if (!password)
			return rt_fail(err, "error.runtime.validation.noPasswordProvided",
			               "You need to provide a password or PIN.");
		if (!rt_password_param(password, &ref->password, param, err))
			return false;
		char *escaped = rt_url_escape(param);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "?password=%s", escaped);
		free(escaped);
	}
	if (backbone_call(rt->client, "GET", path, NULL, flags, r) != BACKBONE_OK) {
		rt_fail_backbone(err, r);
		backbone_response_clear(r);
		return false;
	}
	return true;
}
