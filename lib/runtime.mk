# lib/runtime.mk: the enmeshed runtime (lib/runtime/): tokens, relationship templates,
# relationships, references/QR, the list-route query filter and the event payload builders; its
# schema migration, unit tests and benchmark. Owned by the relationships area; see Makefile.am.
libconnector_a_SOURCES += lib/runtime/filter.c lib/runtime/filter.h \
	lib/runtime/runtime.h lib/runtime/util.c \
	lib/runtime/sealed.h lib/runtime/sealed.c \
	lib/runtime/relationship_crypto.h lib/runtime/relationship_crypto.c \
	lib/runtime/store.h lib/runtime/store.c lib/runtime/tokens.h lib/runtime/tokens.c lib/runtime/templates.c \
	lib/runtime/relationships.h lib/runtime/relationships.c lib/runtime/relationship_row.h \
	lib/runtime/relationship_row.c lib/runtime/relationship_sync.c lib/runtime/sync_handlers.c \
	lib/runtime/auto_accept.h lib/runtime/auto_accept.c lib/runtime/qrcode.h lib/runtime/qrcode.c

dist_sql_DATA += sql/0004_relationships.sql

check_PROGRAMS += test_filter test_runtime_crypto test_runtime_auto
TESTS += test_filter test_runtime_crypto test_runtime_auto
test_runtime_auto_SOURCES = tests/unit/test_runtime_auto.c tests/unit/tap.h
test_runtime_auto_LDADD = $(CONNECTOR_LIBS)
test_filter_SOURCES = tests/unit/test_filter.c tests/unit/tap.h tests/unit/test_db_util.h
test_filter_LDADD = $(CONNECTOR_LIBS)
test_runtime_crypto_SOURCES = tests/unit/test_runtime_crypto.c tests/unit/tap.h
test_runtime_crypto_LDADD = $(CONNECTOR_LIBS)

TESTS += tests/e2e/relationships.test.mjs tests/e2e/relationships-peer.test.mjs
EXTRA_DIST += tests/e2e/relationships.test.mjs tests/e2e/relationships-lib.mjs tests/e2e/relationships-peer.test.mjs

# The official @nmshd/connector-sdk 6.7.0 against /api/v2 (npm ci --prefix tests/sdk; skipped otherwise).
TESTS += tests/sdk/relationships-sdk.test.mjs tests/sdk/qrcode.test.mjs
EXTRA_DIST += tests/sdk/relationships-sdk.test.mjs tests/sdk/qrcode.test.mjs tests/sdk/package.json \
	tests/sdk/package-lock.json

# bench/relationships: establishments per minute between two C Connectors and the latency from a
# peer's action to the event in the outbox, with SSE and with polling sync (prints figures).
EXTRA_DIST += bench/relationships/bench.mjs
bench-relationships: connectord connector-http-api connector-sync connector-sse connector-backbone-dev
	CONNECTOR_SRCDIR='$(abs_top_srcdir)' CONNECTOR_BUILDDIR='$(abs_top_builddir)' \
	CONNECTOR_LIBEXEC_DIR='$(abs_top_builddir)' CONNECTOR_DEFAULT_CONFIG='$(abs_top_srcdir)/etc/default.json' \
	CONNECTOR_SQL_DIR='$(abs_top_srcdir)/sql' node $(top_srcdir)/bench/relationships/bench.mjs $(BENCH_ARGS)
.PHONY: bench-relationships
