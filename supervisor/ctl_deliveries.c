/*
 * ctl_deliveries.c: `connectorctl deliveries ...` (ctl_deliveries.h): loads the database settings,
 * connects once (no retry: an operator wants an answer), runs one lib/delivery_admin.h call and
 * prints JSON (--json) or a table.
 */
#include "ctl_deliveries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_settings.h"
#include "delivery_admin.h"
#include "lib/config.h"
#include "log.h"
#include "supervisor.h"
#include "worker.h"

extern char **environ;

static json_object *load_config(const char *runtime_dir, const char *config_file)
{
	char path[SV_PATH_MAX + 16];
	json_object *config = NULL;
	char *error = NULL;
	if (config_file) {
		struct config_sources sources = {.custom_path = config_file, .environment = environ};
		config = config_load(&sources, &error);
	} else {
		char dir[SV_PATH_MAX];
		if (runtime_dir) {
			snprintf(dir, sizeof(dir), "%s", runtime_dir);
		} else {
			struct config_sources sources = {.environment = environ};
			json_object *layers = config_load(&sources, NULL);
			settings_runtime_dir(layers, dir, sizeof(dir));
			json_object_put(layers);
		}
		snprintf(path, sizeof(path), "%s/config.json", dir);
		config = json_object_from_file(path);
		if (!config && asprintf(&error, "cannot read %s (is connectord running?)", path) < 0)
			error = NULL;
	}
	if (!config)
		fprintf(stderr, "connectorctl: %s\n", error ? error : "cannot load the configuration");
	free(error);
	return config;
}

static struct db *connect_db(json_object *config, int *code)
{
	struct db_settings settings;
	char *error = NULL;
	*code = EXIT_CONFIG;
	if (!db_settings_read(config, &settings, &error)) {
		fprintf(stderr, "connectorctl: %s\n", error);
		free(error);
		return NULL;
	}
	struct db *db = db_new(settings.connection_string, settings.db_name, "connectorctl", &error);
	if (!db) {
		fprintf(stderr, "connectorctl: %s\n", error);
		free(error);
		return NULL;
	}
	enum db_status s = db_connect(db);
	if (s != DB_OK) {
		fprintf(stderr, "connectorctl: %s\n", db_error(db));
		*code = s == DB_ERR_UNREACHABLE ? EXIT_TEMPFAIL : 1;
		db_free(db);
		return NULL;
	}
	*code = 0;
	return db;
}

static const char *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "-";
}

static void print_overview(json_object *reply)
{
	json_object *consumers = NULL;
	json_object_object_get_ex(reply, "consumers", &consumers);
	printf("%-28s %-8s %-7s %8s %8s %10s %6s %12s %8s  %s\n", "CONSUMER", "KIND", "ENABLED", "PENDING", "INFLIGHT",
	       "DELIVERED", "DEAD", "OLDEST_MS", "ATTEMPTS", "LAST ERROR");
	for (size_t i = 0; i < json_object_array_length(consumers); i++) {
		json_object *c = json_object_array_get_idx(consumers, i);
		printf("%-28s %-8s %-7s %8s %8s %10s %6s %12s %8s  %s\n", field(c, "consumerId"), field(c, "kind"),
		       field(c, "enabled"), field(c, "pending"), field(c, "inFlight"), field(c, "delivered"),
		       field(c, "deadLetters"), field(c, "oldestUndeliveredAgeMs"), field(c, "attempts"),
		       field(c, "lastError"));
	}
}

static void print_dead(json_object *reply)
{
	json_object *list = NULL;
	json_object_object_get_ex(reply, "deadLetters", &list);
	printf("%-28s %-36s %-34s %8s  %s\n", "CONSUMER", "EVENT", "NAMESPACE", "ATTEMPTS", "LAST ERROR");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i);
		printf("%-28s %-36s %-34s %8s  %s\n", field(d, "consumerId"), field(d, "eventId"),
		       field(d, "namespace"), field(d, "attempts"), field(d, "lastError"));
	}
}

static int usage_error(const char *what)
{
	fprintf(stderr,
	        "connectorctl deliveries: %s\nusage: connectorctl deliveries [dead [CONSUMER] | event EVENT_ID |"
	        " replay (CONSUMER|--all) [EVENT_ID]]\n",
	        what);
	return EXIT_CONFIG;
}

/* Runs the subcommand; returns the JSON reply (NULL on a database error), or sets *usage. */
static json_object *run(struct db *db, int argc, char **argv, bool *human_table, int *usage)
{
	const char *sub = argc > 1 ? argv[1] : "overview";
	*usage = 0;
	if (strcmp(sub, "overview") == 0 && argc <= 2)
		return delivery_admin_overview(db);
	if (strcmp(sub, "dead") == 0 && argc <= 3) {
		*human_table = true;
		return delivery_admin_dead_letters(db, argc == 3 ? argv[2] : NULL, 100);
	}
	if (strcmp(sub, "event") == 0 && argc == 3)
		return delivery_admin_event(db, argv[2]);
	if (strcmp(sub, "replay") == 0 && (argc == 3 || argc == 4)) {
		const char *consumer = strcmp(argv[2], "--all") == 0 ? NULL : argv[2];
		int64_t count = 0;
		if (!delivery_admin_replay(db, consumer, argc == 4 ? argv[3] : NULL, &count))
			return NULL;
		json_object *reply = json_object_new_object();
		json_object_object_add(reply, "replayed", json_object_new_int64(count));
		return reply;
	}
	*usage = 1;
	return NULL;
}

int ctl_deliveries(const char *runtime_dir, const char *config_file, bool json, int argc, char **argv)
{
	log_set_level(LOG_LEVEL_ERROR);
	json_object *config = load_config(runtime_dir, config_file);
	if (!config)
		return EXIT_CONFIG;
	int code = 0;
	struct db *db = connect_db(config, &code);
	if (!db) {
		json_object_put(config);
		return code;
	}
	bool dead_table = false;
	int usage = 0;
	json_object *reply = run(db, argc, argv, &dead_table, &usage);
	if (usage) {
		code = usage_error("unknown subcommand or wrong arguments");
	} else if (!reply) {
		fprintf(stderr, "connectorctl: %s\n", db_error(db));
		code = 1;
	} else if (json || (argc > 1 && strcmp(argv[1], "overview") != 0 && !dead_table)) {
		printf("%s\n",
		       json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (dead_table) {
		print_dead(reply);
	} else {
		print_overview(reply);
	}
	json_object_put(reply);
	db_free(db);
	json_object_put(config);
	return code;
}
