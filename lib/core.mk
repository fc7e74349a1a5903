# lib/core.mk: logging, clocks, install paths.
libconnector_a_SOURCES += lib/log.c lib/log.h lib/timeutil.c lib/timeutil.h lib/paths.c lib/paths.h
