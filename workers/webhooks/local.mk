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

# connectorctl deliveries (supervisor/ctl_deliveries.c; connectorctl.c dispatches to it once hooked)
# and its stand-in driver for the end-to-end tests
EXTRA_DIST += supervisor/ctl_deliveries.c supervisor/ctl_deliveries.h
check_PROGRAMS += test_webhook_ctl
test_webhook_ctl_SOURCES = tests/unit/test_webhook_ctl.c supervisor/ctl_deliveries.c supervisor/ctl_deliveries.h \
	supervisor/settings.c supervisor/supervisor.h supervisor/backoff.c supervisor/backoff.h
test_webhook_ctl_LDADD = $(CONNECTOR_LIBS)
TESTS += tests/e2e/chaos-webhooks.test.mjs
EXTRA_DIST += tests/e2e/chaos-webhooks.test.mjs
