/*
 * test_backbone.c: the Backbone client, identity creation and the sync run against a real local
 * Backbone (connector-backbone-dev of this build) and real PostgreSQL (CONNECTOR_TEST_DATABASE).
 * Covers: options errors, version check, error mapping, login refusal, token renewal after a 401,
 * identity creation and reuse, two processes racing to create one identity, several schemas =
 * several identities, paged external events, an interrupted run resumed without applying twice,
 * the single-flight lock, the Backbone going away and coming back, and the dispatch table.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "account/health.h"
#include "backbone/client_internal.h"
#include "base64.h"
#include "log.h"
#include "timeutil.h"
#include "migrate.h"
#include "sync/session.h"
#include "sync/sync.h"
#include "tap.h"

static char base_conninfo[1024], conninfo[1200], dbname[64], base_url[128];
static int backbone_port;
static pid_t backbone_pid;

static PGresult *admin(const char *sql)
{
	PGconn *c = PQconnectdb(base_conninfo);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		diag("admin %s: %s", sql, PQerrorMessage(c));
	PQfinish(c);
	return r;
}

static bool start_backbone(int port)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	char listen[64], bin[512];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *builddir = getenv("CONNECTOR_BUILDDIR");
	snprintf(bin, sizeof(bin), "%s/connector-backbone-dev", builddir ? builddir : ".");
	backbone_pid = fork();
	if (backbone_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(bin, bin, "--listen", listen, "--database", conninfo, "--schema", "backbone", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *out = fdopen(fds[0], "r");
	char line[256] = "";
	bool ok =
	        fgets(line, sizeof(line), out) && sscanf(line, "listening on http://127.0.0.1:%d", &backbone_port) == 1;
	fclose(out);
	snprintf(base_url, sizeof(base_url), "http://localhost:%d", backbone_port);
	return ok;
}

static void stop_backbone(void)
{
	kill(backbone_pid, SIGTERM);
	waitpid(backbone_pid, NULL, 0);
}

static json_object *config_for(const char *schema)
{
	json_object *c = json_object_new_object(), *tl = json_object_new_object(), *db = json_object_new_object();
	json_object_object_add(tl, "baseUrl", json_object_new_string(base_url));
	json_object_object_add(tl, "platformClientId", json_object_new_string("test"));
	json_object_object_add(tl, "platformClientSecret", json_object_new_string("test"));
	json_object_object_add(tl, "platformTimeout", json_object_new_int(5000));
	json_object_object_add(db, "connectionString", json_object_new_string(conninfo));
	json_object_object_add(db, "dbName", json_object_new_string(schema));
	json_object_object_add(c, "transportLibrary", tl);
	json_object_object_add(c, "database", db);
	return c;
}

static bool migrate_schema(const char *schema)
{
	char *err = NULL;
	struct db *db = db_new(conninfo, schema, "test_backbone", &err);
	struct migrate_result result;
	bool ok = db && db_connect(db) == DB_OK &&
	          migrate_run(db, getenv("CONNECTOR_SQL_DIR") ? getenv("CONNECTOR_SQL_DIR") : "../sql", &result,
	                      &err) == MIGRATE_OK;
	if (!ok)
		diag("migrate %s: %s", schema, err ? err : db ? db_error(db) : "");
	free(err);
	db_free(db);
	return ok;
}

static bool open_session(struct account_session *s, const char *schema)
{
	json_object *config = config_for(schema);
	char err[512];
	enum session_status st = account_session_open(s, config, "test_backbone", NULL, NULL, 1, err, sizeof(err));
	json_object_put(config);
	if (st != SESSION_OK)
		diag("session %s: %s", schema, err);
	return st == SESSION_OK;
}

static long long count(struct db *db, const char *sql)
{
	PGresult *r = db_exec(db, sql, 0, NULL);
	long long n = r && PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return n;
}

static void test_options(void)
{
	json_object *c = config_for("x");
	json_object *tl = json_object_object_get(c, "transportLibrary");
	json_object_object_add(tl, "baseUrl", json_object_new_string("http://localhost:1"));
	json_object_object_add(tl, "platformClientSecret", json_object_new_string(""));
	struct backbone_options o;
	char err[256] = "";
	bool refused = !backbone_options_from_config(c, &o, err, sizeof(err));
	ok(refused && strstr(err, "transportLibrary.platformClientSecret"), "an empty client secret is refused: %s",
	   err);
	json_object_object_add(tl, "platformClientSecret", json_object_new_string("test"));
	json_object_object_add(tl, "baseUrl", json_object_new_string("ftp://x"));
	ok(backbone_options_from_config(c, &o, err, sizeof(err)), "options read");
	ok(!backbone_client_new(&o, err, sizeof(err)) && strstr(err, "transportLibrary.baseUrl"),
	   "a non-http baseUrl is refused, naming the key");
	json_object_put(c);
}

static void test_client_basics(struct account_session *a)
{
	int major = 0;
	struct backbone_response r;
	enum backbone_status vs = backbone_check_version(a->client, &major, &r);
	ok(vs == BACKBONE_OK && major >= 6 && major <= 7, "version check passes (major %d)", major);
	backbone_response_clear(&r);
	backbone_call(a->client, "GET", "/api/v2/RelationshipTemplates/RLTAAAAAAAAAAAAAAAAA", NULL,
	              BACKBONE_AUTH | BACKBONE_SAFE, &r);
	ok(r.status == BACKBONE_ERR_REQUEST && r.http_status == 404, "unknown template: 404");
	is_str(r.code, "error.platform.recordNotFound", "the Backbone's error code is kept");
	backbone_response_clear(&r);
	/* a revoked/expired token: the client logs in again and repeats the call once */
	free(a->client->token);
	a->client->token = strdup("not-a-valid-token");
	a->client->token_expires_ms = INT64_MAX / 2;
	ok(backbone_call(a->client, "GET", "/api/v2/Datawallet", NULL, BACKBONE_AUTH | BACKBONE_DATAWALLET, &r) ==
	           BACKBONE_OK,
	   "a 401 renews the token and repeats the call");
	backbone_response_clear(&r);
	ok(backbone_health(a->client, r.message, sizeof(r.message)), "backboneConnection: healthy");
	ok(account_check_authentication(a->db, a->client, r.message, sizeof(r.message)),
	   "backboneAuthentication: healthy");
	json_object *none = config_for("acct_none"), *config_a = config_for("acct_a");
	ok(!account_health_backbone_authentication(none, r.message, sizeof(r.message)),
	   "health hook: schema not migrated, unhealthy (%s)", r.message);
	ok(account_health_backbone_authentication(config_a, r.message, sizeof(r.message)), "health hook: login ok");
	ok(account_health_backbone_connection(config_a, r.message, sizeof(r.message)),
	   "health hook: Backbone reachable");
	json_object_put(none);
	json_object_put(config_a);
	backbone_client_set_device(a->client, a->identity.username, "wrong-password-0123456789");
	ok(backbone_login(a->client, &r) == BACKBONE_ERR_AUTH, "a wrong password is refused");
	is_str(r.code, "error.transport.request.noAuthGrant", "... as noAuthGrant");
	backbone_response_clear(&r);
	backbone_client_set_device(a->client, a->identity.username, a->identity.device_password);
}

static void test_identity(struct account_session *a)
{
	char local[ECRYPTO_ADDRESS_MAX + 1];
	ecrypto_address_from_public_key(&a->identity.identity_keys.pub, "localhost", local, NULL);
	is_str(a->identity.address, local, "the address matches the local derivation");
	is_int(count(a->db, "SELECT count(*) FROM account_identity WHERE state = 'ready'"), 1,
	       "one ready identity row");
	struct account_session again;
	ok(open_session(&again, "acct_a"), "a second start of the same schema");
	is_str(again.identity.address, a->identity.address, "... reuses the stored identity");
	account_session_close(&again);
}

/* Two processes open a fresh schema at the same time: one identity. */
static void test_race(void)
{
	int fds[2][2];
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		if (pipe(fds[i]) != 0)
			return;
		pids[i] = fork();
		if (pids[i] == 0) {
			struct account_session s;
			bool good = open_session(&s, "acct_race");
			dprintf(fds[i][1], "%s", good ? s.identity.address : "failed");
			account_session_close(&s);
			_exit(good ? 0 : 1);
		}
		close(fds[i][1]);
	}
	char got[2][128] = {"", ""};
	for (int i = 0; i < 2; i++) {
		ssize_t n = read(fds[i][0], got[i], sizeof(got[i]) - 1);
		got[i][n > 0 ? n : 0] = '\0';
		close(fds[i][0]);
		waitpid(pids[i], NULL, 0);
	}
	ok(strncmp(got[0], "did:e:", 6) == 0 && strcmp(got[0], got[1]) == 0,
	   "racing starters get the same identity (%s)", got[0]);
}

/* n templates of a, each exhausted by b: n RelationshipTemplateAllocationsExhausted events for a. */
static int make_events(struct account_session *a, struct account_session *b, int n)
{
	int made = 0;
	for (int i = 0; i < n; i++) {
		json_object *body = json_object_new_object();
		json_object_object_add(body, "content", json_object_new_string("AAEC"));
		json_object_object_add(body, "maxNumberOfAllocations", json_object_new_int(1));
		struct backbone_response r;
		backbone_call(a->client, "POST", "/api/v2/RelationshipTemplates", body, BACKBONE_AUTH, &r);
		json_object_put(body);
		json_object *id = NULL;
		if (r.status == BACKBONE_OK && json_object_object_get_ex(r.result, "id", &id)) {
			char path[96];
			snprintf(path, sizeof(path), "/api/v2/RelationshipTemplates/%s", json_object_get_string(id));
			struct backbone_response g;
			made += backbone_call(b->client, "GET", path, NULL, BACKBONE_AUTH, &g) == BACKBONE_OK;
			backbone_response_clear(&g);
		}
		backbone_response_clear(&r);
	}
	return made;
}

static void test_sync_paged(struct account_session *a, struct account_session *b)
{
	ok(strcmp(a->identity.address, b->identity.address) != 0, "two schemas, two identities");
	is_int(make_events(a, b, 60), 60, "60 events created for a");
	struct sync_report rep;
	char err[512] = "";
	enum sync_status st = sync_everything(a->db, a->client, &a->identity, &rep, err, sizeof(err));
	ok(st == SYNC_OK, "sync ok %s", err);
	is_int(rep.events, 60, "all 60 events read (two pages of 50)");
	is_int(rep.applied, 60, "all applied (templates unknown here: nothing to emit)");
	is_int(count(a->db, "SELECT count(*) FROM external_events WHERE result = 'applied'"), 60, "60 rows kept");
	is_int(count(a->db, "SELECT count(*) FROM sync_runs WHERE outcome = 'finalized'"), rep.runs, "runs finalized");
	sync_everything(a->db, a->client, &a->identity, &rep, err, sizeof(err));
	is_int(rep.events, 0, "the next sync finds nothing: all were acknowledged");
	char when[40];
	bool found = false;
	bool read = sync_last_completed(a->db, when, sizeof(when), &found);
	ok(read && found && strlen(when) == 24, "lastSyncRun.completedAt %s", found ? when : "");
}

/* The state a crash leaves: run recorded, first event applied, not finalized. */
static void test_resume(struct account_session *a, struct account_session *b)
{
	is_int(make_events(a, b, 3), 3, "3 more events");
	json_object *body = json_object_new_object();
	json_object_object_add(body, "type", json_object_new_string("ExternalEventSync"));
	struct backbone_response r;
	backbone_call(a->client, "POST", "/api/v2/SyncRuns", body, BACKBONE_AUTH | BACKBONE_DATAWALLET, &r);
	json_object_put(body);
	json_object *run = NULL, *id = NULL;
	ok(r.status == BACKBONE_OK && json_object_object_get_ex(r.result, "syncRun", &run) &&
	           json_object_object_get_ex(run, "id", &id),
	   "a run started (then the process 'dies')");
	char run_id[32] = "", path[96];
	snprintf(run_id, sizeof(run_id), "%s", id ? json_object_get_string(id) : "");
	backbone_response_clear(&r);
	const char *p[] = {run_id};
	db_command(a->db, "INSERT INTO sync_runs (run_id) VALUES ($1)", 1, p);
	snprintf(path, sizeof(path), "/api/v2/SyncRuns/%s/ExternalEvents", run_id);
	backbone_get_all(a->client, path, BACKBONE_AUTH | BACKBONE_DATAWALLET, &r);
	json_object *first = r.result ? json_object_array_get_idx(r.result, 0) : NULL;
	const char *p2[] = {first ? json_object_get_string(json_object_object_get(first, "id")) : "", run_id};
	db_command(a->db,
	           "INSERT INTO external_events (event_id, event_type, run_id, result) "
	           "VALUES ($1, 'RelationshipTemplateAllocationsExhausted', $2, 'recorded')",
	           2, p2);
	backbone_response_clear(&r);
	struct sync_report rep;
	char err[512] = "";
	ok(sync_everything(a->db, a->client, &a->identity, &rep, err, sizeof(err)) == SYNC_OK, "the next sync ok %s",
	   err);
	ok(rep.resumed, "it resumed the open run");
	is_int(rep.replayed, 1, "the applied event was not applied again");
	is_int(rep.applied, 2, "the other two were applied now");
	is_int(count(a->db, "SELECT count(*) FROM sync_runs WHERE finalized_at IS NULL"), 0, "no open run left");
	is_int(count(a->db, "SELECT count(*) FROM external_events"), 63, "63 distinct events, none twice");
}

static void test_single_flight(struct account_session *a)
{
	char *err_text = NULL;
	struct db *other = db_new(conninfo, "acct_a", "test_backbone", &err_text);
	bool held = false;
	ok(other && db_connect(other) == DB_OK && db_advisory_try_lock(other, DB_LOCK_SYNC_LEADER, &held) && held,
	   "another session holds the sync lock");
	struct sync_report rep;
	char err[512] = "";
	is_int(sync_run_exclusive(a->db, a->client, &a->identity, 300, NULL, NULL, &rep, err, sizeof(err)),
	       SYNC_ERR_BUSY, "a sync waits, then reports busy");
	db_advisory_unlock(other, DB_LOCK_SYNC_LEADER);
	is_int(sync_run_exclusive(a->db, a->client, &a->identity, 300, NULL, NULL, &rep, err, sizeof(err)), SYNC_OK,
	       "once released, the sync runs");
	db_free(other);
}

static void test_backbone_down(struct account_session *a)
{
	stop_backbone();
	struct sync_report rep;
	char err[512] = "";
	is_int(sync_everything(a->db, a->client, &a->identity, &rep, err, sizeof(err)), SYNC_ERR_BACKBONE,
	       "Backbone down: the sync fails as a Backbone error");
	ok(!backbone_health(a->client, err, sizeof(err)), "backboneConnection: unhealthy (%s)", err);
	json_object *config_a = config_for("acct_a");
	ok(!account_health_backbone_connection(config_a, err, sizeof(err)), "health hook: Backbone unreachable");
	json_object_put(config_a);
	ok(start_backbone(backbone_port), "Backbone back on port %d", backbone_port);
	is_int(sync_everything(a->db, a->client, &a->identity, &rep, err, sizeof(err)), SYNC_OK,
	       "and the sync works again");
}

/* The implemented handler: effects and outbox event in the caller's transaction, or neither. */
static void test_deletion_process_handler(void)
{
	struct account_session s;
	if (!ok(open_session(&s, "acct_race"), "identity for the deletion process"))
		return;
	struct backbone_response r;
	json_object *body = json_object_new_object();
	backbone_call(s.client, "POST", "/api/v2/Identities/Self/DeletionProcesses", body, BACKBONE_AUTH, &r);
	json_object_put(body);
	json_object *id = NULL;
	json_object_object_get_ex(r.result, "id", &id);
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "deletionProcessId", json_object_get(id));
	backbone_response_clear(&r);
	struct sync_event ev = {
	        .id = "SYIAAAAAAAAAAAAAAAAA", .type = "IdentityDeletionProcessStarted", .payload = payload};
	struct sync_context ctx = {.db = s.db, .client = s.client, .identity = &s.identity, .run_id = "SYR"};
	db_begin(s.db);
	is_int(sync_dispatch_lookup(ev.type)(&ctx, &ev), SYNC_EVENT_APPLIED, "IdentityDeletionProcessStarted applied");
	db_rollback(s.db);
	is_int(count(s.db, "SELECT count(*) FROM outbox_events"), 0, "rolled back: no outbox event");
	is_int(count(s.db, "SELECT count(*) FROM identity_deletion_processes"), 0, "rolled back: no process row");
	db_begin(s.db);
	sync_dispatch_lookup(ev.type)(&ctx, &ev);
	db_commit(s.db);
	is_int(count(s.db, "SELECT count(*) FROM outbox_events WHERE namespace = "
	                   "'transport.identityDeletionProcessStatusChanged' "
	                   "AND data->>'status' = 'Active'"),
	       1, "committed: transport.identityDeletionProcessStatusChanged with the process");
	is_int(count(s.db, "SELECT count(*) FROM identity_deletion_processes WHERE status = 'Active'"), 1,
	       "committed: the process stored");
	json_object_object_add(payload, "deletionProcessId", json_object_new_string("bad"));
	db_begin(s.db);
	is_int(sync_dispatch_lookup(ev.type)(&ctx, &ev), SYNC_EVENT_FAILED, "a bad payload fails");
	db_rollback(s.db);
	is_str(ctx.error_code, "error.transport.invalidPayload", "... with a code for the Backbone");
	json_object_put(payload);
	account_session_close(&s);
}

/* Multipart upload and raw download (what the file area needs). */
static void test_file_round_trip(struct account_session *a)
{
	uint8_t cipher[3000];
	for (size_t i = 0; i < sizeof(cipher); i++)
		cipher[i] = (uint8_t)(i * 7);
	uint8_t hash[crypto_hash_sha512_BYTES];
	crypto_hash_sha512(hash, cipher, sizeof(cipher));
	char *hash_b64 = b64_encode_alloc(B64_URL, hash, sizeof(hash));
	char expires[32];
	time_iso_from_ms(time_wall_ms() + 3600 * 1000, expires, sizeof(expires));
	const struct backbone_part parts[] = {
	        {.name = "content", .data = cipher, .len = sizeof(cipher)},
	        {.name = "cipherHash", .value = hash_b64},
	        {.name = "owner", .value = a->identity.address},
	        {.name = "expiresAt", .value = expires},
	};
	struct backbone_response r;
	backbone_post_multipart(a->client, "/api/v2/Files", parts, 4, BACKBONE_AUTH, &r);
	json_object *id = NULL, *echoed = NULL;
	ok(r.status == BACKBONE_OK && r.http_status == 201 && json_object_object_get_ex(r.result, "id", &id),
	   "multipart upload: 201 %s", r.message);
	json_object_object_get_ex(r.result, "cipherHash", &echoed);
	is_str(echoed ? json_object_get_string(echoed) : NULL, hash_b64, "the Backbone stored the cipher hash");
	char path[96];
	snprintf(path, sizeof(path), "/api/v2/Files/%s", id ? json_object_get_string(id) : "none");
	backbone_response_clear(&r);
	uint8_t *data = NULL;
	size_t len = 0;
	backbone_download(a->client, path, BACKBONE_AUTH | BACKBONE_SAFE, &data, &len, &r);
	ok(r.status == BACKBONE_OK && len == sizeof(cipher) && memcmp(data, cipher, len) == 0,
	   "raw download returns the same bytes");
	free(data);
	backbone_response_clear(&r);
	backbone_download(a->client, "/api/v2/Files/FILAAAAAAAAAAAAAAAAA", BACKBONE_AUTH, &data, &len, &r);
	ok(r.status == BACKBONE_ERR_REQUEST && r.http_status == 404 && !data, "a missing file: 404, no bytes");
	backbone_response_clear(&r);
	free(hash_b64);
}

static enum session_status open_with(const char *schema, const char *key, json_object *value, char *err, size_t err_len)
{
	json_object *config = config_for(schema);
	json_object_object_add(json_object_object_get(config, "transportLibrary"), key, value);
	struct account_session s;
	enum session_status st = account_session_open(&s, config, "test_backbone", NULL, NULL, 1, err, err_len);
	account_session_close(&s);
	json_object_put(config);
	return st;
}

static void test_identity_options(void)
{
	char err[512] = "";
	is_int(open_with("acct_opt", "allowIdentityCreation", json_object_new_boolean(false), err, sizeof(err)),
	       SESSION_CONFIG, "allowIdentityCreation false and no identity: configuration error");
	ok(strstr(err, "transportLibrary.allowIdentityCreation") != NULL, "... naming the key: %s", err);
	is_int(open_with("acct_opt", "addressGenerationHostnameOverride", json_object_new_string("other.example"), err,
	                 sizeof(err)),
	       SESSION_CONFIG, "an address domain the Backbone does not use: configuration error");
	ok(strstr(err, "addressGenerationHostnameOverride") != NULL, "... naming the key: %s", err);
	is_int(open_with("acct_opt2", "addressGenerationHostnameOverride", json_object_new_string("localhost"), err,
	                 sizeof(err)),
	       SESSION_OK, "the right override: identity created");
}

static void test_dispatch(void)
{
	static const char *types[] = {"MessageReceived",
	                              "RelationshipStatusChanged",
	                              "RelationshipReactivationRequested",
	                              "RelationshipReactivationCompleted",
	                              "IdentityDeletionProcessStarted",
	                              "IdentityDeletionProcessStatusChanged",
	                              "PeerToBeDeleted",
	                              "PeerDeletionCancelled",
	                              "PeerDeleted",
	                              "RelationshipTemplateAllocationsExhausted",
	                              "FileOwnershipLocked",
	                              "FileOwnershipClaimed",
	                              "TokenLocked",
	                              "PeerFeatureFlagsChanged",
	                              "MessageDelivered"};
	int found = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		found += sync_dispatch_lookup(types[i]) != NULL;
	is_int(found, 15, "every external event type of backbone-api.md §5 has a handler");
	ok(sync_dispatch_lookup("NoSuchEvent") == NULL,
	   "an unknown type has none (reported as error.transport.unknown)");
}

int main(void)
{
	const char *pg = getenv("CONNECTOR_TEST_DATABASE");
	if (!pg || !*pg) {
		printf("1..0 # SKIP CONNECTOR_TEST_DATABASE not set\n");
		return 0;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	log_set_level(LOG_LEVEL_ERROR);
	snprintf(base_conninfo, sizeof(base_conninfo), "%s", pg);
	snprintf(dbname, sizeof(dbname), "test_backbone_%d_%u", (int)getpid(), randombytes_uniform(1000000));
	char sql[160];
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	PQclear(admin(sql));
	snprintf(conninfo, sizeof(conninfo), "%s dbname=%s", pg, dbname);
	test_options();
	test_dispatch();
	if (!ok(start_backbone(0), "local Backbone started") ||
	    !ok(migrate_schema("acct_a") && migrate_schema("acct_b") && migrate_schema("acct_race") &&
	                migrate_schema("acct_opt") && migrate_schema("acct_opt2"),
	        "schemas migrated"))
		return tap_done();
	struct account_session a, b;
	if (ok(open_session(&a, "acct_a"), "identity a created") &&
	    ok(open_session(&b, "acct_b"), "identity b created")) {
		test_identity(&a);
		test_client_basics(&a);
		test_race();
		test_file_round_trip(&a);
		test_identity_options();
		test_sync_paged(&a, &b);
		test_resume(&a, &b);
		test_single_flight(&a);
		test_deletion_process_handler();
		test_backbone_down(&a);
		account_session_close(&b);
		account_session_close(&a);
	}
	stop_backbone();
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
	PQclear(admin(sql));
	curl_global_cleanup();
	return tap_done();
}
