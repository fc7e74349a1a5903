# workers/sse/local.mk: connector-sse (module "sse": Backbone event stream, sync on every
# ExternalEventCreated and after every (re)connect) and its end-to-end test.
pkglibexec_PROGRAMS += connector-sse
connector_sse_SOURCES = workers/sse/main.c
connector_sse_LDADD = $(CONNECTOR_LIBS)


TESTS += tests/e2e/sync-sse.test.mjs
EXTRA_DIST += tests/e2e/sync-sse.test.mjs
