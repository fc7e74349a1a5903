/* test_http_error.c: the error code -> status table, error ids and the {result}/{error} envelopes. */
#include <sodium.h>
#include <string.h>

#include "api_error.h"
#include "tap.h"
#include "timeutil.h"

static void test_status_table(void)
{
	static const struct {
		const char *code;
		int status;
	} rows[] = {
	        {"error.connector.validation.invalidJsonInPayload", 400},
	        {"error.runtime.validation.invalidPropertyValue", 400},
	        {"error.runtime.requestDeserialization", 400},
	        {"error.transport.files.notFound", 400},
	        {"error.consumption.requests.invalidRequestItem", 400},
	        {"error.connector.someBusinessError", 400},
	        {"error.connector.unauthorized", 401},
	        {"error.connector.forbidden", 403},
	        {"error.connector.http.routeDoesNotExist", 404},
	        {"error.runtime.recordNotFound", 404},
	        {"error.transport.recordNotFound", 404},
	        {"error.connector.http.methodNotAllowed", 405},
	        {"error.connector.http.notAcceptable", 406},
	        {"error.connector.http.payloadTooLarge", 413},
	        {"error.platform.validation.invalidRequest", 500},
	        {"error.platform.unexpected", 500},
	        {"error.connector.unexpected", 500},
	        {"error.connector.errorInErrorHandler", 500},
	        {"error.connector.http.notImplemented", 501},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[160];
		snprintf(name, sizeof(name), "%s -> %d", rows[i].code, rows[i].status);
		is_int(api_error_status(rows[i].code), rows[i].status, name);
	}
	is_int(api_error_status("error.platformish"), 400, "error.platformish is not a platform error");
	is_int(api_error_status(NULL), 500, "no code -> 500");
	is_int(api_error_status_of_remote(409), 409, "Backbone 409 kept");
	is_int(api_error_status_of_remote(100), 100, "Backbone 100 kept");
	is_int(api_error_status_of_remote(599), 599, "Backbone 599 kept");
	is_int(api_error_status_of_remote(600), 500, "Backbone 600 -> 500");
	is_int(api_error_status_of_remote(0), 500, "no Backbone status -> 500");
}

static void test_error_ids(void)
{
	char id[API_ERROR_ID_LEN + 1], previous[API_ERROR_ID_LEN + 1] = "";
	int good = 0, distinct = 0, seen[256] = {0};
	for (int n = 0; n < 2000; n++) {
		api_error_new_id(id, sizeof(id));
		bool fine =
		        strlen(id) == 20 && strncmp(id, "ERR", 3) == 0 && strspn(id + 3, API_ERROR_ID_ALPHABET) == 17;
		good += fine;
		distinct += strcmp(id, previous) != 0;
		for (int i = 3; i < 20; i++)
			seen[(unsigned char)id[i]] = 1;
		memcpy(previous, id, sizeof(id));
	}
	is_int(good, 2000, "every id is ERR + 17 chars of the alphabet");
	is_int(distinct, 2000, "consecutive ids differ");
	int used = 0;
	for (const char *c = API_ERROR_ID_ALPHABET; *c; c++)
		used += seen[(unsigned char)*c];
	is_int(used, 32, "all 32 alphabet characters occur");
	ok(!seen['I'] && !seen['O'] && !seen['0'] && !seen['1'], "I, O, 0, 1 never occur");
	char small[10] = "x";
	api_error_new_id(small, sizeof(small));
	is_str(small, "", "too small a buffer gives an empty string");
}

static const char *field(json_object *obj, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

static void test_envelopes(void)
{
	json_object *env = api_error_envelope("error.connector.unauthorized", "Unauthorized.", false, "ignored");
	json_object *error = NULL;
	ok(json_object_object_get_ex(env, "error", &error), "error envelope has error");
	is_int(json_object_object_length(env), 1, "error envelope has one key");
	is_int(json_object_object_length(error), 5, "error has exactly 5 keys without debug");
	is_str(field(error, "code"), "error.connector.unauthorized", "code");
	is_str(field(error, "message"), "Unauthorized.", "message");
	is_str(field(error, "docs"), "https://enmeshed.eu/integrate/error-codes#error.connector.unauthorized", "docs");
	int64_t ms = 0;
	ok(time_parse_iso(field(error, "time"), &ms) && llabs(ms - time_wall_ms()) < 60000, "time is ISO and now");
	is_int(strlen(field(error, "id")), 20, "id length");
	json_object_put(env);

	env = api_error_envelope("error.connector.unexpected", "boom", true, "details here");
	json_object_object_get_ex(env, "error", &error);
	json_object *trace = NULL;
	is_int(json_object_object_length(error), 7, "debug error has 7 keys");
	ok(json_object_object_get_ex(error, "stacktrace", &trace) && json_object_is_type(trace, json_type_array),
	   "debug adds stacktrace array");
	is_str(field(error, "details"), "details here", "debug adds details");
	json_object_put(env);

	env = api_error_envelope("error.connector.unexpected", "boom", true, NULL);
	json_object_object_get_ex(env, "error", &error);
	is_int(json_object_object_length(error), 6, "debug without details has 6 keys");
	json_object_put(env);

	env = api_result_envelope(json_object_new_int(42));
	is_str(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN), "{\"result\":42}", "result envelope");
	json_object_put(env);
	env = api_result_envelope(NULL);
	is_str(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN), "{}", "undefined result gives {}");
	json_object_put(env);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_status_table();
	test_error_ids();
	test_envelopes();
	return tap_done();
}
