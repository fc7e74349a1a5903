/*
 * test_metrics.c: the shared metrics registry (lib/metrics.h) and its text rendering
 * (lib/metrics_text.h): series creation, counts summed over processes sharing the file, histogram
 * buckets, refusal of foreign files, label escaping, family grouping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "metrics_text.h"
#include "tap.h"

static double value_of(const char *name, const char *labels)
{
	struct metrics_sample *samples = NULL;
	size_t n = metrics_snapshot(&samples);
	double v = -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(samples[i].name, name) == 0 && strcmp(samples[i].labels, labels) == 0)
			v = samples[i].value;
	free(samples);
	return v;
}

static void test_processes(const char *path)
{
	for (int child = 0; child < 3; child++) {
		pid_t pid = fork();
		if (pid == 0) {
			char err[256];
			if (metrics_open(path, 0, err, sizeof(err)) != 0)
				_exit(2);
			for (int i = 0; i < 1000; i++)
				metrics_count("connector_test_total", "a=\"1\"", 1);
			metrics_close();
			_exit(0);
		}
		ok(pid > 0, "fork %d", child);
	}
	int status, all_ok = 1;
	while (wait(&status) > 0)
		all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	ok(all_ok, "three processes recorded");
	ok(value_of("connector_test_total", "a=\"1\"") == 3000, "their counts are summed in one series");
}

static void test_histogram_and_text(void)
{
	metrics_observe("connector_test_seconds", "", 0.003);
	metrics_observe("connector_test_seconds", "", 0.2);
	metrics_observe("connector_test_seconds", "", 100);
	char labels[METRICS_LABELS_MAX] = "";
	metrics_label_append(labels, sizeof(labels), "route", "/a\"b\\c\nd");
	is_str(labels, "route=\"/a\\\"b\\\\c\\nd\"", "label values are escaped");
	metrics_gauge_set("connector_test_gauge", labels, 2.5);
	metrics_gauge_add("connector_test_gauge", labels, 1);
	ok(value_of("connector_test_gauge", labels) == 3.5, "gauge set and add");
	metrics_count("connector_test_gauge", labels, 1);
	ok(value_of("connector_test_gauge", labels) == 3.5, "a series keeps its kind");
	struct metrics_sample *samples = NULL;
	size_t n = metrics_snapshot(&samples);
	struct metrics_text t;
	metrics_text_init(&t);
	metrics_text_registry(&t, samples, n);
	free(samples);
	ok(strstr(t.data, "connector_test_seconds_bucket{le=\"0.005\"} 1\n") != NULL, "first bucket");
	ok(strstr(t.data, "connector_test_seconds_bucket{le=\"0.25\"} 2\n") != NULL, "cumulative bucket");
	ok(strstr(t.data, "connector_test_seconds_bucket{le=\"30\"} 2\n") != NULL, "100 s is above every bound");
	ok(strstr(t.data, "connector_test_seconds_bucket{le=\"+Inf\"} 3\n") != NULL, "+Inf holds every observation");
	ok(strstr(t.data, "connector_test_seconds_count 3\n") != NULL, "count");
	ok(strstr(t.data, "# TYPE connector_sync_runs_total counter\nconnector_sync_runs_total 0\n") != NULL,
	   "known label-less families are rendered at zero");
	char *first = strstr(t.data, "# TYPE connector_test_total");
	ok(first && !strstr(first + 1, "# TYPE connector_test_total"), "one TYPE line per family");
	metrics_text_free(&t);
}

int main(void)
{
	char dir[] = "/tmp/test-metrics-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256], err[256];
	snprintf(path, sizeof(path), "%s/metrics", dir);
	ok(!metrics_attached(), "not attached without CONNECTOR_RUNTIME_DIR");
	metrics_count("connector_test_total", NULL, 1); /* no-op, no crash */
	is_int(metrics_open(path, 42, err, sizeof(err)), 0, "creates the registry file");
	ok(metrics_since() == 42, "since is kept");
	test_processes(path);
	test_histogram_and_text();
	metrics_close();
	FILE *f = fopen(path, "r+");
	fputs("XXXXXXXX", f);
	fclose(f);
	is_int(metrics_open(path, 0, err, sizeof(err)), -1, "a file with another magic is refused");
	ok(strstr(err, "magic") != NULL, "the error names the field: %s", err);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
