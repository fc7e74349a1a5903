/* test_http_cors.c: CORS configuration forms and the headers of requests and preflights. */
#include <stdio.h>
#include <string.h>

#include "http_cors.h"
#include "tap.h"

static char headers[1024];

static void collect(void *arg, const char *name, const char *value)
{
	size_t len = strlen(headers);
	snprintf(headers + len, sizeof(headers) - len, "%s: %s\n", name, value);
}

static int load(struct http_cors *cors, const char *json, char *err, size_t len)
{
	json_object *config = json ? json_tokener_parse(json) : NULL;
	int rc = http_cors_load(cors, config, err, len);
	json_object_put(config);
	return rc;
}

static const char *emit(const struct http_cors *cors, bool preflight, const char *origin, const char *request_headers)
{
	headers[0] = '\0';
	http_cors_headers(cors, preflight, origin, request_headers, collect, NULL);
	return headers;
}

static void test_off(void)
{
	struct http_cors cors;
	char err[256];
	is_int(load(&cors, NULL, err, sizeof(err)), 0, "no cors key");
	ok(!http_cors_enabled(&cors), "absent: off");
	is_str(emit(&cors, true, "https://a", NULL), "", "off: no headers, even for OPTIONS");
	http_cors_free(&cors);
	is_int(load(&cors, "{\"origin\":false}", err, sizeof(err)), 0, "origin false");
	ok(!http_cors_enabled(&cors), "the default {origin:false} is off");
	http_cors_free(&cors);
}

static void test_forms(void)
{
	struct http_cors cors;
	char err[256];
	is_int(load(&cors, "{}", err, sizeof(err)), 0, "empty object");
	is_str(emit(&cors, false, "https://a", NULL), "Access-Control-Allow-Origin: *\n",
	       "{}: the middleware default *");
	http_cors_free(&cors);

	load(&cors, "{\"origin\":true}", err, sizeof(err));
	is_str(emit(&cors, false, "https://a", NULL), "Access-Control-Allow-Origin: https://a\nVary: Origin\n",
	       "true reflects the origin");
	is_str(emit(&cors, false, NULL, NULL), "Vary: Origin\n", "true without Origin: only Vary");
	http_cors_free(&cors);

	load(&cors, "{\"origin\":\"https://fixed\",\"exposedHeaders\":[\"X-A\",\"X-B\"]}", err, sizeof(err));
	is_str(emit(&cors, false, "https://other", NULL),
	       "Access-Control-Allow-Origin: https://fixed\nVary: Origin\nAccess-Control-Expose-Headers: X-A,X-B\n",
	       "fixed origin and exposed headers");
	http_cors_free(&cors);

	load(&cors, "{\"origin\":[\"https://a\",\"https://b\"]}", err, sizeof(err));
	is_str(emit(&cors, false, "https://b", NULL), "Access-Control-Allow-Origin: https://b\nVary: Origin\n",
	       "listed origin reflected");
	is_str(emit(&cors, false, "https://c", NULL), "Vary: Origin\n", "unlisted origin not allowed");
	http_cors_free(&cors);
}

static void test_preflight(void)
{
	struct http_cors cors;
	char err[256];
	load(&cors, "{\"origin\":\"*\",\"credentials\":true,\"maxAge\":60,\"methods\":[\"GET\",\"POST\"]}", err,
	     sizeof(err));
	is_str(emit(&cors, true, "https://a", "x-api-key"),
	       "Access-Control-Allow-Origin: *\nAccess-Control-Allow-Credentials: true\n"
	       "Access-Control-Allow-Methods: GET,POST\nAccess-Control-Allow-Headers: x-api-key\n"
	       "Vary: Access-Control-Request-Headers\nAccess-Control-Max-Age: 60\n",
	       "preflight reflects requested headers");
	is_int(cors.options_status, 204, "preflight status 204");
	http_cors_free(&cors);
	load(&cors, "{\"allowedHeaders\":\"X-API-KEY,Content-Type\",\"optionsSuccessStatus\":200}", err, sizeof(err));
	is_str(emit(&cors, true, NULL, "x-other"),
	       "Access-Control-Allow-Origin: *\nAccess-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\n"
	       "Access-Control-Allow-Headers: X-API-KEY,Content-Type\n",
	       "configured allowed headers, default methods");
	is_int(cors.options_status, 200, "optionsSuccessStatus");
	http_cors_free(&cors);
}

static void expect_error(const char *json, const char *want)
{
	struct http_cors cors;
	char err[256] = "";
	ok(load(&cors, json, err, sizeof(err)) == -1, "refused: %s", json);
	is_str(err, want, want);
}

static void test_errors(void)
{
	expect_error("[]", "infrastructure.httpServer.cors: expected an object");
	expect_error("{\"origin\":5}",
	             "infrastructure.httpServer.cors.origin: expected a boolean, a string or an array of strings");
	expect_error("{\"origin\":[\"a\",1]}", "infrastructure.httpServer.cors.origin[1]: expected an origin string");
	expect_error("{\"methods\":7}",
	             "infrastructure.httpServer.cors.methods: expected a string or an array of strings");
	expect_error("{\"credentials\":\"yes\"}", "infrastructure.httpServer.cors.credentials: expected a boolean");
	expect_error("{\"optionsSuccessStatus\":404}",
	             "infrastructure.httpServer.cors.optionsSuccessStatus: expected a 2xx status");
}

int main(void)
{
	test_off();
	test_forms();
	test_preflight();
	test_errors();
	return tap_done();
}
