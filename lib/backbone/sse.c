/*
 * backbone/sse.c: the text/event-stream parser of sse.h (field rules of the WHATWG EventSource
 * processing model, reduced to what the Backbone sends: event, data, retry, comments).
 */
#include "backbone/sse.h"

#include <stdlib.h>
#include <string.h>

void sse_parser_init(struct sse_parser *p, sse_event_fn on_event, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->retry_ms = -1;
	p->on_event = on_event;
	p->arg = arg;
}

void sse_parser_free(struct sse_parser *p)
{
	free(p->line);
	free(p->event);
	free(p->data);
	p->line = p->event = p->data = NULL;
}

static bool append(char **buf, size_t *len, const char *bytes, size_t n)
{
	char *grown = realloc(*buf, *len + n + 1);
	if (!grown)
		return false;
	memcpy(grown + *len, bytes, n);
	*len += n;
	grown[*len] = '\0';
	*buf = grown;
	return true;
}

static void dispatch(struct sse_parser *p)
{
	if (p->has_data || p->event)
		p->on_event(p->event ? p->event : "message", p->data ? p->data : "", p->arg);
	free(p->event);
	free(p->data);
	p->event = p->data = NULL;
	p->data_len = 0;
	p->has_data = false;
}

static bool field(struct sse_parser *p, const char *line)
{
	if (line[0] == ':')
		return true;
	const char *colon = strchr(line, ':');
	size_t name_len = colon ? (size_t)(colon - line) : strlen(line);
	const char *value = colon ? colon + 1 : "";
	if (*value == ' ')
		value++;
	if (name_len == 5 && strncmp(line, "event", 5) == 0) {
		free(p->event);
		p->event = strdup(value);
		return p->event != NULL;
	}
	if (name_len == 4 && strncmp(line, "data", 4) == 0) {
		if (p->has_data && !append(&p->data, &p->data_len, "\n", 1))
			return false;
		p->has_data = true;
		return append(&p->data, &p->data_len, value, strlen(value));
	}
	if (name_len == 5 && strncmp(line, "retry", 5) == 0 && *value && strspn(value, "0123456789") == strlen(value))
		p->retry_ms = strtol(value, NULL, 10);
	return true;
}

static bool end_line(struct sse_parser *p)
{
	bool ok = true;
	if (p->line_len == 0)
		dispatch(p);
	else
		ok = field(p, p->line);
	p->line_len = 0;
	if (p->line)
		p->line[0] = '\0';
	return ok;
}

bool sse_parser_feed(struct sse_parser *p, const char *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = bytes[i];
		if (c == '\n' && p->last_cr) {
			p->last_cr = false;
			continue;
		}
		p->last_cr = c == '\r';
		if (c == '\n' || c == '\r') {
			if (!end_line(p))
				return false;
			continue;
		}
		size_t run = 1;
		while (i + run < len && bytes[i + run] != '\n' && bytes[i + run] != '\r')
			run++;
		if (p->line_len + run > SSE_LINE_MAX || !append(&p->line, &p->line_len, bytes + i, run))
			return false;
		i += run - 1;
	}
	return true;
}
