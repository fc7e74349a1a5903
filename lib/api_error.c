/*
 * api_error.c: error code -> status table, error ids and the JSON envelopes (see api_error.h).
 */
#include "api_error.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "timeutil.h"

struct status_row {
	const char *code;
	int status;
};

static const struct status_row exact_codes[] = {
        {API_ERR_INVALID_JSON, 400},       {API_ERR_UNAUTHORIZED, 401},      {API_ERR_FORBIDDEN, 403},
        {API_ERR_ROUTE_NOT_FOUND, 404},    {API_ERR_RUNTIME_NOT_FOUND, 404}, {API_ERR_TRANSPORT_NOT_FOUND, 404},
        {API_ERR_METHOD_NOT_ALLOWED, 405}, {API_ERR_NOT_ACCEPTABLE, 406},    {API_ERR_PAYLOAD_TOO_LARGE, 413},
        {API_ERR_UNEXPECTED, 500},         {API_ERR_IN_ERROR_HANDLER, 500},  {API_ERR_NOT_IMPLEMENTED, 501},
};

int api_error_status(const char *code)
{
	if (!code)
		return 500;
	for (size_t i = 0; i < sizeof(exact_codes) / sizeof(exact_codes[0]); i++)
		if (strcmp(code, exact_codes[i].code) == 0)
			return exact_codes[i].status;
	if (strncmp(code, "error.platform.", strlen("error.platform.")) == 0)
		return 500;
	return 400;
}

int api_error_status_of_remote(int remote_status)
{
	return remote_status >= 100 && remote_status <= 599 ? remote_status : 500;
}

void api_error_new_id(char *buf, size_t len)
{
	static const char alphabet[] = API_ERROR_ID_ALPHABET;
	if (len < API_ERROR_ID_LEN + 1) {
		if (len)
			buf[0] = '\0';
		return;
	}
	memcpy(buf, "ERR", 3);
	for (int i = 3; i < API_ERROR_ID_LEN; i++)
		buf[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	buf[API_ERROR_ID_LEN] = '\0';
}

json_object *api_error_envelope(const char *code, const char *message, bool debug, const char *details)
{
	char id[API_ERROR_ID_LEN + 1], now[32];
	api_error_new_id(id, sizeof(id));
	json_object *error = json_object_new_object();
	json_object_object_add(error, "id", json_object_new_string(id));
	json_object_object_add(error, "code", json_object_new_string(code));
	json_object_object_add(error, "message", json_object_new_string(message ? message : ""));
	size_t docs_len = strlen(API_ERROR_DOCS_BASE) + strlen(code) + 1;
	char docs[docs_len];
	snprintf(docs, docs_len, "%s%s", API_ERROR_DOCS_BASE, code);
	json_object_object_add(error, "docs", json_object_new_string(docs));
	json_object_object_add(error, "time", json_object_new_string(time_now_iso(now, sizeof(now))));
	if (debug) {
		json_object_object_add(error, "stacktrace", json_object_new_array());
		if (details)
			json_object_object_add(error, "details", json_object_new_string(details));
	}
	json_object *envelope = json_object_new_object();
	json_object_object_add(envelope, "error", error);
	return envelope;
}

json_object *api_result_envelope(json_object *result)
{
	json_object *envelope = json_object_new_object();
	if (result)
		json_object_object_add(envelope, "result", result);
	return envelope;
}
