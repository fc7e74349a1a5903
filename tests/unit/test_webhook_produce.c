/*
 * test_webhook_produce.c: a small producer for the webhook end-to-end tests, chaos test and bench
 * (real flows come later): appends events with outbox_append, exactly as the runtime will.
 *
 *   test_webhook_produce --conninfo C --schema S --namespace N [--data JSON] [--count N]
 *                        [--per-tx K] [--rate EVENTS_PER_S]
 *       prints "<event id> <epoch ms after commit>" per event; survives a PostgreSQL restart
 *       (reconnects, redoes the transaction)
 *   test_webhook_produce --conninfo C --schema S --exec SQL
 *       prints each row, columns separated by tabs (for checks in the tests)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"

struct options {
	const char *conninfo, *schema, *namespace, *data, *exec;
	long count, per_tx;
	double rate;
};

static void usage(void)
{
	fprintf(stderr, "usage: test_webhook_produce --conninfo C --schema S (--namespace N [--data JSON] "
	                "[--count N] [--per-tx K] [--rate R] | --exec SQL)\n");
	exit(2);
}

static void parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){.data = "{}", .count = 1, .per_tx = 1};
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--conninfo"))
			o->conninfo = v;
		else if (!strcmp(k, "--schema"))
			o->schema = v;
		else if (!strcmp(k, "--namespace"))
			o->namespace = v;
		else if (!strcmp(k, "--data"))
			o->data = v;
		else if (!strcmp(k, "--exec"))
			o->exec = v;
		else if (!strcmp(k, "--count"))
			o->count = atol(v);
		else if (!strcmp(k, "--per-tx"))
			o->per_tx = atol(v) > 0 ? atol(v) : 1;
		else if (!strcmp(k, "--rate"))
			o->rate = atof(v);
		else
			usage();
	}
	if (!o->conninfo || !o->schema || (!o->namespace && !o->exec))
		usage();
}

static int run_exec(struct db *db, const char *sql)
{
	PGresult *res = db_exec(db, sql, 0, NULL);
	if (!res) {
		fprintf(stderr, "%s\n", db_error(db));
		return 1;
	}
	for (int r = 0; r < PQntuples(res); r++)
		for (int c = 0; c < PQnfields(res); c++)
			printf("%s%c", PQgetvalue(res, r, c), c + 1 < PQnfields(res) ? '\t' : '\n');
	PQclear(res);
	return 0;
}

/* One transaction of n events; false (rolled back) on any failure. */
static bool append_batch(struct db *db, const struct options *o, long n, char (*ids)[OUTBOX_EVENT_ID_LEN])
{
	if (!db_begin(db))
		return false;
	for (long i = 0; i < n; i++)
		if (!outbox_append(db, o->namespace, "did:e:localhost:dids:producer", o->data, ids[i], NULL)) {
			fprintf(stderr, "append: %s\n", db_error(db));
			db_rollback(db);
			return false;
		}
	if (!db_commit(db)) {
		db_rollback(db);
		return false;
	}
	return true;
}

static void pace(const struct options *o, long produced, int64_t start)
{
	if (o->rate <= 0)
		return;
	int64_t due = start + (int64_t)((double)produced * 1000.0 / o->rate);
	int64_t now = time_monotonic_ms();
	if (due > now) {
		struct timespec ts = {(due - now) / 1000, ((due - now) % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

static int run_produce(struct db *db, const struct options *o)
{
	char(*ids)[OUTBOX_EVENT_ID_LEN] = calloc((size_t)o->per_tx, OUTBOX_EVENT_ID_LEN);
	struct db_retry retry = {.floor_ms = 50, .cap_ms = 1000};
	int64_t start = time_monotonic_ms();
	for (long done = 0; done < o->count;) {
		long n = o->count - done < o->per_tx ? o->count - done : o->per_tx;
		if (!db_ensure_connected(db, &retry) || !append_batch(db, o, n, ids)) {
			if (db_connection_lost(db))
				db_disconnect(db);
			continue; /* a commit whose answer was lost may have happened: the tests read the outbox */
		}
		int64_t at = time_wall_ms();
		for (long i = 0; i < n; i++)
			printf("%s %lld\n", ids[i], (long long)at);
		done += n;
		pace(o, done, start);
	}
	fflush(stdout);
	free(ids);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	parse(argc, argv, &o);
	log_set_level(LOG_LEVEL_ERROR);
	char *error = NULL;
	struct db *db = db_new(o.conninfo, o.schema, "test-webhook-produce", &error);
	if (!db) {
		fprintf(stderr, "%s\n", error);
		return 2;
	}
	struct db_retry retry = {.floor_ms = 50, .cap_ms = 1000, .max_attempts = 100};
	if (!db_ensure_connected(db, &retry)) {
		fprintf(stderr, "%s\n", db_error(db));
		return 1;
	}
	int rc = o.exec ? run_exec(db, o.exec) : run_produce(db, &o);
	db_free(db);
	return rc;
}
