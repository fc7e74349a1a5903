# lib/backbone.mk: the Backbone client (lib/backbone), the account identity (lib/account), the
# sync run and external event dispatch (lib/sync), their schema migration, unit tests and docs.
libconnector_a_SOURCES += lib/backbone/client.h lib/backbone/client_internal.h lib/backbone/client.c \
	lib/backbone/auth.c lib/backbone/calls.c lib/backbone/sse.h lib/backbone/sse.c \
	lib/account/identity.h lib/account/identity.c lib/account/health.h lib/account/health.c \
	lib/sync/sync.h lib/sync/sync.c lib/sync/dispatch.c lib/sync/handlers_account.c \
	lib/sync/handlers_pending.c lib/sync/session.h lib/sync/session.c

dist_sql_DATA += sql/0003_account.sql

check_PROGRAMS += test_backbone_sse test_backbone_errors test_backbone
TESTS += test_backbone_sse test_backbone_errors test_backbone
test_backbone_sse_SOURCES = tests/unit/test_backbone_sse.c tests/unit/tap.h
test_backbone_sse_LDADD = $(CONNECTOR_LIBS)
test_backbone_errors_SOURCES = tests/unit/test_backbone_errors.c tests/unit/tap.h
test_backbone_errors_LDADD = $(CONNECTOR_LIBS)
test_backbone_SOURCES = tests/unit/test_backbone.c tests/unit/tap.h
test_backbone_LDADD = $(CONNECTOR_LIBS)

EXTRA_DIST += doc/backbone-client.md
dist_noinst_SCRIPTS += bench/sync/bench.mjs
