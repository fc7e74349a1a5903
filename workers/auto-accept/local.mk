# workers/auto-accept/local.mk: the modules autoAcceptRelationshipCreationChanges,
# autoAcceptPendingRelationships (connector-auto-accept) and
# autoDecomposeDeletionProposedRelationships (connector-auto-decompose, the same program); the
# decisions live in lib/runtime/auto_accept.c (lib/runtime.mk).
pkglibexec_PROGRAMS += connector-auto-accept connector-auto-decompose
connector_auto_accept_SOURCES = workers/auto-accept/main.c
connector_auto_accept_LDADD = $(CONNECTOR_LIBS)
connector_auto_decompose_SOURCES = workers/auto-accept/main.c
connector_auto_decompose_LDADD = $(CONNECTOR_LIBS)

TESTS += tests/e2e/relationships-auto.test.mjs
EXTRA_DIST += tests/e2e/relationships-auto.test.mjs
