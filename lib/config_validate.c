/*
 * config_validate.c: checks every key of the merged tree against its schema row (type, range, format)
 * and collects one line per problem; then runs the cross-key rules of config_rules.c. Keys the schema
 * does not know are logged as warnings (category "ConnectorConfig") and otherwise ignored.
 */
#include "config.h"
#include "config_internal.h"
#include "config_schema.h"
#include "log.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHOWN_VALUE_MAX 80

static char *render_value(const char *path, json_object *value)
{
	char buf[1024];
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	int n = config_path_split(path, buf, sizeof(buf), segments);
	bool secret = n > 0 && config_is_secret(segments, n) && !strstr(path, "connectionString");
	json_object *shown = NULL;
	bool empty = json_object_is_type(value, json_type_string) && !*json_object_get_string(value);
	if (secret && value && !empty)
		shown = json_object_new_string("***");
	else if (json_object_is_type(value, json_type_string))
		shown = json_object_new_string(json_object_get_string(value));
	if (shown && !(secret && !empty)) {
		char *masked = config_mask_credentials(json_object_get_string(value));
		json_object_set_string(shown, masked);
		free(masked);
	}
	char *text = strdup(json_object_to_json_string_ext(shown ? shown : value,
	                                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(shown);
	if (!text)
		abort();
	if (strlen(text) > SHOWN_VALUE_MAX)
		strcpy(text + SHOWN_VALUE_MAX - 3, "...");
	return text;
}

const char *config_printable(const char *s, char *out, size_t size)
{
	size_t used = 0;
	for (; *s && used + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			used += (size_t)snprintf(out + used, size - used, "\\x%02x", c);
		else
			out[used++] = (char)c;
	}
	out[used] = '\0';
	return out;
}

void config_problem(struct config_report *report, const char *path, const char *expectation, json_object *value,
                    bool present)
{
	char *shown = present ? render_value(path, value) : strdup("nothing");
	if (!shown)
		abort();
	char printable[1100];
	config_error_append(&report->text, "%s: %s, got %s", config_printable(path, printable, sizeof(printable)),
	                    expectation, shown);
	report->problems++;
	free(shown);
}

static bool is_int(json_object *v)
{
	return json_object_is_type(v, json_type_int);
}

/* Type check; on mismatch writes the expectation into buf and returns false. */
static bool type_ok(const struct config_key *row, json_object *v, char *buf, size_t size)
{
	switch (row->type) {
	case CONFIG_ANY:
		return true;
	case CONFIG_OBJECT:
		snprintf(buf, size, "expected an object");
		return json_object_is_type(v, json_type_object);
	case CONFIG_BOOL:
		snprintf(buf, size, "expected a boolean");
		return json_object_is_type(v, json_type_boolean);
	case CONFIG_NUMBER:
		snprintf(buf, size, "expected a number");
		return is_int(v) || json_object_is_type(v, json_type_double);
	case CONFIG_STRING:
		snprintf(buf, size, "expected a string");
		return json_object_is_type(v, json_type_string);
	case CONFIG_ARRAY:
		snprintf(buf, size, "expected an array");
		return json_object_is_type(v, json_type_array);
	case CONFIG_STRING_ARRAY:
		snprintf(buf, size, "expected an array of strings");
		if (!json_object_is_type(v, json_type_array))
			return false;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
				return false;
		return true;
	case CONFIG_INT:
		if (row->max == row->min)
			snprintf(buf, size, "expected %" PRId64, row->min);
		else if (row->max < row->min)
			snprintf(buf, size, "expected an integer of at least %" PRId64, row->min);
		else
			snprintf(buf, size, "expected an integer between %" PRId64 " and %" PRId64, row->min, row->max);
		return is_int(v) && json_object_get_int64(v) >= row->min &&
		       (row->max < row->min || json_object_get_int64(v) <= row->max);
	}
	return false;
}

static bool all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool config_is_http_url(const char *s)
{
	const char *rest = NULL;
	if (strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	return rest && *rest && *rest != '/';
}

/* Format checks on a value of the right type; writes the expectation into buf on failure. */
static bool format_ok(enum config_check check, const char *s, char *buf, size_t size)
{
	enum log_level level;
	switch (check) {
	case CHECK_NONE:
		return true;
	case CHECK_HOST:
		snprintf(buf, size, "expected a host name or IP address");
		return *s && strlen(s) <= 253 && all_chars(s, ".-:_%");
	case CHECK_DB_IDENT:
		snprintf(buf, size, "expected 1 to 63 characters from A-Z, a-z, 0-9, _ and -");
		return *s && strlen(s) <= 63 && all_chars(s, "_-");
	case CHECK_HTTP_URL:
		snprintf(buf, size, "expected an http:// or https:// URL");
		return !*s || config_is_http_url(s);
	case CHECK_LOG_LEVEL:
		snprintf(buf, size, "expected one of trace, debug, info, warn, error, fatal");
		return log_level_from_string(s, &level);
	case CHECK_LOG_FORMAT:
		snprintf(buf, size, "expected one of human, json");
		return strcmp(s, "human") == 0 || strcmp(s, "json") == 0;
	case CHECK_CONNSTR:
		snprintf(buf, size, "expected a libpq key=value string or a postgresql:// URI");
		return !*s || strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0 ||
		       (strchr(s, '=') && !strstr(s, "://"));
	case CHECK_REALM:
		snprintf(buf, size, "expected a 3-character realm such as \"id1\"");
		return strlen(s) == 3;
	case CHECK_NONEMPTY:
		snprintf(buf, size, "expected a non-empty string");
		return *s != '\0';
	}
	return false;
}

static void join_path(char *out, size_t size, const char **segments, int n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "." : "", segments[i]);
}

/* Checks one value against its row; false when it is wrong (do not descend). */
static bool check_value(struct config_report *report, const char *path, const struct config_key *row,
                        json_object *value)
{
	char expectation[160];
	if (!type_ok(row, value, expectation, sizeof(expectation)) ||
	    (json_object_is_type(value, json_type_string) &&
	     !format_ok(row->check, json_object_get_string(value), expectation, sizeof(expectation)))) {
		config_problem(report, path, expectation, value, true);
		return false;
	}
	return true;
}

static void walk(struct config_report *report, json_object *node, const char **segments, int n)
{
	if (n >= CONFIG_PATH_MAX_DEPTH)
		return;
	json_object_object_foreach(node, key, value)
	{
		char path[1024];
		segments[n] = key;
		join_path(path, sizeof(path), segments, n + 1);
		bool exact = false;
		const struct config_key *row = config_schema_find(segments, n + 1, &exact);
		if (!row) {
			char printable[1100];
			log_warn("ConnectorConfig", "%s: unknown key, ignored",
			         config_printable(path, printable, sizeof(printable)));
			continue;
		}
		if (exact && !check_value(report, path, row, value))
			continue;
		if (json_object_is_type(value, json_type_object))
			walk(report, value, segments, n + 1);
	}
}

int config_validate(json_object *root, char **report_text)
{
	struct config_report report = {NULL, 0};
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	if (!json_object_is_type(root, json_type_object)) {
		config_problem(&report, "(root)", "expected an object", root, root != NULL);
	} else {
		walk(&report, root, segments, 0);
		config_check_rules(root, &report);
	}
	if (report_text)
		*report_text = report.text;
	else
		free(report.text);
	return report.problems;
}
