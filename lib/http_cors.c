/*
 * http_cors.c: CORS configuration and response headers (see http_cors.h).
 */
#include "http_cors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORS_PATH            "infrastructure.httpServer.cors"
#define CORS_DEFAULT_METHODS "GET,HEAD,PUT,PATCH,POST,DELETE"

/* A string, or an array of strings joined with ","; NULL when absent. -1 on a bad type. */
static int string_or_list(json_object *config, const char *key, char **out, char *err, size_t err_len)
{
	json_object *value = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(config, key, &value) || json_object_is_type(value, json_type_null))
		return 0;
	if (json_object_is_type(value, json_type_string)) {
		*out = strdup(json_object_get_string(value));
		return 0;
	}
	if (!json_object_is_type(value, json_type_array))
		goto bad;
	size_t total = 1, n = json_object_array_length(value);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(value, i);
		if (!json_object_is_type(item, json_type_string))
			goto bad;
		total += strlen(json_object_get_string(item)) + 1;
	}
	*out = calloc(1, total);
	for (size_t i = 0; *out && i < n; i++) {
		if (i)
			strcat(*out, ",");
		strcat(*out, json_object_get_string(json_object_array_get_idx(value, i)));
	}
	return 0;
bad:
	snprintf(err, err_len, CORS_PATH ".%s: expected a string or an array of strings", key);
	return -1;
}

static int load_origin(struct http_cors *cors, json_object *origin, char *err, size_t err_len)
{
	if (!origin || json_object_is_type(origin, json_type_null)) {
		cors->origin_mode = HTTP_CORS_ANY; /* the cors middleware's default */
		return 0;
	}
	if (json_object_is_type(origin, json_type_boolean)) {
		cors->origin_mode = json_object_get_boolean(origin) ? HTTP_CORS_REFLECT : HTTP_CORS_OFF;
		return 0;
	}
	if (json_object_is_type(origin, json_type_string)) {
		const char *text = json_object_get_string(origin);
		cors->origin_mode = (!*text || strcmp(text, "*") == 0) ? HTTP_CORS_ANY : HTTP_CORS_FIXED;
		cors->origins = calloc(1, sizeof(char *));
		cors->origins[0] = strdup(text);
		cors->origin_count = 1;
		return 0;
	}
	if (json_object_is_type(origin, json_type_array)) {
		size_t n = json_object_array_length(origin);
		cors->origin_mode = HTTP_CORS_LIST;
		cors->origins = calloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			json_object *item = json_object_array_get_idx(origin, i);
			if (!json_object_is_type(item, json_type_string)) {
				snprintf(err, err_len, CORS_PATH ".origin[%zu]: expected an origin string", i);
				return -1;
			}
			cors->origins[cors->origin_count++] = strdup(json_object_get_string(item));
		}
		return 0;
	}
	snprintf(err, err_len, CORS_PATH ".origin: expected a boolean, a string or an array of strings");
	return -1;
}

static int load_scalars(struct http_cors *cors, json_object *config, char *err, size_t err_len)
{
	json_object *value = NULL;
	if (json_object_object_get_ex(config, "credentials", &value)) {
		if (!json_object_is_type(value, json_type_boolean)) {
			snprintf(err, err_len, CORS_PATH ".credentials: expected a boolean");
			return -1;
		}
		cors->credentials = json_object_get_boolean(value);
	}
	if (json_object_object_get_ex(config, "maxAge", &value) && !json_object_is_type(value, json_type_null)) {
		if (!json_object_is_type(value, json_type_int) && !json_object_is_type(value, json_type_string)) {
			snprintf(err, err_len, CORS_PATH ".maxAge: expected a number of seconds");
			return -1;
		}
		cors->max_age = strdup(json_object_get_string(value));
	}
	if (json_object_object_get_ex(config, "optionsSuccessStatus", &value)) {
		int status = json_object_get_int(value);
		if (!json_object_is_type(value, json_type_int) || status < 200 || status > 299) {
			snprintf(err, err_len, CORS_PATH ".optionsSuccessStatus: expected a 2xx status");
			return -1;
		}
		cors->options_status = status;
	}
	return 0;
}

int http_cors_load(struct http_cors *cors, json_object *config, char *err, size_t err_len)
{
	memset(cors, 0, sizeof(*cors));
	cors->options_status = 204;
	if (!config || json_object_is_type(config, json_type_null) ||
	    (json_object_is_type(config, json_type_boolean) && !json_object_get_boolean(config)))
		return 0;
	if (!json_object_is_type(config, json_type_object)) {
		snprintf(err, err_len, CORS_PATH ": expected an object");
		return -1;
	}
	json_object *origin = NULL;
	json_object_object_get_ex(config, "origin", &origin);
	if (load_origin(cors, origin, err, err_len) != 0 ||
	    string_or_list(config, "methods", &cors->methods, err, err_len) != 0 ||
	    string_or_list(config, "allowedHeaders", &cors->allowed_headers, err, err_len) != 0 ||
	    string_or_list(config, "exposedHeaders", &cors->exposed_headers, err, err_len) != 0 ||
	    load_scalars(cors, config, err, err_len) != 0) {
		http_cors_free(cors);
		return -1;
	}
	if (!cors->methods)
		cors->methods = strdup(CORS_DEFAULT_METHODS);
	return 0;
}

void http_cors_free(struct http_cors *cors)
{
	for (size_t i = 0; i < cors->origin_count; i++)
		free(cors->origins[i]);
	free(cors->origins);
	free(cors->methods);
	free(cors->allowed_headers);
	free(cors->exposed_headers);
	free(cors->max_age);
	memset(cors, 0, sizeof(*cors));
}

bool http_cors_enabled(const struct http_cors *cors)
{
	return cors->origin_mode != HTTP_CORS_OFF;
}

static void origin_headers(const struct http_cors *cors, const char *origin, http_cors_header_fn add, void *arg)
{
	switch (cors->origin_mode) {
	case HTTP_CORS_ANY:
		add(arg, "Access-Control-Allow-Origin", "*");
		break;
	case HTTP_CORS_FIXED:
		add(arg, "Access-Control-Allow-Origin", cors->origins[0]);
		add(arg, "Vary", "Origin");
		break;
	case HTTP_CORS_REFLECT:
		if (origin)
			add(arg, "Access-Control-Allow-Origin", origin);
		add(arg, "Vary", "Origin");
		break;
	case HTTP_CORS_LIST:
		for (size_t i = 0; origin && i < cors->origin_count; i++)
			if (strcmp(origin, cors->origins[i]) == 0)
				add(arg, "Access-Control-Allow-Origin", origin);
		add(arg, "Vary", "Origin");
		break;
	case HTTP_CORS_OFF:
		break;
	}
}

void http_cors_headers(const struct http_cors *cors, bool preflight, const char *origin, const char *request_headers,
                       http_cors_header_fn add, void *arg)
{
	if (!http_cors_enabled(cors))
		return;
	origin_headers(cors, origin, add, arg);
	if (cors->credentials)
		add(arg, "Access-Control-Allow-Credentials", "true");
	if (preflight) {
		add(arg, "Access-Control-Allow-Methods", cors->methods);
		if (cors->allowed_headers) {
			add(arg, "Access-Control-Allow-Headers", cors->allowed_headers);
		} else {
			if (request_headers)
				add(arg, "Access-Control-Allow-Headers", request_headers);
			add(arg, "Vary", "Access-Control-Request-Headers");
		}
		if (cors->max_age && *cors->max_age)
			add(arg, "Access-Control-Max-Age", cors->max_age);
	}
	if (cors->exposed_headers && *cors->exposed_headers)
		add(arg, "Access-Control-Expose-Headers", cors->exposed_headers);
}
