# ipc/local.mk: the supervisor/worker contract, the event bus and the control protocol (nng).
libipc_a_SOURCES += ipc/worker.c ipc/worker.h ipc/proctitle.c
