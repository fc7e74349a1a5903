# contrib/local.mk: scripts and the systemd unit.
dist_noinst_SCRIPTS += contrib/install-deps.sh contrib/pg-private.sh contrib/run.sh contrib/test.sh
EXTRA_DIST += contrib/systemd/connectord.service.in .ci/run doc/HACKING.md

systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = connectord.service
CLEANFILES += connectord.service
connectord.service: $(top_srcdir)/contrib/systemd/connectord.service.in Makefile
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/contrib/systemd/connectord.service.in >$@

# Operations area (issue 7): logging configuration, --help/--version of workers, metrics registry.
libconnector_a_SOURCES += lib/cli_info.c lib/cli_info.h
# libipc.a: worker_init() calls log_configure(); libipc.a comes after libconnector.a on link lines.
# lib/metrics.c is there too: code in either library may record into the shared registry.
libipc_a_SOURCES += lib/log_config.c lib/log_config.h lib/metrics.c lib/metrics.h
libconnector_a_SOURCES += lib/metrics_text.c lib/metrics_text.h lib/metrics_outbox.c lib/metrics_outbox.h

TESTS += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs
EXTRA_DIST += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs \
	tests/e2e/ops-helpers.mjs

check_PROGRAMS += test_metrics
TESTS += test_metrics tests/e2e/ops-metrics.test.mjs
test_metrics_SOURCES = tests/unit/test_metrics.c tests/unit/tap.h
test_metrics_LDADD = $(CONNECTOR_LIBS)
EXTRA_DIST += tests/e2e/ops-metrics.test.mjs
