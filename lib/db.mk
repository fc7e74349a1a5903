# lib/db.mk: PostgreSQL (issue 2 deliverable 6): the libpq wrapper, migrations, the outbox, the
# connector-migrate and connector-housekeeping workers and their tests.
libconnector_a_SOURCES += lib/db.c lib/db.h lib/db_internal.h lib/db_exec.c lib/db_conninfo.c \
	lib/db_settings.c lib/db_settings.h lib/migrate.c lib/migrate.h lib/outbox.c lib/outbox.h
dist_sql_DATA += sql/0006_outbox_correlation.sql

pkglibexec_PROGRAMS += connector-migrate connector-housekeeping
connector_migrate_SOURCES = workers/migrate/main.c
connector_migrate_LDADD = $(CONNECTOR_LIBS)
connector_housekeeping_SOURCES = workers/housekeeping/main.c
connector_housekeeping_LDADD = $(CONNECTOR_LIBS)

# Tests (real PostgreSQL from CONNECTOR_TEST_DATABASE; skipped without it)
EXTRA_DIST += tests/unit/test_db_util.h doc/database.md
check_PROGRAMS += test_db
TESTS += test_db
test_db_SOURCES = tests/unit/test_db.c tests/unit/tap.h tests/unit/test_db_util.h
test_db_LDADD = $(CONNECTOR_LIBS)
check_PROGRAMS += test_db_migrate
TESTS += test_db_migrate
test_db_migrate_SOURCES = tests/unit/test_db_migrate.c tests/unit/tap.h tests/unit/test_db_util.h
test_db_migrate_LDADD = $(CONNECTOR_LIBS)
check_PROGRAMS += test_db_outbox
TESTS += test_db_outbox
test_db_outbox_SOURCES = tests/unit/test_db_outbox.c tests/unit/tap.h tests/unit/test_db_util.h
test_db_outbox_LDADD = $(CONNECTOR_LIBS)
check_PROGRAMS += test_db_reconnect
TESTS += test_db_reconnect
test_db_reconnect_SOURCES = tests/unit/test_db_reconnect.c tests/unit/tap.h tests/unit/test_db_util.h
test_db_reconnect_LDADD = $(CONNECTOR_LIBS)
