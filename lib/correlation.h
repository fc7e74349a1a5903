/*
 * correlation.h: the correlation id of the work a thread is doing (http-api.md §2.9,
 * connector-modules.md §5.2). An HTTP request takes its id from x-correlation-id (first value) or
 * gets a fresh UUID v4; a sync run started without one gets a fresh UUID v4. While an id is current
 * on a thread, every log line of that thread carries it and every outbox event it appends stores it;
 * the webhooks worker sends it back as x-correlation-id.
 *
 * Invariant: a current id is either NULL or 1..CORRELATION_ID_MAX-1 visible ASCII characters
 * (0x21..0x7e, inner spaces allowed, no comma), so it is safe in a log line and an HTTP header.
 */
#ifndef CONNECTOR_CORRELATION_H
#define CONNECTOR_CORRELATION_H

#include <stdbool.h>

#define CORRELATION_ID_MAX   129 /* 128 characters + NUL */
#define CORRELATION_UUID_LEN 37  /* uuid text + NUL */

/* A random UUID v4, lowercase ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx"). */
void correlation_generate(char out[CORRELATION_UUID_LEN]);

/*
 * The first value of an x-correlation-id header (text before the first comma, surrounding spaces
 * and tabs trimmed) into out. False when value is NULL, the first value is empty, longer than 128
 * characters, or holds a character outside the invariant's set (out is then "").
 */
bool correlation_parse_header(const char *value, char out[CORRELATION_ID_MAX]);

/* The request's id: the parsed header, or a fresh UUID v4 when it has none usable. */
void correlation_for_request(const char *header_value, char out[CORRELATION_ID_MAX]);

/* True when id keeps the invariant (NULL: false). */
bool correlation_valid(const char *id);

/* The calling thread's current id (copied; NULL or "" clears). Returns false for an id breaking
 * the invariant (then nothing changes). */
bool correlation_set_current(const char *id);
/* True when id keeps the invariant (NULL: false). */
bool correlation_valid(const char *id);

/* The calling thread's current id, NULL when none. Valid until the next correlation_set_current. */
const char *correlation_current(void);

#endif
