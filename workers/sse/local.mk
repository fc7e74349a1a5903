# workers/sse/local.mk: connector-sse (module "sse": Backbone event stream, sync on every
# ExternalEventCreated and after every (re)connect) and its end-to-end test.
pkglibexec_PROGRAMS += connector-sse
connector_sse_SOURCES = workers/sse/main.c
connector_sse_LDADD = $(CONNECTOR_LIBS)

