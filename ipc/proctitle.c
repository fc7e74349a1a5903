/*
 * proctitle.c: sets the title ps shows by overwriting the argv strings in place (only the argv area,
 * never the environment that follows it, so getenv() results stay valid), and the kernel's
 * 15-character process name.
 * Invariant: after proctitle_init() the argv strings are gone (argv[1..] become NULL); parse
 * arguments before calling it. worker_init() does this for workers.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

static char *title_area;
static size_t title_capacity;

void proctitle_init(int argc, char **argv)
{
	if (title_area || argc < 1 || !argv[0])
		return;
	char *end = argv[0] + strlen(argv[0]) + 1;
	for (int i = 1; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	title_area = argv[0];
	title_capacity = (size_t)(end - argv[0]);
	for (int i = 1; i < argc; i++)
		argv[i] = NULL;
}

void proctitle_set(const char *fmt, ...)
{
	char title[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	const char *comm = strncmp(title, "connectord: ", 12) == 0 ? title + 12 : title;
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (!title_area || title_capacity < 2)
		return;
	memset(title_area, 0, title_capacity);
	snprintf(title_area, title_capacity, "%s", title);
}
