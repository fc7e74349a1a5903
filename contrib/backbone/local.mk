# contrib/backbone/local.mk: connector-backbone-dev, the local Backbone for development and tests.
# Its schema (contrib/backbone/schema.sql) is compiled into the binary and applied at start.
bin_PROGRAMS += connector-backbone-dev
connector_backbone_dev_SOURCES = contrib/backbone/bb.h contrib/backbone/bb_main.c \
	contrib/backbone/bb_http.c contrib/backbone/bb_reply.c contrib/backbone/bb_db.c \
	contrib/backbone/bb_json.c contrib/backbone/bb_crypto.c contrib/backbone/bb_auth.c \
	contrib/backbone/bb_devices.c contrib/backbone/bb_sync.c contrib/backbone/bb_datawallet.h \
	contrib/backbone/bb_datawallet.c contrib/backbone/bb_tokens.c contrib/backbone/bb_templates.c \
	contrib/backbone/bb_relationships.c contrib/backbone/bb_messages.c contrib/backbone/bb_files.c \
	contrib/backbone/bb_multipart.h contrib/backbone/bb_multipart.c contrib/backbone/bb_sse.c contrib/backbone/bb_extras.c
nodist_connector_backbone_dev_SOURCES = contrib/backbone/bb_schema.c
connector_backbone_dev_CPPFLAGS = $(AM_CPPFLAGS) -DBB_VERSION='"$(PACKAGE_VERSION)"'
connector_backbone_dev_LDADD = $(CONNECTOR_LIBS)
CLEANFILES += contrib/backbone/bb_schema.c
EXTRA_DIST += doc/backbone-dev.md contrib/backbone/schema.sql tests/e2e/backbone.test.mjs tests/e2e/backbone-lib.mjs
TESTS += tests/e2e/backbone.test.mjs

contrib/backbone/bb_schema.c: $(top_srcdir)/contrib/backbone/schema.sql
	$(AM_V_GEN)mkdir -p contrib/backbone && { \
	  echo '/* generated from contrib/backbone/schema.sql */'; \
	  echo 'extern const char bb_schema_sql[];'; \
	  echo 'const char bb_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $(top_srcdir)/contrib/backbone/schema.sql; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@
