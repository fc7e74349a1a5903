/* test_http_auth.c: API key configuration forms and checks, and the shared counters file. */
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_auth.h"
#include "http_counters.h"
#include "tap.h"
#include "timeutil.h"

static int load(struct http_auth *auth, const char *json, char *err, size_t len)
{
	json_object *root = json_tokener_parse(json);
	int rc = http_auth_load(auth, root, err, len);
	json_object_put(root);
	return rc;
}

static void test_old_key(void)
{
	struct http_auth auth;
	char err[256] = "";
	const char *name;
	is_int(load(&auth, "{\"infrastructure\":{\"httpServer\":{\"apiKey\":\"secret-1\"}}}", err, sizeof(err)), 0,
	       "old apiKey string loads");
	ok(!http_auth_is_open(&auth), "not open");
	is_str(auth.header_name, "X-API-KEY", "default header");
	is_int(http_auth_check(&auth, "secret-1", 0, &name), HTTP_AUTH_OK, "right key accepted");
	is_str(name, "apiKey", "key name");
	is_int(http_auth_check(&auth, "secret-2", 0, &name), HTTP_AUTH_INVALID, "wrong key refused");
	is_int(http_auth_check(&auth, "secret-1 ", 0, &name), HTTP_AUTH_INVALID, "longer key refused");
	is_int(http_auth_check(&auth, "secret-", 0, &name), HTTP_AUTH_INVALID, "prefix refused");
	is_int(http_auth_check(&auth, "SECRET-1", 0, &name), HTTP_AUTH_INVALID, "keys are case-sensitive");
	is_int(http_auth_check(&auth, NULL, 0, &name), HTTP_AUTH_MISSING, "missing key");
	is_int(http_auth_check(&auth, "", 0, &name), HTTP_AUTH_MISSING, "empty key");
	http_auth_free(&auth);
}

static void test_open(void)
{
	struct http_auth auth;
	char err[256];
	const char *name;
	is_int(load(&auth, "{\"infrastructure\":{\"httpServer\":{\"apiKey\":\"\"}}}", err, sizeof(err)), 0,
	       "empty key");
	ok(http_auth_is_open(&auth), "empty key: open API");
	is_int(http_auth_check(&auth, NULL, 0, &name), HTTP_AUTH_OPEN, "open API lets requests in");
	http_auth_free(&auth);
	is_int(load(&auth, "{}", err, sizeof(err)), 0, "no httpServer");
	ok(http_auth_is_open(&auth), "no key at all: open");
	http_auth_free(&auth);
	is_int(load(&auth,
	            "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"enabled\":false,"
	            "\"keys\":{\"a\":{\"key\":\"k\"}}}}}}}",
	            err, sizeof(err)),
	       0, "disabled key block");
	ok(http_auth_is_open(&auth), "disabled block: open");
	http_auth_free(&auth);
}

static void test_new_keys(void)
{
	struct http_auth auth;
	char err[256] = "";
	const char *name;
	int rc = load(&auth,
	              "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"headerName\":\"X-Key\","
	              "\"keys\":{\"first\":{\"key\":\"aaaa\"},\"off\":{\"key\":\"bbbb\",\"enabled\":false},"
	              "\"old\":{\"key\":\"cccc\",\"expiresAt\":\"2020-01-01T00:00:00.000Z\"},"
	              "\"later\":{\"key\":\"dddd\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}}}}}}}",
	              err, sizeof(err));
	is_int(rc, 0, "keys object loads");
	is_str(auth.header_name, "X-Key", "header name");
	is_int(auth.key_count, 4, "four keys");
	int64_t now = time_wall_ms();
	is_int(http_auth_check(&auth, "aaaa", now, &name), HTTP_AUTH_OK, "first key");
	is_str(name, "first", "first key name");
	is_int(http_auth_check(&auth, "dddd", now, &name), HTTP_AUTH_OK, "key expiring later");
	is_str(name, "later", "later key name");
	is_int(http_auth_check(&auth, "bbbb", now, &name), HTTP_AUTH_INVALID, "disabled key refused");
	is_int(http_auth_check(&auth, "cccc", now, &name), HTTP_AUTH_EXPIRED, "expired key refused");
	ok(name == NULL, "no name on refusal");
	http_auth_free(&auth);

	rc = load(&auth,
	          "{\"infrastructure\":{\"httpServer\":{\"apiKey\":\"old-key\",\"authentication\":{\"apiKey\":{"
	          "\"keys\":{\"n\":{\"key\":\"new-key\"}}}}}}}",
	          err, sizeof(err));
	ok(rc == 0 && http_auth_check(&auth, "old-key", 0, &name) == HTTP_AUTH_OK &&
	           http_auth_check(&auth, "new-key", 0, &name) == HTTP_AUTH_OK,
	   "both forms combined");
	http_auth_free(&auth);

	rc = load(&auth,
	          "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{"
	          "\"keys\":{\"x\":{\"key\":\"bbbb\",\"enabled\":false}}}}}}}",
	          err, sizeof(err));
	ok(rc == 0 && !http_auth_is_open(&auth), "only disabled keys: closed, not open");
	is_int(http_auth_check(&auth, "bbbb", 0, &name), HTTP_AUTH_INVALID, "... and refused");
	http_auth_free(&auth);
}

static void expect_error(const char *json, const char *want, const char *what)
{
	struct http_auth auth;
	char err[256] = "";
	int rc = load(&auth, json, err, sizeof(err));
	ok(rc == -1, "refused: %s", what);
	is_str(err, want, what);
	if (rc == 0)
		http_auth_free(&auth);
}

static void test_bad_config(void)
{
	expect_error("{\"infrastructure\":{\"httpServer\":{\"apiKey\":5}}}",
	             "infrastructure.httpServer.apiKey: expected a string", "numeric apiKey");
	expect_error("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"k\":{}}}}}}}",
	             "infrastructure.httpServer.authentication.apiKey.keys.k.key: expected a non-empty string",
	             "missing key");
	expect_error("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"k\":{\"key\":"
	             "\"a\",\"expiresAt\":\"tomorrow\"}}}}}}}",
	             "infrastructure.httpServer.authentication.apiKey.keys.k.expiresAt: expected an ISO 8601 date",
	             "bad expiresAt");
	expect_error("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":"
	             "\"same\"},\"b\":{\"key\":\"same\"}}}}}}}",
	             "infrastructure.httpServer.authentication.apiKey.keys.b.key: the same key is configured twice",
	             "duplicate key");
	expect_error("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"headerName\":\"X Y\"}}}}}",
	             "infrastructure.httpServer.authentication.apiKey.headerName: expected an HTTP header name",
	             "bad header name");
	expect_error("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"enabled\":\"yes\"}}}}}",
	             "infrastructure.httpServer.authentication.apiKey.enabled: expected a boolean", "enabled string");
}

static void test_counters(void)
{
	char dir[] = "/tmp/test_http_counters.XXXXXX", path[128], err[256] = "";
	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/http-counters", dir);
	struct http_counters a, b;
	is_int(http_counters_open(&a, path, 1234, err, sizeof(err)), 0, "first opener creates");
	is_int(http_counters_since(&a), 1234, "since recorded");
	http_counters_add(&a, 200);
	http_counters_add(&a, 200);
	http_counters_add(&a, 401);
	http_counters_add(&a, 99);
	http_counters_add(&a, 600);
	is_int(http_counters_open(&b, path, 9999, err, sizeof(err)), 0, "second opener maps the same file");
	is_int(http_counters_since(&b), 1234, "since kept by the second opener");
	is_int(http_counters_get(&b, 200), 2, "counts visible to the other mapping");
	is_int(http_counters_total(&b), 3, "out-of-range statuses ignored");
	pid_t pid = fork();
	if (pid == 0) {
		struct http_counters c;
		char child_err[256];
		if (http_counters_open(&c, path, 0, child_err, sizeof(child_err)) != 0)
			_exit(1);
		for (int i = 0; i < 10000; i++)
			http_counters_add(&c, 404);
		http_counters_close(&c);
		_exit(0);
	}
	for (int i = 0; i < 10000; i++)
		http_counters_add(&a, 404);
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child process counted");
	is_int(http_counters_get(&b, 404), 20000, "concurrent increments from two processes all land");
	http_counters_close(&a);
	http_counters_close(&b);
	is_int(http_counters_open(&a, path, 5, err, sizeof(err)), 0, "reopen after all closed");
	is_int(http_counters_total(&a), 20003, "counts survive closing (worker restart)");
	http_counters_close(&a);

	int fd = open(path, O_WRONLY);
	ok(fd >= 0 && write(fd, "BADMAGIC", 8) == 8, "corrupt the magic");
	close(fd);
	ok(http_counters_open(&a, path, 5, err, sizeof(err)) == -1 && strstr(err, "magic/version") && strstr(err, path),
	   "foreign file refused, error names file and field");
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	ok(http_counters_open(&a, path, 5, err, sizeof(err)) == -1 && strstr(err, "size"), "truncated file refused");
	unlink(path);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/nodir/http-counters", dir);
	ok(http_counters_open(&a, missing, 5, err, sizeof(err)) == -1 && strstr(err, "cannot create"),
	   "missing directory reported");
	rmdir(dir);
}

/* Several processes opening a missing file at once: exactly one creates it, all share it. */
static void test_counters_race(void)
{
	char dir[] = "/tmp/test_http_race.XXXXXX", path[128], err[256];
	ok(mkdtemp(dir) != NULL, "race dir");
	snprintf(path, sizeof(path), "%s/http-counters", dir);
	enum { RACERS = 8 };
	pid_t pids[RACERS];
	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct http_counters c;
			char child_err[256];
			if (http_counters_open(&c, path, 1000 + i, child_err, sizeof(child_err)) != 0)
				_exit(1);
			http_counters_add(&c, 201);
			http_counters_close(&c);
			_exit(0);
		}
	}
	int good = 0;
	for (int i = 0; i < RACERS; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		good += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	is_int(good, RACERS, "every racing opener succeeds");
	struct http_counters c;
	is_int(http_counters_open(&c, path, 5, err, sizeof(err)), 0, "file usable after the race");
	is_int(http_counters_get(&c, 201), RACERS, "one shared file got every increment");
	ok(http_counters_since(&c) >= 1000 && http_counters_since(&c) < 1000 + RACERS, "since is that of one racer");
	http_counters_close(&c);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_old_key();
	test_open();
	test_new_keys();
	test_bad_config();
	test_counters();
	test_counters_race();
	return tap_done();
}
