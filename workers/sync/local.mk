# workers/sync/local.mk: connector-sync (module "sync": periodic single-flight sync) and the
# end-to-end tests of the account: identity, sync worker, Account routes.
pkglibexec_PROGRAMS += connector-sync
connector_sync_SOURCES = workers/sync/main.c
connector_sync_LDADD = $(CONNECTOR_LIBS)

