/*
 * config_internal.h: helpers shared by the lib/config*.c files (not part of the public interface).
 */
#ifndef CONNECTOR_CONFIG_INTERNAL_H
#define CONNECTOR_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* Deep copy that maps JSON null (NULL) to NULL. */
json_object *config_copy(json_object *value);

/* Deep-merges src into dst: objects merge recursively, arrays and scalars replace (copied). */
void config_merge(json_object *dst, json_object *src);

/* Appends one formatted line to a malloc'd, newline-separated message (*error may be NULL). */
void config_error_append(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parses exactly one JSON value filling text[0, len) (surrounding white space allowed). On failure
 * returns NULL, *reason (static text) and *offset (where it went wrong). JSON null also returns NULL
 * but leaves *reason NULL.
 */
json_object *config_json_parse(const char *text, size_t len, size_t *offset, const char **reason);

/* Reads and parses a file (UTF-8 BOM stripped); on error returns NULL and appends to *error. */
json_object *config_parse_file(const char *path, char **error);

/* The environment layer (see config.h): known keys and aliases only. */
void config_apply_environment(json_object *root, char **environment);

/* Numbers at string-typed keys become strings; digit strings at integer-typed keys become integers. */
void config_coerce(json_object *root);

/* Copies s into out with control characters shown as \xNN, so a message stays one line. */
const char *config_printable(const char *s, char *out, size_t size);

/* true for "http://<something>" or "https://<something>" (scheme case-insensitive). */
bool config_is_http_url(const char *s);

/* Validation report (config_validate.c): one line per problem, "path: expectation, got value". */
struct config_report {
	char *text;
	int problems;
};

/* Adds a problem; value NULL with present false prints "got nothing". Secrets are printed masked. */
void config_problem(struct config_report *report, const char *path, const char *expectation, json_object *value,
                    bool present);

/* The cross-key and structural rules (config_rules.c), run after the per-key checks. */
void config_check_rules(json_object *root, struct config_report *report);

#endif
