/*
 * runtime/filter.c: translation of the list-route query syntax (filter.h) into SQL over a jsonb
 * column. Owns the value typing (boolean/number/string), the operator prefixes, LIKE escaping and
 * the regex check; all values leave as parameters.
 */
#include "runtime/filter.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

struct builder {
	FILE *sql;
	char *sql_text;
	size_t sql_len;
	char **params;
	int nparams;
	int first;
	const char *column;
};

static int add_param(struct builder *b, const char *value)
{
	char **grown = realloc(b->params, sizeof(char *) * (size_t)(b->nparams + 1));
	if (!grown)
		return -1;
	b->params = grown;
	b->params[b->nparams] = strdup(value);
	if (!b->params[b->nparams])
		return -1;
	return b->first + b->nparams++;
}

/* The text[] literal of a dotted key: {"a","b"} with " and \ escaped. */
static char *path_literal(const char *key)
{
	size_t len = strlen(key);
	char *out = malloc(len * 2 + 8), *o = out;
	if (!out)
		return NULL;
	*o++ = '{';
	*o++ = '"';
	for (const char *p = key; *p; p++) {
		if (*p == '.') {
			*o++ = '"';
			*o++ = ',';
			*o++ = '"';
			continue;
		}
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '"';
	*o++ = '}';
	*o = '\0';
	return out;
}

static bool is_number(const char *v)
{
	char *end;
	if (!*v || isspace((unsigned char)*v))
		return false;
	double d = strtod(v, &end);
	return *end == '\0' && isfinite(d);
}

/* JSON literal of a typed query value. */
static char *typed_json(const char *v)
{
	json_object *o;
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		o = json_object_new_boolean(v[0] == 't');
	else if (is_number(v))
		o = json_object_new_double_s(strtod(v, NULL), v);
	else
		o = json_object_new_string(v);
	char *text = o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
	json_object_put(o);
	return text;
}

static char *like_pattern(const char *v, bool prefix_wild, bool suffix_wild)
{
	char *out = malloc(strlen(v) * 2 + 3), *o = out;
	if (!out)
		return NULL;
	if (prefix_wild)
		*o++ = '%';
	for (const char *p = v; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	if (suffix_wild)
		*o++ = '%';
	*o = '\0';
	return out;
}

static int eq_condition(struct builder *b, int path, const char *value)
{
	char *json = typed_json(value);
	if (!json)
		return -1;
	int v = add_param(b, json);
	free(json);
	if (v < 0)
		return -1;
	const char *c = b->column;
	fprintf(b->sql,
	        "(%s #> $%d::text[] = $%d::jsonb OR (jsonb_typeof(%s #> $%d::text[]) = 'array' AND "
	        "%s #> $%d::text[] @> jsonb_build_array($%d::jsonb)))",
	        c, path, v, c, path, c, path, v);
	return 0;
}

static int compare_condition(struct builder *b, int path, const char *op, const char *value)
{
	int v = add_param(b, value);
	if (v < 0)
		return -1;
	const char *c = b->column;
	if (is_number(value))
		fprintf(b->sql,
		        "(jsonb_typeof(%s #> $%d::text[]) = 'number' AND (%s #>> $%d::text[])::numeric %s "
		        "$%d::numeric)",
		        c, path, c, path, op, v);
	else
		fprintf(b->sql, "((%s #>> $%d::text[]) COLLATE \"C\" %s $%d::text)", c, path, op, v);
	return 0;
}

static int like_condition(struct builder *b, int path, const char *value, bool prefix_wild, bool suffix_wild)
{
	char *pattern = like_pattern(value, prefix_wild, suffix_wild);
	if (!pattern)
		return -1;
	int v = add_param(b, pattern);
	free(pattern);
	if (v < 0)
		return -1;
	fprintf(b->sql, "(%s #>> $%d::text[]) ILIKE $%d::text", b->column, path, v);
	return 0;
}

static int regex_condition(struct builder *b, int path, const char *key, const char *value, char *err, size_t err_len)
{
	regex_t re;
	if (regcomp(&re, value, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
		snprintf(err, err_len, "%s: '~%s' is not a valid regular expression", key, value);
		return -2;
	}
	regfree(&re);
	int v = add_param(b, value);
	if (v < 0)
		return -1;
	fprintf(b->sql, "(%s #>> $%d::text[]) ~* $%d::text", b->column, path, v);
	return 0;
}

/* One operator value (not plain equality / not-equal). Returns 0, -1 (memory) or -2 (bad input). */
static int operator_condition(struct builder *b, int path, const char *key, const char *value, char *err,
                              size_t err_len)
{
	if (value[0] == '\0') {
		fprintf(b->sql, "(%s #> $%d::text[]) IS NOT NULL", b->column, path);
		return 0;
	}
	if (strcmp(value, "!") == 0) {
		fprintf(b->sql, "(%s #> $%d::text[]) IS NULL", b->column, path);
		return 0;
	}
	if (strncmp(value, ">=", 2) == 0 || strncmp(value, "<=", 2) == 0) {
		char op[3] = {value[0], '=', '\0'};
		return compare_condition(b, path, op, value + 2);
	}
	if (value[0] == '>' || value[0] == '<') {
		char op[2] = {value[0], '\0'};
		return compare_condition(b, path, op, value + 1);
	}
	if (value[0] == '^')
		return like_condition(b, path, value + 1, false, true);
	if (value[0] == '$')
		return like_condition(b, path, value + 1, true, false);
	if (value[0] == '~')
		return regex_condition(b, path, key, value + 1, err, err_len);
	return -3; /* not an operator */
}

static bool is_plain_eq(const char *v)
{
	return v[0] && !strchr("!><^$~", v[0]);
}

static bool is_plain_ne(const char *v)
{
	return v[0] == '!' && v[1];
}

/* Conditions of one key (all its values). */
static int key_conditions(struct builder *b, const struct filter_field *field, const struct http_query *q, char *err,
                          size_t err_len)
{
	char *lit = path_literal(field->key);
	if (!lit)
		return -1;
	int path = add_param(b, lit);
	free(lit);
	if (path < 0)
		return -1;
	size_t n = http_query_count(q, field->key);
	bool first_group = true;
	/* Equalities: one OR group ($in); contains-any fields treat every value this way. */
	for (size_t i = 0; i < n; i++) {
		const char *v = http_query_get_nth(q, field->key, i);
		if (!(is_plain_eq(v) || field->kind == FILTER_CONTAINS_ANY))
			continue;
		fputs(first_group ? "(" : " OR ", b->sql);
		first_group = false;
		if (eq_condition(b, path, v) < 0)
			return -1;
	}
	if (!first_group)
		fputs(")", b->sql);
	if (field->kind == FILTER_CONTAINS_ANY)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = http_query_get_nth(q, field->key, i);
		if (is_plain_eq(v))
			continue;
		if (!first_group)
			fputs(" AND ", b->sql);
		first_group = false;
		if (is_plain_ne(v)) {
			fprintf(b->sql, "((%s #> $%d::text[]) IS NULL OR NOT ", b->column, path);
			if (eq_condition(b, path, v + 1) < 0)
				return -1;
			fputs(")", b->sql);
			continue;
		}
		int rc = operator_condition(b, path, field->key, v, err, err_len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static const struct filter_field *find_field(const struct filter_field *fields, const char *key)
{
	for (const struct filter_field *f = fields; f && f->key; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static bool in_list(const char *const *list, const char *key)
{
	for (const char *const *p = list; p && *p; p++)
		if (strcmp(*p, key) == 0)
			return true;
	return false;
}

static bool seen_before(const struct http_query *q, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(q->pairs[j].key, q->pairs[i].key) == 0)
			return true;
	return false;
}

void filter_sql_free(struct filter_sql *sql)
{
	for (int i = 0; i < sql->nparams; i++)
		free(sql->params[i]);
	free(sql->params);
	free(sql->where);
	memset(sql, 0, sizeof(*sql));
}

static void builder_abandon(struct builder *b)
{
	fclose(b->sql);
	free(b->sql_text);
	struct filter_sql tmp = {NULL, b->params, b->nparams};
	filter_sql_free(&tmp);
}

bool filter_build(const struct http_query *query, const struct filter_field *fields, const char *const *skip,
                  const char *column, int first_param, struct filter_sql *out, char *err, size_t err_len)
{
	struct builder b = {.first = first_param, .column = column};
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; query && i < query->count; i++)
		if (!in_list(skip, query->pairs[i].key) && !find_field(fields, query->pairs[i].key)) {
			snprintf(err, err_len,
			         "must NOT have additional properties ('%s' is not a filter of this route)",
			         query->pairs[i].key);
			return false;
		}
	b.sql = open_memstream(&b.sql_text, &b.sql_len);
	if (!b.sql) {
		snprintf(err, err_len, "out of memory");
		return false;
	}
	bool any = false;
	for (size_t i = 0; query && i < query->count; i++) {
		if (in_list(skip, query->pairs[i].key) || seen_before(query, i))
			continue;
		fputs(any ? " AND (" : "(", b.sql);
		any = true;
		int rc = key_conditions(&b, find_field(fields, query->pairs[i].key), query, err, err_len);
		if (rc != 0) {
			if (rc == -1)
				snprintf(err, err_len, "out of memory");
			builder_abandon(&b);
			return false;
		}
		fputs(")", b.sql);
	}
	if (!any)
		fputs("TRUE", b.sql);
	fclose(b.sql);
	out->where = b.sql_text;
	out->params = b.params;
	out->nparams = b.nparams;
	return true;
}
