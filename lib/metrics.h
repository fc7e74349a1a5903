/*
 * metrics.h: counters, gauges and histograms shared by every process of one connectord.
 *
 * The registry is one file, <CONNECTOR_RUNTIME_DIR>/metrics, mapped MAP_SHARED by each process that
 * records or reads (workers attach lazily on first use, from CONNECTOR_RUNTIME_DIR; without that
 * variable, e.g. in unit tests, recording is a no-op until metrics_open() is called). A process
 * anywhere in lib/ may record; the HTTP worker renders the registry at GET /metrics (lib/metrics_text.h).
 * Values survive worker restarts and are summed over instances; a new runtime directory starts at 0.
 *
 * File: header (magic "CNMETRC1", version, slot count, slot size, since, dropped), then
 * METRICS_SLOTS fixed slots, each a (name, labels) series found by open addressing on a hash of both.
 * A free slot is claimed with a compare-and-swap (free -> claiming -> ready), so two processes never
 * create the same series twice; a writer that dies while claiming leaves a slot that is skipped.
 * The file is built under a temporary name and link(2)ed into place, so nobody maps a half-built
 * file; one with another magic, version or geometry is refused (the error names the field).
 *
 * Names follow Prometheus (connector_<what>_<unit>[_total]); labels are given pre-rendered,
 * 'module="webhooks",consumer="webhooks:a"' (use metrics_label_append() to escape values), at most
 * METRICS_LABELS_MAX - 1 bytes. Histograms are in seconds with the fixed bounds metrics_bucket_bounds.
 * When every slot is taken, new series are counted in "dropped" and otherwise ignored.
 */
#ifndef CONNECTOR_METRICS_H
#define CONNECTOR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_MAGIC      "CNMETRC1"
#define METRICS_VERSION    1
#define METRICS_SLOTS      2048
#define METRICS_NAME_MAX   64
#define METRICS_LABELS_MAX 224
#define METRICS_BUCKETS    12

enum metrics_kind { METRICS_COUNTER = 1, METRICS_GAUGE = 2, METRICS_HISTOGRAM = 3 };

extern const double metrics_bucket_bounds[METRICS_BUCKETS];

/* Maps (creating if needed) the registry at path for this process. 0, or -1 with err. */
int metrics_open(const char *path, int64_t now_ms, char *err, size_t err_len);
void metrics_close(void);
/* True once attached (explicitly, or lazily from CONNECTOR_RUNTIME_DIR). */
bool metrics_attached(void);

/* Recording: async-signal unsafe (may create the file), thread safe, never blocks on other processes. */
void metrics_count(const char *name, const char *labels, uint64_t n);
void metrics_gauge_set(const char *name, const char *labels, double value);
void metrics_gauge_add(const char *name, const char *labels, double delta);
void metrics_observe(const char *name, const char *labels, double seconds);

/* Recorders of the families shown by GET /metrics (lib/metrics_text.c), for the code that does the work. */
double metrics_now(void); /* monotonic seconds, for durations */
/* One HTTP exchange with the Backbone (failed: transport error or an error answer). */
void metrics_backbone_request(bool failed, double seconds);
/* One sync run (failed: it ended with an error other than being stopped). */
void metrics_sync_run(bool failed, double seconds);

/* Appends key="value" (with a leading comma when buf is not empty), escaping \, " and newlines. */
void metrics_label_append(char *buf, size_t cap, const char *key, const char *value);

/* Reading (for the renderer): a consistent-enough copy of one series. */
struct metrics_sample {
	enum metrics_kind kind;
	char name[METRICS_NAME_MAX];
	char labels[METRICS_LABELS_MAX];
	double value;                      /* counter, gauge; histogram: count */
	double sum;                        /* histogram */
	uint64_t buckets[METRICS_BUCKETS]; /* histogram, cumulative */
};

/* Copies every ready series into *out (malloc'd, free it). Returns the count, 0 when not attached. */
size_t metrics_snapshot(struct metrics_sample **out);
int64_t metrics_since(void);
uint64_t metrics_dropped(void);

#endif
