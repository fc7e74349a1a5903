/*
 * runtime/auto_accept.h: the decisions of the modules autoAcceptRelationshipCreationChanges (seed
 * name), autoAcceptPendingRelationships and autoDecomposeDeletionProposedRelationships
 * (connector-modules.md §2.7, §5.2), separated from the worker that reads the events.
 *
 *   accept:    on transport.relationshipChanged with status Pending, exactly one audit log entry
 *              and that entry not made by this identity -> accept the relationship;
 *   decompose: on transport.relationshipChanged with status DeletionProposed -> decompose it; at
 *              start every relationship already DeletionProposed is decomposed as well.
 */
#ifndef CONNECTOR_RUNTIME_AUTO_ACCEPT_H
#define CONNECTOR_RUNTIME_AUTO_ACCEPT_H

#include <stdbool.h>

#include "runtime/relationships.h"

enum auto_kind { AUTO_NONE, AUTO_ACCEPT, AUTO_DECOMPOSE };

/* The kind of a module name (AUTO_NONE for another name). */
enum auto_kind auto_kind_of_module(const char *module);

/* What to do with an event: true and *id (borrowed from dto) when the relationship is to be acted on. */
bool auto_decide(enum auto_kind kind, const char *namespace, json_object *dto, const char *own_address,
                 const char **id);

enum auto_result { AUTO_DONE, AUTO_NOTHING, AUTO_TRANSIENT, AUTO_REFUSED };

/* Acts on the relationship (accept or decompose). AUTO_NOTHING when it has moved on meanwhile
 * (wrong status, already gone); AUTO_TRANSIENT when the Backbone or database is unreachable. */
enum auto_result auto_act(struct runtime *rt, enum auto_kind kind, const char *id, struct runtime_error *err);

/* Decomposes every stored DeletionProposed relationship; returns how many, -1 on a database error. */
int auto_decompose_pending(struct runtime *rt);

#endif
