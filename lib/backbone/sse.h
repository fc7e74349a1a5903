/*
 * backbone/sse.h: an incremental parser of a text/event-stream (the Backbone's SSE server,
 * backbone-api.md §3.12). Bytes arrive in arbitrary chunks; each complete event (ended by an empty
 * line) is handed to the callback with its event name ("message" when none was given) and data
 * (data lines joined with "\n"). Comment lines (":...") and unknown fields are ignored; "retry:"
 * is remembered. Lines end in LF, CRLF or CR. A line longer than SSE_LINE_MAX is an error.
 */
#ifndef CONNECTOR_BACKBONE_SSE_H
#define CONNECTOR_BACKBONE_SSE_H

#include <stdbool.h>
#include <stddef.h>

#define SSE_LINE_MAX 65536

typedef void (*sse_event_fn)(const char *event, const char *data, void *arg);

struct sse_parser {
	char *line; /* the current partial line */
	size_t line_len;
	char *event; /* event name of the event being collected */
	char *data;  /* data of the event being collected */
	size_t data_len;
	bool has_data;
	bool last_cr;  /* the previous chunk ended in CR (a following LF belongs to it) */
	long retry_ms; /* last retry: field, -1 when none */
	sse_event_fn on_event;
	void *arg;
};

void sse_parser_init(struct sse_parser *p, sse_event_fn on_event, void *arg);
/* Feeds bytes; false (and nothing more is parsed) when a line exceeds SSE_LINE_MAX or memory ran out. */
bool sse_parser_feed(struct sse_parser *p, const char *bytes, size_t len);
void sse_parser_free(struct sse_parser *p);

#endif
