/*
 * connector-migrate: the one-shot child connectord runs before any worker. It brings the account
 * schema (database.dbName) to the version of the installed sql/ files, then registers the outbox
 * consumers the configuration asks for (lib/delivery_consumers.h: webhooks, brokers, ...) and
 * disables those no longer configured, so no event is appended before its consumers exist. Exits:
 *   0   the schema is current
 *   75  the server is unreachable or went away: run me again later
 *   78  configuration or installation error (connection string, dbName, migration files that
 *       disagree with the schema): restarting cannot help
 *   1   a migration statement failed
 *
 *   connector-migrate [--index N] [--config FILE] [--sql-dir DIR]
 *
 * Supervised (CONNECTOR_WORKER_ROLE set), the configuration is CONNECTOR_CONFIG_FILE and progress
 * goes to the notify fd as STATUS lines. By hand, the configuration is built like connectord's:
 * defaults, --config FILE (else CUSTOM_CONFIG_LOCATION), then the environment (e.g.
 * DATABASE_CONNECTION_STRING, DATABASE_NAME, database__dbName), and validated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h" /* not "config.h": autoconf's header of that name comes first */
#include "db.h"
#include "db_settings.h"
#include "delivery_consumers.h"
#include "log.h"
#include "migrate.h"
#include "paths.h"
#include "worker.h"

struct options {
	char *config_path;
	char *sql_dir;
	bool supervised;
};

static void usage_exit(void)
{
	fprintf(stderr, "usage: connector-migrate [--index N] [--config FILE] [--sql-dir DIR]\n");
	exit(EXIT_CONFIG);
}

/* Copies what it keeps: proctitle_init() reuses the argv and environment area. */
static void parse_options(int argc, char **argv, struct options *opt)
{
	opt->supervised = getenv("CONNECTOR_WORKER_ROLE") != NULL;
	const char *config_path = opt->supervised ? getenv("CONNECTOR_CONFIG_FILE") : NULL;
	const char *sql_dir = paths_sql_dir();
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage_exit();
		if (strcmp(argv[i], "--config") == 0)
			config_path = argv[++i];
		else if (strcmp(argv[i], "--sql-dir") == 0)
			sql_dir = argv[++i];
		else if (strcmp(argv[i], "--index") == 0)
			i++;
		else
			usage_exit();
	}
	opt->config_path = config_path ? strdup(config_path) : NULL;
	opt->sql_dir = strdup(sql_dir);
	if (!opt->sql_dir || (config_path && !opt->config_path))
		fatal(1, "strdup");
}

static void status(const struct options *opt, const char *text)
{
	if (opt->supervised)
		worker_notify_status("%s", text);
}

/*
 * The configuration tree. Supervised: the effective file connectord wrote. By hand: the layers of
 * config.h (defaults, --config or CUSTOM_CONFIG_LOCATION, environment with its aliases), validated.
 */
static json_object *load_config(const struct options *opt)
{
	if (opt->supervised) {
		if (!opt->config_path || !*opt->config_path)
			fatalx(EXIT_CONFIG,
			       "CONNECTOR_CONFIG_FILE is not set: supervised workers get it from connectord");
		json_object *root = json_object_from_file(opt->config_path);
		if (!root || !json_object_is_type(root, json_type_object))
			fatalx(EXIT_CONFIG, "cannot read the configuration file %s: %s", opt->config_path,
			       json_util_get_last_err());
		return root;
	}
	struct config_sources sources = {.custom_path = opt->config_path, .environment = environ};
	char *error = NULL;
	json_object *root = config_load(&sources, &error);
	if (root && config_validate(root, &error) > 0) {
		json_object_put(root);
		root = NULL;
	}
	if (!root) {
		log_error("Migrate", "invalid configuration: %s", error);
		free(error);
		exit(EXIT_CONFIG);
	}
	return root;
}

static int exit_code_for(enum migrate_status s)
{
	switch (s) {
	case MIGRATE_OK:
		return EXIT_STOPPED;
	case MIGRATE_REFUSED:
		return EXIT_CONFIG;
	case MIGRATE_UNREACHABLE:
		return EXIT_TEMPFAIL;
	default:
		return 1;
	}
}

/* Registers the configured consumers after a successful migration; returns an exit code. */
static int register_consumers(const struct options *opt, struct db *db, const struct delivery_consumer_set *set)
{
	status(opt, "registering consumers");
	int registered = 0, disabled = 0;
	if (!delivery_consumers_sync(db, set, &registered, &disabled)) {
		log_error("Migrate", "registering outbox consumers: %s", db_error(db));
		return db_connection_lost(db) ? EXIT_TEMPFAIL : 1;
	}
	log_info("Migrate", "%d outbox consumer(s) registered, %d disabled", registered, disabled);
	return EXIT_STOPPED;
}

static int run(const struct options *opt, const struct db_settings *settings, const struct delivery_consumer_set *set)
{
	char *error = NULL;
	struct db *db = db_new(settings->connection_string, settings->db_name, "connector-migrate", &error);
	if (!db) {
		log_error("Migrate", "%s", error);
		free(error);
		return EXIT_CONFIG;
	}
	status(opt, "connecting");
	enum db_status connected = db_connect(db);
	if (connected != DB_OK) {
		log_error("Migrate", "%s", db_error(db));
		db_free(db);
		return connected == DB_ERR_UNREACHABLE ? EXIT_TEMPFAIL : 1;
	}
	status(opt, "migrating");
	struct migrate_result result = {0};
	enum migrate_status s = migrate_run(db, opt->sql_dir, &result, &error);
	if (s == MIGRATE_OK)
		log_info("Migrate", "schema \"%s\" at version %d (%d applied now)", settings->db_name,
		         result.current_version, result.applied);
	else
		log_error("Migrate", "%s", error);
	free(error);
	int code = exit_code_for(s);
	if (s == MIGRATE_OK)
		code = register_consumers(opt, db, set);
	db_free(db);
	return code;
}

int main(int argc, char **argv)
{
	struct options opt;
	parse_options(argc, argv, &opt);
	log_set_process("migrate", 0);
	if (opt.supervised) {
		proctitle_init(argc, argv);
		proctitle_set("connectord: migrate");
	}
	json_object *root = load_config(&opt);
	struct db_settings settings;
	char *error = NULL;
	int code;
	struct delivery_consumer_set consumers;
	struct webhook_error werr;
	if (!delivery_consumers_from_config(root, &consumers, &werr)) {
		/* the original's code and message (connector-modules.md 2.3) */
		log_error("Webhooks", "%s: %s", werr.code, werr.message);
		code = EXIT_CONFIG;
	} else if (!db_settings_read(root, &settings, &error)) {
		log_error("Migrate", "%s", error);
		free(error);
		code = EXIT_CONFIG;
	} else {
		code = run(&opt, &settings, &consumers);
	}
	delivery_consumers_free(&consumers);
	json_object_put(root);
	free(opt.config_path);
	free(opt.sql_dir);
	return code;
}
