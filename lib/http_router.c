/*
 * http_router.c: route table and matching (see http_router.h). Invariant: every route has at most
 * HTTP_ROUTE_MAX_SEGMENTS segments and HTTP_ROUTE_MAX_PARAMS parameters, and no two routes share
 * method and pattern (compared case-insensitively, parameter names ignored).
 */
#include "http_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_query.h"

static const struct {
	enum http_method method;
	const char *name;
} method_names[] = {
        {HTTP_M_GET, "GET"},     {HTTP_M_HEAD, "HEAD"},     {HTTP_M_POST, "POST"},       {HTTP_M_PUT, "PUT"},
        {HTTP_M_PATCH, "PATCH"}, {HTTP_M_DELETE, "DELETE"}, {HTTP_M_OPTIONS, "OPTIONS"},
};

enum http_method http_method_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcmp(name, method_names[i].name) == 0)
			return method_names[i].method;
	return 0;
}

const char *http_method_name(enum http_method method)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (method_names[i].method == method)
			return method_names[i].name;
	return "?";
}

char *http_methods_format(unsigned mask, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!(mask & method_names[i].method))
			continue;
		int n = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", method_names[i].name);
		if (n < 0 || (size_t)n >= len - pos)
			break;
		pos += (size_t)n;
	}
	return buf;
}

void http_router_init(struct http_router *router)
{
	router->routes = NULL;
	router->count = 0;
}

static void route_free(struct http_route *route)
{
	for (size_t i = 0; i < route->segment_count; i++)
		free(route->segments[i].text);
	free(route->pattern);
}

void http_router_free(struct http_router *router)
{
	for (size_t i = 0; i < router->count; i++)
		route_free(&router->routes[i]);
	free(router->routes);
	http_router_init(router);
}

/* Splits pattern into route->segments; returns false with err on a malformed pattern. */
static bool parse_pattern(struct http_route *route, const char *pattern, char *err, size_t err_len)
{
	if (pattern[0] != '/') {
		snprintf(err, err_len, "route pattern %s: must start with '/'", pattern);
		return false;
	}
	size_t params = 0;
	const char *p = pattern + 1;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 0 || route->segment_count == HTTP_ROUTE_MAX_SEGMENTS) {
			snprintf(err, err_len, "route pattern %s: empty segment or too many segments", pattern);
			return false;
		}
		struct http_route_segment *seg = &route->segments[route->segment_count];
		if (p[0] == ':' || (p[0] == '{' && p[len - 1] == '}')) {
			size_t skip = p[0] == ':' ? 1 : 2;
			if (len <= skip || ++params > HTTP_ROUTE_MAX_PARAMS) {
				snprintf(err, err_len, "route pattern %s: bad or too many parameters", pattern);
				return false;
			}
			seg->text = strndup(p + 1, len - skip);
			seg->is_param = true;
		} else {
			seg->text = strndup(p, len);
			seg->is_param = false;
		}
		route->segment_count++;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

static bool same_shape(const struct http_route *a, const struct http_route *b)
{
	if (a->method != b->method || a->segment_count != b->segment_count)
		return false;
	for (size_t i = 0; i < a->segment_count; i++) {
		if (a->segments[i].is_param != b->segments[i].is_param)
			return false;
		if (!a->segments[i].is_param && strcasecmp(a->segments[i].text, b->segments[i].text) != 0)
			return false;
	}
	return true;
}

int http_router_add(struct http_router *router, enum http_method method, const char *pattern, unsigned flags,
                    const void *handler, char *err, size_t err_len)
{
	struct http_route route = {.method = method, .flags = flags, .handler = handler};
	if (!parse_pattern(&route, pattern, err, err_len)) {
		route_free(&route);
		return -1;
	}
	for (size_t i = 0; i < router->count; i++) {
		if (same_shape(&router->routes[i], &route)) {
			snprintf(err, err_len, "route %s %s: defined twice", http_method_name(method), pattern);
			route_free(&route);
			return -1;
		}
	}
	struct http_route *grown = realloc(router->routes, (router->count + 1) * sizeof(*grown));
	route.pattern = strdup(pattern);
	if (!grown || !route.pattern) {
		snprintf(err, err_len, "route %s: out of memory", pattern);
		if (grown)
			router->routes = grown;
		route_free(&route);
		return -1;
	}
	router->routes = grown;
	router->routes[router->count++] = route;
	return 0;
}

int http_router_add_api(struct http_router *router, enum http_method method, const char *subpath, unsigned flags,
                        const void *handler, char *err, size_t err_len)
{
	const char *prefixes[] = {HTTP_API_PREFIX_CURRENT, HTTP_API_PREFIX_LEGACY};
	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(prefixes[i]) + strlen(subpath) + 1;
		char full[len];
		snprintf(full, len, "%s%s", prefixes[i], subpath);
		if (http_router_add(router, method, full, flags, handler, err, err_len) != 0)
			return -1;
	}
	return 0;
}

struct path_segments {
	const char *start[HTTP_ROUTE_MAX_SEGMENTS];
	size_t len[HTTP_ROUTE_MAX_SEGMENTS];
	size_t count;
};

/* Splits a raw path; a single trailing '/' is dropped. False when the path cannot match any route. */
static bool split_path(const char *path, struct path_segments *out)
{
	out->count = 0;
	if (path[0] != '/')
		return false;
	const char *p = path + 1;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (out->count == HTTP_ROUTE_MAX_SEGMENTS)
			return false;
		out->start[out->count] = p;
		out->len[out->count] = len;
		out->count++;
		p += len;
		if (*p == '/' && p[1] == '\0')
			break; /* tolerated trailing slash */
		if (*p == '/')
			p++;
	}
	return true;
}

static bool route_matches(const struct http_route *route, const struct path_segments *path)
{
	if (route->segment_count != path->count)
		return false;
	for (size_t i = 0; i < path->count; i++) {
		const struct http_route_segment *seg = &route->segments[i];
		if (path->len[i] == 0)
			return false;
		if (seg->is_param)
			continue;
		if (strlen(seg->text) != path->len[i] || strncasecmp(seg->text, path->start[i], path->len[i]) != 0)
			return false;
	}
	return true;
}

/* True when a is more specific than b: at the first segment where they differ in kind, a is literal. */
static bool more_specific(const struct http_route *a, const struct http_route *b)
{
	for (size_t i = 0; i < a->segment_count && i < b->segment_count; i++)
		if (a->segments[i].is_param != b->segments[i].is_param)
			return !a->segments[i].is_param;
	return false;
}

static unsigned served_methods(enum http_method route_method)
{
	return route_method == HTTP_M_GET ? (HTTP_M_GET | HTTP_M_HEAD) : (unsigned)route_method;
}

static void fill_params(struct http_route_match *match, const struct path_segments *path)
{
	const struct http_route *route = match->route;
	for (size_t i = 0; i < route->segment_count; i++) {
		if (!route->segments[i].is_param || match->param_count == HTTP_ROUTE_MAX_PARAMS)
			continue;
		struct http_route_param *param = &match->params[match->param_count++];
		param->name = route->segments[i].text;
		param->value = http_percent_decode(path->start[i], path->len[i], false);
	}
}

void http_router_match(const struct http_router *router, enum http_method method, const char *raw_path,
                       struct http_route_match *match)
{
	memset(match, 0, sizeof(*match));
	match->kind = HTTP_MATCH_NOT_FOUND;
	struct path_segments path;
	if (!split_path(raw_path, &path))
		return;
	for (size_t i = 0; i < router->count; i++) {
		const struct http_route *route = &router->routes[i];
		if (!route_matches(route, &path))
			continue;
		match->allowed |= served_methods(route->method);
		if (!(served_methods(route->method) & method))
			continue;
		if (!match->route || more_specific(route, match->route))
			match->route = route;
	}
	if (match->route) {
		match->kind = HTTP_MATCH_FOUND;
		fill_params(match, &path);
	} else if (match->allowed) {
		match->kind = HTTP_MATCH_WRONG_METHOD;
	}
}

void http_route_match_free(struct http_route_match *match)
{
	for (size_t i = 0; i < match->param_count; i++)
		free(match->params[i].value);
	match->param_count = 0;
}

const char *http_route_param(const struct http_route_match *match, const char *name)
{
	for (size_t i = 0; i < match->param_count; i++)
		if (strcasecmp(match->params[i].name, name) == 0)
			return match->params[i].value;
	return NULL;
}
