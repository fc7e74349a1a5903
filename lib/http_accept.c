/*
 * http_accept.c: Accept header parsing and media-type selection (see http_accept.h).
 */
#include "http_accept.h"

#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct media_range {
	char type[64], subtype[64];
	int quality;  /* 0..1000 */
	int position; /* index in the header */
};

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parses "0.5" style qualities; anything malformed counts as 1 (as lenient parsers do). */
static int parse_quality(const char *p, size_t len)
{
	int whole = 0, frac = 0, scale = 100;
	size_t i = 0;
	if (i < len && isdigit((unsigned char)p[i]))
		whole = p[i++] - '0';
	if (i < len && p[i] == '.')
		for (i++; i < len && isdigit((unsigned char)p[i]) && scale > 0; i++, scale /= 10)
			frac += (p[i] - '0') * scale;
	int q = whole * 1000 + frac;
	return q > 1000 ? 1000 : q;
}

/* Parses one comma-separated element [start, start+len) into range. False if it is not type/subtype. */
static bool parse_range(const char *start, size_t len, int position, struct media_range *range)
{
	const char *p = skip_space(start), *end = start + len;
	size_t type_len = strcspn(p, "/;,");
	if (p + type_len >= end || p[type_len] != '/' || type_len == 0 || type_len >= sizeof(range->type))
		return false;
	memcpy(range->type, p, type_len);
	range->type[type_len] = '\0';
	p += type_len + 1;
	size_t sub_len = strcspn(p, ";, \t");
	if (p + sub_len > end || sub_len == 0 || sub_len >= sizeof(range->subtype))
		return false;
	memcpy(range->subtype, p, sub_len);
	range->subtype[sub_len] = '\0';
	p += sub_len;
	range->quality = 1000;
	range->position = position;
	while (p < end && (p = strchr(p, ';')) && p < end) {
		p = skip_space(p + 1);
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			range->quality = parse_quality(p + 2, (size_t)(end - p - 2));
	}
	return true;
}

/* Specificity of range for type/subtype: 3 exact, 2 type/ *, 1 * / *, 0 no match. */
static int specificity(const struct media_range *range, const char *type, const char *subtype)
{
	if (strcmp(range->type, "*") == 0)
		return strcmp(range->subtype, "*") == 0 ? 1 : 0;
	if (strcasecmp(range->type, type) != 0)
		return 0;
	if (strcmp(range->subtype, "*") == 0)
		return 2;
	return strcasecmp(range->subtype, subtype) == 0 ? 3 : 0;
}

/* Quality and header position of the most specific range matching media_type; -1 when none matches. */
static int evaluate(const char *accept, const char *media_type, int *position)
{
	char type[64] = "", subtype[64] = "";
	const char *slash = strchr(media_type, '/');
	if (!slash || (size_t)(slash - media_type) >= sizeof(type))
		return 0;
	memcpy(type, media_type, (size_t)(slash - media_type));
	snprintf(subtype, sizeof(subtype), "%s", slash + 1);
	int best_spec = 0, best_q = 0, index = 0;
	*position = 1 << 30;
	for (const char *p = accept; *p; index++) {
		size_t len = strcspn(p, ",");
		struct media_range range;
		if (parse_range(p, len, index, &range)) {
			int spec = specificity(&range, type, subtype);
			if (spec > best_spec) {
				best_spec = spec;
				best_q = range.quality;
				*position = range.position;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return best_spec ? best_q : 0;
}

int http_accept_quality(const char *accept, const char *type)
{
	if (!accept || !*skip_space(accept))
		return 1000;
	int position;
	return evaluate(accept, type, &position);
}

const char *http_accept_best(const char *accept, const char *const *types, int count)
{
	const char *best = NULL;
	int best_q = 0, best_pos = 1 << 30;
	for (int i = 0; i < count; i++) {
		int pos = 0;
		int q = (!accept || !*skip_space(accept)) ? 1000 : evaluate(accept, types[i], &pos);
		if (q > best_q || (q == best_q && q > 0 && pos < best_pos)) {
			best = types[i];
			best_q = q;
			best_pos = pos;
		}
	}
	return best_q > 0 ? best : NULL;
}
