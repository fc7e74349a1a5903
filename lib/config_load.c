/*
 * config_load.c: builds the merged configuration tree from its layers (defaults file, custom file,
 * environment), then applies the original's post-processing (webhooksV2 alias, sync/sse exclusivity,
 * mandatory runtime modules) and the type coercions of config_env.c. Never validates.
 * Invariant: on error nothing is returned and *error says which file and why.
 */
#include "config.h"
#include "config_internal.h"
#include "config_schema.h"
#include "log.h"
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (16 * 1024 * 1024)

json_object *config_copy(json_object *value)
{
	json_object *copy = NULL;
	if (value && json_object_deep_copy(value, &copy, NULL) != 0)
		abort(); /* only on allocation failure */
	return copy;
}

void config_merge(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, key, value)
	{
		json_object *existing = NULL;
		if (json_object_is_type(value, json_type_object) && json_object_object_get_ex(dst, key, &existing) &&
		    json_object_is_type(existing, json_type_object)) {
			config_merge(existing, value);
			continue;
		}
		json_object_object_add(dst, key, config_copy(value));
	}
}

/* Reads the whole file; returns NULL and sets *error on failure. */
static char *read_file(const char *path, size_t *len, char **error)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		config_error_append(error, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (used + 1 >= cap) {
			char *bigger = cap < CONFIG_FILE_MAX ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got = fread(buf + used, 1, cap - used - 1, f);
		used += got;
		if (got == 0)
			break;
	}
	int read_errno = ferror(f) ? errno : 0;
	fclose(f);
	if (buf && read_errno) {
		free(buf);
		buf = NULL;
		errno = read_errno;
	}
	if (!buf) {
		config_error_append(error, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

static void offset_to_line(const char *text, size_t offset, int *line, int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

json_object *config_parse_file(const char *path, char **error)
{
	size_t len = 0;
	char *text = read_file(path, &len, error);
	if (!text)
		return NULL;
	size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	size_t offset = 0;
	const char *reason = NULL;
	json_object *root = config_json_parse(text + skip, len - skip, &offset, &reason);
	if (!reason && !json_object_is_type(root, json_type_object)) {
		reason = "expected a JSON object at the top level";
		offset = 0;
	}
	if (reason) {
		int line, column;
		offset_to_line(text + skip, offset, &line, &column);
		config_error_append(error, "%s:%d:%d: invalid JSON: %s", path, line, column, reason);
		json_object_put(root);
		root = NULL;
	}
	free(text);
	return root;
}

static const char *environment_value(char **environment, const char *name)
{
	size_t nlen = strlen(name);
	for (char **e = environment; e && *e; e++)
		if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=')
			return *e + nlen + 1;
	return NULL;
}

/* The custom file layer: explicit path (an error when missing), else <sysconf>/config.json if present. */
static bool merge_custom_file(json_object *root, const struct config_sources *sources, char **error)
{
	const char *explicit_path = sources->custom_path;
	if (!explicit_path || !*explicit_path)
		explicit_path = environment_value(sources->environment, "CUSTOM_CONFIG_LOCATION");
	char *fallback = NULL;
	if (!explicit_path || !*explicit_path) {
		if (asprintf(&fallback, "%s/config.json", paths_sysconf_dir()) < 0)
			abort();
		if (access(fallback, F_OK) != 0) {
			free(fallback);
			return true;
		}
	}
	json_object *custom = config_parse_file(explicit_path && *explicit_path ? explicit_path : fallback, error);
	free(fallback);
	if (!custom)
		return false;
	config_merge(root, custom);
	json_object_put(custom);
	return true;
}

static json_object *module_entry(json_object *root, const char *name)
{
	json_object *modules = NULL, *entry = NULL;
	if (!json_object_object_get_ex(root, "modules", &modules) || !json_object_is_type(modules, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(modules, name, &entry) || !json_object_is_type(entry, json_type_object))
		return NULL;
	return entry;
}

/* modules.webhooksV2 (4.6.3): merged over modules.webhooks (V2 values win), then removed. */
static void apply_webhooks_v2_alias(json_object *root)
{
	json_object *modules = NULL, *v2 = NULL;
	if (!json_object_object_get_ex(root, "modules", &modules) || !json_object_is_type(modules, json_type_object) ||
	    !json_object_object_get_ex(modules, "webhooksV2", &v2))
		return;
	log_warn("ConnectorConfig", "The 'webhooksV2' configuration is deprecated. Please use 'webhooks' instead.");
	json_object *webhooks = module_entry(root, "webhooks");
	if (webhooks && json_object_is_type(v2, json_type_object)) {
		config_merge(webhooks, v2);
	} else {
		json_object_object_add(modules, "webhooks", config_copy(v2));
	}
	json_object_object_del(modules, "webhooksV2");
}

static bool module_flag(json_object *root, const char *name)
{
	json_object *entry = module_entry(root, name), *enabled = NULL;
	return entry && json_object_object_get_ex(entry, "enabled", &enabled) &&
	       json_object_is_type(enabled, json_type_boolean) && json_object_get_boolean(enabled);
}

static void apply_sse_sync_exclusivity(json_object *root)
{
	if (!module_flag(root, "sync") || !module_flag(root, "sse"))
		return;
	log_warn("ConnectorConfig",
	         "The SSE and Sync modules cannot be enabled at the same time, the Sync module will be disabled.");
	json_object_object_add(module_entry(root, "sync"), "enabled", json_object_new_boolean(0));
}

/* The runtime's decider and request modules always run (the original forces them on). */
static void force_mandatory_modules(json_object *root)
{
	static const char *const mandatory[] = {"decider", "request"};
	for (size_t i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
		json_object *entry = module_entry(root, mandatory[i]);
		if (entry)
			json_object_object_add(entry, "enabled", json_object_new_boolean(1));
	}
}

json_object *config_load(const struct config_sources *sources, char **error)
{
	static const struct config_sources none;
	char *local_error = NULL;
	if (!sources)
		sources = &none;
	const char *defaults = sources->defaults_path ? sources->defaults_path : paths_default_config();
	json_object *root = config_parse_file(defaults, &local_error);
	if (root && !merge_custom_file(root, sources, &local_error)) {
		json_object_put(root);
		root = NULL;
	}
	if (root) {
		config_apply_environment(root, sources->environment);
		apply_webhooks_v2_alias(root);
		config_coerce(root);
		apply_sse_sync_exclusivity(root);
		force_mandatory_modules(root);
	}
	if (error)
		*error = local_error;
	else
		free(local_error);
	return root;
}
