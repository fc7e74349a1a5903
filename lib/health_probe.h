/*
 * health_probe.h: blocking, time-bounded reachability checks used by the /health report:
 * PostgreSQL (a real connection with connect_timeout, so authentication and the database name are
 * checked too, not only that a server answers) and an HTTP GET expecting 2xx (the Backbone's
 * /health). Safe to call from a helper thread (curl runs with CURLOPT_NOSIGNAL; the caller must have
 * called curl_global_init once before starting threads).
 */
#ifndef CONNECTOR_HEALTH_PROBE_H
#define CONNECTOR_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* connection: libpq key=value string or URI. timeout_s >= 2 (libpq's minimum). why: reason on failure. */
bool health_probe_database(const char *connection, int timeout_s, char *why, size_t why_len);
/* GET url with a total timeout; true on 2xx. */
bool health_probe_http(const char *url, long timeout_ms, char *why, size_t why_len);

#endif
