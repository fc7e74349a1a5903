/*
 * sdnotify.c: the systemd notification protocol without libsystemd: one AF_UNIX datagram per
 * message to $NOTIFY_SOCKET ("@name" is an abstract socket). READY=1 once startup settled, STATUS=
 * with a per-module summary when it changes, WATCHDOG=1 at half of $WATCHDOG_USEC from the main loop,
 * RELOADING=1 / STOPPING=1 around reload and stop. Silent when NOTIFY_SOCKET is unset.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "supervisor.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;
static struct event *watchdog_event;
static char last_status[512];

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_send("WATCHDOG=1");
}

static void start_watchdog(void)
{
	const char *usec_text = getenv("WATCHDOG_USEC");
	const char *pid_text = getenv("WATCHDOG_PID");
	if (!usec_text || (pid_text && atol(pid_text) != (long)getpid()))
		return;
	long long usec = atoll(usec_text);
	if (usec <= 0)
		return;
	long long half = usec / 2;
	struct timeval tv = {(time_t)(half / 1000000), (suseconds_t)(half % 1000000)};
	watchdog_event = event_new(sv->base, -1, EV_PERSIST, on_watchdog, NULL);
	if (!watchdog_event || event_add(watchdog_event, &tv) < 0)
		fatalx(1, "cannot arm the watchdog timer");
}

void sdnotify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return;
	size_t len = strlen(path);
	if (len >= sizeof(notify_addr.sun_path) || (path[0] != '/' && path[0] != '@')) {
		log_warn("Supervisor", "NOTIFY_SOCKET ignored: not an absolute or abstract socket path");
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0)
		fatal(75, "socket(AF_UNIX, SOCK_DGRAM)");
	start_watchdog();
}

void sdnotify_send(const char *text)
{
	if (notify_fd < 0)
		return;
	if (sendto(notify_fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr, notify_addr_len) < 0)
		log_debug("Supervisor", "sd_notify: %s", strerror(errno));
}

/* "STATUS=3/3 workers ready; failed: sync" */
void sdnotify_status(void)
{
	if (notify_fd < 0)
		return;
	int ready = 0, total = 0;
	char failed[256] = "";
	for (int i = 0; i < sv->module_count; i++) {
		const struct module *m = &sv->modules[i];
		for (int j = 0; j < m->worker_count; j++) {
			total += !m->workers[j]->retired;
			ready += !m->workers[j]->retired && m->workers[j]->state == WS_READY;
		}
		if (m->enabled && strcmp(module_state_name(m), "failed") == 0 &&
		    strlen(failed) + strlen(m->name) + 3 < sizeof(failed))
			snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
			         failed[0] ? ", " : "", m->name);
	}
	char text[512];
	snprintf(text, sizeof(text), "STATUS=%d/%d workers ready%s%s", ready, total, failed[0] ? "; failed: " : "",
	         failed);
	if (strcmp(text, last_status) == 0)
		return;
	snprintf(last_status, sizeof(last_status), "%s", text);
	sdnotify_send(text);
}

void sdnotify_close(void)
{
	if (watchdog_event)
		event_free(watchdog_event);
	watchdog_event = NULL;
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
