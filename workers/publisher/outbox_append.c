/*
 * connector-outbox-append: produces events the way the runtime does, with outbox_append in a
 * transaction of its own per event (tests and benchmarks until real flows exist). Prints one line
 * per event: "<event id> <commit wall-clock ms>".
 *
 *   connector-outbox-append --db CONNINFO --schema NAME --namespace NS [--data JSON]
 *                           [--count N] [--rate PER_SECOND] [--register CONSUMER_ID ...]
 * In --data, every "%i" is replaced by the event's 1-based number. --register upserts consumers
 * subscribed to everything (normally connector-migrate registers them from the configuration).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"

struct args {
	const char *db, *schema, *namespace, *data;
	long count, rate;
	const char *consumers[16];
	int consumer_count;
};

static void parse_args(struct args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"db", 1, 0, 'd'},       {"schema", 1, 0, 's'}, {"namespace", 1, 0, 'n'},
	                                     {"data", 1, 0, 'j'},     {"count", 1, 0, 'c'},  {"rate", 1, 0, 'r'},
	                                     {"register", 1, 0, 'g'}, {0, 0, 0, 0}};
	int c;
	a->count = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 's':
			a->schema = optarg;
			break;
		case 'n':
			a->namespace = optarg;
			break;
		case 'j':
			a->data = optarg;
			break;
		case 'c':
			a->count = atol(optarg);
			break;
		case 'r':
			a->rate = atol(optarg);
			break;
		case 'g':
			if (a->consumer_count < 16)
				a->consumers[a->consumer_count++] = optarg;
			break;
		default:
			exit(2);
		}
	}
	if (!a->db || !a->schema || (!a->namespace && a->consumer_count == 0)) {
		fprintf(stderr,
		        "usage: connector-outbox-append --db CONNINFO --schema NAME --namespace NS [--data JSON] "
		        "[--count N] [--rate N] [--register ID ...]\n");
		exit(2);
	}
}

/* data with every "%i" replaced by n (malloc'd) */
static char *expand(const char *data, long n)
{
	if (!data)
		return NULL;
	size_t cap = strlen(data) * 2 + 64, len = 0;
	char *out = malloc(cap);
	for (const char *p = data; *p; p++) {
		if (len + 32 > cap)
			out = realloc(out, cap *= 2);
		if (p[0] == '%' && p[1] == 'i') {
			len += (size_t)snprintf(out + len, cap - len, "%ld", n);
			p++;
		} else {
			out[len++] = *p;
		}
	}
	out[len] = 0;
	return out;
}

static bool append_one(struct db *db, const struct args *a, long n)
{
	char id[OUTBOX_EVENT_ID_LEN];
	char *data = expand(a->data, n);
	bool ok = db_begin(db) && outbox_append(db, a->namespace, NULL, data, id, NULL) && db_commit(db);
	free(data);
	if (!ok) {
		fprintf(stderr, "outbox-append: %s\n", db_error(db));
		db_rollback(db);
		return false;
	}
	printf("%s %lld\n", id, (long long)time_wall_ms());
	return true;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	parse_args(&a, argc, argv);
	log_set_process("outbox-append", 0);
	char *error = NULL;
	struct db *db = db_new(a.db, a.schema, "connector-outbox-append", &error);
	if (!db || db_connect(db) != DB_OK) {
		fprintf(stderr, "outbox-append: %s\n", db ? db_error(db) : error);
		db_free(db);
		free(error);
		return 1;
	}
	static const char *const all[] = {"*"};
	for (int i = 0; i < a.consumer_count; i++)
		if (!outbox_consumer_register(db, a.consumers[i], "broker", all, 1)) {
			fprintf(stderr, "outbox-append: %s\n", db_error(db));
			db_free(db);
			return 1;
		}
	int64_t start = time_monotonic_ms();
	for (long n = 1; a.namespace && n <= a.count; n++) {
		if (!append_one(db, &a, n)) {
			db_free(db);
			return 1;
		}
		if (a.rate > 0) {
			int64_t due = start + n * 1000 / a.rate, now = time_monotonic_ms();
			if (due > now)
				usleep((useconds_t)(due - now) * 1000);
		}
	}
	fflush(stdout);
	db_free(db);
	free(error);
	return 0;
}
