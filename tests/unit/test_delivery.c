/*
 * test_delivery.c: the delivery core (lib/delivery*.c) against a real PostgreSQL with the shipped
 * migrations: the retry schedule, synchronous and asynchronous completion, retries and dead
 * letters with their attempt-log rows, a crashed worker's claims coming back after the lease, two
 * loops sharing one consumer (every event once), release of open claims on free, EventEmitter2
 * triggers matched identically in C and in SQL, and consumers registered from the configuration.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "db.h"
#include "delivery.h"
#include "delivery_admin.h"
#include "delivery_consumers.h"
#include "migrate.h"
#include "outbox.h"
#include "tap.h"
#include "test_db_util.h"
#include "timeutil.h"

static const char *conninfo;

static struct db *open_db(const char *app)
{
	char *error = NULL;
	struct db *db = db_new(conninfo, "acc", app, &error);
	if (!db || db_connect(db) != DB_OK) {
		printf("Bail out! cannot connect: %s\n", db ? db_error(db) : error);
		exit(1);
	}
	return db;
}

static void append_events(struct db *db, const char *namespace, int n)
{
	db_begin(db);
	for (int i = 0; i < n; i++) {
		char data[64];
		snprintf(data, sizeof(data), "{\"i\":%d}", i);
		if (!outbox_append(db, namespace, "did:e:x", data, NULL, NULL))
			printf("# append: %s\n", db_error(db));
	}
	if (!db_commit(db))
		printf("# commit: %s\n", db_error(db));
}

static long long count_where(const char *where)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM acc.outbox_deliveries WHERE %s", where);
	return tdb_int(sql);
}

/* Runs the base until done() or timeout_ms (a guard against hanging only). */
static void run_until(struct event_base *base, bool (*done)(void *), void *arg, int timeout_ms)
{
	int64_t end = time_monotonic_ms() + timeout_ms;
	while (!done(arg) && time_monotonic_ms() < end) {
		struct timeval tv = {0, 20000};
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void test_schedule(void)
{
	struct delivery_schedule s;
	delivery_schedule_default(&s);
	is_int(s.count, 7, "default schedule: 7 retries (8 attempts)");
	is_int(delivery_schedule_next(&s, 1, -1, 0.5), 5000, "after attempt 1: 5 s (no jitter at 0.5)");
	is_int(delivery_schedule_next(&s, 7, -1, 0.5), 36000000, "after attempt 7: 10 h");
	is_int(delivery_schedule_next(&s, 8, -1, 0.5), -1, "after attempt 8: dead letter");
	is_int(delivery_schedule_next(&s, 1, -1, 0.0), 4000, "jitter -20 percent");
	ok(delivery_schedule_next(&s, 1, -1, 0.999) > 5990, "jitter up to +20 percent");
	is_int(delivery_schedule_next(&s, 1, 120000, 0.5), 120000, "Retry-After above the schedule is honoured");
	is_int(delivery_schedule_next(&s, 1, 1000, 0.5), 5000, "Retry-After below the schedule is not");
	is_int(delivery_schedule_next(&s, 1, 86400000, 0.5), 3600000, "Retry-After capped at 1 h");
	json_object *bad = json_tokener_parse("[1000, -1]");
	char *error = NULL;
	bool refused = !delivery_schedule_from_json(bad, "modules.webhooks.retrySchedule", &s, &error);
	ok(refused && error && strstr(error, "modules.webhooks.retrySchedule"),
	   "a negative delay is refused naming the key");
	free(error);
	json_object_put(bad);
	json_object *good = json_tokener_parse("[0, 10]");
	ok(delivery_schedule_from_json(good, "x", &s, NULL) && s.count == 2 && s.delays_ms[1] == 10, "[0,10] parsed");
	json_object_put(good);
}

/* ---- a sender whose behaviour the tests choose ---- */

struct sender {
	int calls, fail_first_attempts; /* RETRY while attempt <= fail_first_attempts */
	bool async, always_fail, never_complete;
	struct delivery_job *held[512];
	int held_count;
	char seen[512][OUTBOX_EVENT_ID_LEN];
	int seen_count;
};

static void send_cb(struct delivery_job *job, const struct delivery_event *ev, void *arg)
{
	struct sender *s = arg;
	s->calls++;
	if (s->never_complete || s->async) {
		s->held[s->held_count++] = job;
		return;
	}
	if (s->always_fail || ev->attempt <= s->fail_first_attempts) {
		delivery_job_done(job, DELIVERY_RETRY, -1, 503, "HTTP 503");
		return;
	}
	snprintf(s->seen[s->seen_count++], OUTBOX_EVENT_ID_LEN, "%s", ev->event_id);
	delivery_job_done(job, DELIVERY_OK, -1, 200, NULL);
}

struct wait_state {
	const char *where;
	long long want;
};

static bool rows_reached(void *arg)
{
	struct wait_state *w = arg;
	return count_where(w->where) == w->want;
}

static struct delivery_loop *make_loop(struct event_base *base, struct db *db, const char *consumer, const char *worker,
                                       struct sender *s, const struct delivery_schedule *sched)
{
	const char *ids[] = {consumer};
	struct delivery_options o = {.consumer_ids = ids,
	                             .consumer_count = 1,
	                             .worker_id = worker,
	                             .batch_size = 16,
	                             .lease_ms = 600,
	                             .sweep_ms = 100,
	                             .schedule = sched,
	                             .send = send_cb,
	                             .arg = s};
	return delivery_loop_new(base, db, &o);
}

static void test_delivered_and_retried(struct db *producer)
{
	struct event_base *base = event_base_new();
	struct db *db = open_db("test-delivery");
	struct delivery_schedule sched = {.count = 2, .delays_ms = {0, 0}, .jitter_percent = 0};
	struct sender s = {.fail_first_attempts = 1};
	struct delivery_loop *loop = make_loop(base, db, "c-retry", "w1", &s, &sched);
	ok(loop && delivery_loop_start(loop), "loop starts");
	append_events(producer, "test.retry", 40);
	struct wait_state w = {"consumer_id = 'c-retry' AND state = 'delivered'", 40};
	run_until(base, rows_reached, &w, 15000);
	is_int(count_where(w.where), 40, "40 events delivered after one retry each");
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_delivery_attempts WHERE consumer_id = 'c-retry'"), 80,
	       "attempt log: 80 rows");
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_delivery_attempts WHERE consumer_id = 'c-retry'"
	               " AND outcome = 'retry' AND http_status = 503 AND error = 'HTTP 503' AND attempt = 1"),
	       40, "first attempts recorded as retry with status and error");
	struct delivery_counters c;
	delivery_loop_counters(loop, &c);
	ok(c.delivered == 40 && c.retried == 40 && c.in_flight == 0, "counters: delivered 40, retried 40");
	delivery_loop_free(loop);
	db_free(db);
	event_base_free(base);
}

static void test_dead_letter(struct db *producer)
{
	struct event_base *base = event_base_new();
	struct db *db = open_db("test-delivery");
	struct delivery_schedule sched = {.count = 1, .delays_ms = {0}, .jitter_percent = 0};
	struct sender s = {.always_fail = true};
	struct delivery_loop *loop = make_loop(base, db, "c-dead", "w1", &s, &sched);
	delivery_loop_start(loop);
	append_events(producer, "test.dead", 5);
	struct wait_state w = {"consumer_id = 'c-dead' AND state = 'failed'", 5};
	run_until(base, rows_reached, &w, 15000);
	is_int(count_where(w.where), 5, "after the last attempt: dead letter (state failed)");
	is_int(count_where("consumer_id = 'c-dead' AND attempts = 2 AND last_error = 'HTTP 503'"), 5,
	       "two attempts each, last error kept");
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_delivery_attempts WHERE consumer_id = 'c-dead'"
	               " AND outcome = 'failed'"),
	       5, "attempt log marks the final attempt failed");
	delivery_loop_free(loop);
	db_free(db);
	event_base_free(base);
}

static bool held_reached(void *arg)
{
	struct sender *s = arg;
	return s->held_count >= 10;
}

static void test_async_and_release(struct db *producer)
{
	struct event_base *base = event_base_new();
	struct db *db = open_db("test-delivery");
	struct sender s = {.async = true};
	struct delivery_loop *loop = make_loop(base, db, "c-async", "w1", &s, NULL);
	delivery_loop_start(loop);
	append_events(producer, "test.async", 10);
	run_until(base, held_reached, &s, 10000);
	is_int(s.held_count, 10, "async: all 10 handed out");
	is_int(count_where("consumer_id = 'c-async' AND state = 'in_flight' AND claimed_by = 'w1'"), 10,
	       "claimed in_flight while the sender works");
	for (int i = 0; i < 4; i++)
		delivery_job_done(s.held[i], DELIVERY_OK, -1, 200, NULL);
	struct wait_state w = {"consumer_id = 'c-async' AND state = 'delivered'", 4};
	run_until(base, rows_reached, &w, 10000);
	is_int(count_where(w.where), 4, "late completions are recorded");
	delivery_loop_free(loop); /* 6 still out */
	is_int(count_where("consumer_id = 'c-async' AND state = 'pending' AND attempts = 0 AND claimed_by IS NULL"), 6,
	       "free returns open claims to the queue without counting the attempt");
	db_free(db);
	event_base_free(base);
}

static void test_lease_takeover(struct db *producer)
{
	append_events(producer, "test.lease", 8);
	struct outbox_delivery *rows = NULL;
	int n = outbox_claim(producer, "c-lease", "crashed-worker", 100, 300, &rows);
	outbox_deliveries_free(rows, n);
	is_int(n, 8, "a worker claims 8 and dies");
	struct event_base *base = event_base_new();
	struct db *db = open_db("test-delivery");
	struct sender s = {0};
	struct delivery_loop *loop = make_loop(base, db, "c-lease", "w2", &s, NULL);
	delivery_loop_start(loop);
	struct wait_state w = {"consumer_id = 'c-lease' AND state = 'delivered'", 8};
	run_until(base, rows_reached, &w, 15000);
	is_int(count_where(w.where), 8, "after the lease ran out another worker delivers them");
	is_int(count_where("consumer_id = 'c-lease' AND attempts = 2"), 8, "the lost claim counts as an attempt");
	is_int(outbox_mark_delivered(producer, "c-lease", 1, "crashed-worker"), 0,
	       "the dead worker can no longer settle");
	delivery_loop_free(loop);
	db_free(db);
	event_base_free(base);
}

static json_object *consumer_entry(json_object *overview, const char *id)
{
	json_object *list = NULL;
	json_object_object_get_ex(overview, "consumers", &list);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i), *v = NULL;
		if (json_object_object_get_ex(c, "consumerId", &v) && strcmp(json_object_get_string(v), id) == 0)
			return c;
	}
	return NULL;
}

static int64_t int_field(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* After test_dead_letter: operators see the dead letters and replay them. */
static void test_admin_replay(struct db *db)
{
	json_object *overview = delivery_admin_overview(db);
	json_object *dead = consumer_entry(overview, "c-dead");
	ok(dead && int_field(dead, "deadLetters") == 5 && int_field(dead, "attempts") == 10,
	   "overview: 5 dead letters, 10 attempts");
	json_object *err = NULL;
	ok(dead && json_object_object_get_ex(dead, "lastError", &err) &&
	           strcmp(json_object_get_string(err), "HTTP 503") == 0,
	   "overview: last error");
	json_object *retry = consumer_entry(overview, "c-retry");
	ok(retry && int_field(retry, "delivered") == 40 &&
	           json_object_object_get_ex(retry, "oldestUndeliveredAgeMs", &err) && err == NULL,
	   "overview: a drained consumer has no undelivered age");
	json_object_put(overview);
	json_object *list = delivery_admin_dead_letters(db, "c-dead", 3);
	json_object *items = NULL;
	json_object_object_get_ex(list, "deadLetters", &items);
	is_int(json_object_array_length(items), 3, "dead letters listed with a limit");
	json_object *first = json_object_array_get_idx(items, 0), *id = NULL;
	json_object_object_get_ex(first, "eventId", &id);
	char event_id[OUTBOX_EVENT_ID_LEN];
	snprintf(event_id, sizeof(event_id), "%s", json_object_get_string(id));
	json_object_put(list);
	json_object *event = delivery_admin_event(db, event_id);
	json_object *deliveries = NULL;
	json_object_object_get_ex(event, "deliveries", &deliveries);
	json_object *log = NULL;
	json_object_object_get_ex(json_object_array_get_idx(deliveries, 0), "attemptLog", &log);
	is_int(json_object_array_length(log), 2, "event view: the attempt log of a dead letter");
	json_object_put(event);
	int64_t n = -1;
	ok(!delivery_admin_replay(db, NULL, "not-a-uuid", &n) && strstr(db_error(db), "event id"),
	   "replay refuses a bad event id");
	ok(delivery_admin_replay(db, "c-dead", event_id, &n) && n == 1, "replay one event");
	ok(delivery_admin_replay(db, "c-dead", NULL, &n) && n == 4, "replay the consumer's other dead letters");
	struct event_base *base = event_base_new();
	struct db *wdb = open_db("test-delivery");
	struct sender s = {0};
	struct delivery_loop *loop = make_loop(base, wdb, "c-dead", "w1", &s, NULL);
	delivery_loop_start(loop);
	struct wait_state w = {"consumer_id = 'c-dead' AND state = 'delivered'", 5};
	run_until(base, rows_reached, &w, 10000);
	is_int(count_where(w.where), 5, "replayed dead letters are delivered");
	delivery_loop_free(loop);
	db_free(wdb);
	event_base_free(base);
}

struct pair {
	struct sender *a, *b;
	int want;
};

static bool pair_done(void *arg)
{
	struct pair *p = arg;
	return p->a->seen_count + p->b->seen_count >= p->want;
}

static void test_two_loops(struct db *producer)
{
	struct event_base *base = event_base_new();
	struct db *db1 = open_db("test-delivery-1"), *db2 = open_db("test-delivery-2");
	struct sender a = {0}, b = {0};
	struct delivery_loop *l1 = make_loop(base, db1, "c-shared", "wa", &a, NULL);
	struct delivery_loop *l2 = make_loop(base, db2, "c-shared", "wb", &b, NULL);
	delivery_loop_start(l1);
	delivery_loop_start(l2);
	for (int i = 0; i < 10; i++)
		append_events(producer, "test.shared", 20);
	struct pair p = {&a, &b, 200};
	run_until(base, pair_done, &p, 20000);
	is_int(a.seen_count + b.seen_count, 200, "two loops on one consumer deliver 200 events");
	int dup = 0;
	for (int i = 0; i < a.seen_count; i++)
		for (int k = 0; k < b.seen_count; k++)
			dup += strcmp(a.seen[i], b.seen[k]) == 0;
	is_int(dup, 0, "no event went to both (SKIP LOCKED)");
	diag("loop a delivered %d, loop b %d", a.seen_count, b.seen_count);
	delivery_loop_free(l1);
	delivery_loop_free(l2);
	db_free(db1);
	db_free(db2);
	event_base_free(base);
}

static void test_trigger_matching(struct db *db)
{
	static const char *const patterns[] = {"transport.messageReceived",
	                                       "transport.*",
	                                       "**",
	                                       "*.messageReceived",
	                                       "transport.**",
	                                       "consumption.*.x",
	                                       "a.**.b",
	                                       "*",
	                                       "trans*"};
	static const char *const names[] = {"transport.messageReceived",
	                                    "transport.relationshipChanged",
	                                    "consumption.attributeCreated",
	                                    "transport",
	                                    "transport.a.b",
	                                    "a.b",
	                                    "a.x.y.b",
	                                    "runtime",
	                                    "trans*",
	                                    "consumption.y.x"};
	int agree = 0, total = 0;
	for (size_t p = 0; p < sizeof(patterns) / sizeof(*patterns); p++) {
		char *sub = webhook_trigger_subscription(patterns[p]);
		for (size_t n = 0; n < sizeof(names) / sizeof(*names); n++) {
			const char *params[] = {sub, names[n]};
			PGresult *r = db_exec(db, "SELECT outbox_subscription_matches(ARRAY[$1], $2)", 2, params);
			bool sql = r && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			PQclear(r);
			bool c = webhook_trigger_matches(patterns[p], names[n]);
			total++;
			if (sql == c)
				agree++;
			else
				diag("disagree: %s (%s) vs %s: C %d SQL %d", patterns[p], sub, names[n], c, sql);
		}
		free(sub);
	}
	is_int(agree, total, "EventEmitter2 matching: C and SQL fan-out agree on every pair");
	ok(webhook_trigger_matches("transport.*", "transport.messageReceived") &&
	           !webhook_trigger_matches("transport.*", "transport.a.b") &&
	           webhook_trigger_matches("**", "transport.a.b") && webhook_trigger_matches("a.**.b", "a.b") &&
	           webhook_trigger_matches("a.**.b", "a.x.y.b") && !webhook_trigger_matches("*", "a.b"),
	   "'*' is one segment, '**' any number");
}

static void test_consumers_from_config(struct db *db)
{
	json_object *root = json_tokener_parse(
	        "{\"modules\":{\"webhooks\":{\"enabled\":true,\"targets\":{\"backend\":{\"url\":\"http://h/"
	        "{{trigger}}\"}},"
	        "\"webhooks\":[{\"triggers\":[\"transport.messageReceived\",\"transport.*\"],\"target\":\"backend\"},"
	        "{\"triggers\":[\"**\"],\"target\":{\"url\":\"https://x\"}}]},"
	        "\"messageBrokerPublisher\":{\"enabled\":true,\"brokers\":[{\"type\":\"AMQP\",\"configuration\":{}},"
	        "{\"type\":\"Redis\",\"configuration\":{}}]},\"amqpPublisher\":{\"enabled\":true}}}");
	struct delivery_consumer_set set;
	struct webhook_error err;
	ok(delivery_consumers_from_config(root, &set, &err), "consumers derived");
	is_int(set.count, 5, "2 webhooks, 2 brokers, amqpPublisher");
	is_str(set.items[0].id, "webhook:1:backend", "webhook id names index and target");
	is_str(set.items[1].id, "webhook:2:inline", "inline target");
	is_str(set.items[2].id, "broker:1:AMQP", "broker id is 1-based with type");
	is_str(set.items[3].kind, "redis", "broker kind");
	int reg = 0, dis = 0;
	ok(delivery_consumers_sync(db, &set, &reg, &dis) && reg == 5, "registered 5");
	char *subs = tdb_query(tdb_conninfo, "SELECT array_to_string(subscriptions, ' ') FROM acc.outbox_consumers"
	                                     " WHERE consumer_id = 'webhook:1:backend'");
	is_str(subs, "transport.messageReceived ~^\\.transport\\.[^.]*$",
	       "triggers stored as exact and regex subscriptions");
	free(subs);
	delivery_consumers_free(&set);
	json_object_put(root);
	root = json_tokener_parse("{\"modules\":{\"amqpPublisher\":{\"enabled\":true}}}");
	delivery_consumers_from_config(root, &set, &err);
	long long before = tdb_int("SELECT count(*) FROM acc.outbox_consumers WHERE enabled");
	ok(delivery_consumers_sync(db, &set, &reg, &dis) && reg == 1, "re-registered with one consumer left");
	ok(tdb_int("SELECT count(*) FROM acc.outbox_consumers WHERE enabled") == 1 && dis == (int)before - 1,
	   "every other consumer disabled (%d), none deleted", dis);
	delivery_consumers_free(&set);
	json_object_put(root);
}

int main(void)
{
	conninfo = tdb_setup(NULL, "delivery");
	test_schedule();
	struct db *db = open_db("test-delivery-producer");
	char *error = NULL;
	struct migrate_result result;
	if (migrate_run(db, getenv("CONNECTOR_SQL_DIR") ? getenv("CONNECTOR_SQL_DIR") : "sql", &result, &error) !=
	    MIGRATE_OK) {
		printf("Bail out! migrate: %s\n", error);
		return 1;
	}
	static const char *const consumers[] = {"retry", "dead", "async", "lease", "shared"};
	for (size_t i = 0; i < sizeof(consumers) / sizeof(*consumers); i++) {
		char id[32], sub[32];
		snprintf(id, sizeof(id), "c-%s", consumers[i]);
		snprintf(sub, sizeof(sub), "test.%s", consumers[i]);
		const char *subs[] = {sub};
		outbox_consumer_register(db, id, "test", subs, 1);
	}
	test_delivered_and_retried(db);
	test_dead_letter(db);
	test_admin_replay(db);
	test_async_and_release(db);
	test_lease_takeover(db);
	test_two_loops(db);
	test_trigger_matching(db);
	test_consumers_from_config(db);
	db_free(db);
	return tap_done();
}
