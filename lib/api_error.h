/*
 * api_error.h: the Core HTTP API's error vocabulary: error codes used by the HTTP layer, the
 * code -> HTTP status table, error ids, and the {result} / {error} envelopes.
 *
 * Status table (the original's generic error handler, plus two codes of this implementation):
 *   error.connector.validation.invalidJsonInPayload   400
 *   error.connector.unauthorized                      401
 *   error.connector.forbidden                         403
 *   error.connector.http.routeDoesNotExist            404
 *   error.runtime.recordNotFound, error.transport.recordNotFound   404
 *   error.connector.http.methodNotAllowed             405
 *   error.connector.http.notAcceptable                406
 *   error.connector.http.payloadTooLarge              413  (new: the original answered 500)
 *   error.platform.*                                  500
 *   error.connector.unexpected, ...errorInErrorHandler 500
 *   error.connector.http.notImplemented               501  (new: route known, handler not built yet)
 *   any other code                                    400
 * A Backbone request error keeps the Backbone's status when it is in 100..599 (api_error_status_of_remote).
 *
 * Error id: "ERR" + 17 characters of ABCDEFGHJKLMNPQRSTUVWXYZ23456789 (libsodium randombytes).
 * Envelope: {"error":{"id","code","message","docs","time"}} with docs
 * https://enmeshed.eu/integrate/error-codes#<code>; debug mode adds "stacktrace": [] and, when given,
 * "details". No other keys (the SDK's schema forbids them).
 */
#ifndef CONNECTOR_API_ERROR_H
#define CONNECTOR_API_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define API_ERR_INVALID_JSON        "error.connector.validation.invalidJsonInPayload"
#define API_ERR_UNAUTHORIZED        "error.connector.unauthorized"
#define API_ERR_FORBIDDEN           "error.connector.forbidden"
#define API_ERR_ROUTE_NOT_FOUND     "error.connector.http.routeDoesNotExist"
#define API_ERR_METHOD_NOT_ALLOWED  "error.connector.http.methodNotAllowed"
#define API_ERR_NOT_ACCEPTABLE      "error.connector.http.notAcceptable"
#define API_ERR_PAYLOAD_TOO_LARGE   "error.connector.http.payloadTooLarge"
#define API_ERR_NOT_IMPLEMENTED     "error.connector.http.notImplemented"
#define API_ERR_UNEXPECTED          "error.connector.unexpected"
#define API_ERR_IN_ERROR_HANDLER    "error.connector.errorInErrorHandler"
#define API_ERR_RUNTIME_NOT_FOUND   "error.runtime.recordNotFound"
#define API_ERR_TRANSPORT_NOT_FOUND "error.transport.recordNotFound"

#define API_ERROR_ID_LEN      20
#define API_ERROR_ID_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#define API_ERROR_DOCS_BASE   "https://enmeshed.eu/integrate/error-codes#"

/* HTTP status for an application error code (table above). */
int api_error_status(const char *code);
/* Status for an error reported by the Backbone with its own HTTP status: that status if 100..599, else 500. */
int api_error_status_of_remote(int remote_status);

/* Writes a fresh error id (API_ERROR_ID_LEN chars + NUL) into buf (>= 21 bytes). Needs sodium_init(). */
void api_error_new_id(char *buf, size_t len);

/*
 * {"error": {...}} for code and message. debug adds "stacktrace": [] and "details" when details is
 * non-NULL. Returns a new reference.
 */
json_object *api_error_envelope(const char *code, const char *message, bool debug, const char *details);
/* {"result": result} (takes the reference; NULL result gives {} as the original does for undefined). */
json_object *api_result_envelope(json_object *result);

#endif
