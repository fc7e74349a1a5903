/*
 * routes_transport.h: the Messages, Files and Challenges handlers (routes_messages.c,
 * routes_files.c, routes_challenges.c), named as the original's, and what they share: binary
 * replies of a decrypted file (Content-Type = stored mimetype, Content-Disposition:
 * attachment;filename=<encodeURIComponent(filename)>), sent from a temporary file.
 */
#ifndef CONNECTOR_HTTP_ROUTES_TRANSPORT_H
#define CONNECTOR_HTTP_ROUTES_TRANSPORT_H

#include <json-c/json.h>

#include "runtime/runtime.h"
#include "server.h"

/* Downloads file id (decrypted) and replies with its bytes; errors become error replies. */
void routes_reply_file_content(const struct api_request *req, struct api_reply *reply, struct runtime *rt,
                               const char *id);

void route_send_message(const struct api_request *req, struct api_reply *reply);
void route_get_messages(const struct api_request *req, struct api_reply *reply);
void route_get_message(const struct api_request *req, struct api_reply *reply);
void route_get_message_attachment(const struct api_request *req, struct api_reply *reply);
void route_download_message_attachment(const struct api_request *req, struct api_reply *reply);

void route_upload_own_file(const struct api_request *req, struct api_reply *reply);
void route_load_peer_file(const struct api_request *req, struct api_reply *reply);
void route_download_file(const struct api_request *req, struct api_reply *reply);
void route_get_files(const struct api_request *req, struct api_reply *reply);
void route_get_own_files(const struct api_request *req, struct api_reply *reply);
void route_get_peer_files(const struct api_request *req, struct api_reply *reply);
void route_get_file(const struct api_request *req, struct api_reply *reply);
void route_create_token_for_file(const struct api_request *req, struct api_reply *reply);
void route_delete_file(const struct api_request *req, struct api_reply *reply);
void route_regenerate_ownership_token(const struct api_request *req, struct api_reply *reply);

void route_create_challenge(const struct api_request *req, struct api_reply *reply);
void route_validate_challenge(const struct api_request *req, struct api_reply *reply);

#endif
