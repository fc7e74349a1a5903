/*
 * routes_challenges.c: POST /Challenges ({challengeType: Identity|Device|Relationship,
 * relationship?}) and POST /Challenges/Validate ({challengeString, signature}), answered 201 and
 * 200 as the original.
 */
#include <string.h>

#include "routes_runtime.h"
#include "routes_transport.h"

#include "runtime/challenges.h"

void route_create_challenge(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *dto = NULL;
	const char *type = NULL, *relationship = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_string(reply, body, "challengeType", false, &type) ||
	    !routes_string(reply, body, "relationship", false, &relationship))
		return;
	bool known = type && (!strcmp(type, "Identity") || !strcmp(type, "Device") || !strcmp(type, "Relationship"));
	if (!known) {
		api_reply_error(reply, RT_ERR_INVALID_PAYLOAD, "The given payload is not valid.");
		return;
	}
	if (strcmp(type, "Relationship") == 0) {
		if (!relationship) {
			routes_invalid(reply, "must have required property 'relationship'");
			return;
		}
		if (strncmp(relationship, "REL", 3) != 0 || strlen(relationship) != 20) {
			routes_invalid(reply, "relationship must match pattern REL[A-Za-z0-9]{17}");
			return;
		}
	}
	if (!routes_runtime(req, reply, &rt))
		return;
	if (rt_challenge_create(&rt, type, relationship, &dto, &err))
		reply->result = dto;
	else
		routes_reply_runtime_error(reply, &err);
}

void route_validate_challenge(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *result = NULL;
	const char *challenge = NULL, *signature = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_string(reply, body, "challengeString", true, &challenge) ||
	    !routes_string(reply, body, "signature", true, &signature) || !routes_runtime(req, reply, &rt))
		return;
	if (rt_challenge_validate(&rt, challenge, signature, &result, &err)) {
		reply->status = 200;
		reply->result = result;
	} else {
		routes_reply_runtime_error(reply, &err);
	}
}
