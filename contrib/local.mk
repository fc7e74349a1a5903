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
libipc_a_SOURCES += lib/log_config.c lib/log_config.h

TESTS += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs
EXTRA_DIST += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs \
	tests/e2e/ops-helpers.mjs
