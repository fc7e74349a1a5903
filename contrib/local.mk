# contrib/local.mk: scripts and the systemd unit.
dist_noinst_SCRIPTS += contrib/install-deps.sh contrib/pg-private.sh contrib/run.sh contrib/test.sh
EXTRA_DIST += contrib/systemd/connectord.service.in .ci/run doc/HACKING.md

systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = connectord.service
CLEANFILES += connectord.service
# sysusers.d: the user the unit runs as (installed as <prefix>/lib/sysusers.d/connector.conf).
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = connector.conf
CLEANFILES += connector.conf
EXTRA_DIST += contrib/systemd/connector.sysusers
connector.conf: $(top_srcdir)/contrib/systemd/connector.sysusers
	$(AM_V_GEN)cp $(top_srcdir)/contrib/systemd/connector.sysusers $@
connectord.service: $(top_srcdir)/contrib/systemd/connectord.service.in Makefile
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/contrib/systemd/connectord.service.in >$@

# Operations area (issue 7): logging configuration, --help/--version of workers, metrics registry.
libconnector_a_SOURCES += lib/cli_info.c lib/cli_info.h lib/log_config.c lib/log_config.h \
	lib/metrics.c lib/metrics.h lib/metrics_text.c lib/metrics_text.h lib/metrics_outbox.c lib/metrics_outbox.h

TESTS += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs
EXTRA_DIST += tests/e2e/ops-logging.test.mjs tests/e2e/secrets-in-logs.test.mjs tests/e2e/notify.test.mjs \
	tests/e2e/ops-helpers.mjs

check_PROGRAMS += test_metrics
TESTS += test_metrics tests/e2e/ops-metrics.test.mjs
test_metrics_SOURCES = tests/unit/test_metrics.c tests/unit/tap.h
test_metrics_LDADD = $(CONNECTOR_LIBS)
EXTRA_DIST += tests/e2e/ops-metrics.test.mjs

# Installed configuration: <sysconfdir>/connector/config.json is installed once (an existing one is
# kept: it holds the site's secrets, mode 0640) and removed by uninstall only while unchanged;
# example.json beside it is a complete example. The Swagger UI assets of /docs/swagger come from
# the npm package swagger-ui-dist (npm ci --prefix contrib/docs-ui) and are copied at install time
# when present (without them /docs/swagger answers 503 naming the missing file).
connconfdir = $(sysconfdir)/connector
dist_connconf_DATA = etc/example.json
docsuidir = $(pkgdatadir)/docs-ui
# CONNECTOR_NPM_MODULES (environment) names another node_modules, e.g. for make distcheck.
DOCS_UI_SRC = $${CONNECTOR_NPM_MODULES:-$(srcdir)/contrib/docs-ui/node_modules}/swagger-ui-dist
DOCS_UI_FILES = swagger-ui-bundle.js swagger-ui.css LICENSE
EXTRA_DIST += contrib/systemd/config.json contrib/docs-ui/package.json contrib/docs-ui/package-lock.json \
	contrib/docs-ui/.gitignore

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(connconfdir)'
	test -f '$(DESTDIR)$(connconfdir)/config.json' || \
		$(INSTALL) -m 640 '$(srcdir)/contrib/systemd/config.json' '$(DESTDIR)$(connconfdir)/config.json'
	if test -d "$(DOCS_UI_SRC)"; then \
		$(MKDIR_P) '$(DESTDIR)$(docsuidir)' && \
		for f in $(DOCS_UI_FILES); do $(INSTALL_DATA) "$(DOCS_UI_SRC)/$$f" '$(DESTDIR)$(docsuidir)/'"$$f" || exit 1; done; \
	else echo "note: $(DOCS_UI_SRC) missing (npm ci --prefix contrib/docs-ui): /docs/swagger assets not installed"; fi

uninstall-local:
	if cmp -s '$(srcdir)/contrib/systemd/config.json' '$(DESTDIR)$(connconfdir)/config.json'; then \
		rm -f '$(DESTDIR)$(connconfdir)/config.json'; fi
	for f in $(DOCS_UI_FILES); do rm -f '$(DESTDIR)$(docsuidir)/'"$$f"; done

TESTS += tests/e2e/install.test.mjs
EXTRA_DIST += tests/e2e/install.test.mjs contrib/systemd/config.json doc/local.mk

TESTS += tests/e2e/ops-docs.test.mjs
EXTRA_DIST += tests/e2e/ops-docs.test.mjs

# Browser test: headless Chromium renders /docs/swagger; the screenshot goes to tests/browser/output/.
TESTS += tests/browser/docs.test.mjs
EXTRA_DIST += tests/browser/docs.test.mjs
clean-local:
	rm -rf tests/browser/output
