/*
 * route_deliveries.c: the operators' delivery routes of the HTTP API (doc/delivery.md), raw JSON
 * like the other /Monitoring routes, answered from lib/delivery_admin.h:
 *   GET  /Monitoring/Deliveries                       per-consumer backlog, oldest age, dead letters
 *   GET  /Monitoring/Deliveries/DeadLetters?consumer= dead letters, newest first (limit= 1..1000)
 *   GET  /Monitoring/Deliveries/Events/{eventId}      one event's deliveries and attempt log
 *   POST /Monitoring/Deliveries/Replay                {consumerId?, eventId?}: dead letters due now
 * Each request opens a short connection to the account schema (these routes are rare; the HTTP
 * worker keeps no database connection of its own). Errors: 400 bad input (names the field), 404
 * unknown event, 503 database unreachable.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_settings.h"
#include "delivery_admin.h"
#include "route_deliveries.h"

static struct db *open_db(const struct api_request *req, struct api_reply *reply)
{
	struct db_settings settings;
	char *error = NULL;
	struct db *db = NULL;
	if (!db_settings_read(req->server->config, &settings, &error) ||
	    !(db = db_new(settings.connection_string, settings.db_name, "connector-http-api", &error))) {
		api_reply_error(reply, "error.connector.unexpected", "%s", error ? error : "no database configured");
		free(error);
		return NULL;
	}
	if (db_connect(db) != DB_OK) {
		api_reply_error(reply, "error.connector.unexpected", "the database is unreachable: %s", db_error(db));
		reply->error_status = 503;
		db_free(db);
		return NULL;
	}
	return db;
}

static void answer(struct api_reply *reply, struct db *db, json_object *result)
{
	if (result)
		reply->raw = result;
	else
		api_reply_error(reply, "error.connector.unexpected", "%s", db_error(db));
	db_free(db);
}

void deliveries_overview(const struct api_request *req, struct api_reply *reply)
{
	struct db *db = open_db(req, reply);
	if (db)
		answer(reply, db, delivery_admin_overview(db));
}

void deliveries_dead_letters(const struct api_request *req, struct api_reply *reply)
{
	const char *limit_text = http_query_get(req->query, "limit");
	int limit = limit_text ? atoi(limit_text) : 100;
	if (limit < 1 || limit > 1000) {
		api_reply_error(reply, "error.connector.validation.invalidQueryParameter",
		                "limit: expected an integer between 1 and 1000");
		reply->error_status = 400;
		return;
	}
	struct db *db = open_db(req, reply);
	if (db)
		answer(reply, db, delivery_admin_dead_letters(db, http_query_get(req->query, "consumer"), limit));
}

void deliveries_event(const struct api_request *req, struct api_reply *reply)
{
	struct db *db = open_db(req, reply);
	if (!db)
		return;
	json_object *event = delivery_admin_event(db, api_param(req, "eventId"));
	if (!event && strstr(db_error(db), "event id")) {
		api_reply_error(reply, "error.connector.validation.invalidPathParameter", "%s", db_error(db));
		reply->error_status = 400;
	} else if (event && json_object_is_type(event, json_type_null)) {
		api_reply_error(reply, "error.runtime.recordNotFound", "event not found");
		reply->error_status = 404;
	} else {
		answer(reply, db, event);
		return;
	}
	json_object_put(event);
	db_free(db);
}

static const char *body_string(const struct api_request *req, const char *key, bool *bad)
{
	json_object *v = NULL;
	if (!req->body || !json_object_object_get_ex(req->body, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		*bad = true;
	return json_object_get_string(v);
}

void deliveries_replay(const struct api_request *req, struct api_reply *reply)
{
	bool bad = req->body && !json_object_is_type(req->body, json_type_object);
	const char *consumer = body_string(req, "consumerId", &bad);
	const char *event = body_string(req, "eventId", &bad);
	if (bad) {
		api_reply_error(reply, "error.connector.validation.invalidJsonInPayload",
		                "expected {\"consumerId\"?: string, \"eventId\"?: string}");
		reply->error_status = 400;
		return;
	}
	struct db *db = open_db(req, reply);
	if (!db)
		return;
	int64_t count = 0;
	if (!delivery_admin_replay(db, consumer, event, &count)) {
		api_reply_error(reply, "error.connector.validation.invalidJsonInPayload", "%s", db_error(db));
		reply->error_status = strstr(db_error(db), "event id") ? 400 : 500;
		db_free(db);
		return;
	}
	json_object *result = json_object_new_object();
	json_object_object_add(result, "replayed", json_object_new_int64(count));
	answer(reply, db, result);
}
