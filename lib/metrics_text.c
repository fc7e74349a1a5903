/*
 * metrics_text.c: Prometheus text exposition (see metrics_text.h) and the table of the metric
 * families the Connector's processes record into the shared registry.
 */
#include "metrics_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct family {
	const char *name;
	enum metrics_kind kind;
	bool zero_when_empty; /* label-less: render 0 before anything was recorded */
	const char *help;
};

/* Families recorded through lib/metrics.h, by the process named in the help text. */
static const struct family families[] = {
        {"connector_http_requests_total", METRICS_COUNTER, false,
         "HTTP requests answered by the Core HTTP API workers, by route pattern, method and status."},
        {"connector_http_request_duration_seconds", METRICS_HISTOGRAM, false,
         "Time from receiving an HTTP request to handing its reply over, by route pattern and method."},
        {"connector_sync_runs_total", METRICS_COUNTER, true, "Sync runs with the Backbone finished (sync worker)."},
        {"connector_sync_run_failures_total", METRICS_COUNTER, true, "Sync runs that ended with an error."},
        {"connector_sync_run_duration_seconds", METRICS_HISTOGRAM, true, "Duration of sync runs."},
        {"connector_backbone_requests_total", METRICS_COUNTER, true,
         "Requests sent to the Backbone by any process of this Connector."},
        {"connector_backbone_request_errors_total", METRICS_COUNTER, true,
         "Backbone requests that failed (transport error or an error status)."},
        {"connector_backbone_request_duration_seconds", METRICS_HISTOGRAM, true, "Duration of Backbone requests."},
        {"connector_delivery_attempts_total", METRICS_COUNTER, false,
         "Event delivery attempts by webhook and message-broker consumers, by consumer."},
        {"connector_delivery_failures_total", METRICS_COUNTER, false,
         "Event delivery attempts that failed (to be retried or given up), by consumer."},
};

void metrics_text_init(struct metrics_text *t)
{
	t->len = 0;
	t->cap = 4096;
	t->data = malloc(t->cap);
	if (!t->data)
		fatal(1, "malloc");
	t->data[0] = '\0';
}

void metrics_text_free(struct metrics_text *t)
{
	free(t->data);
	t->data = NULL;
	t->len = t->cap = 0;
}

void metrics_text_printf(struct metrics_text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)n;
		char *grown = realloc(t->data, t->cap);
		if (!grown)
			fatal(1, "realloc");
		t->data = grown;
	}
}

static const char *kind_name(enum metrics_kind kind)
{
	return kind == METRICS_COUNTER ? "counter" : kind == METRICS_GAUGE ? "gauge" : "histogram";
}

void metrics_text_family(struct metrics_text *t, const char *name, const char *type, const char *help)
{
	metrics_text_printf(t, "# HELP %s ", name);
	for (const char *p = help; *p; p++) /* HELP escapes only \ and newline */
		metrics_text_printf(t, "%s", *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : (char[]){*p, '\0'});
	metrics_text_printf(t, "\n# TYPE %s %s\n", name, type);
}

static void write_value(struct metrics_text *t, double value)
{
	if (isnan(value))
		metrics_text_printf(t, "NaN");
	else if (isinf(value))
		metrics_text_printf(t, value > 0 ? "+Inf" : "-Inf");
	else if (value == floor(value) && fabs(value) < 9007199254740992.0)
		metrics_text_printf(t, "%.0f", value);
	else
		metrics_text_printf(t, "%.9g", value);
}

void metrics_text_sample(struct metrics_text *t, const char *name, const char *labels, double value)
{
	if (labels && *labels)
		metrics_text_printf(t, "%s{%s} ", name, labels);
	else
		metrics_text_printf(t, "%s ", name);
	write_value(t, value);
	metrics_text_printf(t, "\n");
}

void metrics_text_histogram(struct metrics_text *t, const char *name, const char *labels,
                            const uint64_t cumulative[METRICS_BUCKETS], double count, double sum)
{
	const char *sep = labels && *labels ? "," : "";
	const char *lab = labels ? labels : "";
	for (int i = 0; i < METRICS_BUCKETS; i++)
		metrics_text_printf(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, lab, sep, metrics_bucket_bounds[i],
		                    (unsigned long long)cumulative[i]);
	metrics_text_printf(t, "%s_bucket{%s%sle=\"+Inf\"} ", name, lab, sep);
	write_value(t, count);
	metrics_text_printf(t, "\n");
	char series[METRICS_NAME_MAX + 8];
	snprintf(series, sizeof(series), "%s_sum", name);
	metrics_text_sample(t, series, labels, sum);
	snprintf(series, sizeof(series), "%s_count", name);
	metrics_text_sample(t, series, labels, count);
}

static int by_name_then_labels(const void *a, const void *b)
{
	const struct metrics_sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->labels, y->labels);
}

static const struct family *family_of(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i].name, name) == 0)
			return &families[i];
	return NULL;
}

static void render_one(struct metrics_text *t, const struct metrics_sample *s)
{
	if (s->kind == METRICS_HISTOGRAM)
		metrics_text_histogram(t, s->name, s->labels, s->buckets, s->value, s->sum);
	else
		metrics_text_sample(t, s->name, s->labels, s->value);
}

static bool recorded(const struct metrics_sample *samples, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(samples[i].name, name) == 0)
			return true;
	return false;
}

void metrics_text_registry(struct metrics_text *t, struct metrics_sample *samples, size_t count)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *f = &families[i];
		if (!f->zero_when_empty || recorded(samples, count, f->name))
			continue;
		metrics_text_family(t, f->name, kind_name(f->kind), f->help);
		struct metrics_sample zero = {.kind = f->kind};
		snprintf(zero.name, sizeof(zero.name), "%s", f->name);
		render_one(t, &zero);
	}
	qsort(samples, count, sizeof(*samples), by_name_then_labels);
	for (size_t i = 0; i < count; i++) {
		if (i == 0 || strcmp(samples[i].name, samples[i - 1].name) != 0) {
			const struct family *f = family_of(samples[i].name);
			metrics_text_family(t, samples[i].name, f ? kind_name(f->kind) : kind_name(samples[i].kind),
			                    f ? f->help : "Recorded by a Connector process.");
		}
		render_one(t, &samples[i]);
	}
}
