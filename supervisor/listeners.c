/*
 * listeners.c: the HTTP listening sockets, opened by the supervisor and inherited by every http-api
 * worker (so a restarting worker never drops the port). "localhost" means 127.0.0.1 and ::1; any
 * other host is resolved and every address bound. With port 0 the first socket's port is reused for
 * the others. The sockets are non-blocking and close-on-exec (spawn.c places them at fd 4...).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "supervisor.h"

static void describe(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, len, "%s:%d", host, port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, len, "[%s]:%d", host, port);
	}
}

static void set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

/* Returns the fd or -1 with error filled; *port is updated when it was 0. */
static int open_one(struct sockaddr *sa, socklen_t sa_len, int *port, char *name, size_t name_len, char *error,
                    size_t error_len)
{
	set_port(sa, *port);
	describe(sa, name, name_len);
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0) {
		snprintf(error, error_len, "socket for %s: %s", name, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, sa_len) < 0 || listen(fd, 511) < 0) {
		int saved = errno;
		snprintf(error, error_len, "infrastructure.httpServer: cannot listen on %s: %s", name, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) == 0) {
		describe((struct sockaddr *)&bound, name, name_len);
		if (*port == 0)
			*port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
			                                         : ((struct sockaddr_in6 *)&bound)->sin6_port);
	}
	return fd;
}

static int resolve(const char *host, struct addrinfo **out, char *error, size_t error_len)
{
	struct addrinfo hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	const char *node = strcmp(host, "*") == 0 || strcmp(host, "") == 0 ? NULL : host;
	int rc = getaddrinfo(node, "0", &hints, out);
	if (rc != 0) {
		snprintf(error, error_len, "infrastructure.httpServer.host: cannot resolve \"%s\": %s", host,
		         gai_strerror(rc));
		return -1;
	}
	return 0;
}

static int open_localhost(int port, int *fds, char names[][64], int max, char *error, size_t error_len)
{
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	v6.sin6_addr = in6addr_loopback;
	if (max < 2)
		return -1;
	fds[0] = open_one((struct sockaddr *)&v4, sizeof(v4), &port, names[0], 64, error, error_len);
	if (fds[0] < 0)
		return -1;
	fds[1] = open_one((struct sockaddr *)&v6, sizeof(v6), &port, names[1], 64, error, error_len);
	if (fds[1] < 0) {
		if (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT)
			return 1; /* no IPv6 on this host: IPv4 loopback alone */
		close(fds[0]);
		return -1;
	}
	return 2;
}

int listeners_open(const char *host, int port, int *fds, char names[][64], int max, char *error, size_t error_len)
{
	if (strcasecmp(host, "localhost") == 0)
		return open_localhost(port, fds, names, max, error, error_len);
	struct addrinfo *list = NULL;
	if (resolve(host, &list, error, error_len) < 0)
		return -1;
	int count = 0;
	for (struct addrinfo *ai = list; ai && count < max; ai = ai->ai_next) {
		int fd = open_one(ai->ai_addr, ai->ai_addrlen, &port, names[count], 64, error, error_len);
		if (fd < 0) {
			listeners_close(fds, count);
			freeaddrinfo(list);
			return -1;
		}
		fds[count++] = fd;
	}
	freeaddrinfo(list);
	return count;
}

void listeners_close(int *fds, int count)
{
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}
