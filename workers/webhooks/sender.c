/*
 * sender.c: one HTTP POST per delivery job, driven by libcurl multi on the worker's event base.
 *
 * The request is the original's: POST <url with the first {{trigger}} replaced>, body
 * {"data":...,"trigger":"..."}, axios's default headers, the target's headers, then today's
 * authentication (ApiKey header or OAuth2 bearer token) and, when the target has a secret, the
 * Standard Webhooks headers webhook-id (the event id), webhook-timestamp and webhook-signature.
 * An event with a correlation id (the request or sync run that caused it) adds x-correlation-id.
 * Redirects are not followed (3xx is a failure, as in the original). Connections are reused through
 * the multi handle's connection cache; each request has its own timeout.
 *
 * Invariant: every request owns exactly one job and calls delivery_job_done() exactly once, when
 * curl reports the transfer finished; sender_free() drops unfinished requests without completing
 * them (delivery_loop_free returns their claims to the queue).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "timeutil.h"
#include "webhooks.h"

struct request {
	struct sender *sender;
	struct delivery_job *job;
	CURL *easy;
	char *url, *body;
	struct curl_slist *headers;
	char retry_after[64];
	char error[CURL_ERROR_SIZE];
	struct request *prev, *next;
};

struct socket_watch {
	struct event *ev;
	curl_socket_t fd;
};

struct sender {
	struct event_base *base;
	const struct webhook_config *cfg;
	CURLM *multi;
	struct event *timer;
	struct request *requests;
	int active;
};

/* ---- request building ---- */

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
	char *line = NULL;
	if (asprintf(&line, "%s: %s", name, value) < 0)
		fatal(1, "asprintf");
	struct curl_slist *grown = curl_slist_append(list, line);
	free(line);
	if (!grown)
		fatalx(1, "curl_slist_append failed");
	return grown;
}

static struct curl_slist *signature_headers(struct curl_slist *h, const struct webhook_target *t,
                                            const struct delivery_event *ev, const char *body, size_t len)
{
	char timestamp[24], signature[WEBHOOK_SIGNATURE_LEN];
	int64_t now = time_wall_ms() / 1000;
	snprintf(timestamp, sizeof(timestamp), "%lld", (long long)now);
	webhook_sign(t->secret, t->secret_len, ev->event_id, now, body, len, signature);
	h = add_header(h, "webhook-id", ev->event_id);
	h = add_header(h, "webhook-timestamp", timestamp);
	return add_header(h, "webhook-signature", signature);
}

/* Builds the header list; false with error text when OAuth2 has no token. */
static bool build_headers(struct request *r, const struct webhook_target *t, const struct delivery_event *ev,
                          size_t body_len, char **error)
{
	const struct webhook_config *cfg = r->sender->cfg;
	struct curl_slist *h = add_header(NULL, "Accept", "application/json, text/plain, */*");
	h = add_header(h, "Content-Type", "application/json");
	for (int i = 0; i < t->header_count; i++)
		h = add_header(h, t->header_names[i], t->header_values[i]);
	if (ev->correlation_id)
		h = add_header(h, "x-correlation-id", ev->correlation_id);
	h = add_header(h, "User-Agent", "axios/1.7.7");
	h = add_header(h, "Accept-Encoding", "gzip, compress, deflate, br");
	h = add_header(h, "Connection", "keep-alive");
	h = curl_slist_append(h, "Expect:");
	if (t->auth.type == WEBHOOK_AUTH_API_KEY)
		h = add_header(h, t->auth.header_name, t->auth.api_key);
	if (t->auth.type == WEBHOOK_AUTH_OAUTH2) {
		char *bearer = oauth_authorization(t, cfg->request_timeout_ms, cfg->skip_tls_check, error);
		if (!bearer) {
			curl_slist_free_all(h);
			return false;
		}
		h = add_header(h, "Authorization", bearer);
		free(bearer);
	}
	if (t->secret)
		h = signature_headers(h, t, ev, r->body, body_len);
	r->headers = h;
	return true;
}

static size_t on_header(char *buffer, size_t size, size_t nitems, void *arg)
{
	struct request *r = arg;
	size_t n = size * nitems;
	if (n > 12 && strncasecmp(buffer, "Retry-After:", 12) == 0) {
		size_t len = n - 12 < sizeof(r->retry_after) - 1 ? n - 12 : sizeof(r->retry_after) - 1;
		memcpy(r->retry_after, buffer + 12, len);
		r->retry_after[len] = '\0';
		r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
	}
	return n;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

static void setup_easy(struct request *r, size_t body_len)
{
	const struct webhook_config *cfg = r->sender->cfg;
	CURL *e = r->easy;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (cfg->skip_tls_check) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static void request_free(struct request *r)
{
	struct sender *s = r->sender;
	if (r->prev)
		r->prev->next = r->next;
	else
		s->requests = r->next;
	if (r->next)
		r->next->prev = r->prev;
	s->active--;
	if (r->easy) {
		curl_multi_remove_handle(s->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->headers);
	free(r->url);
	free(r->body);
	free(r);
}

void sender_send(struct delivery_job *job, const struct delivery_event *ev, void *arg)
{
	struct sender *s = arg;
	const struct webhook_hook *hook = webhook_config_hook(s->cfg, ev->consumer_id);
	if (!hook) {
		delivery_job_done(job, DELIVERY_RETRY, -1, 0, "consumer not in this worker's configuration");
		return;
	}
	struct request *r = calloc(1, sizeof(*r));
	if (!r)
		fatal(1, "calloc");
	r->sender = s;
	r->job = job;
	r->next = s->requests;
	if (s->requests)
		s->requests->prev = r;
	s->requests = r;
	s->active++;
	size_t body_len = 0;
	r->url = webhook_url_for(hook->target->url, ev->namespace);
	r->body = webhook_body(ev->data_json, ev->namespace, &body_len);
	char *error = NULL;
	if (!build_headers(r, hook->target, ev, body_len, &error)) {
		log_error("Webhooks", "%s", error ? error : "OAuth2 token request failed");
		delivery_job_done(job, DELIVERY_RETRY, -1, 0, error ? error : "OAuth2 token request failed");
		free(error);
		request_free(r);
		return;
	}
	if (!(r->easy = curl_easy_init()))
		fatalx(1, "curl_easy_init failed");
	setup_easy(r, body_len);
	CURLMcode mc = curl_multi_add_handle(s->multi, r->easy);
	if (mc != CURLM_OK)
		fatalx(1, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

/* ---- outcome ---- */

static bool retryable_status(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

static void finish(struct request *r, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	char text[CURL_ERROR_SIZE + 600];
	if (rc != CURLE_OK) {
		snprintf(text, sizeof(text), "%s", r->error[0] ? r->error : curl_easy_strerror(rc));
		log_error("Webhooks", "Request to webhook '%s' failed: %s", r->url, text);
		delivery_job_done(r->job, DELIVERY_RETRY, -1, 0, text);
	} else if (status >= 200 && status <= 299) {
		delivery_job_done(r->job, DELIVERY_OK, -1, (int)status, NULL);
	} else {
		log_warn("Webhooks", "Request to webhook '%s' returned status %ld. Expected value between 200 and 299.",
		         r->url, status);
		snprintf(text, sizeof(text), "HTTP %ld", status);
		int64_t retry_after = webhook_parse_retry_after(r->retry_after, time_wall_ms());
		delivery_job_done(r->job, retryable_status(status) ? DELIVERY_RETRY : DELIVERY_DEAD, retry_after,
		                  (int)status, text);
	}
	request_free(r);
}

static void check_finished(struct sender *s)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct request *r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		finish(r, msg->data.result);
	}
}

/* ---- libcurl multi on libevent ---- */

static void on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct sender *s = arg;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running = 0;
	curl_multi_socket_action(s->multi, fd, action, &running);
	check_finished(s);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct sender *s = arg;
	int running = 0;
	curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_finished(s);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *socketp)
{
	(void)easy;
	struct sender *s = arg;
	struct socket_watch *w = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (w) {
			event_free(w->ev);
			free(w);
			curl_multi_assign(s->multi, fd, NULL);
		}
		return 0;
	}
	if (!w) {
		if (!(w = calloc(1, sizeof(*w))))
			fatal(1, "calloc");
		w->fd = fd;
		curl_multi_assign(s->multi, fd, w);
	} else {
		event_free(w->ev);
	}
	short kind =
	        (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	w->ev = event_new(s->base, fd, kind, on_socket_ready, s);
	if (!w->ev || event_add(w->ev, NULL) != 0)
		fatalx(1, "cannot watch a webhook connection");
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	(void)multi;
	struct sender *s = arg;
	if (timeout_ms < 0) {
		evtimer_del(s->timer);
		return 0;
	}
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	evtimer_add(s->timer, &tv);
	return 0;
}

struct sender *sender_new(struct event_base *base, const struct webhook_config *cfg)
{
	struct sender *s = calloc(1, sizeof(*s));
	if (!s)
		fatal(1, "calloc");
	s->base = base;
	s->cfg = cfg;
	if (!(s->multi = curl_multi_init()))
		fatalx(1, "curl_multi_init failed");
	s->timer = evtimer_new(base, on_timer, s);
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 32L);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, 64L);
	return s;
}

int sender_active(const struct sender *s)
{
	return s->active;
}

void sender_free(struct sender *s)
{
	if (!s)
		return;
	while (s->requests)
		request_free(s->requests);
	curl_multi_cleanup(s->multi);
	event_free(s->timer);
	oauth_cache_clear();
	free(s);
}
