/*
 * oauth.c: OAuth2 client-credentials tokens for webhook targets (today's `authentication`
 * {type: OAuth2, accessTokenUrl, clientId, clientSecret, scope?}): POST form-urlencoded
 * grant_type=client_credentials[&scope=...] with HTTP Basic client id/secret; the access_token is
 * cached per target until expires_in - 10 s. Tokens and secrets are never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "log.h"
#include "timeutil.h"
#include "webhooks.h"

struct cached_token {
	const struct webhook_target *target;
	char *authorization;
	int64_t expires_at_ms; /* monotonic */
	struct cached_token *next;
};

static struct cached_token *cache;

struct buffer {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buffer *b = arg;
	size_t n = size * nmemb;
	if (b->len + n > 1 << 20)
		return 0; /* a token response is small */
	char *grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, n);
	b->data = grown;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static char *form_body(CURL *curl, const struct webhook_auth *auth)
{
	char *body = NULL;
	char *scope = auth->scope ? curl_easy_escape(curl, auth->scope, 0) : NULL;
	if (asprintf(&body, "grant_type=client_credentials%s%s", scope ? "&scope=" : "", scope ? scope : "") < 0)
		fatal(1, "asprintf");
	curl_free(scope);
	return body;
}

/* Parses {"access_token": "...", "expires_in": n}; returns the Authorization value or NULL. */
static char *parse_token(const char *text, int64_t *expires_in_s)
{
	json_object *root = json_tokener_parse(text ? text : "");
	json_object *token = NULL, *expires = NULL;
	char *value = NULL;
	if (json_object_object_get_ex(root, "access_token", &token) && json_object_is_type(token, json_type_string)) {
		if (asprintf(&value, "Bearer %s", json_object_get_string(token)) < 0)
			fatal(1, "asprintf");
		*expires_in_s =
		        json_object_object_get_ex(root, "expires_in", &expires) ? json_object_get_int64(expires) : 60;
	}
	json_object_put(root);
	return value;
}

static char *fetch_token(const struct webhook_target *t, int64_t timeout_ms, bool skip_tls, int64_t *expires_in_s,
                         char **error)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		fatalx(1, "curl_easy_init failed");
	struct buffer response = {0};
	char *body = form_body(curl, &t->auth);
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, t->auth.access_token_url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(curl, CURLOPT_USERNAME, t->auth.client_id);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, t->auth.client_secret);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
	if (skip_tls) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	char *value = NULL;
	if (rc != CURLE_OK) {
		if (asprintf(error, "OAuth2 token request to '%s' failed: %s", t->auth.access_token_url,
		             curl_easy_strerror(rc)) < 0)
			*error = NULL;
	} else if (status < 200 || status > 299 || !(value = parse_token(response.data, expires_in_s))) {
		if (asprintf(error, "OAuth2 token request to '%s' returned status %ld without an access_token",
		             t->auth.access_token_url, status) < 0)
			*error = NULL;
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(body);
	free(response.data);
	return value;
}

char *oauth_authorization(const struct webhook_target *target, int64_t timeout_ms, bool skip_tls, char **error)
{
	int64_t now = time_monotonic_ms();
	struct cached_token *c = cache;
	while (c && c->target != target)
		c = c->next;
	if (c && c->authorization && now < c->expires_at_ms) {
		char *copy = strdup(c->authorization);
		if (!copy)
			fatal(1, "strdup");
		return copy;
	}
	int64_t expires_in = 0;
	char *value = fetch_token(target, timeout_ms, skip_tls, &expires_in, error);
	if (!value)
		return NULL;
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			fatal(1, "calloc");
		c->target = target;
		c->next = cache;
		cache = c;
	}
	free(c->authorization);
	if (!(c->authorization = strdup(value)))
		fatal(1, "strdup");
	c->expires_at_ms = now + (expires_in - 10) * 1000;
	return value;
}

void oauth_cache_clear(void)
{
	while (cache) {
		struct cached_token *next = cache->next;
		free(cache->authorization);
		free(cache);
		cache = next;
	}
}
