# workers/publisher/local.mk: the message-broker publishers (issue 6 deliverables 3 and 4): the
# broker clients in lib/broker_*.c (process-free), the connector-publisher worker, its tests and
# benchmark. See doc/brokers.md.
libconnector_a_SOURCES += lib/broker_client.c lib/broker_client.h lib/broker_internal.h \
	lib/broker_amqp.c lib/broker_mqtt.c lib/broker_redis.c lib/broker_pubsub.c \
	lib/broker_pubsub_auth.c lib/broker_pubsub_auth.h

# OpenSSL's libcrypto signs the Google service-account JWT (lib/broker_pubsub_auth.c only).
PUBLISHER_LIBS = $(CONNECTOR_LIBS) $(BROKER_LIBS)

pkglibexec_PROGRAMS += connector-publisher
connector_publisher_SOURCES = workers/publisher/main.c
connector_publisher_LDADD = $(PUBLISHER_LIBS)

# Test helpers: an AMQP reader that prints what arrives (with properties) as JSON lines, and an
# event producer that appends events to the outbox the way the runtime will.
check_PROGRAMS += connector-amqp-probe connector-outbox-append
connector_amqp_probe_SOURCES = workers/publisher/amqp_probe.c
connector_amqp_probe_LDADD = $(PUBLISHER_LIBS)
connector_outbox_append_SOURCES = workers/publisher/outbox_append.c
connector_outbox_append_LDADD = $(PUBLISHER_LIBS)

check_PROGRAMS += test_broker
TESTS += test_broker
test_broker_SOURCES = tests/unit/test_broker.c tests/unit/tap.h
test_broker_LDADD = $(PUBLISHER_LIBS)

EXTRA_DIST += doc/brokers.md contrib/testservers.sh

# End-to-end tests: brokers from contrib/testservers.sh (skipped when their variables are unset).
TESTS += tests/e2e/publisher.test.mjs
EXTRA_DIST += tests/e2e/publisher.test.mjs tests/e2e/publisher-lib.mjs
TESTS += tests/e2e/publisher-config.test.mjs
EXTRA_DIST += tests/e2e/publisher-config.test.mjs
TESTS += tests/e2e/chaos-brokers.test.mjs
EXTRA_DIST += tests/e2e/chaos-brokers.test.mjs

# Benchmark (never run by make check): events/s and p50/p99 latency from outbox commit to receipt.
EXTRA_DIST += bench/brokers.mjs
bench-brokers: connector-publisher connector-migrate connector-amqp-probe connector-outbox-append
	CONNECTOR_SRCDIR='$(abs_top_srcdir)' CONNECTOR_BUILDDIR='$(abs_top_builddir)' \
	CONNECTOR_DEFAULT_CONFIG='$(abs_top_srcdir)/etc/default.json' CONNECTOR_SQL_DIR='$(abs_top_srcdir)/sql' \
	node $(top_srcdir)/bench/brokers.mjs $(BENCH_ARGS)
bench: bench-brokers
.PHONY: bench-brokers
