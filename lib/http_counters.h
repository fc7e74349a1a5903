/*
 * http_counters.h: request counters shared by every HTTP worker for /Monitoring/Requests.
 *
 * One file (normally <CONNECTOR_RUNTIME_DIR>/http-counters) mapped MAP_SHARED by every worker:
 *   header: magic "CNHTTPC1" (8 bytes), version (u32), size (u32), since (i64, epoch ms)
 *   then one atomic u64 per status 100..599.
 * The first opener builds the file under a temporary name and link(2)s it into place, which fails
 * with EEXIST when another worker won the race; so the file is never seen half-initialised. Later
 * openers (other workers, restarted workers) map the existing file, so counts are summed over
 * workers and survive worker restarts; the directory's owner (the supervisor) decides its lifetime.
 * A file with another magic, version or size is refused (error names the file and the field).
 */
#ifndef CONNECTOR_HTTP_COUNTERS_H
#define CONNECTOR_HTTP_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_COUNTERS_MAGIC   "CNHTTPC1"
#define HTTP_COUNTERS_VERSION 1
#define HTTP_STATUS_MIN       100
#define HTTP_STATUS_MAX       599

struct http_counters_file;

struct http_counters {
	struct http_counters_file *map;
	size_t map_len;
};

/* Opens or creates path. Returns 0, or -1 with err. */
int http_counters_open(struct http_counters *counters, const char *path, int64_t now_ms, char *err, size_t err_len);
void http_counters_close(struct http_counters *counters);

/* Adds one to status (statuses outside 100..599 are ignored). Async-signal and thread safe. */
void http_counters_add(struct http_counters *counters, int status);
uint64_t http_counters_get(const struct http_counters *counters, int status);
uint64_t http_counters_total(const struct http_counters *counters);
int64_t http_counters_since(const struct http_counters *counters);

#endif
