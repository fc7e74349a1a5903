# lib/transport.mk: messages, files and challenges (issue 5): the streaming multipart parser, the
# message and file records and their storage (lib/runtime/messages*, files*, challenges*), schema
# 0005, unit tests and benchmarks. Owned by the messages area; included from Makefile.am.
libconnector_a_SOURCES += lib/multipart.c lib/multipart.h \
	lib/runtime/files_crypto.c lib/runtime/files_crypto.h \
	lib/runtime/messages_crypto.c lib/runtime/messages_crypto.h \
	lib/runtime/messages.c lib/runtime/messages.h lib/runtime/messages_sync.c \
	lib/runtime/messages_sends.c lib/runtime/messages_sends.h \
	lib/runtime/files.c lib/runtime/files.h lib/runtime/files_backbone.c lib/runtime/files_backbone.h \
	lib/runtime/challenges.c lib/runtime/challenges.h

dist_sql_DATA += sql/0005_messages_files.sql sql/0008_message_sends.sql

check_PROGRAMS += test_multipart
TESTS += test_multipart
test_multipart_SOURCES = tests/unit/test_multipart.c tests/unit/tap.h
test_multipart_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_multipart_fuzz
TESTS += test_multipart_fuzz
test_multipart_fuzz_SOURCES = tests/unit/test_multipart_fuzz.c tests/unit/tap.h
test_multipart_fuzz_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_files_crypto
TESTS += test_files_crypto
test_files_crypto_SOURCES = tests/unit/test_files_crypto.c tests/unit/tap.h tests/unit/test_crypto_common.h
test_files_crypto_LDADD = $(CONNECTOR_LIBS)

check_PROGRAMS += test_messages_crypto
TESTS += test_messages_crypto
test_messages_crypto_SOURCES = tests/unit/test_messages_crypto.c tests/unit/tap.h tests/unit/test_crypto_common.h
test_messages_crypto_LDADD = $(CONNECTOR_LIBS)

TESTS += tests/e2e/messages.test.mjs
EXTRA_DIST += tests/e2e/messages.test.mjs
TESTS += tests/e2e/messages-restart.test.mjs
EXTRA_DIST += tests/e2e/messages-restart.test.mjs
TESTS += tests/e2e/messages-idempotent.test.mjs
EXTRA_DIST += tests/e2e/messages-idempotent.test.mjs sql/0008_message_sends.sql
TESTS += tests/e2e/messages-peer.test.mjs
EXTRA_DIST += tests/e2e/messages-peer.test.mjs
# The official @nmshd/connector-sdk 6.7.0 (npm ci --prefix tests/sdk; skipped otherwise).
TESTS += tests/sdk/messages-sdk.test.mjs
EXTRA_DIST += tests/sdk/messages-sdk.test.mjs doc/messages-files.md

# bench/messages: messages sent and received per second between two C Connectors, file upload and
# download MiB/s and the HTTP worker's peak RSS (needs CONNECTOR_TEST_DATABASE; never run by make check).
EXTRA_DIST += bench/messages/bench.mjs
bench-messages: connectord connector-http-api connector-sync connector-sse connector-backbone-dev
	CONNECTOR_SRCDIR='$(abs_top_srcdir)' CONNECTOR_BUILDDIR='$(abs_top_builddir)' \
	CONNECTOR_LIBEXEC_DIR='$(abs_top_builddir)' CONNECTOR_DEFAULT_CONFIG='$(abs_top_srcdir)/etc/default.json' \
	CONNECTOR_SQL_DIR='$(abs_top_srcdir)/sql' node $(top_srcdir)/bench/messages/bench.mjs $(BENCH_ARGS)
.PHONY: bench-messages
