/*
 * control.c: one request, one reply on connectord's control socket (see control.h).
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

static int exchange(nng_socket socket, const char *url, const char *json_request, int timeout_ms, char **reply)
{
	int rv;
	if ((rv = nng_setopt_ms(socket, NNG_OPT_SENDTIMEO, timeout_ms)) != 0 ||
	    (rv = nng_setopt_ms(socket, NNG_OPT_RECVTIMEO, timeout_ms)) != 0 ||
	    (rv = nng_dial(socket, url, NULL, 0)) != 0 ||
	    (rv = nng_send(socket, (void *)json_request, strlen(json_request), 0)) != 0)
		return rv;
	char *buf = NULL;
	size_t len = 0;
	if ((rv = nng_recv(socket, &buf, &len, NNG_FLAG_ALLOC)) != 0)
		return rv;
	*reply = malloc(len + 1);
	if (!*reply) {
		nng_free(buf, len);
		return NNG_ENOMEM;
	}
	memcpy(*reply, buf, len);
	(*reply)[len] = '\0';
	nng_free(buf, len);
	return 0;
}

int control_request(const char *url, const char *json_request, int timeout_ms, char **reply)
{
	*reply = NULL;
	nng_socket socket;
	int rv = nng_req0_open(&socket);
	if (rv != 0)
		return rv;
	rv = exchange(socket, url, json_request, timeout_ms, reply);
	nng_close(socket);
	return rv;
}

const char *control_strerror(int code)
{
	return nng_strerror(code);
}
