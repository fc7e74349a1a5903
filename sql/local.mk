# sql/local.mk: schema migrations, applied in order by connector-migrate (doc/database.md).
dist_sql_DATA += sql/0001_outbox.sql
