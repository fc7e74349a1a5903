# workers/webhooks/local.mk: the delivery core (lib/delivery*), the connector-webhooks worker, their
# tests and benchmark (issue 6; doc/delivery.md).
libconnector_a_SOURCES += lib/delivery.c lib/delivery.h lib/delivery_schedule.c \
	lib/delivery_consumers.c lib/delivery_consumers.h \
	lib/delivery_webhook.h lib/delivery_webhook_config.c lib/delivery_webhook_wire.c \
	lib/delivery_admin.c lib/delivery_admin.h
dist_sql_DATA += sql/0002_delivery.sql
EXTRA_DIST += doc/delivery.md

check_PROGRAMS += test_delivery
TESTS += test_delivery
test_delivery_SOURCES = tests/unit/test_delivery.c tests/unit/tap.h tests/unit/test_db_util.h
test_delivery_LDADD = $(CONNECTOR_LIBS)

pkglibexec_PROGRAMS += connector-webhooks
connector_webhooks_SOURCES = workers/webhooks/main.c workers/webhooks/webhooks.h workers/webhooks/sender.c \
	workers/webhooks/oauth.c
connector_webhooks_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_webhook
TESTS += test_webhook
test_webhook_SOURCES = tests/unit/test_webhook.c tests/unit/tap.h
test_webhook_LDADD = $(CONNECTOR_LIBS)

# the producer of the end-to-end tests, chaos test and bench (not a test by itself)
check_PROGRAMS += test_webhook_produce
test_webhook_produce_SOURCES = tests/unit/test_webhook_produce.c
test_webhook_produce_LDADD = $(CONNECTOR_LIBS)

TESTS += tests/e2e/webhooks.test.mjs
EXTRA_DIST += tests/e2e/webhooks.test.mjs
# correlation ids end to end (HTTP request -> sync -> outbox -> webhook header), local Backbone
TESTS += tests/e2e/correlation.test.mjs
EXTRA_DIST += tests/e2e/correlation.test.mjs

TESTS += tests/e2e/chaos-webhooks.test.mjs
EXTRA_DIST += tests/e2e/chaos-webhooks.test.mjs

# Events/s end-to-end to a local receiver with 1 and 4 webhook workers, insert->receipt p50/p99.
EXTRA_DIST += bench/webhooks.mjs
bench-webhooks: connectord connectorctl connector-migrate connector-webhooks test_webhook_produce
	CONNECTOR_SRCDIR='$(abs_top_srcdir)' CONNECTOR_BUILDDIR='$(abs_top_builddir)' \
	CONNECTOR_LIBEXEC_DIR='$(abs_top_builddir)' CONNECTOR_DEFAULT_CONFIG='$(abs_top_srcdir)/etc/default.json' \
	CONNECTOR_SQL_DIR='$(abs_top_srcdir)/sql' node $(top_srcdir)/bench/webhooks.mjs $(BENCH_ARGS)
bench: bench-webhooks
.PHONY: bench-webhooks
