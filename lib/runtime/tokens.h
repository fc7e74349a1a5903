/*
 * runtime/tokens.h: tokens (own and peer) and relationship templates (own and peer): creation at
 * the Backbone, loading by reference (truncated, URL or through a token), storage, lists, deletion.
 *
 * Invariants: a stored row's dto is exactly the DTO the HTTP API answers; ephemeral tokens are
 * never stored; loading a peer template emits transport.peerRelationshipTemplateLoaded in the
 * transaction that stores it.
 */
#ifndef CONNECTOR_RUNTIME_TOKENS_H
#define CONNECTOR_RUNTIME_TOKENS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "http_query.h"
#include "runtime/runtime.h"
#include "runtime/store.h"

/* Shared options of token creation. expires_at: ISO date (required); for_identity may be NULL. */
struct rt_token_options {
	const char *expires_at;
	bool ephemeral;
	const char *for_identity;
	struct rt_password_input password; /* password.password NULL: none */
};

bool rt_token_create_own(struct runtime *rt, json_object *content, const struct rt_token_options *options,
                         json_object **dto, struct runtime_error *err);
/* reference: truncated or URL of a TOK... reference. */
bool rt_token_load_peer(struct runtime *rt, const char *reference, bool ephemeral, const char *password,
                        json_object **dto, struct runtime_error *err);
bool rt_tokens_list(struct runtime *rt, bool own, const struct http_query *query, json_object **list,
                    struct runtime_error *err);
bool rt_token_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err);
bool rt_token_delete(struct runtime *rt, const char *id, struct runtime_error *err);

struct rt_template_options {
	const char *expires_at;
	int max_allocations; /* 0: unlimited */
	const char *for_identity;
	struct rt_password_input password;
};

bool rt_template_create_own(struct runtime *rt, json_object *content, const struct rt_template_options *options,
                            json_object **dto, struct runtime_error *err);
/* reference: a template reference (RLT) or a token reference (TOK) whose content names a template. */
bool rt_template_load_peer(struct runtime *rt, const char *reference, const char *password, json_object **dto,
                           struct runtime_error *err);
/* own: 1 own, 0 peer, -1 all. */
bool rt_templates_list(struct runtime *rt, int own, const struct http_query *query, json_object **list,
                       struct runtime_error *err);
bool rt_template_get(struct runtime *rt, const char *id, json_object **dto, struct runtime_error *err);
bool rt_template_delete(struct runtime *rt, const char *id, struct runtime_error *err);
/* A token whose content is TokenContentRelationshipTemplate of the own template id. */
bool rt_template_create_token(struct runtime *rt, const char *id, const struct rt_token_options *options,
                              json_object **dto, struct runtime_error *err);

/* Internal (templates.c): parses a token reference, fetches and decrypts the token; on success ref,
 * r (the Backbone's TokenDTO) and content must be released by the caller. */
bool rt_token_fetch_content(struct runtime *rt, const char *reference, const char *password,
                            struct ecrypto_reference *ref, struct backbone_response *r, json_object **content,
                            struct runtime_error *err);

#endif
