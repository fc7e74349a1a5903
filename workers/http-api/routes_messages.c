/*
 * routes_messages.c: the Messages routes (http-api.md §1.3): POST /Messages, GET /Messages,
 * GET /Messages/{id} (attachments expanded to File DTOs), GET /Messages/{id}/Attachments/{attachmentId}
 * and its /Download. Validation messages follow the original's schema errors. POST /Messages takes
 * an optional Idempotency-Key header (a retry with the same key answers the first send's message).
 */
#include <string.h>

#include <event2/http.h>

#include "routes_runtime.h"
#include "routes_transport.h"

#include "crypto/address.h"
#include "runtime/files.h"
#include "runtime/messages.h"
#include "runtime/messages_sends.h"

/* recipients: a non-empty array of addresses. */
static bool check_recipients(struct api_reply *reply, json_object *recipients)
{
	if (!json_object_is_type(recipients, json_type_array))
		return routes_invalid(reply, "recipients must be array");
	size_t n = json_object_array_length(recipients);
	if (n == 0)
		return routes_invalid(reply, "recipients must NOT have fewer than 1 items");
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(recipients, i);
		if (!json_object_is_type(a, json_type_string))
			return routes_invalid(reply, "recipients/%zu must be string", i);
		if (strncmp(json_object_get_string(a), "did:e:", 6) != 0 || json_object_get_string_len(a) > 100)
			return routes_invalid(reply, "recipients/%zu must match pattern did:e:.*", i);
	}
	return true;
}

static bool check_attachments(struct api_reply *reply, json_object *attachments)
{
	if (!attachments)
		return true;
	if (!json_object_is_type(attachments, json_type_array))
		return routes_invalid(reply, "attachments must be array");
	for (size_t i = 0; i < json_object_array_length(attachments); i++) {
		json_object *a = json_object_array_get_idx(attachments, i);
		if (!json_object_is_type(a, json_type_string) || strncmp(json_object_get_string(a), "FIL", 3) != 0 ||
		    json_object_get_string_len(a) != 20)
			return routes_invalid(reply, "attachments/%zu must match pattern FIL[A-Za-z0-9]{17}", i);
	}
	return true;
}

void route_send_message(const struct api_request *req, struct api_reply *reply)
{
	json_object *body = routes_body(req), *recipients = NULL, *content = NULL, *attachments = NULL, *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_require(reply, body, "recipients", &recipients) ||
	    !routes_require(reply, body, "content", &content))
		return;
	json_object_object_get_ex(body, "attachments", &attachments);
	if (!check_recipients(reply, recipients) || !check_attachments(reply, attachments))
		return;
	if (!json_object_is_type(content, json_type_object)) {
		routes_invalid(reply, "content must be object");
		return;
	}
	const char *key = evhttp_find_header(evhttp_request_get_input_headers(exchange_request(req->exchange)),
	                                     "Idempotency-Key");
	if (key && !msg_send_key_valid(key)) {
		routes_invalid(reply, "the Idempotency-Key header must be 1 to %d printable ASCII characters",
		               MSG_SEND_KEY_MAX);
		return;
	}
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_message_send(&rt, recipients, content, attachments, key, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

void route_get_messages(const struct api_request *req, struct api_reply *reply)
{
	json_object *list = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_messages_list(&rt, req->query, &list, &err);
	routes_reply_result(reply, ok, list, &err);
}

void route_get_message(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "MSG", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_message_get(&rt, id, true, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

/* The message id and attachment id parameters, checked; the attachment known locally. */
static bool attachment_params(const struct api_request *req, struct api_reply *reply, struct runtime *rt,
                              const char **file_id)
{
	const char *id = NULL;
	struct runtime_error err = {.remote_status = 0};
	*file_id = api_param(req, "attachmentId");
	if (!routes_check_id(req, reply, "MSG", &id))
		return false;
	if (!*file_id || strncmp(*file_id, "FIL", 3) != 0 || strlen(*file_id) != 20)
		return routes_invalid(reply, "attachmentId must match pattern FIL.*");
	if (!routes_runtime(req, reply, rt))
		return false;
	json_object *ref = NULL;
	bool ok = rt_message_attachment_ref(rt, id, *file_id, &ref, &err) && rt_file_load_from_ref(rt, ref, &err);
	json_object_put(ref);
	if (!ok)
		routes_reply_runtime_error(reply, &err);
	return ok;
}

void route_get_message_attachment(const struct api_request *req, struct api_reply *reply)
{
	const char *file_id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!attachment_params(req, reply, &rt, &file_id))
		return;
	bool ok = rt_file_get(&rt, file_id, &dto, &err);
	routes_reply_result(reply, ok, dto, &err);
}

void route_download_message_attachment(const struct api_request *req, struct api_reply *reply)
{
	const char *file_id = NULL;
	struct runtime rt;
	if (!attachment_params(req, reply, &rt, &file_id))
		return;
	routes_reply_file_content(req, reply, &rt, file_id);
}
