/*
 * test_filter.c: the list-route query syntax (lib/runtime/filter.c). Bad keys and values are
 * checked without a database; the meaning of every operator is checked by running the built
 * condition in PostgreSQL (CONNECTOR_TEST_DATABASE) over a small table of DTOs.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "runtime/filter.h"
#include "tap.h"
#include "test_db_util.h"

static const struct filter_field fields[] = {
        {"id", FILTER_PLAIN},
        {"createdAt", FILTER_PLAIN},
        {"status", FILTER_PLAIN},
        {"content.@type", FILTER_PLAIN},
        {"count", FILTER_PLAIN},
        {"isOwn", FILTER_PLAIN},
        {"tags", FILTER_CONTAINS_ANY},
        {"peer", FILTER_PLAIN},
        {NULL, 0},
};
static const char *const skip[] = {"onlyLatestVersions", NULL};

static const char *docs[] = {
        "{\"id\":\"A\",\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"status\":\"Pending\",\"content\":{\"@type\":"
        "\"Mail\"},\"count\":1,\"isOwn\":true,\"tags\":[\"x\",\"y\"],\"peer\":\"did:e:a:dids:50%_off\"}",
        "{\"id\":\"B\",\"createdAt\":\"2024-06-01T00:00:00.000Z\",\"status\":\"Active\",\"content\":{\"@type\":"
        "\"Request\"},\"count\":2,\"isOwn\":false,\"tags\":[\"y\"]}",
        "{\"id\":\"C\",\"createdAt\":\"2025-01-01T00:00:00.000Z\",\"status\":\"Rejected\",\"content\":{\"@type\":"
        "\"Mail\"},\"count\":10,\"isOwn\":false,\"peer\":\"did:e:b:dids:other\"}",
};

static struct db *db;

/* Runs the filter of query text and returns the matching ids in order ("A,C"), or "ERR:<msg>". */
static char *matches(const char *query_text)
{
	static char out[512];
	struct http_query q = {0};
	struct filter_sql sql;
	char err[256];
	http_query_parse(&q, query_text);
	if (!filter_build(&q, fields, skip, "dto", 1, &sql, err, sizeof(err))) {
		http_query_free(&q);
		snprintf(out, sizeof(out), "ERR:%s", err);
		return out;
	}
	http_query_free(&q);
	char stmt[4096];
	snprintf(stmt, sizeof(stmt), "SELECT string_agg(id, ',' ORDER BY id) FROM docs WHERE %s", sql.where);
	PGresult *r = db_exec(db, stmt, sql.nparams, (const char *const *)sql.params);
	filter_sql_free(&sql);
	if (!r) {
		snprintf(out, sizeof(out), "SQL:%s", db_error(db));
		return out;
	}
	snprintf(out, sizeof(out), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return out;
}

static void test_rejections(void)
{
	struct http_query q = {0};
	struct filter_sql sql;
	char err[256] = "";
	http_query_parse(&q, "status=Active&unknownKey=1");
	ok(!filter_build(&q, fields, skip, "dto", 1, &sql, err, sizeof(err)), "an unknown key is rejected");
	ok(strstr(err, "'unknownKey'") != NULL, "the message names the key: %s", err);
	http_query_free(&q);
	http_query_parse(&q, "status[]=Active");
	ok(!filter_build(&q, fields, skip, "dto", 1, &sql, err, sizeof(err)), "k[] is an unknown key");
	http_query_free(&q);
	http_query_parse(&q, "status=~(unclosed");
	ok(!filter_build(&q, fields, skip, "dto", 1, &sql, err, sizeof(err)), "a bad regular expression is rejected");
	ok(strncmp(err, "status:", 7) == 0, "the message names the key: %s", err);
	http_query_free(&q);
	http_query_parse(&q, "onlyLatestVersions=true");
	ok(filter_build(&q, fields, skip, "dto", 1, &sql, err, sizeof(err)), "route flags are skipped");
	is_str(sql.where, "TRUE", "no condition from a skipped key");
	filter_sql_free(&sql);
	http_query_free(&q);
	http_query_parse(&q, "status=x';DROP TABLE docs;--");
	ok(filter_build(&q, fields, skip, "dto", 5, &sql, err, sizeof(err)), "a hostile value is accepted");
	ok(strstr(sql.where, "DROP") == NULL && strstr(sql.where, "$5") != NULL, "values travel as parameters from $5");
	filter_sql_free(&sql);
	http_query_free(&q);
}

static void test_semantics(void)
{
	is_str(matches(""), "A,B,C", "no filter: everything");
	is_str(matches("status=Active"), "B", "equality");
	is_str(matches("status=!Active"), "A,C", "not equal");
	is_str(matches("status=Active&status=Rejected"), "B,C", "repeated key: in");
	is_str(matches("status=!Active&status=!Rejected"), "A", "repeated negation: not in");
	is_str(matches("peer="), "A,C", "exists");
	is_str(matches("peer=!"), "B", "does not exist");
	is_str(matches("peer=!did:e:b:dids:other"), "A,B", "not equal also matches an absent field");
	is_str(matches("createdAt=%3E2024-03-01T00:00:00.000Z"), "B,C", "> on ISO dates");
	is_str(matches("createdAt=%3E%3D2024-06-01T00:00:00.000Z"), "B,C", ">= on ISO dates");
	is_str(matches("createdAt=%3C2024-06-01T00:00:00.000Z"), "A", "< on ISO dates");
	is_str(matches("createdAt=%3C%3D2024-06-01T00:00:00.000Z"), "A,B", "<= on ISO dates");
	is_str(matches("count=%3E2"), "C", "> numerically (10 > 2)");
	is_str(matches("count=2"), "B", "numeric text equals a number");
	is_str(matches("isOwn=true"), "A", "boolean true");
	is_str(matches("isOwn=false"), "B,C", "boolean false");
	is_str(matches("content.%40type=Mail"), "A,C", "dotted key addresses a nested field");
	is_str(matches("content.@type=Mail&content.@type=!Request"), "A,C", "in with an extra negation");
	is_str(matches("status=%5Epend"), "A", "starts-with, case-insensitive");
	is_str(matches("status=%24TIVE"), "B", "ends-with, case-insensitive");
	is_str(matches("status=~ct.v"), "B", "regex contains");
	is_str(matches("peer=%2450%25_off"), "A", "LIKE characters in the value are literal");
	is_str(matches("peer=%24_off"), "A", "underscore literal");
	is_str(matches("peer=%24%25"), "", "percent alone matches nothing");
	is_str(matches("tags=x"), "A", "array contains");
	is_str(matches("tags=x&tags=y"), "A,B", "tags: any of several");
	is_str(matches("status=Pending&isOwn=false"), "", "two keys: and");
	is_str(matches("bogus=1"), "ERR:must NOT have additional properties ('bogus' is not a filter of this route)",
	       "unknown key message");
}

int main(void)
{
	test_rejections();
	const char *admin = getenv("CONNECTOR_TEST_DATABASE");
	if (!admin || !*admin) {
		printf("# CONNECTOR_TEST_DATABASE not set: operator semantics skipped\n");
		return tap_done();
	}
	const char *conninfo = tdb_setup(admin, "filter");
	char *error = NULL;
	db = db_new(conninfo, "filtertest", "test_filter", &error);
	ok(db && db_connect(db) == DB_OK, "connected");
	ok(db_exec_script(db, "CREATE TABLE docs (id text PRIMARY KEY, dto jsonb NOT NULL)"), "table");
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		const char *params[] = {docs[i]};
		ok(db_command(db, "INSERT INTO docs SELECT $1::jsonb->>'id', $1::jsonb", 1, params), "doc %zu", i);
	}
	test_semantics();
	db_free(db);
	return tap_done();
}
