/*
 * route_deliveries.h: handlers of the operators' delivery routes (route_deliveries.c), for the route
 * table in routes.c:
 *   {HTTP_M_GET, "/Monitoring/Deliveries", 0, "deliveries", deliveries_overview},
 *   {HTTP_M_GET, "/Monitoring/Deliveries/DeadLetters", 0, "deadLetters", deliveries_dead_letters},
 *   {HTTP_M_GET, "/Monitoring/Deliveries/Events/{eventId}", 0, "deliveryEvent", deliveries_event},
 *   {HTTP_M_POST, "/Monitoring/Deliveries/Replay", 0, "replayDeadLetters", deliveries_replay},
 */
#ifndef CONNECTOR_ROUTE_DELIVERIES_H
#define CONNECTOR_ROUTE_DELIVERIES_H

#include "server.h"

void deliveries_overview(const struct api_request *req, struct api_reply *reply);
void deliveries_dead_letters(const struct api_request *req, struct api_reply *reply);
void deliveries_event(const struct api_request *req, struct api_reply *reply);
void deliveries_replay(const struct api_request *req, struct api_reply *reply);

#endif
