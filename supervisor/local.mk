# supervisor/local.mk: connectord (the supervisor) and connectorctl (its control CLI).
bin_PROGRAMS += connectord connectorctl
connectord_SOURCES = supervisor/connectord.c supervisor/supervisor.h supervisor/worker_fsm.c \
	supervisor/spawn.c supervisor/modules.c supervisor/settings.c supervisor/listeners.c \
	supervisor/runtime.c supervisor/control_server.c supervisor/forwarder.c supervisor/sdnotify.c \
	supervisor/migrate.c supervisor/backoff.c supervisor/backoff.h
connectord_LDADD = $(CONNECTOR_LIBS)
connectorctl_SOURCES = supervisor/connectorctl.c supervisor/ctl_deliveries.c supervisor/ctl_deliveries.h supervisor/settings.c supervisor/supervisor.h supervisor/backoff.c \
	supervisor/backoff.h
connectorctl_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_backoff
TESTS += test_backoff
test_backoff_SOURCES = tests/unit/test_backoff.c supervisor/backoff.c supervisor/backoff.h tests/unit/tap.h
test_backoff_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/supervisor
test_backoff_LDADD = $(CONNECTOR_LIBS)


TESTS += tests/e2e/supervisor.test.mjs
EXTRA_DIST += tests/e2e/supervisor.test.mjs tests/e2e/lib/connector.mjs
EXTRA_DIST += doc/connectord.md
