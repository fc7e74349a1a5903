/*
 * monitoring.c: /Monitoring/Version, /Monitoring/Requests and /Monitoring/Support (no envelope).
 * Version data is baked in at build time (HTTP_PACKAGE_VERSION, HTTP_BUILD_COMMIT / HTTP_BUILD_DATE / HTTP_BUILD_NUMBER
 * from workers/http-api/local.mk, "unknown" when not available). Requests reads the counters shared
 * by all HTTP workers. Support shows the configuration with every secret masked (config_masked_copy).
 */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include "lib/config.h"
#include "timeutil.h"

#ifndef HTTP_PACKAGE_VERSION
#define HTTP_PACKAGE_VERSION "unknown"
#endif
#ifndef HTTP_BUILD_COMMIT
#define HTTP_BUILD_COMMIT "unknown"
#endif
#ifndef HTTP_BUILD_DATE
#define HTTP_BUILD_DATE "unknown"
#endif
#ifndef HTTP_BUILD_NUMBER
#define HTTP_BUILD_NUMBER "unknown"
#endif

json_object *monitoring_version_object(void)
{
	json_object *version = json_object_new_object();
	json_object_object_add(version, "version", json_object_new_string(HTTP_PACKAGE_VERSION));
	json_object_object_add(version, "build", json_object_new_string(HTTP_BUILD_NUMBER));
	json_object_object_add(version, "date", json_object_new_string(HTTP_BUILD_DATE));
	json_object_object_add(version, "commit", json_object_new_string(HTTP_BUILD_COMMIT));
	json_object_object_add(version, "runtimeVersion", json_object_new_string(HTTP_PACKAGE_VERSION));
	return version;
}

void monitoring_version(const struct api_request *req, struct api_reply *reply)
{
	reply->raw = monitoring_version_object();
}

void monitoring_requests(const struct api_request *req, struct api_reply *reply)
{
	const struct http_counters *counters = &req->server->counters;
	char since[32];
	json_object *by_status = json_object_new_object();
	for (int status = HTTP_STATUS_MIN; status <= HTTP_STATUS_MAX; status++) {
		uint64_t count = http_counters_get(counters, status);
		if (!count)
			continue;
		char key[8];
		snprintf(key, sizeof(key), "%d", status);
		json_object_object_add(by_status, key, json_object_new_int64((int64_t)count));
	}
	json_object *body = json_object_new_object();
	json_object_object_add(
	        body, "since",
	        json_object_new_string(time_iso_from_ms(http_counters_since(counters), since, sizeof(since))));
	json_object_object_add(body, "requestCount", json_object_new_int64((int64_t)http_counters_total(counters)));
	json_object_object_add(body, "requestCountByStatus", by_status);
	reply->raw = body;
}

static void support_ready(struct exchange *exchange, json_object *report, bool healthy)
{
	struct http_server *server = exchange_server(exchange);
	json_object *body = json_object_new_object();
	json_object_object_add(body, "version", monitoring_version_object());
	json_object_object_add(body, "health", report);
	json_object_object_add(body, "configuration", config_masked_copy(server->config));
	json_object *identity = json_object_new_object();
	json_object_object_add(identity, "error", json_object_new_string("The identity has not been created yet."));
	json_object_object_add(body, "identityInfo", identity);
	struct api_reply reply = {.status = 200, .raw = body};
	exchange_reply(exchange, &reply);
}

void monitoring_support(const struct api_request *req, struct api_reply *reply)
{
	reply->deferred = true;
	health_get(req->server->health, req->exchange, support_ready);
}
