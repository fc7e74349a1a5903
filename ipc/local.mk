# ipc/local.mk: the supervisor/worker contract, the event bus and the control protocol (nng).
libipc_a_SOURCES += ipc/worker.c ipc/worker.h ipc/proctitle.c ipc/bus.c ipc/bus.h ipc/control.c ipc/control.h \
	ipc/session_worker.c ipc/session_worker.h

check_PROGRAMS += test_bus
TESTS += test_bus
test_bus_SOURCES = tests/unit/test_bus.c tests/unit/tap.h
# libipc.a uses libconnector.a (clocks, log): list it before CONNECTOR_LIBS, which has them the other way round
test_bus_LDADD = libipc.a $(CONNECTOR_LIBS)

# Not a test: a bus end used by tests/e2e/supervisor.test.mjs.
check_PROGRAMS += test_bus_probe
test_bus_probe_SOURCES = tests/unit/test_bus_probe.c
test_bus_probe_LDADD = libipc.a $(CONNECTOR_LIBS)
