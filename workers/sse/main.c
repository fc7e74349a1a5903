/*
 * main.c: connector-sse (module "sse"). Opens the account session like connector-sync, then keeps
 * one server-sent-events stream to <baseUrl>/api/v1/sse (modules.sse.baseUrlOverride in debug mode)
 * with the device's bearer token, and runs a full single-flight sync (lib/sync) at start, after every
 * (re)connect (event ConnectionOpened) and on every ExternalEventCreated; other events are ignored.
 *
 * Unlike the original, which gives up on most 4xx answers, any failure (refused connection, non-200
 * status, stream end, 60 s without a byte although the Backbone sends keep-alives) leads to a
 * reconnect after a capped exponential backoff with full jitter (1 s .. 30 s), reset once a stream
 * was open for 30 s; a 401 also drops the cached token first. When sse is enabled, the
 * configuration disables sync (the original's exclusivity, applied by config_load).
 * The stream runs on curl's multi interface so the loop keeps sending heartbeats and sees SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "backbone/sse.h"
#include "config.h"
#include "log.h"
#include "session_worker.h"
#include "sync/sync.h"
#include "timeutil.h"
#include "worker.h"

#define SSE_PATH          "/api/v1/sse"
#define BACKOFF_FLOOR_MS  1000
#define BACKOFF_CAP_MS    30000
#define STABLE_MS         30000
#define SILENCE_LIMIT_S   60
#define SYNC_LOCK_WAIT_MS 120000

struct stream {
	struct account_session *session;
	struct sse_parser parser;
	CURL *easy;
	bool status_checked;
	long http_status;
	bool opened;       /* ConnectionOpened seen */
	bool sync_pending; /* an event asked for a sync */
	int events_seen;
};

static void on_event(const char *event, const char *data, void *arg)
{
	(void)data; /* always "_" */
	struct stream *st = arg;
	st->events_seen++;
	if (strcmp(event, "ConnectionOpened") == 0) {
		log_info("Sse", "Connected to SSE endpoint");
		st->opened = true;
		st->sync_pending = true;
	} else if (strcmp(event, "ExternalEventCreated") == 0) {
		st->sync_pending = true;
	} else {
		log_debug("Sse", "event %s ignored", event);
	}
}

static size_t on_bytes(char *bytes, size_t size, size_t n, void *arg)
{
	struct stream *st = arg;
	if (!st->status_checked) {
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &st->http_status);
		st->status_checked = true;
	}
	if (st->http_status != 200)
		return 0; /* the body of an error answer is not a stream */
	return sse_parser_feed(&st->parser, bytes, size * n) ? size * n : 0;
}

static void run_sync(struct account_session *s)
{
	struct sync_report report;
	char err[512];
	log_info("Sse", "Running sync");
	enum sync_status st = sync_run_exclusive(s->db, s->client, &s->identity, SYNC_LOCK_WAIT_MS, session_worker_tick,
	                                         NULL, &report, err, sizeof(err));
	if (st == SYNC_OK)
		log_info("Sse", "sync done: %d event(s), %d applied, %d recorded, %d failed", report.events,
		         report.applied, report.recorded, report.failed);
	else if (st != SYNC_ERR_STOPPED) {
		log_error("Sse", "Sync failed: %s", err);
		if (st == SYNC_ERR_DATABASE && db_connection_lost(s->db))
			account_session_reconnect(s, session_worker_tick, NULL);
	}
}

static char *stream_path(json_object *config)
{
	const char *override = config_get_string(config, "modules.sse.baseUrlOverride", NULL);
	char *path = NULL;
	if (override && *override && config_get_bool(config, "debug", false)) {
		size_t len = strlen(override);
		while (len > 0 && override[len - 1] == '/')
			len--;
		if (asprintf(&path, "%.*s" SSE_PATH, (int)len, override) < 0)
			path = NULL;
	} else {
		path = strdup(SSE_PATH);
	}
	return path;
}

/* Drives one connection until it ends or a stop is requested; returns how long it was open. */
static int64_t drive(CURLM *multi, struct stream *st)
{
	int64_t opened_at = 0;
	for (int running = 1; running && !session_worker_tick(NULL);) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (st->opened && !opened_at)
			opened_at = time_monotonic_ms();
		if (st->sync_pending) {
			st->sync_pending = false;
			run_sync(st->session);
		}
		if (running)
			curl_multi_poll(multi, NULL, 0, 200, NULL);
	}
	int queued;
	CURLMsg *msg = curl_multi_info_read(multi, &queued);
	const char *why = msg && msg->msg == CURLMSG_DONE ? curl_easy_strerror(msg->data.result) : "stopped";
	if (!worker_stop_requested())
		log_warn("Sse", "SSE stream ended (HTTP %ld, %s)", st->http_status, why);
	return opened_at ? time_monotonic_ms() - opened_at : 0;
}

/* One connection attempt; *open_ms gets how long the stream was open. */
static void connect_once(struct account_session *s, const char *path, int64_t *open_ms)
{
	*open_ms = 0;
	struct backbone_response r;
	char *token = NULL;
	if (backbone_token(s->client, &token, &r) != BACKBONE_OK) {
		log_warn("Sse", "no access token: %s", r.message);
		backbone_response_clear(&r);
		return;
	}
	struct stream st = {.session = s};
	sse_parser_init(&st.parser, on_event, &st);
	struct curl_slist *headers = NULL;
	st.easy = backbone_stream_handle(s->client, path, token, &headers);
	sodium_memzero(token, strlen(token));
	free(token);
	if (!st.easy)
		fatalx(EXIT_TEMPFAIL, "curl_easy_init failed");
	curl_easy_setopt(st.easy, CURLOPT_WRITEFUNCTION, on_bytes);
	curl_easy_setopt(st.easy, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(st.easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(st.easy, CURLOPT_LOW_SPEED_TIME, (long)SILENCE_LIMIT_S);
	CURLM *multi = curl_multi_init();
	curl_multi_add_handle(multi, st.easy);
	log_info("Sse", "Connecting to SSE endpoint: %s%s", path[0] == '/' ? backbone_client_base_url(s->client) : "",
	         path);
	*open_ms = drive(multi, &st);
	if (st.http_status == 401)
		backbone_forget_token(s->client);
	curl_multi_remove_handle(multi, st.easy);
	curl_easy_cleanup(st.easy);
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	sse_parser_free(&st.parser);
}

static void stream_forever(struct account_session *s, json_object *config)
{
	char *path = stream_path(config);
	int64_t ceiling = BACKOFF_FLOOR_MS;
	run_sync(s); /* like the original's start(): events that arrived while no stream was open */
	while (!worker_stop_requested()) {
		int64_t open_ms;
		connect_once(s, path, &open_ms);
		if (open_ms >= STABLE_MS)
			ceiling = BACKOFF_FLOOR_MS;
		int64_t delay = BACKOFF_FLOOR_MS / 2 + (int64_t)randombytes_uniform((uint32_t)ceiling);
		if (!worker_stop_requested())
			log_info("Sse", "reconnecting in %lld ms", (long long)delay);
		if (!session_worker_wait_ms(delay))
			break;
		ceiling = ceiling * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : ceiling * 2;
	}
	free(path);
}

int main(int argc, char **argv)
{
	struct session_worker w;
	if (session_worker_start(&w, argc, argv, "sse", "connector-sse")) {
		worker_notify_status("streaming");
		stream_forever(&w.session, w.ctx.config);
	}
	return session_worker_finish(&w, "Sse");
}
