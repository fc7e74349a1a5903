/*
 * paths.h: where the installed pieces live. Compiled-in install locations, each overridable by an
 * environment variable so that the build tree and the tests can run without installing:
 *   CONNECTOR_LIBEXEC_DIR     worker binaries (connector-http-api, connector-migrate, ...)
 *   CONNECTOR_DEFAULT_CONFIG  the defaults file (etc/default.json in the source tree)
 *   CONNECTOR_SQL_DIR         schema migrations (sql/ in the source tree)
 *   CONNECTOR_SYSCONF_DIR     where config.json is looked for when no other file is named
 */
#ifndef CONNECTOR_PATHS_H
#define CONNECTOR_PATHS_H

const char *paths_libexec_dir(void);
const char *paths_default_config(void);
const char *paths_sql_dir(void);
const char *paths_sysconf_dir(void);

#endif
