/*
 * paths.c: install locations with environment overrides (see paths.h).
 */
#include "paths.h"

#include <stdlib.h>

#ifndef CONNECTOR_LIBEXECDIR
#define CONNECTOR_LIBEXECDIR "/usr/local/libexec/connector"
#endif
#ifndef CONNECTOR_DATADIR
#define CONNECTOR_DATADIR "/usr/local/share/enmeshed-connector-c"
#endif
#ifndef CONNECTOR_SYSCONFDIR
#define CONNECTOR_SYSCONFDIR "/usr/local/etc/connector"
#endif

static const char *env_or(const char *name, const char *fallback)
{
	const char *value = getenv(name);
	return value && *value ? value : fallback;
}

const char *paths_libexec_dir(void) { return env_or("CONNECTOR_LIBEXEC_DIR", CONNECTOR_LIBEXECDIR); }
const char *paths_default_config(void) { return env_or("CONNECTOR_DEFAULT_CONFIG", CONNECTOR_DATADIR "/default.json"); }
const char *paths_sql_dir(void) { return env_or("CONNECTOR_SQL_DIR", CONNECTOR_DATADIR "/sql"); }
const char *paths_sysconf_dir(void) { return env_or("CONNECTOR_SYSCONF_DIR", CONNECTOR_SYSCONFDIR); }
