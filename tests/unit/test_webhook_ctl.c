/*
 * test_webhook_ctl.c: a stand-in for `connectorctl [--runtime-dir DIR | --config FILE] [--json]
 * deliveries ...` until connectorctl.c dispatches to ctl_deliveries() (see doc/delivery.md), so the
 * end-to-end tests exercise the real code: test_webhook_ctl [--runtime-dir DIR] [--json] deliveries ...
 */
#include <stdio.h>
#include <string.h>

#include "supervisor/ctl_deliveries.h"

int main(int argc, char **argv)
{
	const char *runtime_dir = NULL, *config_file = NULL;
	bool json = false;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--runtime-dir") == 0 && i + 1 < argc)
			runtime_dir = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_file = argv[++i];
	}
	if (i >= argc || strcmp(argv[i], "deliveries") != 0) {
		fprintf(stderr,
		        "usage: test_webhook_ctl [--runtime-dir DIR | --config FILE] [--json] deliveries ...\n");
		return 78;
	}
	return ctl_deliveries(runtime_dir, config_file, json, argc - i, argv + i);
}
