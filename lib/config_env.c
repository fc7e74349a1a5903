/*
 * config_env.c: the environment layer and the type coercions of the configuration.
 * A variable is taken only when its name is an alias or a key path ("__" or ":" separated) known to
 * the schema (config_schema.c). Values are JSON-parsed when they are JSON, else kept as strings;
 * values for string-typed keys are always kept verbatim (so API_KEY=12345 stays "12345").
 * Entries apply shallowest path first, so a specific variable wins over an object-valued parent.
 */
#include "config_internal.h"
#include "config_schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *path;
} env_aliases[] = {
        {"API_KEY", "infrastructure.httpServer.apiKey"},
        {"DATABASE_CONNECTION_STRING", "database.connectionString"},
        {"DATABASE_NAME", "database.dbName"},
        {"SYNC_ENABLED", "modules.sync.enabled"},
        {"PLATFORM_CLIENT_ID", "transportLibrary.platformClientId"},
        {"PLATFORM_CLIENT_SECRET", "transportLibrary.platformClientSecret"},
        {"DEBUG", "debug"},
};

struct env_entry {
	size_t order;
	int depth;
	char buf[512];
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	const char *value;
	const struct config_key *row;
	bool exact;
};

json_object *config_json_parse(const char *text, size_t len, size_t *offset, const char **reason)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*reason = NULL;
	json_object *value = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue) {
		value = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		*reason = err == json_tokener_continue ? "unexpected end of data" : json_tokener_error_desc(err);
		*offset = end;
		return NULL;
	}
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (end < len) {
		*reason = "unexpected data after the JSON value";
	} else if (json_object_is_type(value, json_type_double) && !isfinite(json_object_get_double(value))) {
		*reason = "NaN and Infinity are not JSON";
		end = 0;
	}
	if (*reason) {
		*offset = end;
		json_object_put(value);
		return NULL;
	}
	return value;
}

/* "__" and ":" both separate segments; returns the count, or -1 for empty segments or a '.'. */
static int split_env_name(const char *name, struct env_entry *e)
{
	size_t j = 0;
	for (size_t i = 0; name[i]; i++) {
		if (j + 2 >= sizeof(e->buf) || name[i] == '.')
			return -1;
		if (name[i] == ':') {
			e->buf[j++] = '.';
		} else if (name[i] == '_' && name[i + 1] == '_') {
			e->buf[j++] = '.';
			i++;
		} else {
			e->buf[j++] = name[i];
		}
	}
	e->buf[j] = '\0';
	if (j == 0 || e->buf[0] == '.' || e->buf[j - 1] == '.' || strstr(e->buf, ".."))
		return -1;
	char copy[sizeof(e->buf)];
	memcpy(copy, e->buf, j + 1);
	return config_path_split(copy, e->buf, sizeof(e->buf), e->segments);
}

/* Fills e from one "NAME=value" string; false when the variable is not a configuration key. */
static bool parse_env_entry(const char *assignment, struct env_entry *e)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(e->buf))
		return false;
	char name[sizeof(e->buf)];
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = '\0';
	e->value = eq + 1;
	e->depth = -1;
	for (size_t i = 0; i < sizeof(env_aliases) / sizeof(env_aliases[0]); i++)
		if (strcmp(name, env_aliases[i].name) == 0)
			e->depth = config_path_split(env_aliases[i].path, e->buf, sizeof(e->buf), e->segments);
	if (e->depth < 0)
		e->depth = split_env_name(name, e);
	if (e->depth <= 0)
		return false;
	e->row = config_schema_find(e->segments, e->depth, &e->exact);
	return e->row != NULL;
}

static bool looks_like_json(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s && strchr("{[\"-0123456789tfn", *s) != NULL;
}

/* The value to store: raw string for string-typed keys and non-JSON text, else the parsed JSON. */
static json_object *env_value(const struct env_entry *e)
{
	if (!(e->exact && e->row->type == CONFIG_STRING) && looks_like_json(e->value)) {
		size_t offset;
		const char *reason = NULL;
		json_object *parsed = config_json_parse(e->value, strlen(e->value), &offset, &reason);
		if (!reason)
			return parsed; /* NULL for JSON null */
	}
	return json_object_new_string(e->value);
}

static void set_path(json_object *root, const char *const *segments, int n, json_object *value)
{
	json_object *node = root;
	for (int i = 0; i < n - 1; i++) {
		json_object *child = NULL;
		if (!json_object_object_get_ex(node, segments[i], &child) ||
		    !json_object_is_type(child, json_type_object)) {
			child = json_object_new_object();
			json_object_object_add(node, segments[i], child);
		}
		node = child;
	}
	json_object *existing = NULL;
	if (json_object_is_type(value, json_type_object) &&
	    json_object_object_get_ex(node, segments[n - 1], &existing) &&
	    json_object_is_type(existing, json_type_object)) {
		config_merge(existing, value);
		json_object_put(value);
		return;
	}
	json_object_object_add(node, segments[n - 1], value);
}

static int by_depth_then_order(const void *a, const void *b)
{
	const struct env_entry *x = *(const struct env_entry *const *)a, *y = *(const struct env_entry *const *)b;
	if (x->depth != y->depth)
		return x->depth - y->depth;
	return x->order < y->order ? -1 : x->order > y->order;
}

void config_apply_environment(json_object *root, char **environment)
{
	size_t count = 0, used = 0;
	for (char **e = environment; e && *e; e++)
		count++;
	if (count == 0)
		return;
	struct env_entry *entries = calloc(count, sizeof(*entries)), **sorted = calloc(count, sizeof(*sorted));
	if (!entries || !sorted)
		abort();
	for (size_t i = 0; i < count; i++) {
		if (parse_env_entry(environment[i], &entries[used])) {
			entries[used].order = i;
			sorted[used] = &entries[used];
			used++;
		}
	}
	qsort(sorted, used, sizeof(*sorted), by_depth_then_order); /* entries hold pointers into themselves */
	for (size_t i = 0; i < used; i++)
		set_path(root, sorted[i]->segments, sorted[i]->depth, env_value(sorted[i]));
	free(sorted);
	free(entries);
}

static bool digits_to_int(const char *s, int64_t *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	if (!*p || strlen(p) > 18)
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	errno = 0;
	*out = strtoll(s, NULL, 10);
	return errno == 0;
}

static json_object *coerced(const struct config_key *row, json_object *value)
{
	if (row->type == CONFIG_STRING &&
	    (json_object_is_type(value, json_type_int) || json_object_is_type(value, json_type_double)))
		return json_object_new_string(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
	int64_t number;
	if (row->type == CONFIG_INT && json_object_is_type(value, json_type_string) &&
	    digits_to_int(json_object_get_string(value), &number))
		return json_object_new_int64(number);
	double d = json_object_is_type(value, json_type_double) ? json_object_get_double(value) : 0.5;
	if (row->type == CONFIG_INT && d == floor(d) && fabs(d) < 9e15)
		return json_object_new_int64((int64_t)d); /* 1e3 as JSON.parse gives it: 1000 */
	return NULL;
}

static void coerce_node(json_object *node, const char **segments, int n)
{
	if (n >= CONFIG_PATH_MAX_DEPTH)
		return;
	json_object_object_foreach(node, key, child)
	{
		segments[n] = key;
		bool exact = false;
		const struct config_key *row = config_schema_find(segments, n + 1, &exact);
		json_object *replacement = row && exact ? coerced(row, child) : NULL;
		if (replacement)
			json_object_object_add(node, key, replacement);
		else if (json_object_is_type(child, json_type_object))
			coerce_node(child, segments, n + 1);
	}
}

void config_coerce(json_object *root)
{
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	coerce_node(root, segments, 0);
}
