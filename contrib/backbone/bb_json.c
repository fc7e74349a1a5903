/*
 * bb_json.c: reading request fields the way the Backbone binds them (property names matched
 * case-insensitively, a wrong JSON type is a parse error, a missing required value a validation
 * error naming the property), base64 in both alphabets, ids with their prefixes, dates, paging.
 */
#include "bb.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timeutil.h"

json_object *bb_field(json_object *obj, const char *name)
{
	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	json_object_object_foreach(obj, key, val)
	{
		if (strcasecmp(key, name) == 0)
			return val;
	}
	return NULL;
}

static void capitalised(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s", name);
	out[0] = (char)toupper((unsigned char)out[0]);
}

static void parse_error(struct bb_req *r, const char *name, const char *what)
{
	char prop[64];
	capitalised(name, prop, sizeof prop);
	bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'%s': %s", prop, what);
}

static bool missing(struct bb_req *r, const char *name, bool required)
{
	if (required)
		bb_invalid(r, name, "must not be empty");
	return !required;
}

bool bb_get_str(struct bb_req *r, json_object *obj, const char *name, bool required, const char **out)
{
	json_object *v = bb_field(obj, name);
	*out = NULL;
	if (!v)
		return missing(r, name, required);
	if (!json_object_is_type(v, json_type_string)) {
		parse_error(r, name, "the JSON value could not be converted to a string");
		return false;
	}
	*out = json_object_get_string(v);
	if (required && !**out) {
		bb_invalid(r, name, "must not be empty");
		return false;
	}
	return true;
}

bool bb_get_int(struct bb_req *r, json_object *obj, const char *name, bool required, int64_t *out, bool *present)
{
	json_object *v = bb_field(obj, name);
	if (present)
		*present = v != NULL;
	if (!v)
		return missing(r, name, required);
	if (!json_object_is_type(v, json_type_int)) {
		parse_error(r, name, "the JSON value could not be converted to an integer");
		return false;
	}
	*out = json_object_get_int64(v);
	return true;
}

bool bb_get_bool(struct bb_req *r, json_object *obj, const char *name, bool *out)
{
	json_object *v = bb_field(obj, name);
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		parse_error(r, name, "the JSON value could not be converted to a boolean");
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

bool bb_get_date(struct bb_req *r, json_object *obj, const char *name, bool required, int64_t *out, bool *present)
{
	const char *s;
	if (present)
		*present = false;
	if (!bb_get_str(r, obj, name, required, &s))
		return false;
	if (!s)
		return true;
	if (!time_parse_iso(s, out)) {
		parse_error(r, name, "the JSON value is not a valid ISO 8601 date");
		return false;
	}
	if (present)
		*present = true;
	return true;
}

bool bb_b64_decode(const char *text, unsigned char **out, size_t *len)
{
	static const int variants[] = {sodium_base64_VARIANT_URLSAFE_NO_PADDING, sodium_base64_VARIANT_URLSAFE,
	                               sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
	size_t n = strlen(text);
	unsigned char *buf = malloc(n / 4 * 3 + 4);
	if (!buf)
		return false;
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		const char *end = NULL;
		if (sodium_base642bin(buf, n / 4 * 3 + 4, text, n, NULL, len, &end, variants[i]) == 0 &&
		    end == text + n) {
			*out = buf;
			return true;
		}
	}
	free(buf);
	return false;
}

bool bb_get_bytes(struct bb_req *r, json_object *obj, const char *name, bool required, size_t min, size_t max,
                  unsigned char **out, size_t *len)
{
	const char *s;
	*out = NULL;
	*len = 0;
	if (!bb_get_str(r, obj, name, required, &s))
		return false;
	if (!s)
		return true;
	if (!bb_b64_decode(s, out, len)) {
		parse_error(r, name, "the value is not valid base64");
		return false;
	}
	if (*len < min || *len > max) {
		char why[96];
		snprintf(why, sizeof why, "must be between %zu and %zu bytes long", min, max);
		bb_invalid(r, name, why);
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

char *bb_b64url(const unsigned char *data, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = malloc(n);
	if (s)
		sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return s;
}

void bb_new_id(const char *prefix, char out[BB_ID_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t plen = strlen(prefix);
	memcpy(out, prefix, plen);
	for (size_t i = plen; i < BB_ID_LEN; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[BB_ID_LEN] = '\0';
}

bool bb_id_valid(const char *id, const char *prefix)
{
	size_t plen = strlen(prefix);
	if (!id || strlen(id) != BB_ID_LEN || strncmp(id, prefix, plen) != 0)
		return false;
	for (size_t i = plen; i < BB_ID_LEN; i++)
		if (!isalnum((unsigned char)id[i]))
			return false;
	return true;
}

bool bb_arg_id(struct bb_req *r, int index, const char *prefix, const char **out)
{
	*out = r->args[index];
	if (bb_id_valid(*out, prefix))
		return true;
	bb_fail(r, 400, "error.platform.validation.invalidId", "'Id': '%.40s' is not a valid %s id", *out, prefix);
	return false;
}

json_object *bb_jdate(int64_t ms)
{
	char buf[32];
	return json_object_new_string(time_iso_from_ms(ms, buf, sizeof buf));
}

json_object *bb_jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

const char *bb_query(struct bb_req *r, const char *name)
{
	for (struct evkeyval *kv = r->query.tqh_first; kv; kv = kv->next.tqe_next)
		if (strcasecmp(kv->key, name) == 0)
			return kv->value;
	return NULL;
}

static bool query_int(struct bb_req *r, const char *name, int64_t *out)
{
	const char *v = bb_query(r, name);
	if (!v)
		return true;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < 1 || n > 1000000000) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'%s': '%.20s' is not a positive number", name,
		        v);
		return false;
	}
	*out = n;
	return true;
}

bool bb_paging(struct bb_req *r, int64_t *page, int64_t *size)
{
	*page = 1;
	*size = 50;
	if (!query_int(r, "PageNumber", page) || !query_int(r, "PageSize", size))
		return false;
	if (*size > 200) {
		bb_fail(r, 400, "error.platform.validation.pagination.invalidPageSize",
		        "'PageSize': must be at most 200");
		return false;
	}
	return true;
}

void bb_list_ids(struct bb_req *r, const char *prefix, json_object *(*item)(struct bb_req *r, const char *id))
{
	json_object *list = json_object_new_array();
	for (struct evkeyval *kv = r->query.tqh_first; kv && !r->error; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "ids") != 0)
			continue;
		if (!bb_id_valid(kv->value, prefix)) {
			bb_fail(r, 400, "error.platform.validation.invalidId", "'Ids': '%.40s' is not a valid %s id",
			        kv->value, prefix);
			break;
		}
		json_object *o = item(r, kv->value);
		if (o)
			json_object_array_add(list, o);
	}
	if (r->error)
		json_object_put(list);
	else
		bb_paged(r, list);
}
