# workers/sync/local.mk: connector-sync (module "sync": periodic single-flight sync) and the
# end-to-end tests of the account: identity, sync worker, Account routes.
pkglibexec_PROGRAMS += connector-sync
connector_sync_SOURCES = workers/sync/main.c
connector_sync_LDADD = $(CONNECTOR_LIBS)


# The Account routes of the HTTP worker (this area's handlers; registered in workers/http-api/routes.c).
connector_http_api_SOURCES += workers/http-api/routes_account.c workers/http-api/routes_account.h

TESTS += tests/e2e/account.test.mjs tests/e2e/sync.test.mjs
EXTRA_DIST += tests/e2e/account.test.mjs tests/e2e/sync.test.mjs tests/e2e/account-lib.mjs
