/*
 * multipart.c: the streaming multipart/form-data parser of multipart.h.
 *
 * The buffer starts with a virtual CRLF so that the first delimiter, like every other one, is
 * "\r\n--boundary". States: PREAMBLE and BODY search for the delimiter and (BODY only) pass on
 * every byte that can no longer be its start; AFTER_DELIM reads "--" (the end) or CRLF; HEADERS
 * waits for the empty line and parses the block; DONE ignores the epilogue. The buffer never holds
 * more than one input piece (<= FEED_PIECE) plus the header limit.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

#define FEED_PIECE 65536

enum state { S_PREAMBLE, S_AFTER_DELIM, S_HEADERS, S_BODY, S_DONE, S_ERROR };

struct multipart_parser {
	struct multipart_callbacks cb;
	void *arg;
	char delim[4 + MULTIPART_MAX_BOUNDARY + 1]; /* "\r\n--" boundary */
	size_t delim_len;
	enum state state;
	enum multipart_status error;
	char why[200];
	uint8_t *buf;
	size_t len, cap;
	int parts;
	char *name, *filename, *content_type; /* of the current part */
};

static enum multipart_status fail(struct multipart_parser *p, enum multipart_status st, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static enum multipart_status fail(struct multipart_parser *p, enum multipart_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	p->state = S_ERROR;
	p->error = st;
	return st;
}

/* ---- Content-Type boundary ---- */

static const char *skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Reads a token or quoted string at *s into out (at most out_len-1 bytes); advances *s. */
static bool read_param_value(const char **s, char *out, size_t out_len)
{
	const char *c = *s;
	size_t n = 0;
	if (*c == '"') {
		for (c++; *c && *c != '"'; c++) {
			if (*c == '\\' && c[1])
				c++;
			if (n + 1 >= out_len)
				return false;
			out[n++] = *c;
		}
		if (*c != '"')
			return false;
		c++;
	} else {
		for (; *c && *c != ';' && *c != ' ' && *c != '\t'; c++) {
			if (n + 1 >= out_len)
				return false;
			out[n++] = *c;
		}
	}
	out[n] = '\0';
	*s = c;
	return true;
}

bool multipart_boundary(const char *content_type, char *out, size_t out_len, char *err, size_t err_len)
{
	static const char type[] = "multipart/form-data";
	const char *s = content_type ? skip_ows(content_type) : "";
	if (strncasecmp(s, type, sizeof(type) - 1) != 0) {
		snprintf(err, err_len, "Content-Type must be multipart/form-data");
		return false;
	}
	s += sizeof(type) - 1;
	while (*(s = skip_ows(s)) == ';') {
		s = skip_ows(s + 1);
		const char *eq = strchr(s, '=');
		if (!eq)
			break;
		bool is_boundary = (size_t)(eq - s) == 8 && strncasecmp(s, "boundary", 8) == 0;
		s = eq + 1;
		char value[MULTIPART_MAX_BOUNDARY + 2];
		if (!read_param_value(&s, value, sizeof(value))) {
			if (is_boundary)
				break;
			value[0] = '\0';
		}
		if (is_boundary) {
			if (value[0] == '\0' || strlen(value) > MULTIPART_MAX_BOUNDARY || strlen(value) + 1 > out_len)
				break;
			strcpy(out, value);
			return true;
		}
		while (*s && *s != ';')
			s++;
	}
	snprintf(err, err_len, "Content-Type multipart/form-data needs a boundary of 1 to 70 characters");
	return false;
}

/* ---- parser life ---- */

struct multipart_parser *multipart_parser_new(const char *boundary, const struct multipart_callbacks *cb, void *arg)
{
	size_t blen = boundary ? strlen(boundary) : 0;
	if (blen == 0 || blen > MULTIPART_MAX_BOUNDARY)
		return NULL;
	struct multipart_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cap = FEED_PIECE + MULTIPART_MAX_HEADER + sizeof(p->delim) + 8;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		free(p);
		return NULL;
	}
	p->cb = *cb;
	p->arg = arg;
	p->delim_len = (size_t)snprintf(p->delim, sizeof(p->delim), "\r\n--%s", boundary);
	memcpy(p->buf, "\r\n", 2); /* the virtual CRLF before the first delimiter */
	p->len = 2;
	p->state = S_PREAMBLE;
	return p;
}

static void clear_part(struct multipart_parser *p)
{
	free(p->name);
	free(p->filename);
	free(p->content_type);
	p->name = p->filename = p->content_type = NULL;
}

void multipart_parser_free(struct multipart_parser *p)
{
	if (!p)
		return;
	clear_part(p);
	free(p->buf);
	free(p);
}

const char *multipart_error(const struct multipart_parser *p)
{
	return p->state == S_ERROR ? p->why : "";
}

/* ---- part headers ---- */

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* RFC 5987 ext-value charset'lang'pct-encoded -> the decoded bytes (charset not converted). */
static char *decode_ext_value(const char *v)
{
	const char *q = strchr(v, '\'');
	q = q ? strchr(q + 1, '\'') : NULL;
	if (!q)
		return NULL;
	char *out = malloc(strlen(q) + 1), *o = out;
	if (!out)
		return NULL;
	for (q++; *q; q++) {
		if (*q == '%' && hexval((unsigned char)q[1]) >= 0 && hexval((unsigned char)q[2]) >= 0) {
			*o++ = (char)(hexval((unsigned char)q[1]) * 16 + hexval((unsigned char)q[2]));
			q += 2;
		} else {
			*o++ = *q;
		}
	}
	*o = '\0';
	return out;
}

static enum multipart_status parse_disposition(struct multipart_parser *p, const char *v)
{
	static const char form_data[] = "form-data";
	v = skip_ows(v);
	if (strncasecmp(v, form_data, sizeof(form_data) - 1) != 0)
		return fail(p, MULTIPART_ERR_SYNTAX, "part %d: Content-Disposition is not form-data", p->parts);
	v += sizeof(form_data) - 1;
	char *ext_filename = NULL;
	while (*(v = skip_ows(v)) == ';') {
		v = skip_ows(v + 1);
		const char *eq = strchr(v, '=');
		if (!eq)
			break;
		size_t klen = (size_t)(eq - v);
		while (klen > 0 && (v[klen - 1] == ' ' || v[klen - 1] == '\t'))
			klen--;
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(klen < sizeof(key) ? klen : sizeof(key) - 1), v);
		v = skip_ows(eq + 1);
		char value[MULTIPART_MAX_HEADER];
		if (!read_param_value(&v, value, sizeof(value))) {
			free(ext_filename);
			return fail(p, MULTIPART_ERR_SYNTAX, "part %d: Content-Disposition parameter %s is malformed",
			            p->parts, key);
		}
		char **slot = strcasecmp(key, "name") == 0       ? &p->name
		              : strcasecmp(key, "filename") == 0 ? &p->filename
		                                                 : NULL;
		if (slot) {
			free(*slot);
			*slot = strdup(value);
		} else if (strcasecmp(key, "filename*") == 0) {
			free(ext_filename);
			ext_filename = decode_ext_value(value);
		}
		while (*v && *v != ';')
			v++;
	}
	if (ext_filename) { /* filename* wins over filename (RFC 6266) */
		free(p->filename);
		p->filename = ext_filename;
	}
	return MULTIPART_OK;
}

static enum multipart_status parse_header_line(struct multipart_parser *p, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line)
		return fail(p, MULTIPART_ERR_SYNTAX, "part %d: malformed header line", p->parts);
	char *value = dup_range(colon + 1, n - (size_t)(colon + 1 - line));
	if (!value)
		return fail(p, MULTIPART_ERR_NOMEM, "out of memory");
	size_t klen = (size_t)(colon - line);
	enum multipart_status st = MULTIPART_OK;
	if (klen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
		st = parse_disposition(p, value);
	} else if (klen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
		const char *v = skip_ows(value);
		size_t vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		free(p->content_type);
		p->content_type = dup_range(v, vlen);
	}
	free(value);
	return st;
}

/* block: the header lines, each ended by CRLF (the empty line excluded). */
static enum multipart_status parse_headers(struct multipart_parser *p, const char *block, size_t n)
{
	clear_part(p);
	if (++p->parts > MULTIPART_MAX_PARTS)
		return fail(p, MULTIPART_ERR_LIMIT, "more than %d parts", MULTIPART_MAX_PARTS);
	const char *end = block + n;
	while (block < end) {
		const char *eol = memmem(block, (size_t)(end - block), "\r\n", 2);
		size_t len = eol ? (size_t)(eol - block) : (size_t)(end - block);
		if (memchr(block, '\0', len))
			return fail(p, MULTIPART_ERR_SYNTAX, "part %d: NUL byte in a header", p->parts);
		enum multipart_status st = parse_header_line(p, block, len);
		if (st != MULTIPART_OK)
			return st;
		block += len + 2;
	}
	if (!p->name)
		return fail(p, MULTIPART_ERR_SYNTAX, "part %d has no Content-Disposition name", p->parts);
	struct multipart_part part = {p->name, p->filename, p->content_type};
	if (p->cb.part_begin && p->cb.part_begin(p->arg, &part) != 0)
		return fail(p, MULTIPART_ERR_ABORTED, "stopped at part %d", p->parts);
	return MULTIPART_OK;
}

/* ---- the state machine over the buffer ---- */

static enum multipart_status emit(struct multipart_parser *p, const uint8_t *data, size_t n)
{
	if (p->state == S_BODY && n > 0 && p->cb.part_data && p->cb.part_data(p->arg, data, n) != 0)
		return fail(p, MULTIPART_ERR_ABORTED, "stopped in part %d", p->parts);
	return MULTIPART_OK;
}

/* One step from *pos; *progress tells whether it consumed or changed state. */
static enum multipart_status step(struct multipart_parser *p, size_t *pos, bool *progress)
{
	uint8_t *b = p->buf + *pos;
	size_t avail = p->len - *pos;
	*progress = false;
	switch (p->state) {
	case S_PREAMBLE:
	case S_BODY: {
		uint8_t *hit = memmem(b, avail, p->delim, p->delim_len);
		size_t keep = p->delim_len - 1;
		size_t upto = hit ? (size_t)(hit - b) : (avail > keep ? avail - keep : 0);
		if (emit(p, b, upto) != MULTIPART_OK)
			return p->error;
		*pos += upto;
		if (hit) {
			if (p->state == S_BODY && p->cb.part_end && p->cb.part_end(p->arg) != 0)
				return fail(p, MULTIPART_ERR_ABORTED, "stopped after part %d", p->parts);
			*pos += p->delim_len;
			p->state = S_AFTER_DELIM;
		}
		*progress = hit || upto > 0;
		return MULTIPART_OK;
	}
	case S_AFTER_DELIM: {
		size_t ws = 0;
		while (ws < avail && (b[ws] == ' ' || b[ws] == '\t') && ws < 64)
			ws++;
		if (ws == 64)
			return fail(p, MULTIPART_ERR_SYNTAX, "too much padding after a boundary");
		if (avail - ws < 2)
			return MULTIPART_OK;
		if (ws == 0 && b[0] == '-' && b[1] == '-')
			p->state = S_DONE;
		else if (b[ws] == '\r' && b[ws + 1] == '\n')
			p->state = S_HEADERS;
		else
			return fail(p, MULTIPART_ERR_SYNTAX, "expected CRLF or \"--\" after boundary %d", p->parts + 1);
		*pos += ws + 2;
		*progress = true;
		return MULTIPART_OK;
	}
	case S_HEADERS: {
		size_t hlen;
		if (avail >= 2 && b[0] == '\r' && b[1] == '\n') {
			hlen = 0;
		} else {
			uint8_t *end = memmem(b, avail, "\r\n\r\n", 4);
			if (!end) {
				if (avail > MULTIPART_MAX_HEADER)
					return fail(p, MULTIPART_ERR_LIMIT, "part %d: headers longer than %d bytes",
					            p->parts + 1, MULTIPART_MAX_HEADER);
				return MULTIPART_OK;
			}
			hlen = (size_t)(end - b) + 2;
		}
		if (hlen > MULTIPART_MAX_HEADER)
			return fail(p, MULTIPART_ERR_LIMIT, "part %d: headers longer than %d bytes", p->parts + 1,
			            MULTIPART_MAX_HEADER);
		if (parse_headers(p, (const char *)b, hlen) != MULTIPART_OK)
			return p->error;
		*pos += hlen + 2;
		p->state = S_BODY;
		*progress = true;
		return MULTIPART_OK;
	}
	case S_DONE:
		*pos = p->len;
		return MULTIPART_OK;
	case S_ERROR:
		return p->error;
	}
	return MULTIPART_OK;
}

static enum multipart_status process(struct multipart_parser *p)
{
	size_t pos = 0;
	bool progress = true;
	while (progress && p->state != S_ERROR) {
		if (step(p, &pos, &progress) != MULTIPART_OK)
			return p->error;
	}
	if (p->state == S_ERROR)
		return p->error;
	memmove(p->buf, p->buf + pos, p->len - pos);
	p->len -= pos;
	return MULTIPART_OK;
}

enum multipart_status multipart_feed(struct multipart_parser *p, const void *data, size_t len)
{
	const uint8_t *d = data;
	while (len > 0) {
		if (p->state == S_ERROR)
			return p->error;
		if (p->state == S_DONE)
			return MULTIPART_OK;
		size_t room = p->cap - p->len;
		size_t n = len < FEED_PIECE ? len : FEED_PIECE;
		if (room == 0)
			return fail(p, MULTIPART_ERR_LIMIT, "parser buffer full");
		if (n > room)
			n = room;
		memcpy(p->buf + p->len, d, n);
		p->len += n;
		d += n;
		len -= n;
		if (process(p) != MULTIPART_OK)
			return p->error;
	}
	return p->state == S_ERROR ? p->error : MULTIPART_OK;
}

enum multipart_status multipart_finish(struct multipart_parser *p)
{
	if (p->state == S_ERROR)
		return p->error;
	if (p->state != S_DONE)
		return fail(p, MULTIPART_ERR_SYNTAX, "body ends before the closing boundary");
	return MULTIPART_OK;
}
