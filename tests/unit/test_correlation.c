/*
 * test_correlation.c: correlation ids (lib/correlation.h): UUID v4 generation, x-correlation-id
 * header parsing, the per-thread current id, and its place in log lines (lib/log.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlation.h"
#include "log.h"
#include "tap.h"

static bool is_uuid_v4(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return false;
	}
	return s[14] == '4' && strchr("89ab", s[19]);
}

static void test_generate(void)
{
	char a[CORRELATION_UUID_LEN], b[CORRELATION_UUID_LEN];
	bool all_v4 = true, all_distinct = true;
	for (int i = 0; i < 200; i++) {
		correlation_generate(a);
		correlation_generate(b);
		all_v4 = all_v4 && is_uuid_v4(a) && is_uuid_v4(b);
		all_distinct = all_distinct && strcmp(a, b) != 0;
	}
	ok(all_v4, "400 generated ids are lowercase UUID v4 (version 4, variant 10)");
	ok(all_distinct, "consecutive ids differ");
	ok(correlation_valid(a), "a generated id is a valid correlation id");
}

static void test_parse(void)
{
	char out[CORRELATION_ID_MAX];
	ok(correlation_parse_header("abc-123", out) && strcmp(out, "abc-123") == 0, "a plain value is taken as is");
	ok(correlation_parse_header("  first , second", out) && strcmp(out, "first") == 0,
	   "a combined header gives its first value, trimmed");
	ok(correlation_parse_header("\tmy id\t", out) && strcmp(out, "my id") == 0, "inner spaces are kept");
	ok(!correlation_parse_header(NULL, out) && out[0] == '\0', "no header: nothing");
	ok(!correlation_parse_header("", out), "an empty header is refused");
	ok(!correlation_parse_header(" , b", out), "an empty first value is refused");
	ok(!correlation_parse_header("a\x01z", out), "a control character is refused");
	ok(!correlation_parse_header("caf\xc3\xa9", out), "non-ASCII is refused");
	char long_id[200];
	memset(long_id, 'x', 128);
	long_id[128] = '\0';
	ok(correlation_parse_header(long_id, out) && strlen(out) == 128, "128 characters are accepted");
	long_id[128] = 'x';
	long_id[129] = '\0';
	ok(!correlation_parse_header(long_id, out), "129 characters are refused");
	correlation_for_request("given", out);
	is_str(out, "given", "for_request keeps a usable header");
	correlation_for_request(NULL, out);
	ok(is_uuid_v4(out), "for_request without header generates a UUID v4");
	correlation_for_request("bad\x7f", out);
	ok(is_uuid_v4(out), "for_request with an unusable header generates a UUID v4");
}

static void *other_thread(void *arg)
{
	*(bool *)arg = correlation_current() == NULL;
	return NULL;
}

static void test_current(void)
{
	ok(correlation_current() == NULL, "no current id at start");
	ok(correlation_set_current("req-1"), "set");
	is_str(correlation_current(), "req-1", "current id");
	bool other_empty = false;
	pthread_t t;
	pthread_create(&t, NULL, other_thread, &other_empty);
	pthread_join(t, NULL);
	ok(other_empty, "another thread does not see it (thread-local)");
	ok(!correlation_set_current("a,b") && strcmp(correlation_current(), "req-1") == 0,
	   "an id with a comma is refused and the current one stays");
	ok(correlation_set_current(NULL) && correlation_current() == NULL, "NULL clears");
}

/* Logs one line with stderr redirected into a pipe; returns it (static buffer). */
static const char *capture_line(const char *message)
{
	static char line[8192];
	int fds[2], saved = dup(STDERR_FILENO);
	if (pipe(fds) != 0 || saved < 0)
		abort();
	dup2(fds[1], STDERR_FILENO);
	log_info("Test", "%s", message);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	ssize_t n = read(fds[0], line, sizeof(line) - 1);
	close(fds[0]);
	line[n > 0 ? n : 0] = '\0';
	return line;
}

static void test_log_lines(void)
{
	log_set_format(LOG_FORMAT_HUMAN);
	const char *line = capture_line("no id");
	ok(!strstr(line, "correlationId"), "human line without a current id has no correlationId");
	correlation_set_current("id-42");
	line = capture_line("with id");
	ok(strstr(line, "Test: with id correlationId=id-42\n") != NULL, "human line ends with correlationId=<id>");
	log_set_format(LOG_FORMAT_JSON);
	correlation_set_current("q\"uote");
	line = capture_line("json");
	ok(strstr(line, "\"message\":\"json\",\"correlationId\":\"q\\\"uote\"}\n") != NULL,
	   "JSON line has the escaped correlationId field");
	correlation_set_current(NULL);
	line = capture_line("json none");
	ok(!strstr(line, "correlationId") && strstr(line, "\"message\":\"json none\"}\n"),
	   "JSON line without a current id has no field");
	log_set_format(LOG_FORMAT_HUMAN);
}

int main(void)
{
	test_generate();
	test_parse();
	test_current();
	test_log_lines();
	return tap_done();
}
