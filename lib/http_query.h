/*
 * http_query.h: URL query strings and form bodies as an ordered multimap of decoded (key, value)
 * pairs. Repeated keys are kept in order (?k=a&k=b), so the filter syntax ($in, $nin, operators)
 * can be built on top. "+" decodes to a space, %XX to its byte; an invalid escape is kept literally
 * (as the original's query parser does). "k" without "=" has the value "". At most
 * HTTP_QUERY_MAX_PAIRS pairs are taken, further pairs are ignored (the original's parameter limit).
 */
#ifndef CONNECTOR_HTTP_QUERY_H
#define CONNECTOR_HTTP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_QUERY_MAX_PAIRS 1000

struct http_query_pair {
	char *key;
	char *value;
};

struct http_query {
	struct http_query_pair *pairs;
	size_t count;
};

/* Parses "a=1&b=2" (without the leading '?'); text may be NULL. Returns false only on out of memory. */
bool http_query_parse(struct http_query *query, const char *text);
void http_query_free(struct http_query *query);

/* First value of key (exact, case-sensitive), or NULL. */
const char *http_query_get(const struct http_query *query, const char *key);
/* Number of values of key. */
size_t http_query_count(const struct http_query *query, const char *key);
/* The n-th (0-based) value of key, or NULL. */
const char *http_query_get_nth(const struct http_query *query, const char *key, size_t n);

/* Percent-decodes len bytes of src into a new string ('+' as space when plus_is_space). */
char *http_percent_decode(const char *src, size_t len, bool plus_is_space);

#endif
