/*
 * runtime/challenges.h: challenges (Challenges routes): creation at the Backbone and signing with
 * the identity key (Identity), the device key (Device) or the relationship key (Relationship, which
 * must be Active), and validation of a peer's signed challenge against the Backbone's record and
 * the active relationship to its creator. Device challenges cannot be validated (as in the
 * original: 400 error.runtime.notSupported). Nothing is stored.
 *
 * The challenge string is Challenge.serialize(false) of the original: keys sorted, no @type:
 * {"createdBy"?,"createdByDevice"?,"expiresAt","id","type"}.
 */
#ifndef CONNECTOR_RUNTIME_CHALLENGES_H
#define CONNECTOR_RUNTIME_CHALLENGES_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

/* type: "Identity", "Device" or "Relationship" (then relationship_id is required). */
bool rt_challenge_create(struct runtime *rt, const char *type, const char *relationship_id, json_object **dto,
                         struct runtime_error *err);
/* {isValid, correspondingRelationship?}. */
bool rt_challenge_validate(struct runtime *rt, const char *challenge_string, const char *signature_b64,
                           json_object **result, struct runtime_error *err);

#endif
