/*
 * modules.c: which worker processes the configuration asks for. A fixed table maps each configured
 * module to the worker role (binary connector-<role>) and to its instance count; applying a
 * configuration (at start or on reload) adds, retires or restarts worker records to match it.
 *
 * Invariant: sv->modules holds one entry per table row for the life of the process (pointers to it
 * are stable); workers of a module are kept in index order, retired ones until their process is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "paths.h"
#include "supervisor.h"

enum count_rule { COUNT_ONE, COUNT_WORKERS, COUNT_BROKERS };

struct role_row {
	const char *module;
	const char *role;
	enum count_rule count;
	bool listens;
};

/* housekeeping is internal: enabled whenever a database is configured. */
static const struct role_row role_table[] = {
        {"coreHttpApi", "http-api", COUNT_WORKERS, true},
        {"housekeeping", "housekeeping", COUNT_ONE, false},
        {"sync", "sync", COUNT_ONE, false},
        {"sse", "sse", COUNT_ONE, false},
        {"webhooks", "webhooks", COUNT_WORKERS, false},
        {"messageBrokerPublisher", "publisher", COUNT_BROKERS, false},
        {"amqpPublisher", "publisher", COUNT_ONE, false},
        {"PubSubPublisher", "publisher", COUNT_ONE, false},
        {"autoAcceptRelationshipCreationChanges", "auto-accept", COUNT_ONE, false},
        {"autoAcceptPendingRelationships", "auto-accept", COUNT_ONE, false},
        {"autoDecomposeDeletionProposedRelationships", "auto-decompose", COUNT_ONE, false},
};
#define ROLE_COUNT (int)(sizeof(role_table) / sizeof(role_table[0]))

void modules_init(void)
{
	sv->modules = calloc(ROLE_COUNT, sizeof(struct module));
	if (!sv->modules)
		fatal(1, "calloc");
	sv->module_count = ROLE_COUNT;
	for (int i = 0; i < ROLE_COUNT; i++) {
		sv->modules[i].name = role_table[i].module;
		sv->modules[i].role = role_table[i].role;
		sv->modules[i].listens = role_table[i].listens;
	}
}

struct module *module_by_name(const char *name)
{
	for (int i = 0; i < sv->module_count; i++)
		if (strcmp(sv->modules[i].name, name) == 0)
			return &sv->modules[i];
	return NULL;
}

static bool database_configured(json_object *config)
{
	const char *cs = config_get_string(config, "database.connectionString", NULL);
	return cs && *cs;
}

static bool module_enabled(json_object *config, const struct module *m)
{
	if (strcmp(m->name, "housekeeping") == 0)
		return database_configured(config);
	return config_module_enabled(config, m->name);
}

static int module_wanted(json_object *config, const struct role_row *row)
{
	if (row->count == COUNT_WORKERS)
		return config_module_workers(config, row->module);
	if (row->count == COUNT_BROKERS) {
		json_object *brokers = config_get(config, "modules.messageBrokerPublisher.brokers");
		return brokers && json_object_is_type(brokers, json_type_array) ? (int)json_object_array_length(brokers)
		                                                                : 0;
	}
	return 1;
}

static struct worker *find_worker(struct module *m, int index)
{
	for (int i = 0; i < m->worker_count; i++)
		if (m->workers[i]->index == index)
			return m->workers[i];
	return NULL;
}

static struct worker *add_worker(struct module *m, int index)
{
	if (m->worker_count == m->worker_capacity) {
		int capacity = m->worker_capacity ? m->worker_capacity * 2 : 4;
		struct worker **grown = realloc(m->workers, (size_t)capacity * sizeof(*grown));
		if (!grown)
			fatal(1, "realloc");
		m->workers = grown;
		m->worker_capacity = capacity;
	}
	int pos = m->worker_count;
	while (pos > 0 && m->workers[pos - 1]->index > index) {
		m->workers[pos] = m->workers[pos - 1];
		pos--;
	}
	struct worker *w = worker_new(m, index);
	m->workers[pos] = w;
	m->worker_count++;
	return w;
}

static void update_availability(struct module *m)
{
	char path[SV_PATH_MAX];
	bool was = m->available;
	m->available = spawn_binary_path(m->role, path, sizeof(path));
	if (m->available) {
		m->message[0] = '\0';
		return;
	}
	snprintf(m->message, sizeof(m->message), "connector-%s not found in %s", m->role, paths_libexec_dir());
	if (m->enabled && (was || sv->generation <= 1))
		log_error("Supervisor", "module %s: %s", m->name, m->message);
}

/* A module's settings changed; its instance count alone does not restart the running instances. */
static bool subtree_changed(json_object *previous, json_object *config, const char *path)
{
	if (!previous)
		return false;
	json_object *a = NULL, *b = NULL;
	json_object_deep_copy(config_get(previous, path), &a, NULL);
	json_object_deep_copy(config_get(config, path), &b, NULL);
	if (json_object_is_type(a, json_type_object))
		json_object_object_del(a, "workers");
	if (json_object_is_type(b, json_type_object))
		json_object_object_del(b, "workers");
	bool changed = !json_object_equal(a, b);
	json_object_put(a);
	json_object_put(b);
	return changed;
}

/* Everything but modules.* and supervisor.* is seen by every worker. */
static bool global_changed(json_object *previous, json_object *config)
{
	if (!previous)
		return false;
	json_object *a = NULL, *b = NULL;
	json_object_deep_copy(previous, &a, NULL);
	json_object_deep_copy(config, &b, NULL);
	json_object_object_del(a, "modules");
	json_object_object_del(a, "supervisor");
	json_object_object_del(b, "modules");
	json_object_object_del(b, "supervisor");
	bool changed = !json_object_equal(a, b);
	json_object_put(a);
	json_object_put(b);
	return changed;
}

static void apply_module(struct module *m, const struct role_row *row, json_object *config, bool restart)
{
	m->enabled = module_enabled(config, m);
	m->wanted = m->enabled ? module_wanted(config, row) : 0;
	update_availability(m);
	bool running = sv->phase == PHASE_RUNNING;
	for (int i = 0; i < m->worker_count; i++) {
		struct worker *w = m->workers[i];
		if (w->index > m->wanted && !w->retired) {
			w->retired = true;
			worker_dispatch(w, WE_STOP);
		}
	}
	for (int index = 1; index <= m->wanted; index++) {
		struct worker *w = find_worker(m, index);
		if (!w) {
			w = add_worker(m, index);
			if (running)
				worker_dispatch(w, WE_START);
		} else if (w->retired) {
			w->retired = false;
			if (running)
				worker_dispatch(w, WE_RESTART);
		} else if (running && (w->state == WS_DOWN || w->state == WS_FAILED)) {
			worker_dispatch(w, WE_RESTART);
		} else if (running && restart) {
			w->restart_pending = true;
		}
	}
	modules_roll();
}

void modules_apply_config(json_object *config, bool restart_changed, json_object *previous)
{
	bool global = restart_changed && global_changed(previous, config);
	if (global)
		log_info("Supervisor", "shared configuration changed: restarting every worker");
	for (int i = 0; i < ROLE_COUNT; i++) {
		char path[128];
		snprintf(path, sizeof(path), "modules.%s", role_table[i].module);
		bool changed = global || (restart_changed && subtree_changed(previous, config, path));
		if (changed && sv->modules[i].enabled)
			log_info("Supervisor", "module %s: configuration changed", role_table[i].module);
		apply_module(&sv->modules[i], &role_table[i], config, changed);
	}
}

static enum worker_state worst_state(const struct module *m)
{
	static const int rank[WS_STATE_COUNT] = {
	        [WS_READY] = 0, [WS_DOWN] = 1, [WS_STOPPING] = 2, [WS_STARTING] = 3, [WS_BACKOFF] = 4, [WS_FAILED] = 5};
	enum worker_state worst = WS_READY;
	for (int i = 0; i < m->worker_count; i++)
		if (!m->workers[i]->retired && rank[m->workers[i]->state] > rank[worst])
			worst = m->workers[i]->state;
	return worst;
}

const char *module_state_name(const struct module *m)
{
	if (!m->enabled)
		return "disabled";
	if (!m->available || m->wanted == 0)
		return "failed";
	enum worker_state worst = worst_state(m);
	if (worst == WS_DOWN)
		return sv->phase == PHASE_STOPPING ? "stopped" : "starting";
	return worker_state_name(worst);
}

void modules_start_all(void)
{
	for (int i = 0; i < sv->module_count; i++)
		for (int j = 0; j < sv->modules[i].worker_count; j++)
			worker_dispatch(sv->modules[i].workers[j], WE_START);
}

void modules_stop_all(void)
{
	for (int i = 0; i < sv->module_count; i++)
		for (int j = 0; j < sv->modules[i].worker_count; j++)
			worker_dispatch(sv->modules[i].workers[j], WE_STOP);
}

int modules_running_processes(void)
{
	int count = 0;
	for (int i = 0; i < sv->module_count; i++)
		for (int j = 0; j < sv->modules[i].worker_count; j++)
			count += sv->modules[i].workers[j]->pid > 0;
	return count;
}

bool modules_all_down(void)
{
	return modules_running_processes() == 0;
}

void modules_restart_rolling(struct module *m)
{
	for (int i = 0; i < m->worker_count; i++)
		if (!m->workers[i]->retired)
			m->workers[i]->restart_pending = true;
	modules_roll();
}

/* A module is busy while one of its instances is on its way down or up. */
static bool module_busy(const struct module *m)
{
	for (int i = 0; i < m->worker_count; i++) {
		const struct worker *w = m->workers[i];
		if (!w->retired && (w->state == WS_STOPPING || w->state == WS_STARTING))
			return true;
	}
	return false;
}

/*
 * Next step of the rolling restarts: an instance that is not serving restarts at once; a serving
 * one only while none of its siblings is stopping or starting, so the module keeps serving.
 */
void modules_roll(void)
{
	if (sv->phase != PHASE_RUNNING)
		return;
	for (int i = 0; i < sv->module_count; i++) {
		struct module *m = &sv->modules[i];
		for (int j = 0; j < m->worker_count; j++) {
			struct worker *w = m->workers[j];
			if (!w->restart_pending || w->retired)
				continue;
			if (w->state == WS_READY && module_busy(m))
				break;
			w->restart_pending = false;
			worker_dispatch(w, WE_RESTART);
			if (w->state == WS_STOPPING || w->state == WS_STARTING)
				break;
		}
	}
}

void modules_drop_retired(void)
{
	for (int i = 0; i < sv->module_count; i++) {
		struct module *m = &sv->modules[i];
		int kept = 0;
		for (int j = 0; j < m->worker_count; j++) {
			struct worker *w = m->workers[j];
			if (w->retired && w->pid == 0)
				worker_free(w);
			else
				m->workers[kept++] = w;
		}
		m->worker_count = kept;
	}
}

void modules_free(void)
{
	for (int i = 0; i < sv->module_count; i++) {
		for (int j = 0; j < sv->modules[i].worker_count; j++)
			worker_free(sv->modules[i].workers[j]);
		free(sv->modules[i].workers);
	}
	free(sv->modules);
	sv->modules = NULL;
	sv->module_count = 0;
}
