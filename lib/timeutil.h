/*
 * timeutil.h: clocks and ISO 8601 timestamps ("2026-11-27T01:50:57.123Z", UTC, milliseconds) as
 * used on the wire by the Connector and the Backbone.
 */
#ifndef CONNECTOR_TIMEUTIL_H
#define CONNECTOR_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC, for intervals and deadlines. */
int64_t time_monotonic_ms(void);
/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t time_wall_ms(void);
/* Writes the ISO form of epoch milliseconds; buf needs 25 bytes. Returns buf. */
char *time_iso_from_ms(int64_t epoch_ms, char *buf, size_t len);
char *time_now_iso(char *buf, size_t len);
/* Parses ISO 8601 with optional fraction and Z or +hh:mm offset. */
bool time_parse_iso(const char *text, int64_t *epoch_ms);

#endif
