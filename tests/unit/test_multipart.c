/*
 * test_multipart.c: the streaming multipart/form-data parser (lib/multipart.c): the body the SDK
 * sends, every split of it into two pieces and byte-at-a-time feeding, header forms (quoted names
 * with escapes, filename*, padding after the boundary), the closing delimiter, limits, boundary
 * extraction from Content-Type, and a large part that passes through without being buffered.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"

#include "multipart.h"

struct collected {
	char log[4096]; /* "begin name|filename|type;" "end;" per part */
	uint8_t *data;  /* all part bytes in order */
	size_t len, cap;
	size_t max_piece;
};

static int on_begin(void *arg, const struct multipart_part *part)
{
	struct collected *c = arg;
	size_t n = strlen(c->log);
	snprintf(c->log + n, sizeof(c->log) - n, "begin %s|%s|%s;", part->name, part->filename ? part->filename : "-",
	         part->content_type ? part->content_type : "-");
	return 0;
}

static int on_data(void *arg, const uint8_t *data, size_t len)
{
	struct collected *c = arg;
	if (c->len + len > c->cap) {
		c->cap = (c->len + len) * 2;
		c->data = realloc(c->data, c->cap);
	}
	memcpy(c->data + c->len, data, len);
	c->len += len;
	if (len > c->max_piece)
		c->max_piece = len;
	return 0;
}

static int on_end(void *arg)
{
	struct collected *c = arg;
	size_t n = strlen(c->log);
	snprintf(c->log + n, sizeof(c->log) - n, "end %zu;", c->len);
	return 0;
}

static const struct multipart_callbacks CB = {on_begin, on_data, on_end};

/* Parses body fed in pieces of `piece` bytes (0: all at once); returns the final status. */
static enum multipart_status parse(const char *boundary, const void *body, size_t len, size_t piece,
                                   struct collected *c, char *why, size_t why_len)
{
	memset(c, 0, sizeof(*c));
	struct multipart_parser *p = multipart_parser_new(boundary, &CB, c);
	enum multipart_status st = MULTIPART_OK;
	const uint8_t *b = body;
	for (size_t off = 0; off < len && st == MULTIPART_OK;) {
		size_t n = piece == 0 || piece > len - off ? len - off : piece;
		st = multipart_feed(p, b + off, n);
		off += n;
	}
	if (st == MULTIPART_OK)
		st = multipart_finish(p);
	if (why)
		snprintf(why, why_len, "%s", multipart_error(p));
	multipart_parser_free(p);
	return st;
}

static void collected_free(struct collected *c)
{
	free(c->data);
	c->data = NULL;
}

static const char SDK_BODY[] = "----------------------------123456789012345678901234\r\n"
                               "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                               "A title\r\n"
                               "----------------------------123456789012345678901234\r\n"
                               "Content-Disposition: form-data; name=\"description\"\r\n\r\n"
                               "\r\n"
                               "----------------------------123456789012345678901234\r\n"
                               "Content-Disposition: form-data; name=\"expiresAt\"\r\n\r\n"
                               "2099-01-01T00:00:00.000Z\r\n"
                               "----------------------------123456789012345678901234\r\n"
                               "Content-Disposition: form-data; name=\"file\"; filename=\"test.txt\"\r\n"
                               "Content-Type: text/plain\r\n\r\n"
                               "line one\r\n--not a boundary\r\n\r\n"
                               "----------------------------123456789012345678901234--\r\n";
static const char SDK_BOUNDARY[] = "--------------------------123456789012345678901234";
static const char SDK_LOG[] = "begin title|-|-;end 7;begin description|-|-;end 7;begin expiresAt|-|-;end 31;"
                              "begin file|test.txt|text/plain;end 59;";
static const char SDK_DATA[] = "A title2099-01-01T00:00:00.000Zline one\r\n--not a boundary\r\n";

static void test_sdk_body(void)
{
	struct collected c;
	char why[256];
	size_t len = sizeof(SDK_BODY) - 1;
	is_int(parse(SDK_BOUNDARY, SDK_BODY, len, 0, &c, why, sizeof(why)), MULTIPART_OK, "SDK body parses");
	is_str(c.log, SDK_LOG, "parts, names, filename, content type and sizes");
	ok(c.len == sizeof(SDK_DATA) - 1 && memcmp(c.data, SDK_DATA, c.len) == 0, "part bytes are exact");
	collected_free(&c);

	int good = 0;
	for (size_t split = 1; split < len; split++) {
		struct multipart_parser *p = multipart_parser_new(SDK_BOUNDARY, &CB, &c);
		memset(&c, 0, sizeof(c));
		bool fine = multipart_feed(p, SDK_BODY, split) == MULTIPART_OK &&
		            multipart_feed(p, SDK_BODY + split, len - split) == MULTIPART_OK &&
		            multipart_finish(p) == MULTIPART_OK && strcmp(c.log, SDK_LOG) == 0 &&
		            c.len == sizeof(SDK_DATA) - 1 && memcmp(c.data, SDK_DATA, c.len) == 0;
		good += fine;
		multipart_parser_free(p);
		collected_free(&c);
	}
	is_int(good, (int)len - 1, "every split into two pieces gives the same parts");
	is_int(parse(SDK_BOUNDARY, SDK_BODY, len, 1, &c, why, sizeof(why)), MULTIPART_OK, "byte-at-a-time parses");
	is_str(c.log, SDK_LOG, "byte-at-a-time gives the same parts");
	collected_free(&c);
}

static void test_header_forms(void)
{
	static const char body[] =
	        "preamble text\r\n--b\r\n"
	        "content-disposition: FORM-DATA;name=tags\r\n\r\nx\r\n"
	        "--b  \t\r\n"
	        "Content-Disposition: form-data; name=\"f\\\"q\"; filename=\"a\\\\b \\\"c\\\".txt\"\r\n"
	        "X-Other: ignored\r\n\r\n\r\n"
	        "--b\r\n"
	        "Content-Disposition: form-data; name=\"g\"; filename=\"plain\"; "
	        "filename*=UTF-8''%C3%A4%20x.pdf\r\nContent-Type:   application/pdf  \r\n\r\n\r\n"
	        "--b--epilogue ignored --b\r\n";
	struct collected c;
	char why[256];
	ok(parse("b", body, sizeof(body) - 1, 3, &c, why, sizeof(why)) == MULTIPART_OK, "header forms parse %s", why);
	is_str(c.log,
	       "begin tags|-|-;end 1;begin f\"q|a\\b \"c\".txt|-;end 1;begin g|\xc3\xa4 x.pdf|application/pdf;end 1;",
	       "token name, escapes in quoted strings, filename* wins, preamble and padding ignored, empty parts");
	collected_free(&c);
}

struct bad_case {
	const char *body;
	enum multipart_status want;
	const char *why_has;
};

static void test_bad_bodies(void)
{
	static const struct bad_case cases[] = {
	        {"", MULTIPART_ERR_SYNTAX, "before the closing boundary"},
	        {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", MULTIPART_ERR_SYNTAX,
	         "before the closing boundary"},
	        {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b", MULTIPART_ERR_SYNTAX,
	         "before the closing boundary"},
	        {"--bX\r\n", MULTIPART_ERR_SYNTAX, "after boundary 1"},
	        {"--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--", MULTIPART_ERR_SYNTAX, "part 1 has no"},
	        {"--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--b--", MULTIPART_ERR_SYNTAX,
	         "not form-data"},
	        {"--b\r\nno colon here\r\n\r\nv\r\n--b--", MULTIPART_ERR_SYNTAX, "malformed header"},
	        {"--b\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nv\r\n--b--", MULTIPART_ERR_SYNTAX,
	         "parameter name is malformed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collected c;
		char why[256];
		enum multipart_status st = parse("b", cases[i].body, strlen(cases[i].body), 0, &c, why, sizeof(why));
		ok(st == cases[i].want && strstr(why, cases[i].why_has), "bad body %zu refused: %s", i, why);
		collected_free(&c);
	}
}

static void test_limits(void)
{
	size_t n = MULTIPART_MAX_HEADER + 100;
	char *body = malloc(n + 64);
	int len = snprintf(body, n + 64, "--b\r\nX-Long: ");
	memset(body + len, 'a', n - (size_t)len);
	strcpy(body + n, "\r\n\r\nv\r\n--b--");
	struct collected c;
	char why[256];
	is_int(parse("b", body, strlen(body), 1000, &c, why, sizeof(why)), MULTIPART_ERR_LIMIT, "headers too long");
	ok(strstr(why, "headers longer than") != NULL, "limit error says so: %s", why);
	collected_free(&c);
	free(body);

	size_t cap = (MULTIPART_MAX_PARTS + 2) * 64, off = 0;
	body = malloc(cap);
	for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
		off += (size_t)snprintf(body + off, cap - off,
		                        "--b\r\nContent-Disposition: form-data; name=p\r\n\r\nv\r\n");
	off += (size_t)snprintf(body + off, cap - off, "--b--");
	is_int(parse("b", body, off, 0, &c, why, sizeof(why)), MULTIPART_ERR_LIMIT, "too many parts refused");
	collected_free(&c);
	free(body);
}

static int abort_on_data(void *arg, const uint8_t *data, size_t len)
{
	(void)arg, (void)data, (void)len;
	return 1;
}

static void test_abort(void)
{
	struct multipart_callbacks cb = {NULL, abort_on_data, NULL};
	struct multipart_parser *p = multipart_parser_new(SDK_BOUNDARY, &cb, NULL);
	is_int(multipart_feed(p, SDK_BODY, sizeof(SDK_BODY) - 1), MULTIPART_ERR_ABORTED, "callback stops the parse");
	is_int(multipart_feed(p, "x", 1), MULTIPART_ERR_ABORTED, "and later calls keep the error");
	is_int(multipart_finish(p), MULTIPART_ERR_ABORTED, "finish too");
	multipart_parser_free(p);
	ok(multipart_parser_new("", &cb, NULL) == NULL, "empty boundary refused");
}

static void test_large_part(void)
{
	size_t size = 8u << 20;
	uint8_t *file = malloc(size);
	uint32_t x = 12345;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		file[i] = (uint8_t)(x >> 16);
	}
	file[1000] = '\r', file[1001] = '\n', file[1002] = '-', file[1003] = '-'; /* a near-delimiter */
	static const char head[] =
	        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n";
	static const char tail[] = "\r\n--XyZ--\r\n";
	struct collected c;
	memset(&c, 0, sizeof(c));
	struct multipart_parser *p = multipart_parser_new("XyZ", &CB, &c);
	bool fine = multipart_feed(p, head, sizeof(head) - 1) == MULTIPART_OK;
	for (size_t off = 0; off < size && fine; off += 100000)
		fine = multipart_feed(p, file + off, size - off < 100000 ? size - off : 100000) == MULTIPART_OK;
	fine = fine && multipart_feed(p, tail, sizeof(tail) - 1) == MULTIPART_OK && multipart_finish(p) == MULTIPART_OK;
	ok(fine && c.len == size && memcmp(c.data, file, size) == 0, "8 MiB part passes through intact");
	ok(c.max_piece <= 65536, "data arrives in pieces of at most 64 KiB (got %zu)", c.max_piece);
	multipart_parser_free(p);
	collected_free(&c);
	free(file);
}

static void test_boundary(void)
{
	char b[80], err[200];
	ok(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b), err, sizeof(err)) && !strcmp(b, "abc"),
	   "token boundary");
	ok(multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\"", b, sizeof(b), err,
	                      sizeof(err)) &&
	           !strcmp(b, "a b;c"),
	   "quoted boundary after another parameter");
	ok(!multipart_boundary("application/json", b, sizeof(b), err, sizeof(err)) &&
	           strstr(err, "multipart/form-data"),
	   "other type refused: %s", err);
	ok(!multipart_boundary("multipart/form-data", b, sizeof(b), err, sizeof(err)) && strstr(err, "boundary"),
	   "missing boundary refused: %s", err);
	ok(!multipart_boundary("multipart/form-data; boundary=", b, sizeof(b), err, sizeof(err)),
	   "empty boundary refused");
	char long_ct[200];
	snprintf(long_ct, sizeof(long_ct), "multipart/form-data; boundary=%071d", 0);
	ok(!multipart_boundary(long_ct, b, sizeof(b), err, sizeof(err)), "71-character boundary refused");
	ok(!multipart_boundary(NULL, b, sizeof(b), err, sizeof(err)), "no Content-Type refused");
}

int main(void)
{
	test_sdk_body();
	test_header_forms();
	test_bad_bodies();
	test_limits();
	test_abort();
	test_large_part();
	test_boundary();
	return tap_done();
}
