# tests/local.mk: shared test helpers and the core unit tests.
EXTRA_DIST += tests/unit/tap.h
check_PROGRAMS += test_timeutil
TESTS += test_timeutil
test_timeutil_SOURCES = tests/unit/test_timeutil.c tests/unit/tap.h
test_timeutil_LDADD = $(CONNECTOR_LIBS)
