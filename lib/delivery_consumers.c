/*
 * delivery_consumers.c: derives the outbox consumers from the configuration and registers them
 * (delivery_consumers.h). Webhook triggers become exact, "*" or "~regex" subscriptions
 * (webhook_trigger_subscription), so fan-out matches EventEmitter2 semantics in SQL.
 */
#include "delivery_consumers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "log.h"
#include "outbox.h"

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		fatal(1, "strdup");
	return copy;
}

static struct delivery_consumer *add(struct delivery_consumer_set *set, const char *id, const char *kind)
{
	struct delivery_consumer *grown = realloc(set->items, (size_t)(set->count + 1) * sizeof(*grown));
	if (!grown)
		fatal(1, "realloc");
	set->items = grown;
	struct delivery_consumer *c = &set->items[set->count++];
	memset(c, 0, sizeof(*c));
	c->id = xstrdup(id);
	c->kind = xstrdup(kind);
	return c;
}

static void subscribe(struct delivery_consumer *c, char *subscription /* owned */)
{
	if (!subscription)
		fatal(1, "strdup");
	for (int i = 0; i < c->subscription_count; i++)
		if (strcmp(c->subscriptions[i], subscription) == 0) {
			free(subscription);
			return;
		}
	char **grown = realloc(c->subscriptions, (size_t)(c->subscription_count + 1) * sizeof(char *));
	if (!grown)
		fatal(1, "realloc");
	c->subscriptions = grown;
	c->subscriptions[c->subscription_count++] = subscription;
}

static void add_webhooks(const struct webhook_config *cfg, struct delivery_consumer_set *set)
{
	for (int i = 0; i < cfg->hook_count; i++) {
		const struct webhook_hook *h = &cfg->hooks[i];
		struct delivery_consumer *c = add(set, h->consumer_id, "webhook");
		for (int k = 0; k < h->trigger_count; k++)
			subscribe(c, webhook_trigger_subscription(h->triggers[k]));
	}
}

static void lowercase(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static void add_brokers(json_object *root, struct delivery_consumer_set *set)
{
	if (config_module_enabled(root, "messageBrokerPublisher")) {
		json_object *brokers = config_get(root, "modules.messageBrokerPublisher.brokers");
		size_t n = json_object_is_type(brokers, json_type_array) ? json_object_array_length(brokers) : 0;
		for (size_t i = 0; i < n; i++) {
			json_object *type = NULL;
			json_object_object_get_ex(json_object_array_get_idx(brokers, i), "type", &type);
			char id[160], kind[64];
			const char *t =
			        json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "unknown";
			snprintf(id, sizeof(id), "broker:%zu:%s", i + 1, t);
			snprintf(kind, sizeof(kind), "%s", t);
			lowercase(kind);
			subscribe(add(set, id, kind), xstrdup("*"));
		}
	}
	if (config_module_enabled(root, "amqpPublisher"))
		subscribe(add(set, "amqpPublisher", "amqp"), xstrdup("*"));
	if (config_module_enabled(root, "PubSubPublisher"))
		subscribe(add(set, "PubSubPublisher", "pubsub"), xstrdup("*"));
}

static void add_relationship_modules(json_object *root, struct delivery_consumer_set *set)
{
	static const struct {
		const char *module, *kind;
	} rows[] = {{"autoAcceptRelationshipCreationChanges", "auto-accept"},
	            {"autoAcceptPendingRelationships", "auto-accept"},
	            {"autoDecomposeDeletionProposedRelationships", "auto-decompose"}};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (config_module_enabled(root, rows[i].module))
			subscribe(add(set, rows[i].module, rows[i].kind), xstrdup("transport.relationshipChanged"));
}

bool delivery_consumers_from_config(json_object *root, struct delivery_consumer_set *out, struct webhook_error *err)
{
	memset(out, 0, sizeof(*out));
	if (config_module_enabled(root, "webhooks")) {
		struct webhook_config cfg;
		bool parsed = webhook_config_parse(root, &cfg, err);
		if (parsed)
			add_webhooks(&cfg, out);
		webhook_config_free(&cfg);
		if (!parsed)
			return false;
	}
	add_brokers(root, out);
	add_relationship_modules(root, out);
	return true;
}

void delivery_consumers_free(struct delivery_consumer_set *set)
{
	for (int i = 0; i < set->count; i++) {
		for (int k = 0; k < set->items[i].subscription_count; k++)
			free(set->items[i].subscriptions[k]);
		free(set->items[i].subscriptions);
		free(set->items[i].id);
		free(set->items[i].kind);
	}
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static bool in_set(const struct delivery_consumer_set *set, const char *id)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->items[i].id, id) == 0)
			return true;
	return false;
}

static bool disable_others(struct db *db, const struct delivery_consumer_set *set, int *disabled)
{
	PGresult *res =
	        db_exec(db, "SELECT consumer_id FROM outbox_consumers WHERE enabled ORDER BY consumer_id", 0, NULL);
	if (!res)
		return false;
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, 0);
		if (in_set(set, id))
			continue;
		ok = outbox_consumer_disable(db, id);
		if (ok) {
			log_info("Delivery", "consumer %s is no longer configured: disabled", id);
			(*disabled)++;
		}
	}
	PQclear(res);
	return ok;
}

/* A schema migrated from another sql/ directory (tests) may have no outbox: nothing to disable then. */
static int outbox_present(struct db *db)
{
	PGresult *res = db_exec(db, "SELECT to_regclass('outbox_consumers') IS NOT NULL", 0, NULL);
	if (!res)
		return -1;
	int present = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return present;
}

bool delivery_consumers_sync(struct db *db, const struct delivery_consumer_set *set, int *registered, int *disabled)
{
	int reg = 0, dis = 0;
	int present = set->count ? 1 : outbox_present(db);
	if (present <= 0) {
		if (registered)
			*registered = 0;
		if (disabled)
			*disabled = 0;
		return present == 0;
	}
	if (!db_begin(db))
		return false;
	bool ok = true;
	for (int i = 0; ok && i < set->count; i++) {
		const struct delivery_consumer *c = &set->items[i];
		ok = outbox_consumer_register(db, c->id, c->kind, (const char *const *)c->subscriptions,
		                              c->subscription_count);
		reg += ok;
	}
	ok = ok && disable_others(db, set, &dis) && db_commit(db);
	if (!ok) {
		db_rollback(db);
		return false;
	}
	if (registered)
		*registered = reg;
	if (disabled)
		*disabled = dis;
	return true;
}
