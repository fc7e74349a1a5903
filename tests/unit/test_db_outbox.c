/*
 * test_db_outbox.c: lib/outbox against a real PostgreSQL with the shipped migrations: append only
 * inside a transaction (rollback leaves nothing, commit exactly one event with a stable uuid),
 * fan-out by subscription, the NOTIFY hint, claims with SKIP LOCKED and leases, events committed
 * out of seq order, consumer disabling, the retention purge, and correlation ids (explicit, the
 * thread's current one, none, refused) handed back by claims.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlation.h"
#include "db.h"
#include "migrate.h"
#include "outbox.h"
#include "tap.h"
#include "test_db_util.h"

static const char *conninfo;

static struct db *open_db(void)
{
	char *error = NULL;
	struct db *db = db_new(conninfo, "acc", "test-outbox", &error);
	if (!db || db_connect(db) != DB_OK) {
		printf("Bail out! cannot connect: %s\n", db ? db_error(db) : error);
		exit(1);
	}
	return db;
}

static bool is_uuid_v4(const char *id)
{
	if (strlen(id) != 36 || id[14] != '4' || !strchr("89ab", id[19]))
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? id[i] != '-' : !strchr("0123456789abcdef", id[i]))
			return false;
	return true;
}

static void on_note(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	snprintf(arg, 64, "%s", payload);
}

static void poll_notes(struct db *db, char *seen, int rounds)
{
	for (int i = 0; i < rounds && !seen[0]; i++) {
		struct pollfd pfd = {.fd = db_socket(db), .events = POLLIN};
		poll(&pfd, 1, 20);
		db_drain_notifications(db, on_note, seen);
	}
}

static void test_append(struct db *db, struct db *listener)
{
	char id[OUTBOX_EVENT_ID_LEN] = "", seen[64] = "";
	ok(!outbox_append(db, "transport.messageReceived", "did:e:x", "{}", id, NULL) &&
	           strstr(db_error(db), "inside an open transaction"),
	   "append outside a transaction is refused");
	ok(db_begin(db) && outbox_append(db, "transport.messageReceived", "did:e:x", "{\"a\":1}", id, NULL),
	   "append inside a transaction");
	db_rollback(db);
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_events"), 0, "rolled-back append leaves no event");
	poll_notes(listener, seen, 10);
	is_str(seen, "", "no notification from a rolled-back append");
	ok(db_begin(db), "begin");
	ok(!outbox_append(db, "", NULL, "{}", id, NULL) && strstr(db_error(db), "namespace"),
	   "empty namespace refused");
	ok(!outbox_append(db, "x.y", NULL, "{bad", id, NULL) && strstr(db_error(db), "data: not valid JSON"),
	   "invalid JSON data refused naming the field");
	ok(outbox_append(db, "transport.messageReceived", "did:e:x", "{\"id\":\"MSG1\",\"n\":[1,2]}", id, NULL) &&
	           db_commit(db),
	   "the transaction is still usable after refused input; committed");
	ok(is_uuid_v4(id), "event id is a uuid v4: %s", id);
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_events"), 1, "exactly one event after commit");
	char *stored = tdb_query(conninfo, "SELECT event_id::text FROM acc.outbox_events");
	is_str(stored, id, "the stored event id is the returned one");
	free(stored);
	char *data =
	        tdb_query(conninfo, "SELECT (data->'n'->>1) || target_address || namespace FROM acc.outbox_events");
	is_str(data, "2did:e:xtransport.messageReceived", "namespace, target address and data stored as jsonb");
	free(data);
	char *seq = tdb_query(conninfo, "SELECT seq::text FROM acc.outbox_events");
	poll_notes(listener, seen, 100);
	is_str(seen, seq, "NOTIFY connector_outbox carries the event's seq after commit");
	free(seq);
}

static void test_fan_out(struct db *db)
{
	const char *all[] = {"*"}, *transport[] = {"transport.*"}, *one[] = {"consumption.incomingRequestReceived"};
	ok(outbox_consumer_register(db, "webhooks:all", "webhook", all, 1) &&
	           outbox_consumer_register(db, "amqp", "amqp", transport, 1) &&
	           outbox_consumer_register(db, "webhooks:one", "webhook", one, 1),
	   "three consumers registered");
	ok(!outbox_consumer_register(db, "", "webhook", all, 1), "a consumer without id is refused");
	int n = -1;
	char id[OUTBOX_EVENT_ID_LEN];
	ok(db_begin(db) && outbox_append(db, "transport.relationshipChanged", NULL, NULL, id, &n) && db_commit(db),
	   "append after registration");
	is_int(n, 2, "fan-out: '*' and 'transport.*' match, the exact other namespace does not");
	ok(db_begin(db) && outbox_append(db, "consumption.incomingRequestReceived", NULL, "[]", id, &n) &&
	           db_commit(db),
	   "append of the exact namespace");
	is_int(n, 2, "fan-out: '*' and the exact subscription match");
}

static void test_claims(struct db *a, struct db *b)
{
	struct outbox_delivery *d = NULL;
	int n = outbox_claim(a, "webhooks:all", "A", 10, 60000, &d);
	is_int(n, 2, "consumer claims its two due deliveries");
	ok(n == 2 && d[0].event_seq < d[1].event_seq && d[0].attempts == 1 && d[1].data_json &&
	           strcmp(d[1].data_json, "[]") == 0,
	   "claims come oldest first with data and attempt count");
	struct outbox_delivery *none = NULL;
	is_int(outbox_claim(b, "webhooks:all", "B", 10, 60000, &none), 0, "a second worker sees nothing while leased");
	is_int(outbox_mark_delivered(a, "webhooks:all", d[0].event_seq, "A"), 1, "A marks the first delivered");
	is_int(outbox_mark_retry(a, "webhooks:all", d[1].event_seq, "A", 0, "HTTP 503"), 1, "A reschedules the second");
	is_int(outbox_mark_delivered(b, "webhooks:all", d[1].event_seq, "B"), 0, "B cannot settle A's delivery");
	outbox_deliveries_free(d, n);
	n = outbox_claim(b, "webhooks:all", "B", 10, 1, &d);
	ok(n == 1 && d[0].attempts == 2, "B claims the retried delivery (attempt 2) with a 1 ms lease");
	int64_t seq = n == 1 ? d[0].event_seq : 0;
	outbox_deliveries_free(d, n);
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	n = outbox_claim(a, "webhooks:all", "A", 10, 60000, &d);
	ok(n == 1 && d[0].event_seq == seq && d[0].attempts == 3, "an expired lease makes the delivery due again");
	outbox_deliveries_free(d, n);
	is_int(outbox_mark_delivered(b, "webhooks:all", seq, "B"), 0, "the worker whose lease expired lost the claim");
	is_int(outbox_mark_failed(a, "webhooks:all", seq, "A", "gave up"), 1, "A marks it failed");
	char *err = tdb_query(conninfo, "SELECT last_error FROM acc.outbox_deliveries WHERE state = 'failed'");
	is_str(err, "gave up", "last_error kept");
	free(err);
}

static void test_out_of_order(struct db *a, struct db *b)
{
	struct outbox_delivery *d = NULL;
	int n = outbox_claim(a, "amqp", "A", 100, 60000, &d);
	outbox_deliveries_free(d, n); /* the amqp consumer's earlier deliveries are now leased */
	char id1[OUTBOX_EVENT_ID_LEN], id2[OUTBOX_EVENT_ID_LEN];
	ok(db_begin(a) && outbox_append(a, "transport.early", NULL, "1", id1, NULL), "T1 appends first (lower seq)");
	ok(db_begin(b) && outbox_append(b, "transport.late", NULL, "2", id2, NULL) && db_commit(b),
	   "T2 appends later (higher seq) and commits first");
	n = outbox_claim(b, "amqp", "B", 100, 60000, &d);
	ok(n == 1 && strcmp(d[0].event_id, id2) == 0, "the consumer gets T2's event");
	outbox_deliveries_free(d, n);
	ok(db_commit(a), "T1 commits after T2");
	n = outbox_claim(b, "amqp", "B", 100, 60000, &d);
	ok(n == 1 && strcmp(d[0].event_id, id1) == 0, "T1's lower-seq event is still delivered (no high-water mark)");
	outbox_deliveries_free(d, n);
}

static void test_disable(struct db *db)
{
	ok(outbox_consumer_disable(db, "webhooks:one"), "disable a consumer");
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_deliveries WHERE consumer_id = 'webhooks:one' "
	               "AND state IN ('pending', 'in_flight')"),
	       0, "its open deliveries are cancelled");
	int n = -1;
	char id[OUTBOX_EVENT_ID_LEN];
	ok(db_begin(db) && outbox_append(db, "consumption.incomingRequestReceived", NULL, "{}", id, &n) &&
	           db_commit(db) && n == 1,
	   "a disabled consumer gets no new deliveries");
}

/* Builds one event per case with created_at in the past or now and the given delivery states. */
static void seed_retention(void)
{
	free(tdb_query(conninfo, "TRUNCATE acc.outbox_events CASCADE"));
	free(tdb_query(conninfo, "INSERT INTO acc.outbox_events (namespace, created_at) VALUES"
	                         " ('old.delivered', now() - interval '3 hours'),"
	                         " ('old.pending', now() - interval '3 hours'),"
	                         " ('old.inflight', now() - interval '3 hours'),"
	                         " ('old.mixed', now() - interval '3 hours'),"
	                         " ('old.failed', now() - interval '3 hours'),"
	                         " ('old.none', now() - interval '3 hours'),"
	                         " ('new.delivered', now())"));
	free(tdb_query(conninfo, "INSERT INTO acc.outbox_deliveries (consumer_id, event_seq, state)"
	                         " SELECT 'webhooks:all', seq, CASE namespace WHEN 'old.pending' THEN 'pending'"
	                         "   WHEN 'old.inflight' THEN 'in_flight' WHEN 'old.failed' THEN 'failed'"
	                         "   ELSE 'delivered' END FROM acc.outbox_events WHERE namespace <> 'old.none'"));
	free(tdb_query(conninfo,
	               "INSERT INTO acc.outbox_deliveries (consumer_id, event_seq, state)"
	               " SELECT 'amqp', seq, 'pending' FROM acc.outbox_events WHERE namespace = 'old.mixed'"));
}

static void test_retention(struct db *db)
{
	seed_retention();
	int64_t deleted = -1;
	ok(outbox_purge(db, 1, 1, 2, &deleted) && deleted == 2, "bounded: batch 1 x 2 batches deletes 2");
	ok(outbox_purge(db, 1, 1000, 0, &deleted) && deleted == 1, "the next run deletes the rest (1)");
	char *left = tdb_query(conninfo, "SELECT string_agg(namespace, ',' ORDER BY namespace) FROM acc.outbox_events");
	is_str(left, "new.delivered,old.inflight,old.mixed,old.pending",
	       "only old events with all deliveries finished (or none) are purged");
	free(left);
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_deliveries d WHERE NOT EXISTS "
	               "(SELECT 1 FROM acc.outbox_events e WHERE e.seq = d.event_seq)"),
	       0, "their delivery rows went with them");
	ok(outbox_purge(db, 1, 1000, 0, &deleted) && deleted == 0, "a further run finds nothing");
	free(tdb_query(conninfo, "UPDATE acc.outbox_deliveries SET state = 'delivered' WHERE state <> 'delivered'"));
	ok(outbox_purge(db, 1, 1000, 0, &deleted) && deleted == 3, "once delivered, the old ones go too");
	is_int(tdb_int("SELECT count(*) FROM acc.outbox_events"), 1, "the recent event stays");
}

static void test_correlation_ids(struct db *db)
{
	const char *subs[] = {"corr.*"};
	ok(outbox_consumer_register(db, "corr", "webhook", subs, 1), "consumer for correlation events");
	ok(db_begin(db) && outbox_append_correlated(db, "corr.explicit", NULL, "1", "req-A", NULL, NULL),
	   "append with an explicit correlation id");
	correlation_set_current("run-B");
	ok(outbox_append(db, "corr.current", NULL, "2", NULL, NULL), "append under a current correlation id");
	correlation_set_current(NULL);
	ok(outbox_append(db, "corr.none", NULL, "3", NULL, NULL), "append without one");
	ok(!outbox_append_correlated(db, "corr.bad", NULL, "4", "a\nb", NULL, NULL) &&
	           strstr(db_error(db), "correlation_id"),
	   "a correlation id with a control character is refused, naming the field");
	ok(db_commit(db), "the transaction stays usable and commits");
	struct outbox_delivery *d = NULL;
	int n = outbox_claim(db, "corr", "W", 10, 60000, &d);
	is_int(n, 3, "three events claimed (the refused one was never written)");
	ok(n == 3 && d[0].correlation_id && strcmp(d[0].correlation_id, "req-A") == 0 && d[1].correlation_id &&
	           strcmp(d[1].correlation_id, "run-B") == 0 && d[2].correlation_id == NULL,
	   "claims hand back each event's correlation id (NULL when none)");
	outbox_deliveries_free(d, n);
}

int main(void)
{
	conninfo = tdb_setup(NULL, "outbox");
	const char *sql_dir = getenv("CONNECTOR_SQL_DIR");
	struct db *a = open_db(), *b = open_db(), *listener = open_db();
	struct migrate_result r;
	char *error = NULL;
	if (migrate_run(a, sql_dir ? sql_dir : "../sql", &r, &error) != MIGRATE_OK) {
		printf("Bail out! migrate: %s\n", error);
		return 1;
	}
	db_listen(listener, OUTBOX_CHANNEL);
	test_append(a, listener);
	test_fan_out(a);
	test_claims(a, b);
	test_out_of_order(a, b);
	test_disable(a);
	test_retention(a);
	test_correlation_ids(a);
	db_free(a);
	db_free(b);
	db_free(listener);
	return tap_done();
}
