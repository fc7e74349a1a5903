/* test_http_router.c: route matching, 405 Allow lists, both prefixes, query multimap, Accept. */
#include <stdlib.h>

#include "http_accept.h"
#include "http_query.h"
#include "http_router.h"
#include "tap.h"

static const char H_OWN[] = "own", H_ID[] = "id", H_DL[] = "download", H_DEL[] = "delete", H_HEALTH[] = "health",
                  H_TOKEN[] = "token", H_POST_OWN[] = "post-own";

static struct http_router router;

static void build(void)
{
	char err[256];
	http_router_init(&router);
	int rc = 0;
	rc |= http_router_add(&router, HTTP_M_GET, "/health", HTTP_ROUTE_PUBLIC, H_HEALTH, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_GET, "/Files/{idOrReference}", 0, H_ID, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_GET, "/Files/Own", 0, H_OWN, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_POST, "/Files/Own", 0, H_POST_OWN, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_GET, "/Files/:id/Download", 0, H_DL, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_DELETE, "/Files/{id}", 0, H_DEL, err, sizeof(err));
	rc |= http_router_add_api(&router, HTTP_M_POST, "/Files/{id}/Token", 0, H_TOKEN, err, sizeof(err));
	is_int(rc, 0, "route table builds");
	is_int(router.count, 13, "business routes are mounted twice");
}

static const void *match(enum http_method method, const char *path, struct http_route_match *m)
{
	http_router_match(&router, method, path, m);
	return m->kind == HTTP_MATCH_FOUND ? m->route->handler : NULL;
}

static void test_matching(void)
{
	struct http_route_match m;
	ok(match(HTTP_M_GET, "/api/core/v1/Files/Own", &m) == H_OWN, "literal beats parameter");
	ok(match(HTTP_M_GET, "/api/v2/Files/Own", &m) == H_OWN, "same under /api/v2");
	ok(match(HTTP_M_GET, "/API/CORE/V1/files/own", &m) == H_OWN, "case-insensitive");
	ok(match(HTTP_M_GET, "/api/core/v1/Files/Own/", &m) == H_OWN, "trailing slash tolerated");
	ok(match(HTTP_M_GET, "/api/core/v1/Files/Own//", &m) == NULL, "two trailing slashes are not");
	ok(match(HTTP_M_GET, "/api/core/v1/Files/FIL123", &m) == H_ID, "parameter route");
	is_str(http_route_param(&m, "idOrReference"), "FIL123", "parameter value");
	http_route_match_free(&m);
	ok(match(HTTP_M_GET, "/api/core/v1/Files/a%2Fb%20c/Download", &m) == H_DL, ":param syntax");
	is_str(http_route_param(&m, "id"), "a/b c", "parameter is percent-decoded");
	http_route_match_free(&m);
	ok(match(HTTP_M_HEAD, "/api/v2/Files/Own", &m) == H_OWN, "HEAD served by GET");
	ok(match(HTTP_M_DELETE, "/api/v2/Files/Own", &m) == H_DEL, "DELETE /Files/Own falls to the parameter route");
	http_route_match_free(&m);
	ok(match(HTTP_M_GET, "/health", &m) == H_HEALTH, "unprefixed route");
	ok(match(HTTP_M_GET, "/api/core/v1/health", &m) == NULL && m.kind == HTTP_MATCH_NOT_FOUND,
	   "/health is not prefixed");
	ok(match(HTTP_M_GET, "/api/v3/Files/Own", &m) == NULL && m.kind == HTTP_MATCH_NOT_FOUND, "unknown prefix");
	ok(match(HTTP_M_GET, "/api/core/v1/Files//Download", &m) == NULL, "empty parameter does not match");
	ok(match(HTTP_M_GET, "", &m) == NULL && m.kind == HTTP_MATCH_NOT_FOUND, "empty path");
	ok(match(HTTP_M_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", &m) == NULL, "very deep path");
}

static void test_method_not_allowed(void)
{
	struct http_route_match m;
	char allow[128];
	match(HTTP_M_PUT, "/api/core/v1/Files/Own", &m);
	is_int(m.kind, HTTP_MATCH_WRONG_METHOD, "PUT /Files/Own is 405");
	is_str(http_methods_format(m.allowed, allow, sizeof(allow)), "GET, HEAD, POST, DELETE",
	       "Allow lists every method of the path");
	match(HTTP_M_POST, "/api/v2/Files/FIL1/Download", &m);
	is_str(http_methods_format(m.allowed, allow, sizeof(allow)), "GET, HEAD", "Allow for a GET-only route");
	match(HTTP_M_PATCH, "/health", &m);
	is_int(m.kind, HTTP_MATCH_WRONG_METHOD, "PATCH /health is 405");
	match(HTTP_M_GET, "/api/v2/Files/FIL1/Token", &m);
	is_str(http_methods_format(m.allowed, allow, sizeof(allow)), "POST", "Allow POST only");
}

static void test_table_errors(void)
{
	char err[256] = "";
	ok(http_router_add(&router, HTTP_M_GET, "/api/core/v1/files/{other}", 0, H_ID, err, sizeof(err)) != 0,
	   "duplicate shape refused");
	is_str(err, "route GET /api/core/v1/files/{other}: defined twice", "duplicate named");
	ok(http_router_add(&router, HTTP_M_GET, "no-slash", 0, H_ID, err, sizeof(err)) != 0, "relative refused");
	ok(http_router_add(&router, HTTP_M_GET, "/a//b", 0, H_ID, err, sizeof(err)) != 0, "empty segment refused");
	ok(http_router_add(&router, HTTP_M_GET, "/{a}/{b}/{c}/{d}/{e}", 0, H_ID, err, sizeof(err)) != 0,
	   "too many parameters refused");
	is_int(router.count, 13, "refused routes leave the table intact");
	is_int(http_method_from_name("PATCH"), HTTP_M_PATCH, "method names");
	is_int(http_method_from_name("get"), 0, "methods are case-sensitive");
}

static void test_query(void)
{
	struct http_query q;
	ok(http_query_parse(&q, "a=1&b=x+y&a=%3E2&c&d=&content.%40type=Mail&bad=%zz%4"), "query parses");
	is_int(q.count, 7, "seven pairs");
	is_int(http_query_count(&q, "a"), 2, "repeated key kept");
	is_str(http_query_get_nth(&q, "a", 0), "1", "first value");
	is_str(http_query_get_nth(&q, "a", 1), ">2", "second value decoded");
	ok(http_query_get_nth(&q, "a", 2) == NULL, "no third value");
	is_str(http_query_get(&q, "b"), "x y", "+ is a space");
	is_str(http_query_get(&q, "c"), "", "key without = has empty value");
	is_str(http_query_get(&q, "d"), "", "empty value");
	is_str(http_query_get(&q, "content.@type"), "Mail", "encoded key decoded");
	is_str(http_query_get(&q, "bad"), "%zz%4", "invalid escapes kept literally");
	ok(http_query_get(&q, "A") == NULL, "keys are case-sensitive");
	http_query_free(&q);
	ok(http_query_parse(&q, NULL) && q.count == 0, "no query");
	ok(http_query_parse(&q, "&&") && q.count == 0, "empty pairs skipped");
	http_query_free(&q);
	char *big = malloc(6 * 1500 + 1);
	for (int i = 0; i < 1500; i++)
		memcpy(big + i * 6, "k=vv&&", 6);
	big[6 * 1500] = '\0';
	ok(http_query_parse(&q, big) && q.count == HTTP_QUERY_MAX_PAIRS, "pairs capped at the limit");
	http_query_free(&q);
	free(big);
}

static void test_accept(void)
{
	const char *json = "application/json";
	is_int(http_accept_quality(NULL, json), 1000, "no Accept accepts all");
	is_int(http_accept_quality("", json), 1000, "empty Accept accepts all");
	is_int(http_accept_quality("*/*", json), 1000, "*/*");
	is_int(http_accept_quality("application/json, text/plain, */*", json), 1000, "axios default");
	is_int(http_accept_quality("image/png", json), 0, "image/png only excludes json");
	is_int(http_accept_quality("text/html,application/*;q=0.5", json), 500, "application/* with q");
	is_int(http_accept_quality("application/json;q=0, */*", json), 0, "specific q=0 wins over */*");
	is_int(http_accept_quality("Application/JSON", json), 1000, "case-insensitive");
	is_int(http_accept_quality("garbage", json), 0, "garbage accepts nothing");
	const char *types[] = {"application/json", "image/png"};
	is_str(http_accept_best("image/png", types, 2), "image/png", "png preferred");
	is_str(http_accept_best("*/*", types, 2), "application/json", "*/* gives the first type");
	is_str(http_accept_best("image/png;q=0.4, application/json;q=0.9", types, 2), "application/json",
	       "higher quality wins");
	is_str(http_accept_best("image/png, application/json", types, 2), "image/png", "client order breaks ties");
	ok(http_accept_best("text/html", types, 2) == NULL, "nothing acceptable");
}

int main(void)
{
	build();
	test_matching();
	test_method_not_allowed();
	test_table_errors();
	test_query();
	test_accept();
	http_router_free(&router);
	return tap_done();
}
