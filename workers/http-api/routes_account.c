/*
 * routes_account.c: the Account routes of the Core HTTP API (http-api.md §1.3):
 *   GET  Account/IdentityInfo  200 {address, publicKey}
 *   POST Account/Sync          204, after a full single-flight sync (lib/sync) that started after
 *                              the request arrived (a running sync is waited for, then one more runs)
 *   GET  Account/SyncInfo      200 {lastSyncRun?: {completedAt}}
 *
 * Each request's work blocks (PostgreSQL, Backbone), so it runs on a helper thread; the loop only
 * builds the reply. IdentityInfo and SyncInfo read the schema through a database-only handle (they
 * work while the Backbone is down); Sync, and IdentityInfo before any identity exists (it is then
 * created here, if no other worker did it first), use one account session per process (database
 * handle, Backbone client, identity). Each handle has its own mutex and is dropped after a failure
 * so that the next request opens a fresh one.
 * The thread reports back through a pipe watched with event_base_once; only the loop touches the
 * exchange and json replies.
 */
#include "routes_account.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "api_error.h"
#include "base64.h"
#include "crypto/signature.h"
#include "config.h"
#include "correlation.h"
#include "log.h"
#include "sync/session.h"
#include "sync/sync.h"
#include "worker.h"

#define SYNC_WAIT_MS 120000

enum account_job_kind { JOB_IDENTITY_INFO, JOB_SYNC, JOB_SYNC_INFO };

struct account_job {
	enum account_job_kind kind;
	json_object *config;
	struct exchange *exchange;
	char correlation_id[CORRELATION_ID_MAX]; /* the request's: current on the thread */
	int pipe_fds[2];
	/* written by the thread */
	int status;
	json_object *result;
	char code[128];
	char message[600];
};

static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;
static struct account_session session;
static bool session_open;
static pthread_mutex_t reader_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *reader;

static void job_fail(struct account_job *job, int status, const char *code, const char *message)
{
	job->status = status;
	snprintf(job->code, sizeof(job->code), "%s", code && *code ? code : API_ERR_UNEXPECTED);
	snprintf(job->message, sizeof(job->message), "%s", message);
}

/* Opens the shared session if needed (caller holds session_lock). */
static bool ensure_session(struct account_job *job)
{
	if (session_open)
		return true;
	char err[512];
	enum session_status st =
	        account_session_open(&session, job->config, "connector-http-api", NULL, NULL, 1, err, sizeof(err));
	if (st != SESSION_OK) {
		account_session_close(&session);
		job_fail(job, 500, "error.platform.unexpected", err);
		return false;
	}
	session_open = true;
	return true;
}

static void drop_session(void)
{
	account_session_close(&session);
	session_open = false;
}

/*
 * The official runtime answers publicKey as base64url of the key's short JSON {"pub","alg"} (no
 * "@type"), while the stored key is the verbose form sent to the Backbone at identity creation.
 */
static char *public_key_for_api(const char *stored)
{
	struct ecrypto_sig_public_key key;
	struct ecrypto_why why;
	if (ecrypto_sig_public_key_from_base64(stored, &key, &why) != ECRYPTO_OK)
		return strdup(stored);
	char *json = ecrypto_sig_public_key_to_json(&key, false);
	if (!json)
		return NULL;
	char *b64 = b64_encode_alloc(B64_URL, (const uint8_t *)json, strlen(json));
	ecrypto_free_text(json);
	return b64;
}

static void identity_reply(struct account_job *job, const struct account_identity *identity)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "address", json_object_new_string(identity->address));
	char *public_key = public_key_for_api(identity->public_key);
	json_object_object_add(o, "publicKey", json_object_new_string(public_key ? public_key : ""));
	free(public_key);
	job->result = o;
	job->status = 200;
}

/* The database-only handle (caller holds reader_lock); NULL after job_fail. */
static struct db *ensure_reader(struct account_job *job)
{
	char *error = NULL;
	if (!reader)
		reader = db_new(config_get_string(job->config, "database.connectionString", ""),
		                config_get_string(job->config, "database.dbName", "default"), "connector-http-api",
		                &error);
	if (!reader) {
		job_fail(job, 500, API_ERR_UNEXPECTED, error ? error : "database: cannot create the handle");
		free(error);
		return NULL;
	}
	if (!db_is_connected(reader) && db_connect(reader) != DB_OK) {
		job_fail(job, 500, API_ERR_UNEXPECTED, db_error(reader));
		return NULL;
	}
	return reader;
}

static void drop_reader(void)
{
	db_free(reader);
	reader = NULL;
}

/* true when answered from the schema; false when the identity must be created first. */
static bool identity_info_stored(struct account_job *job)
{
	pthread_mutex_lock(&reader_lock);
	bool answered = true;
	struct db *db = ensure_reader(job);
	if (db) {
		struct account_identity identity;
		char err[512];
		enum account_status st = account_identity_load(db, &identity, err, sizeof(err));
		if (st == ACCOUNT_OK)
			identity_reply(job, &identity);
		else if (st == ACCOUNT_ERR_MISSING)
			answered = false;
		else {
			job_fail(job, 500, API_ERR_UNEXPECTED, err);
			drop_reader();
		}
		account_identity_clear(&identity);
	}
	pthread_mutex_unlock(&reader_lock);
	return answered;
}

static void sync_info(struct account_job *job)
{
	pthread_mutex_lock(&reader_lock);
	struct db *db = ensure_reader(job);
	char when[40];
	bool found = false;
	if (db && !sync_last_completed(db, when, sizeof(when), &found)) {
		job_fail(job, 500, API_ERR_UNEXPECTED, db_error(db));
		drop_reader();
	} else if (db) {
		json_object *o = json_object_new_object();
		if (found) {
			json_object *run = json_object_new_object();
			json_object_object_add(run, "completedAt", json_object_new_string(when));
			json_object_object_add(o, "lastSyncRun", run);
		}
		job->result = o;
		job->status = 200;
	}
	pthread_mutex_unlock(&reader_lock);
}

static void sync_now(struct account_job *job)
{
	struct sync_report report;
	char err[512];
	enum sync_status st = sync_run_exclusive(session.db, session.client, &session.identity, SYNC_WAIT_MS, NULL,
	                                         NULL, &report, err, sizeof(err));
	if (st == SYNC_OK) {
		job->status = 204;
		return;
	}
	log_error("Sync", "Sync failed: %s", err);
	job_fail(job, 500, "error.platform.unexpected", err);
	drop_session();
}

static void *run_job(void *arg)
{
	struct account_job *job = arg;
	correlation_set_current(job->correlation_id);
	if (job->kind == JOB_SYNC_INFO)
		sync_info(job);
	else if (job->kind == JOB_SYNC || !identity_info_stored(job)) {
		pthread_mutex_lock(&session_lock);
		if (ensure_session(job)) {
			if (job->kind == JOB_SYNC)
				sync_now(job);
			else
				identity_reply(job, &session.identity);
		}
		pthread_mutex_unlock(&session_lock);
	}
	ssize_t n;
	do
		n = write(job->pipe_fds[1], "x", 1);
	while (n < 0 && errno == EINTR);
	return NULL;
}

static void job_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct account_job *job = arg;
	struct api_reply reply = {.status = job->status};
	if (job->code[0]) {
		reply.error_code = job->code;
		reply.error_status = job->status;
		reply.error_message = strdup(job->message);
	} else {
		reply.result = job->result;
		job->result = NULL;
	}
	exchange_reply(job->exchange, &reply);
	close(job->pipe_fds[0]);
	close(job->pipe_fds[1]);
	json_object_put(job->result);
	free(job);
}

static void start_job(const struct api_request *req, struct api_reply *reply, enum account_job_kind kind)
{
	struct account_job *job = calloc(1, sizeof(*job));
	if (!job || pipe2(job->pipe_fds, O_CLOEXEC) != 0)
		fatal(EXIT_TEMPFAIL, "account job");
	job->kind = kind;
	job->config = req->server->config;
	job->exchange = req->exchange;
	snprintf(job->correlation_id, sizeof(job->correlation_id), "%s", req->correlation_id);
	if (event_base_once(req->server->base, job->pipe_fds[0], EV_READ, job_done, job, NULL) != 0)
		fatalx(EXIT_TEMPFAIL, "event_base_once failed");
	pthread_t thread;
	int rc = pthread_create(&thread, NULL, run_job, job);
	if (rc != 0) {
		errno = rc;
		fatal(EXIT_TEMPFAIL, "pthread_create");
	}
	pthread_detach(thread);
	reply->deferred = true;
}

void account_identity_info_route(const struct api_request *req, struct api_reply *reply)
{
	start_job(req, reply, JOB_IDENTITY_INFO);
}

void account_sync_route(const struct api_request *req, struct api_reply *reply)
{
	start_job(req, reply, JOB_SYNC);
}

void account_sync_info_route(const struct api_request *req, struct api_reply *reply)
{
	start_job(req, reply, JOB_SYNC_INFO);
}
