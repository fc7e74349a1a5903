# workers/webhooks/local.mk: the delivery core (lib/delivery*), the connector-webhooks worker, their
# tests and benchmark (issue 6; doc/delivery.md).
libconnector_a_SOURCES += lib/delivery.c lib/delivery.h lib/delivery_schedule.c \
	lib/delivery_consumers.c lib/delivery_consumers.h \
	lib/delivery_webhook.h lib/delivery_webhook_config.c lib/delivery_webhook_wire.c
dist_sql_DATA += sql/0002_delivery.sql
EXTRA_DIST += doc/delivery.md

check_PROGRAMS += test_delivery
TESTS += test_delivery
test_delivery_SOURCES = tests/unit/test_delivery.c tests/unit/tap.h tests/unit/test_db_util.h
test_delivery_LDADD = $(CONNECTOR_LIBS)
