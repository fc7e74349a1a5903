/*
 * runtime/filter.h: the query filter syntax of every GET list route (http-api.md §2.6) translated
 * into a SQL condition over a jsonb column that holds the route's DTO.
 *
 *   ?k=v  equality (true/false -> boolean, numeric text -> number; an array field matches when it
 *         contains the value)        ?k=!v not equal (also matches when k is absent)
 *   ?k=   k exists                   ?k=!  k does not exist
 *   ?k=>v ?k=>=v ?k=<v ?k=<=v comparisons (numbers numerically, everything else as text in byte
 *         order, so ISO dates compare chronologically)
 *   ?k=^v ?k=$v ?k=~v case-insensitive starts-with / ends-with / regex-contains
 *   ?k=a&k=b in; ?k=!a&k=!b not in; other operators in a repetition are extra conditions (AND)
 * Dotted keys address nested fields (content.@type). Keys are checked against the route's
 * whitelist: an unknown key is a 400 error.runtime.validation.invalidPropertyValue that names it.
 * Route flags (e.g. onlyLatestVersions) are passed as `skip` and ignored here.
 *
 * Invariants: values never reach the SQL text (they travel as $n parameters, numbered from
 * first_param); the SQL text only contains fixed fragments and the column name of the caller.
 */
#ifndef CONNECTOR_RUNTIME_FILTER_H
#define CONNECTOR_RUNTIME_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "http_query.h"

#define FILTER_ERR_CODE "error.runtime.validation.invalidPropertyValue"

enum filter_kind {
	FILTER_PLAIN = 0,    /* the syntax above */
	FILTER_CONTAINS_ANY, /* tags: ?k=a&k=b matches when the array field holds a or b */
};

struct filter_field {
	const char *key;       /* query key, e.g. "content.@type" */
	enum filter_kind kind; /* FILTER_PLAIN unless special */
};

struct filter_sql {
	char *where;   /* "TRUE" when there is no condition; malloc'd */
	char **params; /* nparams values for $first_param.. */
	int nparams;
};

/*
 * Builds the condition for query over column (e.g. "dto"). fields: the whitelist, ended by a NULL
 * key; skip: keys to ignore (NULL-ended list or NULL). On a bad key or value returns false with a
 * message naming the key in err (no statement has been built then).
 */
bool filter_build(const struct http_query *query, const struct filter_field *fields, const char *const *skip,
                  const char *column, int first_param, struct filter_sql *out, char *err, size_t err_len);
void filter_sql_free(struct filter_sql *sql);

#endif
