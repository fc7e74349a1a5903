/*
 * forwarder.c: the event bus hub. Workers PUSH to ipc://<runtimeDir>/bus-push.ipc; a loop in
 * an nng thread receives from PULL and sends every message unchanged (PUB never blocks) to
 * ipc://<runtimeDir>/bus-sub.ipc, where workers SUBscribe. The supervisor never looks inside a
 * message. (nng_device() only joins a protocol to its own peer, so PULL -> PUB needs this loop.)
 * The bus is lossy by design (hints only; the outbox in PostgreSQL is the record).
 */
#include <stdio.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/supplemental/util/platform.h>

#include "log.h"
#include "supervisor.h"

#define BUS_MAX_MESSAGE (1024 * 1024)
#define BUS_QUEUE       1024

static nng_socket pull_socket = NNG_SOCKET_INITIALIZER, pub_socket = NNG_SOCKET_INITIALIZER;
static nng_thread *forwarder_thread;

static void run_forwarder(void *arg)
{
	(void)arg;
	for (;;) {
		nng_msg *msg = NULL;
		int rv = nng_recvmsg(pull_socket, &msg, 0);
		if (rv == NNG_ECLOSED)
			return;
		if (rv != 0)
			continue;
		if (nng_sendmsg(pub_socket, msg, 0) != 0)
			nng_msg_free(msg);
	}
}

static int listen_private(nng_socket socket, const char *url)
{
	nng_listener listener;
	int rv;
	if ((rv = nng_listener_create(&listener, socket, url)) != 0 ||
	    (rv = nng_listener_setopt_int(listener, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0)
		return rv;
	return nng_listener_start(listener, 0);
}

bool forwarder_start(const char *push_url, const char *sub_url, char *error, size_t error_len)
{
	int rv;
	if ((rv = nng_pull0_open(&pull_socket)) != 0 || (rv = nng_pub0_open(&pub_socket)) != 0 ||
	    (rv = nng_setopt_size(pull_socket, NNG_OPT_RECVMAXSZ, BUS_MAX_MESSAGE)) != 0 ||
	    (rv = nng_setopt_int(pull_socket, NNG_OPT_RECVBUF, BUS_QUEUE)) != 0 ||
	    (rv = nng_setopt_int(pub_socket, NNG_OPT_SENDBUF, BUS_QUEUE)) != 0) {
		snprintf(error, error_len, "bus sockets: %s", nng_strerror(rv));
		return false;
	}
	if ((rv = listen_private(pull_socket, push_url)) != 0) {
		snprintf(error, error_len, "bus %s: %s", push_url, nng_strerror(rv));
		return false;
	}
	if ((rv = listen_private(pub_socket, sub_url)) != 0) {
		snprintf(error, error_len, "bus %s: %s", sub_url, nng_strerror(rv));
		return false;
	}
	if ((rv = nng_thread_create(&forwarder_thread, run_forwarder, NULL)) != 0) {
		snprintf(error, error_len, "bus forwarder thread: %s", nng_strerror(rv));
		return false;
	}
	return true;
}

void forwarder_stop(void)
{
	if (nng_socket_id(pull_socket) > 0)
		nng_close(pull_socket);
	if (nng_socket_id(pub_socket) > 0)
		nng_close(pub_socket);
	if (forwarder_thread)
		nng_thread_destroy(forwarder_thread);
	forwarder_thread = NULL;
	pull_socket = (nng_socket)NNG_SOCKET_INITIALIZER;
	pub_socket = (nng_socket)NNG_SOCKET_INITIALIZER;
}
