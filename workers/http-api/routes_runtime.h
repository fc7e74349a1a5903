/*
 * routes_runtime.h: what the Tokens, RelationshipTemplates and Relationships handlers share: the
 * worker's account session (database, Backbone client, identity; opened on first use and kept),
 * error replies from a struct runtime_error, and request validation with the original's messages
 * ("must have required property 'content'", "id must match pattern REL.*", ...).
 */
#ifndef CONNECTOR_HTTP_ROUTES_RUNTIME_H
#define CONNECTOR_HTTP_ROUTES_RUNTIME_H

#include <stdbool.h>

#include "runtime/runtime.h"
#include "runtime/store.h"
#include "server.h"

/* Fills rt with the session; false after replying with the reason (the session could not open). */
bool routes_runtime(const struct api_request *req, struct api_reply *reply, struct runtime *rt);
/* Replies with err (code, message, the Backbone's status when it is the Backbone's own error). */
void routes_reply_runtime_error(struct api_reply *reply, const struct runtime_error *err);
/* Replies result when ok, else err (routes_reply_runtime_error). */
void routes_reply_result(struct api_reply *reply, bool ok, json_object *result, const struct runtime_error *err);
/* A runtime list (own: 1 own, 0 peer, -1 both) and a peer load by {reference, password?}. */
typedef bool (*routes_list_fn)(struct runtime *rt, int own, const struct http_query *query, json_object **list,
                               struct runtime_error *err);
typedef bool (*routes_load_fn)(struct runtime *rt, const char *reference, const char *password, json_object **dto,
                               struct runtime_error *err);
/* GET list handler body: opens the session, calls list, replies. */
void routes_list(const struct api_request *req, struct api_reply *reply, int own, routes_list_fn list);
/* POST /Peer handler body: reads reference (required) and password, opens the session, calls load. */
void routes_load_peer(const struct api_request *req, struct api_reply *reply, routes_load_fn load);
/* Replies 400 error.runtime.validation.invalidPropertyValue with the message. Returns false. */
bool routes_invalid(struct api_reply *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * content must be an object whose "@type" is type or Arbitrary<type> (field names it in the message);
 * another "@type" gets the runtime's error.runtime.unknownType. False after replying.
 */
bool routes_check_content_type(struct api_reply *reply, json_object *content, const char *field, const char *type);

/* The id parameter must start with prefix and be 20 characters ("id must match pattern TOK.*"). */
bool routes_check_id(const struct api_request *req, struct api_reply *reply, const char *prefix, const char **id);
/* The JSON body (an object; {} when absent). */
json_object *routes_body(const struct api_request *req);
/* Field readers: false after replying. Optional readers leave *out NULL / unchanged when absent. */
bool routes_require(struct api_reply *reply, json_object *body, const char *name, json_object **out);
bool routes_string(struct api_reply *reply, json_object *body, const char *name, bool required, const char **out);
bool routes_bool(struct api_reply *reply, json_object *body, const char *name, bool *out);
/* ISO date; future: must lie in the future. */
bool routes_date(struct api_reply *reply, json_object *body, const char *name, bool required, bool future,
                 const char **out);
bool routes_address(struct api_reply *reply, json_object *body, const char *name, const char **out);
/* passwordProtection {password, passwordIsPin?, passwordLocationIndicator?}. */
bool routes_password(struct api_reply *reply, json_object *body, struct rt_password_input *out);
/* {expiresAt, ephemeral?, forIdentity?, passwordProtection?} of token creation (routes_tokens.c). */
struct rt_token_options;
bool routes_token_options(struct api_reply *reply, json_object *body, bool expires_required,
                          struct rt_token_options *o);
/* True when the client prefers image/png (the QR code variant). */
bool routes_wants_png(const struct api_request *req);
/* Replies with the QR code (image/png, attachment <id>.png) of dto's reference.url; takes dto. */
void routes_reply_qr(struct api_reply *reply, json_object *dto);

/* Handlers (routes_tokens.c, routes_templates.c, routes_relationships.c), named as the original's. */
void route_create_own_token(const struct api_request *req, struct api_reply *reply);
void route_load_peer_token(const struct api_request *req, struct api_reply *reply);
void route_get_own_tokens(const struct api_request *req, struct api_reply *reply);
void route_get_peer_tokens(const struct api_request *req, struct api_reply *reply);
void route_get_token(const struct api_request *req, struct api_reply *reply);
void route_delete_token(const struct api_request *req, struct api_reply *reply);

void route_get_templates(const struct api_request *req, struct api_reply *reply);
void route_get_own_templates(const struct api_request *req, struct api_reply *reply);
void route_get_peer_templates(const struct api_request *req, struct api_reply *reply);
void route_get_template(const struct api_request *req, struct api_reply *reply);
void route_create_own_template(const struct api_request *req, struct api_reply *reply);
void route_load_peer_template(const struct api_request *req, struct api_reply *reply);
void route_delete_template(const struct api_request *req, struct api_reply *reply);
void route_create_token_for_template(const struct api_request *req, struct api_reply *reply);

void route_can_create_relationship(const struct api_request *req, struct api_reply *reply);
void route_create_relationship(const struct api_request *req, struct api_reply *reply);
void route_get_relationships(const struct api_request *req, struct api_reply *reply);
void route_get_relationship(const struct api_request *req, struct api_reply *reply);
void route_get_relationship_attributes(const struct api_request *req, struct api_reply *reply);
void route_accept_relationship(const struct api_request *req, struct api_reply *reply);
void route_reject_relationship(const struct api_request *req, struct api_reply *reply);
void route_revoke_relationship(const struct api_request *req, struct api_reply *reply);
void route_terminate_relationship(const struct api_request *req, struct api_reply *reply);
void route_decompose_relationship(const struct api_request *req, struct api_reply *reply);
void route_request_reactivation(const struct api_request *req, struct api_reply *reply);
void route_accept_reactivation(const struct api_request *req, struct api_reply *reply);
void route_reject_reactivation(const struct api_request *req, struct api_reply *reply);
void route_revoke_reactivation(const struct api_request *req, struct api_reply *reply);

#endif
