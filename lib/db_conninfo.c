/*
 * db_conninfo.c: what is derived from the configured connection string and schema name without a
 * server: validation of database.dbName, the password-free target description for logs, and the
 * redaction of the password from any text (libpq error messages may quote parts of the string).
 */
#include "db.h"
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool db_schema_name_valid(const char *name, char *err, size_t err_len)
{
	if (!name || !*name) {
		snprintf(err, err_len, "must not be empty");
		return false;
	}
	size_t len = strlen(name);
	if (len > DB_SCHEMA_NAME_MAX) {
		snprintf(err, err_len, "must be at most %d bytes, got %zu", DB_SCHEMA_NAME_MAX, len);
		return false;
	}
	if (strncasecmp(name, "pg_", 3) == 0) {
		snprintf(err, err_len, "must not start with \"pg_\" (reserved by PostgreSQL), got \"%s\"", name);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, err_len, "must not contain control characters");
			return false;
		}
	}
	return true;
}

static void append_option(char *buf, size_t len, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", key, value);
}

char *db_conninfo_target(const char *conninfo, char **error)
{
	char *parse_error = NULL;
	PQconninfoOption *options = PQconninfoParse(conninfo, &parse_error);
	if (!options) {
		char *message = db_strdupf("database.connectionString: not a valid libpq connection string%s%s",
		                           parse_error ? ": " : "", parse_error ? parse_error : "");
		db_redact_password(conninfo, message);
		size_t mlen = strlen(message);
		while (mlen > 0 && isspace((unsigned char)message[mlen - 1]))
			message[--mlen] = '\0';
		PQfreemem(parse_error);
		*error = message;
		return NULL;
	}
	char buf[1024] = "";
	static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user"};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		for (PQconninfoOption *o = options; o->keyword; o++)
			if (strcmp(o->keyword, shown[i]) == 0)
				append_option(buf, sizeof(buf), o->keyword, o->val);
	PQconninfoFree(options);
	return db_strdupf("%s", *buf ? buf : "(libpq defaults)");
}

int db_conninfo_timeout_s(const char *conninfo)
{
	int timeout = 10;
	PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
	if (!options)
		return timeout;
	for (PQconninfoOption *o = options; o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && atoi(o->val) > 0)
			timeout = atoi(o->val);
	PQconninfoFree(options);
	return timeout;
}

static void redact_all(char *text, const char *secret, size_t secret_len)
{
	if (secret_len == 0)
		return;
	char *hit;
	while ((hit = strstr(text, secret)) != NULL) {
		memmove(hit + 3, hit + secret_len, strlen(hit + secret_len) + 1);
		memcpy(hit, "***", 3);
		text = hit + 3;
	}
}

/* Redacts the raw value after "password=" (key=value form or URI query), quoted or not. */
static void redact_keyword_values(const char *conninfo, char *text)
{
	for (const char *p = strstr(conninfo, "password="); p; p = strstr(p + 1, "password=")) {
		const char *v = p + strlen("password=");
		size_t n;
		if (*v == '\'') {
			v++;
			n = strcspn(v, "'");
		} else {
			n = strcspn(v, " \t\n&");
		}
		char secret[512];
		if (n >= 1 && n < sizeof(secret)) {
			memcpy(secret, v, n);
			secret[n] = '\0';
			redact_all(text, secret, n);
		}
	}
}

/* Redacts the raw password of a URI's userinfo: scheme://user:PASSWORD@host. */
static void redact_uri_userinfo(const char *conninfo, char *text)
{
	const char *scheme = strstr(conninfo, "://");
	if (!scheme)
		return;
	const char *userinfo = scheme + 3;
	const char *at = strchr(userinfo, '@');
	const char *slash = strchr(userinfo, '/');
	if (!at || (slash && slash < at))
		return;
	const char *colon = memchr(userinfo, ':', (size_t)(at - userinfo));
	if (!colon)
		return;
	char secret[512];
	size_t n = (size_t)(at - colon - 1);
	if (n >= 1 && n < sizeof(secret)) {
		memcpy(secret, colon + 1, n);
		secret[n] = '\0';
		redact_all(text, secret, n);
	}
}

void db_redact_password(const char *conninfo, char *text)
{
	if (!conninfo || !text)
		return;
	redact_uri_userinfo(conninfo, text);
	redact_keyword_values(conninfo, text);
	PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
	if (!options)
		return;
	for (PQconninfoOption *o = options; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			redact_all(text, o->val, strlen(o->val));
	PQconninfoFree(options);
}
