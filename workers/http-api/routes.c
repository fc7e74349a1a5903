/*
 * routes.c: the route table of the Core HTTP API. Unprefixed infrastructure routes (/health,
 * the /Monitoring routes) and every business route of today's Connector (reference table
 * http-api-routes-HEAD.tsv), each mounted under /api/core/v1 and /api/v2. A business route whose
 * handler is still NULL answers 501 error.connector.http.notImplemented, so the table (and with it
 * 404 / 405 / 406 behaviour) is complete before the handlers are: later work only fills in handlers.
 */
#include "server.h"

#include "routes_account.h"
#include "routes_runtime.h"

#include "log.h"
#include "route_deliveries.h"

static const struct api_route infrastructure_routes[] = {
        {HTTP_M_GET, "/health", HTTP_ROUTE_PUBLIC, "health", health_route},
        {HTTP_M_GET, "/Monitoring/Version", 0, "version", monitoring_version},
        {HTTP_M_GET, "/Monitoring/Requests", 0, "requests", monitoring_requests},
        {HTTP_M_GET, "/Monitoring/Support", 0, "support", monitoring_support},
        {HTTP_M_GET, "/Monitoring/Deliveries", 0, "deliveries", deliveries_overview},
        {HTTP_M_GET, "/Monitoring/Deliveries/DeadLetters", 0, "deadLetters", deliveries_dead_letters},
        {HTTP_M_GET, "/Monitoring/Deliveries/Events/{eventId}", 0, "deliveryEvent", deliveries_event},
        {HTTP_M_POST, "/Monitoring/Deliveries/Replay", 0, "replayDeadLetters", deliveries_replay},
};

#define J  HTTP_ROUTE_ACCEPT_JSON
#define JP (HTTP_ROUTE_ACCEPT_JSON | HTTP_ROUTE_ACCEPT_PNG)

static const struct api_route business_routes[] = {
        {HTTP_M_GET, "/Account/IdentityInfo", J, "getIdentityInfo", account_identity_info_route},
        {HTTP_M_POST, "/Account/Sync", J, "sync", account_sync_route},
        {HTTP_M_GET, "/Account/SyncInfo", J, "getSyncInfo", account_sync_info_route},
        {HTTP_M_GET, "/Announcements", J, "getAnnouncements", NULL},
        {HTTP_M_PUT, "/Attributes/CanCreate", J, "canCreateOwnIdentityAttribute", NULL},
        {HTTP_M_POST, "/Attributes", J, "createOwnIdentityAttribute", NULL},
        {HTTP_M_POST, "/Attributes/{predecessorId}/Succeed", J, "succeedAttribute", NULL},
        {HTTP_M_POST, "/Attributes/{id}/NotifyPeer", J, "notifyPeerAboutOwnIdentityAttributeSuccession", NULL},
        {HTTP_M_GET, "/Attributes", J, "getAttributes", NULL},
        {HTTP_M_GET, "/Attributes/Own/Identity", J, "getOwnIdentityAttributes", NULL},
        {HTTP_M_GET, "/Attributes/Own/Shared/{peer}", J, "getOwnAttributesSharedWithPeer", NULL},
        {HTTP_M_GET, "/Attributes/Peer/{peer}", J, "getPeerAttributes", NULL},
        {HTTP_M_GET, "/Attributes/{id}/ForwardingDetails", J, "getForwardingDetailsForAttribute", NULL},
        {HTTP_M_GET, "/Attributes/{id}/Versions", J, "getVersionsOfAttribute", NULL},
        {HTTP_M_GET, "/Attributes/{id}/Versions/Shared", J, "getVersionsOfAttributeSharedWithPeer", NULL},
        {HTTP_M_GET, "/Attributes/TagCollection", J, "getAttributeTagCollection", NULL},
        {HTTP_M_POST, "/Attributes/ExecuteIdentityAttributeQuery", J, "executeIdentityAttributeQuery", NULL},
        {HTTP_M_POST, "/Attributes/ExecuteRelationshipAttributeQuery", J, "executeRelationshipAttributeQuery", NULL},
        {HTTP_M_POST, "/Attributes/ExecuteThirdPartyRelationshipAttributeQuery", J,
         "executeThirdPartyRelationshipAttributeQuery", NULL},
        {HTTP_M_POST, "/Attributes/ExecuteIQLQuery", J, "executeIQLQuery", NULL},
        {HTTP_M_POST, "/Attributes/ValidateIQLQuery", J, "validateIQLQuery", NULL},
        {HTTP_M_GET, "/Attributes/{id}", J, "getAttribute", NULL},
        {HTTP_M_DELETE, "/Attributes/{id}", 0, "deleteAttributeAndNotify", NULL},
        {HTTP_M_POST, "/BackboneNotifications", J, "sendBackboneNotification", NULL},
        {HTTP_M_POST, "/Challenges", J, "createChallenge", NULL},
        {HTTP_M_POST, "/Challenges/Validate", J, "validateChallenge", NULL},
        {HTTP_M_POST, "/Files/Own", J, "uploadOwnFile", NULL},
        {HTTP_M_POST, "/Files/Peer", J, "loadPeerFile", NULL},
        {HTTP_M_GET, "/Files/{id}/Download", 0, "downloadFile", NULL},
        {HTTP_M_GET, "/Files", J, "getFiles", NULL},
        {HTTP_M_GET, "/Files/Own", J, "getOwnFiles", NULL},
        {HTTP_M_GET, "/Files/Peer", J, "getPeerFiles", NULL},
        {HTTP_M_GET, "/Files/{idOrReference}", JP, "getFile", NULL},
        {HTTP_M_POST, "/Files/{id}/Token", JP, "createTokenForFile", NULL},
        {HTTP_M_DELETE, "/Files/{id}", 0, "deleteFile", NULL},
        {HTTP_M_PATCH, "/Files/{id}/RegenerateOwnershipToken", 0, "regenerateOwnershipToken", NULL},
        {HTTP_M_PUT, "/IdentityMetadata", J, "upsertIdentityMetadata", NULL},
        {HTTP_M_GET, "/IdentityMetadata", 0, "getIdentityMetadata", NULL},
        {HTTP_M_DELETE, "/IdentityMetadata", 0, "deleteIdentityMetadata", NULL},
        {HTTP_M_PUT, "/Requests/Incoming/{id}/CanAccept", J, "canAccept", NULL},
        {HTTP_M_PUT, "/Requests/Incoming/{id}/Accept", J, "accept", NULL},
        {HTTP_M_PUT, "/Requests/Incoming/{id}/CanReject", J, "canReject", NULL},
        {HTTP_M_PUT, "/Requests/Incoming/{id}/Reject", J, "reject", NULL},
        {HTTP_M_GET, "/Requests/Incoming/{id}", J, "getRequest", NULL},
        {HTTP_M_GET, "/Requests/Incoming", J, "getRequests", NULL},
        {HTTP_M_POST, "/Messages", J, "sendMessage", NULL},
        {HTTP_M_GET, "/Messages", J, "getMessages", NULL},
        {HTTP_M_GET, "/Messages/{id}", J, "getMessage", NULL},
        {HTTP_M_GET, "/Messages/{id}/Attachments/{attachmentId}", J, "getMessageAttachmentMetadata", NULL},
        {HTTP_M_GET, "/Messages/{id}/Attachments/{attachmentId}/Download", J, "downloadMessageAttachment", NULL},
        {HTTP_M_POST, "/Requests/Outgoing/Validate", J, "canCreate", NULL},
        {HTTP_M_POST, "/Requests/Outgoing", J, "create", NULL},
        {HTTP_M_GET, "/Requests/Outgoing/{id}", J, "getRequest", NULL},
        {HTTP_M_GET, "/Requests/Outgoing", J, "getRequests", NULL},
        {HTTP_M_GET, "/RelationshipTemplates", 0, "getTemplates", route_get_templates},
        {HTTP_M_GET, "/RelationshipTemplates/Own", J, "getOwnTemplates", route_get_own_templates},
        {HTTP_M_GET, "/RelationshipTemplates/Peer", J, "getPeerTemplates", route_get_peer_templates},
        {HTTP_M_GET, "/RelationshipTemplates/{id}", JP, "getRelationshipTemplate", route_get_template},
        {HTTP_M_POST, "/RelationshipTemplates/Own", J, "createOwnTemplate", route_create_own_template},
        {HTTP_M_POST, "/RelationshipTemplates/Peer", J, "loadPeerTemplate", route_load_peer_template},
        {HTTP_M_DELETE, "/RelationshipTemplates/{id}", 0, "deleteRelationshipTemplate", route_delete_template},
        {HTTP_M_POST, "/RelationshipTemplates/Own/{id}/Token", JP, "createTokenForOwnRelationshipTemplate",
         route_create_token_for_template},
        {HTTP_M_PUT, "/Relationships/CanCreate", J, "canCreateRelationship", route_can_create_relationship},
        {HTTP_M_POST, "/Relationships", J, "createRelationship", route_create_relationship},
        {HTTP_M_PUT, "/Relationships/{id}/Accept", J, "acceptRelationship", route_accept_relationship},
        {HTTP_M_PUT, "/Relationships/{id}/Reject", J, "rejectRelationship", route_reject_relationship},
        {HTTP_M_PUT, "/Relationships/{id}/Revoke", J, "revokeRelationship", route_revoke_relationship},
        {HTTP_M_GET, "/Relationships", J, "getRelationships", route_get_relationships},
        {HTTP_M_GET, "/Relationships/{id}", J, "getRelationship", route_get_relationship},
        {HTTP_M_GET, "/Relationships/{id}/Attributes", J, "getAttributesForRelationship",
         route_get_relationship_attributes},
        {HTTP_M_PUT, "/Relationships/{id}/Terminate", J, "terminateRelationship", route_terminate_relationship},
        {HTTP_M_DELETE, "/Relationships/{id}", J, "decomposeRelationship", route_decompose_relationship},
        {HTTP_M_PUT, "/Relationships/{id}/Reactivate", J, "requestRelationshipReactivation",
         route_request_reactivation},
        {HTTP_M_PUT, "/Relationships/{id}/Reactivate/Accept", J, "acceptRelationshipReactivation",
         route_accept_reactivation},
        {HTTP_M_PUT, "/Relationships/{id}/Reactivate/Reject", J, "rejectRelationshipReactivation",
         route_reject_reactivation},
        {HTTP_M_PUT, "/Relationships/{id}/Reactivate/Revoke", J, "revokeRelationshipReactivation",
         route_revoke_reactivation},
        {HTTP_M_POST, "/Tokens/Own", J, "createOwnToken", route_create_own_token},
        {HTTP_M_POST, "/Tokens/Peer", J, "loadPeerToken", route_load_peer_token},
        {HTTP_M_GET, "/Tokens/Own", J, "getOwnTokens", route_get_own_tokens},
        {HTTP_M_GET, "/Tokens/Peer", J, "getPeerTokens", route_get_peer_tokens},
        {HTTP_M_DELETE, "/Tokens/{id}", 0, "deleteToken", route_delete_token},
        {HTTP_M_GET, "/Tokens/{id}", JP, "getToken", route_get_token},
        {HTTP_M_POST, "/IdentityDeletionProcess", J | HTTP_ROUTE_DEBUG_ONLY, "initiateIdentityDeletionProcess", NULL},
        {HTTP_M_GET, "/IdentityDeletionProcess", J | HTTP_ROUTE_DEBUG_ONLY, "getActiveIdentityDeletionProcess", NULL},
        {HTTP_M_DELETE, "/IdentityDeletionProcess", J | HTTP_ROUTE_DEBUG_ONLY, "cancelIdentityDeletionProcess", NULL},
};

static int mount(struct http_server *server, const struct api_route *route, bool business)
{
	char err[256];
	int rc = business ? http_router_add_api(&server->router, route->method, route->path, route->flags, route, err,
	                                        sizeof(err))
	                  : http_router_add(&server->router, route->method, route->path, route->flags, route, err,
	                                    sizeof(err));
	if (rc != 0)
		log_error("HttpServer", "%s", err);
	return rc;
}

int routes_mount(struct http_server *server)
{
	for (size_t i = 0; i < sizeof(infrastructure_routes) / sizeof(infrastructure_routes[0]); i++)
		if (mount(server, &infrastructure_routes[i], false) != 0)
			return -1;
	for (size_t i = 0; i < sizeof(business_routes) / sizeof(business_routes[0]); i++) {
		if ((business_routes[i].flags & HTTP_ROUTE_DEBUG_ONLY) && !server->debug)
			continue;
		if (mount(server, &business_routes[i], true) != 0)
			return -1;
	}
	return 0;
}
