/*
 * backbone/auth.c: the device login (backbone-api.md §2.1). POST {baseUrl}/connect/token,
 * form-urlencoded password grant with the platform client and the device username/password. The
 * token is cached until 10 s before expires_in; a refused grant (any non-200) is
 * error.transport.request.noAuthGrant, no answer at all is error.transport.request.noAuthPossible.
 * The login is never retried here: a wrong password counts towards the Backbone's lockout.
 */
#include "backbone/client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

#define TOKEN_EARLY_MS 10000

void backbone_forget_token(struct backbone_client *c)
{
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
	}
	c->token = NULL;
	c->token_expires_ms = 0;
}

static char *form_field(CURL *h, char *form, const char *name, const char *value)
{
	char *escaped = curl_easy_escape(h, value, 0);
	char *next = NULL;
	if (escaped && asprintf(&next, "%s%s%s=%s", form ? form : "", form ? "&" : "", name, escaped) < 0)
		next = NULL;
	if (escaped) {
		memset(escaped, 0, strlen(escaped));
		curl_free(escaped);
	}
	if (form) {
		memset(form, 0, strlen(form));
		free(form);
	}
	return next;
}

static void take_token(struct backbone_client *c, json_object *body, struct backbone_response *r)
{
	json_object *token = NULL, *expires = NULL;
	if (!json_object_object_get_ex(body, "access_token", &token) || !json_object_is_type(token, json_type_string)) {
		backbone_fail(r, BACKBONE_ERR_AUTH, "error.transport.request.noAuthGrant",
		              "POST /connect/token: the answer has no access_token");
		return;
	}
	int64_t lifetime_s = 300;
	if (json_object_object_get_ex(body, "expires_in", &expires))
		lifetime_s = json_object_get_int64(expires);
	backbone_forget_token(c);
	c->token = strdup(json_object_get_string(token));
	c->token_expires_ms = time_monotonic_ms() + lifetime_s * 1000;
	r->status = BACKBONE_OK;
}

enum backbone_status backbone_login(struct backbone_client *c, struct backbone_response *r)
{
	memset(r, 0, sizeof(*r));
	if (!c->username || !c->password) {
		backbone_fail(r, BACKBONE_ERR_AUTH, "error.transport.request.noAuthGrant",
		              "no device credentials: the identity has not been created yet");
		return r->status;
	}
	char *form = form_field(c->curl, NULL, "client_id", c->client_id);
	form = form ? form_field(c->curl, form, "client_secret", c->client_secret) : NULL;
	form = form ? form_field(c->curl, form, "grant_type", "password") : NULL;
	form = form ? form_field(c->curl, form, "username", c->username) : NULL;
	form = form ? form_field(c->curl, form, "password", c->password) : NULL;
	char *url = NULL;
	if (!form || asprintf(&url, "%s/connect/token", c->base_url) < 0) {
		free(form);
		backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.platform.unexpected", "out of memory");
		return r->status;
	}
	struct backbone_buffer buf = {0};
	struct curl_slist *headers = backbone_headers(c, 0, NULL, false);
	headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
	backbone_prepare(c, url, headers, &buf, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
	c->stopped = false;
	CURLcode rc = curl_easy_perform(c->curl);
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	r->http_status = rc == CURLE_OK ? status : 0;
	if (rc != CURLE_OK) {
		backbone_fail(r, c->stopped ? BACKBONE_ERR_STOPPED : BACKBONE_ERR_TRANSPORT,
		              "error.transport.request.noAuthPossible", "POST /connect/token: %s",
		              curl_easy_strerror(rc));
	} else if (status != 200) {
		json_object *body = buf.len ? json_tokener_parse(buf.data) : NULL, *e = NULL;
		const char *oauth =
		        body && json_object_object_get_ex(body, "error", &e) ? json_object_get_string(e) : "";
		backbone_fail(r, BACKBONE_ERR_AUTH, "error.transport.request.noAuthGrant",
		              "POST /connect/token: HTTP %ld %s (the device credentials were refused)", status, oauth);
		json_object_put(body);
	} else {
		json_object *body = buf.len ? json_tokener_parse(buf.data) : NULL;
		take_token(c, body, r);
		json_object_put(body);
	}
	curl_slist_free_all(headers);
	free(buf.data);
	memset(form, 0, strlen(form));
	free(form);
	free(url);
	return r->status;
}

enum backbone_status backbone_token(struct backbone_client *c, char **token, struct backbone_response *r)
{
	*token = NULL;
	if (!c->token || time_monotonic_ms() > c->token_expires_ms - TOKEN_EARLY_MS) {
		struct backbone_response login;
		if (backbone_login(c, &login) != BACKBONE_OK) {
			backbone_response_clear(r);
			*r = login;
			return r->status;
		}
	}
	*token = strdup(c->token);
	r->status = BACKBONE_OK;
	return BACKBONE_OK;
}
