/*
 * routes_account.h: handlers of the Account routes (routes_account.c), for the route table in
 * routes.c: Account/IdentityInfo, Account/Sync, Account/SyncInfo.
 */
#ifndef CONNECTOR_HTTP_ROUTES_ACCOUNT_H
#define CONNECTOR_HTTP_ROUTES_ACCOUNT_H

#include "server.h"

void account_identity_info_route(const struct api_request *req, struct api_reply *reply);
void account_sync_route(const struct api_request *req, struct api_reply *reply);
void account_sync_info_route(const struct api_request *req, struct api_reply *reply);

#endif
