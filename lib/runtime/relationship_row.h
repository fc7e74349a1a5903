/*
 * runtime/relationship_row.h: one stored relationship (table relationships) and its DTO, shared by
 * relationships.c (actions) and relationship_sync.c (external events).
 */
#ifndef CONNECTOR_RUNTIME_RELATIONSHIP_ROW_H
#define CONNECTOR_RUNTIME_RELATIONSHIP_ROW_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

struct rel_row {
	char id[24];
	char status[24];
	char secrets_kind[8];
	char *secrets; /* ecrypto_free_text */
	json_object *dto;
};

/* Loads id (locked FOR UPDATE when lock); *found tells whether it exists. */
bool rel_row_load(struct runtime *rt, const char *id, bool lock, struct rel_row *row, bool *found,
                  struct runtime_error *err);
void rel_row_clear(struct rel_row *row);
/* Copies status and audit log of the Backbone's RelationshipMetadataDTO into row->dto. */
bool rel_row_apply_metadata(struct rel_row *row, json_object *metadata);
/* Writes dto, status and secrets back. */
bool rel_row_save(struct runtime *rt, struct rel_row *row, struct runtime_error *err);
bool rel_row_insert(struct runtime *rt, struct rel_row *row, const char *template_id, const char *peer,
                    struct runtime_error *err);

/* The DTO of a new relationship: metadata + peer identity + creation content. */
json_object *rel_dto_new(json_object *metadata, const char *peer, const char *peer_public_key_b64,
                         json_object *creation_content);
/* Number of audit log entries of a DTO. */
size_t rel_audit_length(json_object *dto);
/* The last audit log entry (borrowed) or NULL. */
json_object *rel_audit_last(json_object *dto);
/* True when the first audit entry was made by address (this side requested the relationship). */
bool rel_created_by(json_object *dto, const char *address);
/* True for the statuses the transport knows (Pending ... DeletionProposed). */
bool rel_status_known(const char *status);

#endif
