/*
 * cli_info.c: the shared --help / --version answer of worker binaries (see cli_info.h).
 */
#include "cli_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconfig.h" /* autoconf: PACKAGE_VERSION */

void cli_info_handle(int argc, char **argv, const char *name, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", name, PACKAGE_VERSION);
			exit(0);
		}
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: %s %s\n"
			       "Started by connectord (see connectord(8)); the environment and file descriptors it\n"
			       "expects are described there. Exit codes: 0 stopped, 75 temporary failure,\n"
			       "78 configuration error.\n"
			       "  --help     this text\n"
			       "  --version  print the version\n",
			       name, usage);
			exit(0);
		}
	}
}
