# lib/db.mk: PostgreSQL (issue 2 deliverable 6): the libpq wrapper, migrations, the outbox, the
# connector-migrate and connector-housekeeping workers and their tests.
libconnector_a_SOURCES += lib/db.c lib/db.h lib/db_internal.h lib/db_exec.c lib/db_conninfo.c \
	lib/db_settings.c lib/db_settings.h lib/migrate.c lib/migrate.h

pkglibexec_PROGRAMS += connector-migrate
connector_migrate_SOURCES = workers/migrate/main.c
connector_migrate_LDADD = $(CONNECTOR_LIBS)
