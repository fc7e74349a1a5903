/*
 * config.c: dotted-path lookups into the merged configuration and the per-module helpers.
 * Lookups never fail: a missing key or a value of another type yields the caller's fallback.
 */
#include "config.h"
#include "config_internal.h"
#include "config_schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_error_append(char **error, const char *fmt, ...)
{
	if (!error)
		return;
	char *line = NULL, *joined = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (asprintf(&joined, "%s%s%s", *error ? *error : "", *error ? "\n" : "", line) < 0)
		abort();
	free(line);
	free(*error);
	*error = joined;
}

/* A segment of digits indexes an array. */
static json_object *child_of(json_object *node, const char *segment)
{
	json_object *child = NULL;
	if (json_object_is_type(node, json_type_object))
		return json_object_object_get_ex(node, segment, &child) ? child : NULL;
	if (json_object_is_type(node, json_type_array) && *segment) {
		char *end = NULL;
		errno = 0;
		unsigned long index = strtoul(segment, &end, 10);
		if (*end || errno || segment[0] == '-' || index >= json_object_array_length(node))
			return NULL;
		return json_object_array_get_idx(node, index);
	}
	return NULL;
}

json_object *config_get(json_object *root, const char *path)
{
	char buf[1024];
	const char *segments[CONFIG_PATH_MAX_DEPTH];
	if (!root || !path)
		return NULL;
	int n = config_path_split(path, buf, sizeof(buf), segments);
	json_object *node = root;
	for (int i = 0; i < n && node; i++)
		node = child_of(node, segments[i]);
	return n > 0 ? node : NULL;
}

const char *config_get_string(json_object *root, const char *path, const char *fallback)
{
	json_object *value = config_get(root, path);
	return json_object_is_type(value, json_type_string) ? json_object_get_string(value) : fallback;
}

int64_t config_get_int(json_object *root, const char *path, int64_t fallback)
{
	json_object *value = config_get(root, path);
	return json_object_is_type(value, json_type_int) ? json_object_get_int64(value) : fallback;
}

bool config_get_bool(json_object *root, const char *path, bool fallback)
{
	json_object *value = config_get(root, path);
	return json_object_is_type(value, json_type_boolean) ? json_object_get_boolean(value) : fallback;
}

bool config_module_enabled(json_object *root, const char *module)
{
	char path[256];
	if (snprintf(path, sizeof(path), "modules.%s.enabled", module) >= (int)sizeof(path))
		return false;
	return config_get_bool(root, path, false);
}

/* Modules whose schema row allows more than one worker (coreHttpApi, webhooks) honour the setting. */
int config_module_workers(json_object *root, const char *module)
{
	char path[256];
	if (snprintf(path, sizeof(path), "modules.%s.workers", module) >= (int)sizeof(path))
		return 1;
	const char *segments[3] = {"modules", module, "workers"};
	bool exact = false;
	const struct config_key *row = config_schema_find(segments, 3, &exact);
	if (!row || !exact || row->max <= 1)
		return 1;
	int64_t workers = config_get_int(root, path, 1);
	return workers >= 1 && workers <= row->max ? (int)workers : 1;
}
