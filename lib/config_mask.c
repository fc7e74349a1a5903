/*
 * config_mask.c: secret masking for configuration copies and messages: whole values of secret keys,
 * and the password inside libpq connection strings and URIs (scheme://user:password@host).
 */
#include "config.h"
#include "config_schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

/* Replaces s[start, end) by MASK; returns a new malloc'd string and frees s. */
static char *splice_mask(char *s, size_t start, size_t end)
{
	size_t len = strlen(s), mlen = strlen(MASK);
	char *out = malloc(len - (end - start) + mlen + 1);
	if (!out)
		abort();
	memcpy(out, s, start);
	memcpy(out + start, MASK, mlen);
	memcpy(out + start + mlen, s + end, len - end + 1);
	free(s);
	return out;
}

/* scheme://user:password@host...: masks the password of the user info. */
static char *mask_uri_userinfo(char *s)
{
	char *scheme_end = strstr(s, "://");
	if (!scheme_end)
		return s;
	size_t auth = (size_t)(scheme_end - s) + 3;
	size_t auth_end = auth + strcspn(s + auth, "/"); /* as libpq: "?" and "#" may sit in a password */
	char *at = memrchr(s + auth, '@', auth_end - auth);
	if (!at)
		return s;
	char *colon = memchr(s + auth, ':', (size_t)(at - (s + auth)));
	if (!colon)
		return s;
	return splice_mask(s, (size_t)(colon + 1 - s), (size_t)(at - s));
}

/* Finds the next "password" keyword (libpq key=value or URI query parameter) at or after from. */
static char *find_password_key(char *s, size_t from, size_t *value_start)
{
	for (char *p = strcasestr(s + from, "password"); p; p = strcasestr(p + 1, "password")) {
		bool word_start = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		char *q = p + 8;
		while (*q == ' ' || *q == '\t')
			q++;
		if (word_start && *q == '=') {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			*value_start = (size_t)(q - s);
			return p;
		}
	}
	return NULL;
}

/* End of a libpq value starting at start: a quoted '...' with \ escapes, or up to whitespace or &. */
static size_t value_end(const char *s, size_t start)
{
	size_t i = start;
	if (s[i] == '\'') {
		for (i++; s[i] && s[i] != '\''; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		return s[i] ? i + 1 : i;
	}
	while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '&')
		i++;
	return i;
}

char *config_mask_credentials(const char *input)
{
	char *s = strdup(input ? input : "");
	if (!s)
		abort();
	s = mask_uri_userinfo(s);
	size_t from = 0, start = 0;
	while (find_password_key(s, from, &start)) {
		size_t end = value_end(s, start);
		from = start;
		if (end > start) {
			s = splice_mask(s, start, end);
			from += strlen(MASK);
		}
	}
	return s;
}

static void mask_value(json_object *parent_obj, const char *key, json_object *value, const char **segments, int n);

static void mask_children(json_object *node, const char **segments, int n)
{
	if (n >= CONFIG_PATH_MAX_DEPTH)
		return;
	if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, key, child)
		{
			segments[n] = key;
			mask_value(node, key, child, segments, n + 1);
		}
	} else if (json_object_is_type(node, json_type_array)) {
		size_t len = json_object_array_length(node);
		for (size_t i = 0; i < len; i++) {
			segments[n] = "[]";
			mask_children(json_object_array_get_idx(node, i), segments, n + 1);
		}
	}
}

static void mask_value(json_object *parent_obj, const char *key, json_object *value, const char **segments, int n)
{
	if (!json_object_is_type(value, json_type_string)) {
		mask_children(value, segments, n);
		return;
	}
	const char *text = json_object_get_string(value);
	if (*text == '\0')
		return; /* an empty secret says "not set"; showing it leaks nothing */
	if (config_is_secret(segments, n) && strcasecmp(key, "connectionString") != 0) {
		json_object_object_add(parent_obj, key, json_object_new_string(MASK));
		return;
	}
	char *masked = config_mask_credentials(text);
	if (strcmp(masked, text) != 0)
		json_object_object_add(parent_obj, key, json_object_new_string(masked));
	free(masked);
}

json_object *config_masked_copy(json_object *root)
{
	json_object *copy = NULL;
	if (!root || json_object_deep_copy(root, &copy, NULL) != 0)
		return NULL;
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	mask_children(copy, segments, 0);
	return copy;
}
