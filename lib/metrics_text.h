/*
 * metrics_text.h: the Prometheus text exposition format (version 0.0.4) for GET /metrics.
 *
 * A growing buffer plus writers for families (# HELP / # TYPE), samples and histograms, and the
 * renderer of the shared registry (lib/metrics.h): series are grouped by family (a family's lines
 * are contiguous, as the format requires), each family gets the HELP and TYPE of the table of known
 * families in metrics_text.c (unknown names are rendered "untyped"), and the known families without
 * labels are rendered at zero before anything recorded them, so dashboards see them from the start.
 */
#ifndef CONNECTOR_METRICS_TEXT_H
#define CONNECTOR_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define METRICS_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_text {
	char *data;
	size_t len, cap;
};

void metrics_text_init(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);
void metrics_text_printf(struct metrics_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* type: "counter", "gauge", "histogram", "untyped". */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type, const char *help);
/* labels: pre-rendered (metrics_label_append) or "" / NULL. */
void metrics_text_sample(struct metrics_text *t, const char *name, const char *labels, double value);
void metrics_text_histogram(struct metrics_text *t, const char *name, const char *labels,
                            const uint64_t cumulative[METRICS_BUCKETS], double count, double sum);
/* Renders samples (any order; sorted here) as described above. */
void metrics_text_registry(struct metrics_text *t, struct metrics_sample *samples, size_t count);

#endif
