/*
 * runtime/relationships.h: relationships (runtime 5+ model, backbone-api.md §3.7, §4.1): creation
 * from a loaded peer template, the lifecycle actions of either side, decomposition, CanCreate, and
 * applying the Backbone's external events (§5) during a sync.
 *
 * Invariants:
 *   - an action holds the row lock (SELECT ... FOR UPDATE) from its local checks through the
 *     Backbone call to the commit, so a concurrent sync cannot interleave with it;
 *   - status and audit log are copied from the Backbone's answer, never computed locally;
 *   - every change is committed together with its events: transport.relationshipChanged (DTO) for
 *     every change, plus transport.relationshipReactivationRequested/-Completed,
 *     transport.peerToBeDeleted / peerDeletionCancelled / peerDeleted, and
 *     transport.relationshipDecomposedBySelf ({relationshipId}) when this side decomposes (the row
 *     is deleted then).
 */
#ifndef CONNECTOR_RUNTIME_RELATIONSHIPS_H
#define CONNECTOR_RUNTIME_RELATIONSHIPS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "http_query.h"
#include "runtime/runtime.h"

enum rt_rel_action {
	RT_REL_ACCEPT,
	RT_REL_REJECT,
	RT_REL_REVOKE,
	RT_REL_TERMINATE,
	RT_REL_REACTIVATE,
	RT_REL_REACTIVATE_ACCEPT,
	RT_REL_REACTIVATE_REJECT,
	RT_REL_REACTIVATE_REVOKE,
	RT_REL_DECOMPOSE,
};

/* content: RelationshipCreationContent / ArbitraryRelationshipCreationContent (checked by the caller). */
bool rt_relationship_create(struct runtime *rt, const char *template_id, json_object *content, json_object **dto,
                            struct runtime_error *err);
/* {isSuccess: true} or {isSuccess: false, code, message}; false only when the check itself failed. */
bool rt_relationship_can_create(struct runtime *rt, const char *template_id, json_object **result,
                                struct runtime_error *err);
/* dto is NULL after RT_REL_DECOMPOSE. */
bool rt_relationship_act(struct runtime *rt, const char *id, enum rt_rel_action action, json_object **dto,
                         struct runtime_error *err);
bool rt_relationships_list(struct runtime *rt, const struct http_query *query, json_object **list,
                           struct runtime_error *err);
bool rt_relationship_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err);

/*
 * Sync (inside the caller's open transaction): the relationship changed at the Backbone.
 * event_namespace: an extra event to emit besides transport.relationshipChanged (NULL: none).
 * *skipped is set when the event concerns nothing here (e.g. decomposed by this side already).
 */
bool rt_relationship_apply_remote(struct runtime *rt, const char *id, const char *event_namespace, bool *skipped,
                                  struct runtime_error *err);
/* PeerToBeDeleted (deletion_date set, status "ToBeDeleted"), PeerDeleted ("Deleted"), PeerDeletionCancelled (status
 * NULL). */
bool rt_relationship_peer_deletion(struct runtime *rt, const char *id, const char *status, const char *deletion_date,
                                   const char *event_namespace, bool *skipped, struct runtime_error *err);
/* RelationshipTemplateAllocationsExhausted: emits the own template's DTO (nothing for an unknown one). */
bool rt_template_allocations_exhausted(struct runtime *rt, const char *template_id, bool *skipped,
                                       struct runtime_error *err);

#endif
