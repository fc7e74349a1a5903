/*
 * log_config.c: logging.level / logging.format / debug -> log_set_level() / log_set_format().
 * Needs only log.c and json-c.
 */
#include "log_config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* The string at logging.<key>, or fallback (json-c only, no config.c dependency). */
static const char *logging_string(json_object *config, const char *key, const char *fallback)
{
	json_object *logging = NULL, *value = NULL;
	if (json_object_object_get_ex(config, "logging", &logging) && json_object_object_get_ex(logging, key, &value) &&
	    json_object_is_type(value, json_type_string))
		return json_object_get_string(value);
	return fallback;
}

bool log_configure(json_object *config, char *err, size_t err_len)
{
	bool ok = true;
	enum log_level level = LOG_LEVEL_INFO;
	const char *level_name = logging_string(config, "level", "info");
	if (!log_level_from_string(level_name, &level)) {
		snprintf(err, err_len, "logging.level: expected trace, debug, info, warn, error or fatal, got \"%s\"",
		         level_name);
		level = LOG_LEVEL_INFO;
		ok = false;
	}
	json_object *debug = NULL;
	if (json_object_object_get_ex(config, "debug", &debug) && json_object_get_boolean(debug) &&
	    level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	const char *format = logging_string(config, "format", "human");
	if (strcmp(format, "json") != 0 && strcmp(format, "human") != 0) {
		if (ok)
			snprintf(err, err_len, "logging.format: expected \"human\" or \"json\", got \"%s\"", format);
		ok = false;
	}
	log_set_level(level);
	log_set_format(strcmp(format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_HUMAN);
	return ok;
}
