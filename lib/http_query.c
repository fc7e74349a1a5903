/*
 * http_query.c: query string / form body parsing into an ordered multimap (see http_query.h).
 */
#include "http_query.h"

#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *http_percent_decode(const char *src, size_t len, bool plus_is_space)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < len && (hi = hex_value(src[i + 1])) >= 0 &&
		    (lo = hex_value(src[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (src[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = src[i];
		}
	}
	out[o] = '\0';
	return out;
}

static bool add_pair(struct http_query *query, const char *start, size_t len)
{
	const char *eq = memchr(start, '=', len);
	size_t key_len = eq ? (size_t)(eq - start) : len;
	char *key = http_percent_decode(start, key_len, true);
	char *value = eq ? http_percent_decode(eq + 1, len - key_len - 1, true) : strdup("");
	struct http_query_pair *grown = realloc(query->pairs, (query->count + 1) * sizeof(*grown));
	if (!key || !value || !grown) {
		free(key);
		free(value);
		if (grown)
			query->pairs = grown;
		return false;
	}
	query->pairs = grown;
	query->pairs[query->count].key = key;
	query->pairs[query->count].value = value;
	query->count++;
	return true;
}

bool http_query_parse(struct http_query *query, const char *text)
{
	query->pairs = NULL;
	query->count = 0;
	if (!text)
		return true;
	const char *p = text;
	while (*p && query->count < HTTP_QUERY_MAX_PAIRS) {
		size_t len = strcspn(p, "&");
		if (len > 0 && !add_pair(query, p, len))
			return false;
		p += len;
		if (*p == '&')
			p++;
	}
	return true;
}

void http_query_free(struct http_query *query)
{
	for (size_t i = 0; i < query->count; i++) {
		free(query->pairs[i].key);
		free(query->pairs[i].value);
	}
	free(query->pairs);
	query->pairs = NULL;
	query->count = 0;
}

const char *http_query_get_nth(const struct http_query *query, const char *key, size_t n)
{
	for (size_t i = 0; i < query->count; i++)
		if (strcmp(query->pairs[i].key, key) == 0 && n-- == 0)
			return query->pairs[i].value;
	return NULL;
}

const char *http_query_get(const struct http_query *query, const char *key)
{
	return http_query_get_nth(query, key, 0);
}

size_t http_query_count(const struct http_query *query, const char *key)
{
	size_t n = 0;
	for (size_t i = 0; i < query->count; i++)
		if (strcmp(query->pairs[i].key, key) == 0)
			n++;
	return n;
}
