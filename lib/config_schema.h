/*
 * config_schema.h: the table of known configuration keys (internal to lib/config*.c).
 *
 * A row names a key path with "." separators; a segment "*" matches any one key, "+" matches a module
 * name that has no row of its own (a custom module). A row flagged CONFIG_FREE makes every path below
 * it known (free-form objects such as webhook targets, logging, a broker's configuration). Lookups
 * return the most specific row: exact rows beat free-form ancestors, literal segments beat wildcards.
 * Later modules add keys by adding rows to config_schema.c.
 */
#ifndef CONNECTOR_CONFIG_SCHEMA_H
#define CONNECTOR_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

enum config_type {
	CONFIG_ANY,
	CONFIG_OBJECT,
	CONFIG_BOOL,
	CONFIG_INT,
	CONFIG_NUMBER,
	CONFIG_STRING,
	CONFIG_ARRAY,
	CONFIG_STRING_ARRAY,
};

/* Extra checks on a value of the right type (see config_validate.c). */
enum config_check {
	CHECK_NONE,
	CHECK_HOST,      /* bind address: host name or IP literal */
	CHECK_DB_IDENT,  /* [A-Za-z0-9_-], 1..63 characters */
	CHECK_HTTP_URL,  /* http:// or https:// when not empty */
	CHECK_LOG_LEVEL, /* trace|debug|info|warn|warning|error|fatal */
	CHECK_LOG_FORMAT,
	CHECK_CONNSTR, /* libpq key=value or postgres(ql):// URI, when not empty */
	CHECK_REALM,   /* three characters */
	CHECK_NONEMPTY,
};

enum config_flag {
	CONFIG_FREE = 1 << 0,   /* any key below is known */
	CONFIG_SECRET = 1 << 1, /* masked in copies and messages */
};

struct config_key {
	const char *pattern;
	enum config_type type;
	int64_t min, max; /* CONFIG_INT only; min > max means unbounded above */
	enum config_check check;
	unsigned flags;
};

#define CONFIG_PATH_MAX_DEPTH 24

/*
 * Finds the row for a path of n segments. *exact is set to true when the row names the path itself,
 * false when the path is known only as part of a free-form ancestor. NULL: unknown key.
 */
const struct config_key *config_schema_find(const char *const *segments, int n, bool *exact);

/* true when modules.<name> has its own rows (a module this Connector implements or knows). */
bool config_schema_known_module(const char *name);

/* Splits a dotted path into at most CONFIG_PATH_MAX_DEPTH segments (in buf); returns the count or -1. */
int config_path_split(const char *path, char *buf, size_t bufsize, const char **segments);

/* true when the key at this path holds a secret (by row or by its name, e.g. "clientSecret"). */
bool config_is_secret(const char *const *segments, int n);

/* Returns a malloc'd copy of s with any password (libpq keyword or URI user info) replaced by ***. */
char *config_mask_credentials(const char *s);

#endif
