/*
 * control.h: the client side of connectord's control protocol (nng REQ/REP on $CONNECTOR_CONTROL,
 * JSON request, JSON reply; commands and reply shapes in doc/connectord.md). Used by connectorctl
 * and by the http-api worker's /health route.
 */
#ifndef CONNECTOR_CONTROL_H
#define CONNECTOR_CONTROL_H

/*
 * Sends json_request to url and waits at most timeout_ms for the answer. Returns 0 with *reply set
 * (malloc'd, NUL-terminated JSON text; free it), or a non-zero code with *reply NULL; describe the
 * code with control_strerror(). Blocks the calling thread.
 */
int control_request(const char *url, const char *json_request, int timeout_ms, char **reply);
const char *control_strerror(int code);

#endif
