# lib/config.mk: the configuration library (lib/config.h), its defaults file and its unit tests.
libconnector_a_SOURCES += lib/config.h lib/config_internal.h lib/config_schema.h lib/config.c \
	lib/config_load.c lib/config_env.c lib/config_schema.c lib/config_mask.c lib/config_validate.c \
	lib/config_rules.c
dist_pkgdata_DATA += etc/default.json
EXTRA_DIST += etc/example.json doc/configuration.md

check_PROGRAMS += test_config test_config_validate test_config_fuzz
TESTS += test_config test_config_validate test_config_fuzz
test_config_SOURCES = tests/unit/test_config.c tests/unit/test_config_util.h tests/unit/tap.h
test_config_LDADD = $(CONNECTOR_LIBS)
test_config_validate_SOURCES = tests/unit/test_config_validate.c tests/unit/test_config_util.h tests/unit/tap.h
test_config_validate_LDADD = $(CONNECTOR_LIBS)
test_config_fuzz_SOURCES = tests/unit/test_config_fuzz.c tests/unit/test_config_util.h tests/unit/tap.h
test_config_fuzz_LDADD = $(CONNECTOR_LIBS)
dist_man_MANS += doc/connector.json.5
