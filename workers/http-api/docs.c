/*
 * docs.c: the API documentation routes, mounted only in debug mode with
 * modules.coreHttpApi.docs.enabled (as the original):
 *   GET /docs/json, /docs/yaml   the OpenAPI 3.0 document, generated from the routes this worker
 *                                actually mounted (so it cannot drift from what is served): every
 *                                route under /api/core/v1 and the unprefixed ones; the /api/v2
 *                                mount of the same handlers is named in the description
 *   GET /docs/swagger            Swagger UI rendering /docs/json
 *   GET /docs/swagger/<asset>    swagger-ui-bundle.js and swagger-ui.css from the npm package
 *                                swagger-ui-dist, installed in <datadir>/docs-ui (override:
 *                                CONNECTOR_DOCS_UI_DIR); a missing file answers 503 naming it
 * The pages are public (a browser cannot send the API key header when it loads them); the document
 * declares the key for the API routes so that "Try it out" sends it.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "buildconfig.h" /* autoconf: PACKAGE_VERSION */
#include "log.h"

#ifndef CONNECTOR_DATADIR
#define CONNECTOR_DATADIR "/usr/local/share/enmeshed-connector-c"
#endif

static const char swagger_page[] =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>enmeshed Connector API</title>\n"
        "<link rel=\"stylesheet\" href=\"/docs/swagger/swagger-ui.css\">\n</head>\n<body>\n"
        "<div id=\"swagger-ui\"></div>\n<script src=\"/docs/swagger/swagger-ui-bundle.js\"></script>\n"
        "<script src=\"/docs/swagger/init.js\"></script>\n</body>\n</html>\n";

/* Separate file, not inline: keeps the page working under a strict Content-Security-Policy. */
static const char swagger_init[] = "window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#swagger-ui',"
                                   " deepLinking: true, persistAuthorization: false });\n";

static void reply_text(struct api_reply *reply, int status, const char *type, const char *data, size_t len)
{
	reply->status = status;
	reply->content_type = type;
	reply->text = malloc(len + 1);
	if (!reply->text)
		fatal(EXIT_FAILURE, "malloc");
	memcpy(reply->text, data, len);
	reply->text[len] = '\0';
	reply->text_len = len;
}

/* "/api/core/v1/Files/:id" -> "/api/core/v1/Files/{id}" (the router accepts both forms). */
static void openapi_path(const struct http_route *route, char *out, size_t len)
{
	size_t pos = 0;
	out[0] = '\0';
	for (size_t i = 0; i < route->segment_count && pos < len; i++) {
		const struct http_route_segment *s = &route->segments[i];
		pos += (size_t)snprintf(out + pos, len - pos, s->is_param ? "/{%s}" : "/%s", s->text);
	}
	if (route->segment_count == 0)
		snprintf(out, len, "/");
}

static json_object *operation(const struct http_route *route, const char *path, json_object *ids)
{
	const struct api_route *api = route->handler;
	json_object *op = json_object_new_object();
	const char *rest = strncmp(path, HTTP_API_PREFIX_CURRENT, strlen(HTTP_API_PREFIX_CURRENT)) == 0
	                           ? path + strlen(HTTP_API_PREFIX_CURRENT)
	                           : path;
	char tag[64];
	snprintf(tag, sizeof(tag), "%s", rest + 1);
	tag[strcspn(tag, "/")] = '\0';
	json_object *tags = json_object_new_array();
	json_object_array_add(tags, json_object_new_string(tag[0] ? tag : "root"));
	json_object_object_add(op, "tags", tags);
	char id[160];
	json_object *seen = NULL;
	int n = json_object_object_get_ex(ids, api->name, &seen) ? json_object_get_int(seen) + 1 : 1;
	json_object_object_add(ids, api->name, json_object_new_int(n));
	snprintf(id, sizeof(id), n > 1 ? "%s_%d" : "%s", api->name, n);
	json_object_object_add(op, "operationId", json_object_new_string(id));
	json_object *params = json_object_new_array();
	for (size_t i = 0; i < route->segment_count; i++) {
		if (!route->segments[i].is_param)
			continue;
		json_object *p = json_object_new_object(), *schema = json_object_new_object();
		json_object_object_add(p, "name", json_object_new_string(route->segments[i].text));
		json_object_object_add(p, "in", json_object_new_string("path"));
		json_object_object_add(p, "required", json_object_new_boolean(1));
		json_object_object_add(schema, "type", json_object_new_string("string"));
		json_object_object_add(p, "schema", schema);
		json_object_array_add(params, p);
	}
	json_object_object_add(op, "parameters", params);
	if (route->method & (HTTP_M_POST | HTTP_M_PUT | HTTP_M_PATCH)) {
		json_object *body = json_object_new_object(), *content = json_object_new_object(),
		            *json = json_object_new_object(), *schema = json_object_new_object();
		json_object_object_add(schema, "type", json_object_new_string("object"));
		json_object_object_add(json, "schema", schema);
		json_object_object_add(content, "application/json", json);
		json_object_object_add(body, "content", content);
		json_object_object_add(op, "requestBody", body);
	}
	json_object *responses = json_object_new_object(), *ok = json_object_new_object();
	json_object_object_add(ok, "description", json_object_new_string("Success"));
	json_object_object_add(responses, "2XX", ok);
	json_object *fail = json_object_new_object();
	json_object_object_add(fail, "description",
	                       json_object_new_string("Error envelope {error: {id, code, message, ...}}"));
	json_object_object_add(responses, "default", fail);
	json_object_object_add(op, "responses", responses);
	if (route->flags & HTTP_ROUTE_PUBLIC)
		json_object_object_add(op, "security", json_object_new_array());
	return op;
}

static json_object *build_document(const struct http_server *server)
{
	json_object *doc = json_object_new_object(), *info = json_object_new_object(),
	            *paths = json_object_new_object();
	json_object *ids = json_object_new_object();
	json_object_object_add(doc, "openapi", json_object_new_string("3.0.3"));
	json_object_object_add(info, "title", json_object_new_string("enmeshed Connector (C): Core HTTP API"));
	json_object_object_add(info, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(info, "description",
	                       json_object_new_string("Every route below " HTTP_API_PREFIX_CURRENT
	                                              " is also served below " HTTP_API_PREFIX_LEGACY "."));
	json_object_object_add(doc, "info", info);
	for (size_t i = 0; i < server->router.count; i++) {
		const struct http_route *route = &server->router.routes[i];
		if (strncmp(route->pattern, HTTP_API_PREFIX_LEGACY "/", strlen(HTTP_API_PREFIX_LEGACY) + 1) == 0)
			continue;
		char path[512], method[16];
		openapi_path(route, path, sizeof(path));
		snprintf(method, sizeof(method), "%s", http_method_name(route->method));
		for (char *p = method; *p; p++)
			*p = (char)(*p - 'A' + 'a');
		json_object *item = NULL;
		if (!json_object_object_get_ex(paths, path, &item)) {
			item = json_object_new_object();
			json_object_object_add(paths, path, item);
		}
		json_object_object_add(item, method, operation(route, path, ids));
	}
	json_object_put(ids);
	json_object_object_add(doc, "paths", paths);
	json_object *components = json_object_new_object(), *schemes = json_object_new_object(),
	            *key = json_object_new_object();
	json_object_object_add(key, "type", json_object_new_string("apiKey"));
	json_object_object_add(key, "in", json_object_new_string("header"));
	json_object_object_add(key, "name", json_object_new_string(server->auth.header_name));
	json_object_object_add(schemes, "ApiKey", key);
	json_object_object_add(components, "securitySchemes", schemes);
	json_object_object_add(doc, "components", components);
	json_object *security = json_object_new_array(), *requirement = json_object_new_object();
	json_object_object_add(requirement, "ApiKey", json_object_new_array());
	json_object_array_add(security, requirement);
	json_object_object_add(doc, "security", security);
	return doc;
}

/* YAML (block style; every string and key double-quoted as JSON, which YAML 1.2 reads as such). */
struct yaml_buf {
	char *data;
	size_t len, cap;
};

static void put(struct yaml_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			fatal(EXIT_FAILURE, "realloc");
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void puts_(struct yaml_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void indent_to(struct yaml_buf *b, int indent)
{
	for (int i = 0; i < indent; i++)
		put(b, "  ", 2);
}

static void yaml_scalar(struct yaml_buf *b, json_object *v)
{
	puts_(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static bool is_empty_container(json_object *v)
{
	return (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0) ||
	       (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0);
}

static bool is_container(json_object *v)
{
	return (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array)) &&
	       !is_empty_container(v);
}

static void yaml_value(struct yaml_buf *b, json_object *v, int indent)
{
	if (json_object_is_type(v, json_type_object) && !is_empty_container(v)) {
		json_object_object_foreach(v, key, child)
		{
			indent_to(b, indent);
			json_object *k = json_object_new_string(key);
			yaml_scalar(b, k);
			json_object_put(k);
			puts_(b, is_container(child) ? ":\n" : ": ");
			if (is_container(child))
				yaml_value(b, child, indent + 1);
			else {
				yaml_scalar(b, child);
				puts_(b, "\n");
			}
		}
	} else if (json_object_is_type(v, json_type_array) && !is_empty_container(v)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *child = json_object_array_get_idx(v, i);
			indent_to(b, indent);
			puts_(b, is_container(child) ? "-\n" : "- ");
			if (is_container(child))
				yaml_value(b, child, indent + 1);
			else {
				yaml_scalar(b, child);
				puts_(b, "\n");
			}
		}
	} else {
		indent_to(b, indent);
		yaml_scalar(b, v);
		puts_(b, "\n");
	}
}

void docs_json(const struct api_request *req, struct api_reply *reply)
{
	reply->raw = build_document(req->server);
}

void docs_yaml(const struct api_request *req, struct api_reply *reply)
{
	json_object *doc = build_document(req->server);
	struct yaml_buf b = {0};
	puts_(&b, "# OpenAPI document of this Connector (also at /docs/json)\n");
	yaml_value(&b, doc, 0);
	json_object_put(doc);
	reply->status = 200;
	reply->content_type = "application/yaml; charset=utf-8";
	reply->text = b.data;
	reply->text_len = b.len;
}

void docs_swagger(const struct api_request *req, struct api_reply *reply)
{
	reply_text(reply, 200, "text/html; charset=utf-8", swagger_page, sizeof(swagger_page) - 1);
}

/* The UI's static files, read once and kept. */
static struct {
	const char *name, *type;
	char *data;
	size_t len;
} assets[] = {
        {"swagger-ui-bundle.js", "application/javascript; charset=utf-8", NULL, 0},
        {"swagger-ui.css", "text/css; charset=utf-8", NULL, 0},
};

static bool load_asset(size_t i, char *why, size_t why_len)
{
	const char *dir = getenv("CONNECTOR_DOCS_UI_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : CONNECTOR_DATADIR "/docs-ui", assets[i].name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, why_len,
		         "%s: %s (install the swagger-ui-dist npm package: npm ci --prefix contrib/docs-ui)", path,
		         strerror(errno));
		return false;
	}
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n > cap && !(data = realloc(data, cap = (len + n) * 2)))
			fatal(EXIT_FAILURE, "realloc");
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	assets[i].data = data;
	assets[i].len = len;
	return true;
}

void docs_asset(const struct api_request *req, struct api_reply *reply)
{
	const char *name = api_param(req, "asset");
	if (name && strcmp(name, "init.js") == 0) {
		reply_text(reply, 200, "application/javascript; charset=utf-8", swagger_init, sizeof(swagger_init) - 1);
		return;
	}
	for (size_t i = 0; name && i < sizeof(assets) / sizeof(assets[0]); i++) {
		if (strcmp(name, assets[i].name) != 0)
			continue;
		char why[1200];
		if (!assets[i].data && !load_asset(i, why, sizeof(why))) {
			log_error("HttpServer", "docs: %s", why);
			reply_text(reply, 503, "text/plain; charset=utf-8", why, strlen(why));
			return;
		}
		reply_text(reply, 200, assets[i].type, assets[i].data, assets[i].len);
		return;
	}
	api_reply_error(reply, API_ERR_ROUTE_NOT_FOUND, "The docs asset '%s' does not exist.", name ? name : "");
}
