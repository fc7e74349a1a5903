/*
 * broker_pubsub.c: the Google Cloud Pub/Sub client (REST over libcurl) of the PubSub broker type and
 * of the deprecated PubSubPublisher module. Configuration: projectId, topicName (the deprecated
 * module also accepts topic), keyFile (a service-account key file; required as in the original), and
 * additions: timeout (request timeout in ms, default 5000), apiEndpoint (default
 * https://pubsub.googleapis.com). With PUBSUB_EMULATOR_HOST set (host:port) requests go to
 * http://<that> without credentials, as Google's client libraries do.
 * At connect the topic is checked (GET topic), as the original did. A batch is one
 * topics.publish request; it is acknowledged when the answer carries one message id per message.
 * Without the emulator the key file is read at connect time and an OAuth token is obtained
 * (broker_pubsub_auth.c); a 401 drops the token so the next connect fetches a new one.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "broker_internal.h"
#include "broker_pubsub_auth.h"

struct pubsub_client {
	char *project, *topic, *key_file, *endpoint;
	int timeout_ms;
	bool emulator, connected;
	CURL *curl;
	struct pubsub_token *token;
};

struct buffer {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buffer *b = arg;
	size_t add = size * n;
	char *grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, p, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = 0;
	return add;
}

static void pubsub_destroy(void *impl);

static void *pubsub_create(json_object *conf, const char *label, char **error)
{
	const char *project = broker_conf_string(conf, "projectId");
	const char *topic = broker_conf_string(conf, "topicName");
	const char *key_file = broker_conf_string(conf, "keyFile");
	bool module = strcmp(label, "modules.PubSubPublisher") == 0;
	if (!topic && module)
		topic = broker_conf_string(conf, "topic");
	if (!project || !topic || !key_file) {
		broker_set_error(error, "Cannot start the module, the %s is not defined.",
		                 !project ? "projectId"
		                 : !topic ? "topic"
		                          : "keyFile");
		return NULL;
	}
	struct pubsub_client *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	const char *endpoint = broker_conf_string(conf, "apiEndpoint");
	const char *emu = getenv("PUBSUB_EMULATOR_HOST");
	c->emulator = emu && *emu;
	c->endpoint = c->emulator ? broker_strdupf("http://%s", emu)
	                          : strdup(endpoint ? endpoint : "https://pubsub.googleapis.com");
	c->project = strdup(project);
	c->topic = strdup(topic);
	c->key_file = strdup(key_file);
	if (!broker_conf_int(conf, label, "timeout", 5000, 1, 3600000, &c->timeout_ms, error)) {
		pubsub_destroy(c);
		return NULL;
	}
	return c;
}

static char *pubsub_describe(const void *impl)
{
	const struct pubsub_client *c = impl;
	return broker_strdupf("PubSub %s projects/%s/topics/%s%s", c->endpoint, c->project, c->topic,
	                      c->emulator ? " (emulator)" : "");
}

static bool pubsub_is_connected(const void *impl)
{
	return ((const struct pubsub_client *)impl)->connected;
}

static void pubsub_disconnect(void *impl)
{
	struct pubsub_client *c = impl;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	c->connected = false;
}

static void pubsub_destroy(void *impl)
{
	struct pubsub_client *c = impl;
	pubsub_disconnect(c);
	pubsub_token_free(c->token);
	free(c->project);
	free(c->topic);
	free(c->key_file);
	free(c->endpoint);
	free(c);
}

/* One request; *status gets the HTTP status (0 on a transport error, then *error is set). */
static bool request(struct pubsub_client *c, const char *method, const char *path, const char *body,
                    struct buffer *answer, long *status, char **error)
{
	char *url = broker_strdupf("%s/v1/projects/%s/topics/%s%s", c->endpoint, c->project, c->topic, path);
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	char *auth = c->token ? broker_strdupf("Authorization: Bearer %s", pubsub_token_value(c->token)) : NULL;
	if (auth)
		headers = curl_slist_append(headers, auth);
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, answer);
	if (body)
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c->curl);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	else
		broker_set_error(error, "Pub/Sub request failed: %s", curl_easy_strerror(rc));
	curl_slist_free_all(headers);
	free(auth);
	free(url);
	return rc == CURLE_OK;
}

static bool check_topic(struct pubsub_client *c, char **error)
{
	struct buffer answer = {0};
	long status;
	bool ok = request(c, "GET", "", NULL, &answer, &status, error);
	if (ok && status == 404)
		broker_set_error(error, "Topic '%s' does not exist in the project '%s'.", c->topic, c->project);
	else if (ok && status != 200)
		broker_set_error(error, "Pub/Sub: checking topic '%s' failed with HTTP %ld: %.200s", c->topic, status,
		                 answer.data ? answer.data : "");
	free(answer.data);
	return ok && status == 200;
}

static bool pubsub_connect(void *impl, char **error)
{
	struct pubsub_client *c = impl;
	pubsub_disconnect(c);
	if (!c->emulator && !c->token && !(c->token = pubsub_token_fetch(c->key_file, c->timeout_ms, error)))
		return false;
	c->curl = curl_easy_init();
	if (!c->curl) {
		broker_set_error(error, "Pub/Sub: cannot initialise libcurl");
		return false;
	}
	c->connected = check_topic(c, error);
	if (!c->connected)
		pubsub_disconnect(c);
	return c->connected;
}

static char *publish_body(const struct broker_message *m, int n)
{
	json_object *messages = json_object_new_array();
	for (int i = 0; i < n; i++) {
		size_t cap = sodium_base64_encoded_len(m[i].body_len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(cap);
		if (!b64)
			abort();
		sodium_bin2base64(b64, cap, (const unsigned char *)m[i].body, m[i].body_len,
		                  sodium_base64_VARIANT_ORIGINAL);
		json_object *attributes = json_object_new_object(), *msg = json_object_new_object();
		json_object_object_add(attributes, "namespace", json_object_new_string(m[i].namespace));
		json_object_object_add(msg, "data", json_object_new_string(b64));
		json_object_object_add(msg, "attributes", attributes);
		json_object_array_add(messages, msg);
		free(b64);
	}
	json_object *root = json_object_new_object();
	json_object_object_add(root, "messages", messages);
	char *text =
	        strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return text;
}

static int message_id_count(const char *answer)
{
	json_object *root = answer ? json_tokener_parse(answer) : NULL, *ids = NULL;
	int n = json_object_object_get_ex(root, "messageIds", &ids) && json_object_is_type(ids, json_type_array)
	                ? (int)json_object_array_length(ids)
	                : -1;
	json_object_put(root);
	return n;
}

static bool settle_answer(struct pubsub_client *c, long status, const char *answer, int n, enum broker_outcome *out,
                          char **error)
{
	if (status == 200 && message_id_count(answer) == n) {
		for (int i = 0; i < n; i++)
			out[i] = BROKER_ACKED;
		return true;
	}
	broker_set_error(error, "Pub/Sub publish answered HTTP %ld: %.300s", status, answer ? answer : "");
	if (status == 400 || status == 413) { /* the request itself is refused: retrying cannot help */
		for (int i = 0; i < n; i++)
			out[i] = BROKER_REJECTED;
		return true;
	}
	if (status == 401 || status == 403 || status == 404) {
		pubsub_token_free(c->token);
		c->token = NULL;
		pubsub_disconnect(c);
		return false;
	}
	return true; /* 429, 5xx: stays RETRY */
}

static bool pubsub_publish(void *impl, const struct broker_message *m, int n, enum broker_outcome *out, char **error)
{
	struct pubsub_client *c = impl;
	if (c->token && pubsub_token_expired(c->token)) {
		pubsub_token_free(c->token);
		if (!(c->token = pubsub_token_fetch(c->key_file, c->timeout_ms, error))) {
			pubsub_disconnect(c);
			return false;
		}
	}
	char *body = publish_body(m, n);
	struct buffer answer = {0};
	long status;
	bool ok = request(c, "POST", ":publish", body, &answer, &status, error);
	free(body);
	if (ok)
		ok = settle_answer(c, status, answer.data, n, out, error);
	else
		pubsub_disconnect(c);
	free(answer.data);
	return ok;
}

const struct broker_ops broker_pubsub_ops = {
        .type = "PubSub",
        .create = pubsub_create,
        .connect = pubsub_connect,
        .is_connected = pubsub_is_connected,
        .disconnect = pubsub_disconnect,
        .publish = pubsub_publish,
        .describe = pubsub_describe,
        .destroy = pubsub_destroy,
};
