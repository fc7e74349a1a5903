# workers/http-api/local.mk: the HTTP worker connector-http-api, its process-free helpers in lib/,
# unit and end-to-end tests, and the HTTP benchmark.
libconnector_a_SOURCES += lib/api_error.c lib/api_error.h lib/http_query.c lib/http_query.h \
	lib/http_router.c lib/http_router.h lib/http_accept.c lib/http_accept.h \
	lib/http_auth.c lib/http_auth.h lib/http_counters.c lib/http_counters.h \
	lib/http_cors.c lib/http_cors.h lib/health_probe.c lib/health_probe.h

pkglibexec_PROGRAMS += connector-http-api
connector_http_api_SOURCES = workers/http-api/main.c workers/http-api/server.c workers/http-api/server.h \
	workers/http-api/routes.c workers/http-api/health.c workers/http-api/monitoring.c \
	workers/http-api/routes_runtime.c workers/http-api/routes_runtime.h workers/http-api/routes_tokens.c \
	workers/http-api/routes_templates.c workers/http-api/routes_relationships.c \
	workers/http-api/route_deliveries.c workers/http-api/route_deliveries.h
# Build facts for /Monitoring/Version, taken when monitoring.c is compiled (cheap; "unknown" outside git).
connector_http_api_CPPFLAGS = $(AM_CPPFLAGS) -DHTTP_PACKAGE_VERSION='"$(PACKAGE_VERSION)"' \
	-DHTTP_BUILD_COMMIT="\"$$(git -C $(top_srcdir) rev-parse --short=12 HEAD 2>/dev/null || echo unknown)\"" \
	-DHTTP_BUILD_DATE="\"$$(date -u +%Y-%m-%dT%H:%M:%SZ)\"" \
	-DHTTP_BUILD_NUMBER="\"$${BUILD_NUMBER:-unknown}\""
# libipc.a (control client) needs libconnector.a after it.
connector_http_api_LDADD = libipc.a $(CONNECTOR_LIBS)

check_PROGRAMS += test_http_error test_http_router test_http_auth test_http_cors
TESTS += test_http_error test_http_router test_http_auth test_http_cors
test_http_error_SOURCES = tests/unit/test_http_error.c tests/unit/tap.h
test_http_error_LDADD = $(CONNECTOR_LIBS)
test_http_router_SOURCES = tests/unit/test_http_router.c tests/unit/tap.h
test_http_router_LDADD = $(CONNECTOR_LIBS)
test_http_auth_SOURCES = tests/unit/test_http_auth.c tests/unit/tap.h
test_http_auth_LDADD = $(CONNECTOR_LIBS)
test_http_cors_SOURCES = tests/unit/test_http_cors.c tests/unit/tap.h
test_http_cors_LDADD = $(CONNECTOR_LIBS)

TESTS += tests/e2e/http.test.mjs
EXTRA_DIST += tests/e2e/http.test.mjs

# bench/http: wrk against GET /Monitoring/Version with 1 and 2 workers and against a minimal
# evhttp server (run: node bench/http/bench.mjs from the build directory).
noinst_PROGRAMS += bench_http_minimal
bench_http_minimal_SOURCES = bench/http/minimal_server.c
bench_http_minimal_LDADD = $(LIBEVENT_LIBS)
dist_noinst_SCRIPTS += bench/http/bench.mjs
EXTRA_DIST += workers/http-api/README.md
