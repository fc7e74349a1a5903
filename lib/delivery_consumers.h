/*
 * delivery_consumers.h: the outbox consumers the configuration asks for, and their registration.
 *
 * Consumer ids (stable; doc/delivery.md):
 *   webhook:<n>:<target>   modules.webhooks.webhooks[n-1] (1-based) posting to the named target, or
 *   webhook:<n>:inline     to its inline target; subscriptions: its triggers (EventEmitter2 patterns)
 *   broker:<n>:<type>      modules.messageBrokerPublisher.brokers[n-1] (the publisher's --index n)
 *   amqpPublisher, PubSubPublisher                 the deprecated single-broker modules
 *   autoAcceptRelationshipCreationChanges, autoAcceptPendingRelationships,
 *   autoDecomposeDeletionProposedRelationships     (transport.relationshipChanged only)
 * connector-migrate registers them right after the migrations, before any worker starts, so no
 * event is appended before its consumers exist. Consumers no longer configured are disabled (their
 * open deliveries cancelled), never deleted, so their history stays visible.
 */
#ifndef CONNECTOR_DELIVERY_CONSUMERS_H
#define CONNECTOR_DELIVERY_CONSUMERS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "db.h"
#include "delivery_webhook.h"

struct delivery_consumer {
	char *id;
	char *kind; /* webhook, amqp, mqtt, pubsub, redis, auto-accept, auto-decompose */
	char **subscriptions;
	int subscription_count;
};

struct delivery_consumer_set {
	struct delivery_consumer *items;
	int count;
};

/*
 * Derives the consumers of the configuration root. A bad webhooks configuration fails with the
 * original's code and message in err (the set is then empty).
 */
bool delivery_consumers_from_config(json_object *root, struct delivery_consumer_set *out, struct webhook_error *err);
void delivery_consumers_free(struct delivery_consumer_set *set);

/*
 * In one transaction: registers (upserts, enables) every consumer of the set and disables every
 * enabled consumer not in it. Counts go to *registered and *disabled (may be NULL). An empty set on a
 * schema without outbox tables is a no-op.
 */
bool delivery_consumers_sync(struct db *db, const struct delivery_consumer_set *set, int *registered, int *disabled);

#endif
