/*
 * proctitle.c: sets the title ps shows by overwriting the argv area (the environment that follows
 * it is copied away first, as nginx and PostgreSQL do), and the 15-character kernel name.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern char **environ;

static char *title_area;
static size_t title_capacity;

/* Moves environ out of the way so the contiguous argv+environ block can hold the title. */
static void relocate_environment(char *area_end_hint)
{
	size_t count = 0;
	while (environ[count])
		count++;
	char **copy = calloc(count + 1, sizeof(char *));
	if (!copy)
		return;
	for (size_t i = 0; i < count; i++)
		copy[i] = strdup(environ[i]);
	environ = copy;
	(void)area_end_hint;
}

void proctitle_init(int argc, char **argv)
{
	if (title_area || argc < 1 || !argv[0])
		return;
	char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (char **e = environ; *e && *e == end; e++)
		end = *e + strlen(*e) + 1;
	relocate_environment(end);
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
