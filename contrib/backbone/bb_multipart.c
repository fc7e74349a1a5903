/*
 * bb_multipart.c: multipart/form-data as sent by browsers, curl and the transport's form-data:
 * "--boundary CRLF headers CRLF CRLF data CRLF --boundary ... --boundary--". Parts point into the
 * body; nothing is copied. Names are matched case-insensitively like ASP.NET's binder.
 */
#include "bb_multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool boundary_of(const char *ct, char *out, size_t len)
{
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return false;
	const char *b = strcasestr(ct, "boundary=");
	if (!b)
		return false;
	b += 9;
	size_t n = *b == '"' ? strcspn(++b, "\"") : strcspn(b, "; \t");
	if (n == 0 || n > 70 || n + 3 > len)
		return false;
	snprintf(out, len, "--%.*s", (int)n, b);
	return true;
}

/* Reads name= and filename= of the Content-Disposition header in the part's header block. */
static bool part_headers(const char *h, size_t hlen, struct bb_part *part)
{
	char block[1024];
	if (hlen >= sizeof block)
		return false;
	memcpy(block, h, hlen);
	block[hlen] = '\0';
	const char *cd = strcasestr(block, "content-disposition:");
	if (!cd)
		return false;
	const char *name = strstr(cd, " name=\"");
	if (!name)
		name = strstr(cd, ";name=\"");
	if (!name)
		return false;
	name += 7;
	size_t n = strcspn(name, "\"");
	if (n == 0 || n >= sizeof part->name)
		return false;
	snprintf(part->name, sizeof part->name, "%.*s", (int)n, name);
	part->is_file = strstr(cd, "filename=") != NULL;
	return true;
}

static const unsigned char *find(const unsigned char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle));
}

bool bb_multipart_parse(const char *content_type, const unsigned char *body, size_t len, struct bb_part *parts,
                        int *nparts, const char **why)
{
	char delim[80];
	*nparts = 0;
	if (!boundary_of(content_type, delim, sizeof delim))
		return *why = "the Content-Type must be multipart/form-data with a boundary", false;
	const unsigned char *end = body + len, *p = find(body, len, delim);
	while (p) {
		p += strlen(delim);
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return true;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		const unsigned char *hend = find(p, (size_t)(end - p), "\r\n\r\n");
		if (!hend || *nparts == BB_MAX_PARTS)
			break;
		struct bb_part *part = &parts[*nparts];
		if (!part_headers((const char *)p, (size_t)(hend - p), part))
			break;
		const unsigned char *data = hend + 4;
		char next[84];
		snprintf(next, sizeof next, "\r\n%s", delim);
		const unsigned char *stop = find(data, (size_t)(end - data), next);
		if (!stop)
			break;
		part->data = data;
		part->len = (size_t)(stop - data);
		(*nparts)++;
		p = stop + 2;
	}
	return *why = "the multipart body is malformed or truncated", false;
}

const struct bb_part *bb_multipart_find(const struct bb_part *parts, int nparts, const char *name)
{
	for (int i = 0; i < nparts; i++)
		if (strcasecmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}
