/*
 * test_backbone_sse.c: the text/event-stream parser (lib/backbone/sse.c): events as the Backbone's
 * SSE server sends them, split at every byte position, line ending variants, comments, multi-line
 * data, retry, and the line length limit.
 */
#include <stdlib.h>
#include <string.h>

#include "backbone/sse.h"
#include "tap.h"

struct seen {
	char text[1024];
	int count;
};

static void collect(const char *event, const char *data, void *arg)
{
	struct seen *s = arg;
	size_t used = strlen(s->text);
	snprintf(s->text + used, sizeof(s->text) - used, "[%s|%s]", event, data);
	s->count++;
}

static void parse_split(const char *stream, size_t split, struct seen *s)
{
	struct sse_parser p;
	memset(s, 0, sizeof(*s));
	sse_parser_init(&p, collect, s);
	size_t len = strlen(stream);
	if (split > len)
		split = len;
	sse_parser_feed(&p, stream, split);
	sse_parser_feed(&p, stream + split, len - split);
	sse_parser_free(&p);
}

static void test_backbone_stream(void)
{
	const char *stream = "event: ConnectionOpened\ndata: _\n\nevent: keep-alive\ndata: _\n\n"
	                     "event: ExternalEventCreated\ndata: _\n\n";
	const char *want = "[ConnectionOpened|_][keep-alive|_][ExternalEventCreated|_]";
	int good = 0;
	size_t len = strlen(stream);
	for (size_t split = 0; split <= len; split++) {
		struct seen s;
		parse_split(stream, split, &s);
		good += s.count == 3 && strcmp(s.text, want) == 0;
	}
	is_int(good, (long long)len + 1, "three events at every split position");
}

static void test_line_endings(void)
{
	struct seen s;
	const char *crlf = "event: A\r\ndata: 1\r\n\r\nevent: B\rdata: 2\r\r";
	for (size_t split = 0; split <= strlen(crlf); split++) {
		parse_split(crlf, split, &s);
		if (strcmp(s.text, "[A|1][B|2]") != 0)
			break;
	}
	is_str(s.text, "[A|1][B|2]", "CRLF and CR line endings, split anywhere");
}

static void test_fields(void)
{
	struct seen s;
	struct sse_parser p;
	memset(&s, 0, sizeof(s));
	sse_parser_init(&p, collect, &s);
	const char *stream = ": comment\nretry: 2500\ndata: a\ndata:b\nunknown: x\n\ndata\n\nevent: only\n\n";
	ok(sse_parser_feed(&p, stream, strlen(stream)), "fed");
	is_str(s.text, "[message|a\nb][message|][only|]", "default name, joined data, empty data, name only");
	is_int(p.retry_ms, 2500, "retry remembered");
	sse_parser_free(&p);
}

static void test_incomplete_event_not_dispatched(void)
{
	struct seen s;
	parse_split("event: ExternalEventCreated\ndata: _\n", 5, &s);
	is_int(s.count, 0, "an event without its closing empty line is not dispatched");
}

static void test_line_limit(void)
{
	struct sse_parser p;
	struct seen s = {0};
	sse_parser_init(&p, collect, &s);
	size_t n = SSE_LINE_MAX + 10;
	char *big = malloc(n);
	memset(big, 'x', n);
	memcpy(big, "data: ", 6);
	ok(!sse_parser_feed(&p, big, n), "a line over SSE_LINE_MAX is refused");
	sse_parser_free(&p);
	free(big);
}

int main(void)
{
	test_backbone_stream();
	test_line_endings();
	test_fields();
	test_incomplete_event_not_dispatched();
	test_line_limit();
	return tap_done();
}
