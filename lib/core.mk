# lib/core.mk: logging, clocks, install paths, shared runtime-directory files.
libconnector_a_SOURCES += lib/log.c lib/log.h lib/correlation.c lib/correlation.h lib/timeutil.c lib/timeutil.h lib/paths.c lib/paths.h \
	lib/shm_file.c lib/shm_file.h
check_PROGRAMS += test_correlation
TESTS += test_correlation
test_correlation_SOURCES = tests/unit/test_correlation.c tests/unit/tap.h
test_correlation_LDADD = $(CONNECTOR_LIBS)
