# lib/runtime.mk: the enmeshed runtime (lib/runtime/): tokens, relationship templates,
# relationships, references/QR, the list-route query filter and the event payload builders; its
# schema migration, unit tests and benchmark. Owned by the relationships area; see Makefile.am.
libconnector_a_SOURCES += lib/runtime/filter.c lib/runtime/filter.h

dist_sql_DATA += sql/0004_relationships.sql

check_PROGRAMS += test_filter
TESTS += test_filter
test_filter_SOURCES = tests/unit/test_filter.c tests/unit/tap.h tests/unit/test_db_util.h
test_filter_LDADD = $(CONNECTOR_LIBS)
