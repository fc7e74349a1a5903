/*
 * delivery_admin.h: what operators see of the delivery core and what they may do (connectorctl
 * deliveries, /Monitoring/Deliveries...): per-consumer backlog, oldest undelivered age, attempts and
 * dead letters, the attempt log of one event, and replay of dead letters. Results are JSON objects
 * (caller owns); NULL means a database error (db_error tells).
 */
#ifndef CONNECTOR_DELIVERY_ADMIN_H
#define CONNECTOR_DELIVERY_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "db.h"

/*
 * {"consumers":[{"consumerId","kind","enabled","subscriptions":[...],"pending","inFlight","delivered",
 *   "deadLetters","cancelled","oldestUndeliveredAgeMs" (null when none),"attempts" (sum),
 *   "lastError" (of the newest failing attempt or null)}], "generatedAt"}
 */
json_object *delivery_admin_overview(struct db *db);
/* {"deadLetters":[{"consumerId","eventId","namespace","attempts","lastError","createdAt"}]} (newest first). */
json_object *delivery_admin_dead_letters(struct db *db, const char *consumer_id /* NULL: all */, int limit);
/* {"eventId","namespace","createdAt","deliveries":[{"consumerId","state","attempts","attemptLog":[...]}]}; NULL fields
 * when unknown. */
json_object *delivery_admin_event(struct db *db, const char *event_id);
/*
 * Makes dead letters due now with a fresh attempt count (consumer_id and/or event_id narrow it; both
 * NULL: every dead letter) and wakes the workers. *count gets the number replayed. false on error
 * (also for an event_id that is not a uuid, before any statement).
 */
bool delivery_admin_replay(struct db *db, const char *consumer_id, const char *event_id, int64_t *count);

#endif
