/*
 * multipart.h: a streaming multipart/form-data parser (RFC 7578 / RFC 2046) for POST /Files/Own.
 *
 * The body is fed in pieces of any size; part bodies are handed to the caller as they arrive, so a
 * large file never needs to be held by the parser (it keeps at most one boundary's worth of bytes
 * plus the part headers). Each part's headers are parsed into name, filename and content type
 * (Content-Disposition parameters, quoted or token, with backslash escapes in quoted strings). The
 * filename's bytes are passed through unchanged (the original re-decodes busboy's latin1 reading
 * as UTF-8, which gives back the raw bytes).
 *
 * Invariants: after an error every further call returns the same error; callbacks are never called
 * again after one returns non-zero; multipart_finish fails unless the closing delimiter was seen.
 * Limits: part headers <= MULTIPART_MAX_HEADER bytes, at most MULTIPART_MAX_PARTS parts.
 */
#ifndef CONNECTOR_MULTIPART_H
#define CONNECTOR_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIPART_MAX_BOUNDARY 70
#define MULTIPART_MAX_HEADER   16384
#define MULTIPART_MAX_PARTS    256

struct multipart_part {
	const char *name;         /* form field name (never NULL) */
	const char *filename;     /* NULL when the part is not a file */
	const char *content_type; /* NULL when the part has no Content-Type */
};

struct multipart_callbacks {
	/* Each returns 0 to go on, non-zero to stop (multipart_feed then returns MULTIPART_ERR_ABORTED). */
	int (*part_begin)(void *arg, const struct multipart_part *part);
	int (*part_data)(void *arg, const uint8_t *data, size_t len);
	int (*part_end)(void *arg);
};

enum multipart_status {
	MULTIPART_OK = 0,
	MULTIPART_ERR_SYNTAX,  /* malformed body (message says where) */
	MULTIPART_ERR_LIMIT,   /* headers too long or too many parts */
	MULTIPART_ERR_ABORTED, /* a callback asked to stop */
	MULTIPART_ERR_NOMEM,
};

struct multipart_parser;

/*
 * The boundary parameter of a Content-Type header value ("multipart/form-data; boundary=..."),
 * quoted or not. False with a reason in err when the type is not multipart/form-data or the
 * boundary is missing, empty or longer than 70 characters.
 */
bool multipart_boundary(const char *content_type, char *out, size_t out_len, char *err, size_t err_len);

struct multipart_parser *multipart_parser_new(const char *boundary, const struct multipart_callbacks *cb, void *arg);
void multipart_parser_free(struct multipart_parser *p);
enum multipart_status multipart_feed(struct multipart_parser *p, const void *data, size_t len);
/* The end of the body: MULTIPART_OK only when the closing delimiter was seen. */
enum multipart_status multipart_finish(struct multipart_parser *p);
/* The reason of the last error ("" when none). */
const char *multipart_error(const struct multipart_parser *p);

#endif
