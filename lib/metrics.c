/*
 * metrics.c: the shared metrics registry (see metrics.h). Invariant: a slot's name, labels and kind are written only
 * between a successful claim (FREE -> CLAIMING) and the release store of READY; readers look at them only after an
 * acquire load of READY.
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shm_file.h"

enum { SLOT_FREE = 0, SLOT_CLAIMING = 1, SLOT_READY = 2 };
#define CLAIM_SPIN_LIMIT 100000

const double metrics_bucket_bounds[METRICS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

struct metrics_slot {
	_Atomic uint32_t state;
	uint32_t kind;
	uint32_t hash;
	uint32_t reserved;
	char name[METRICS_NAME_MAX];
	char labels[METRICS_LABELS_MAX];
	_Atomic uint64_t value;    /* counter; gauge: double bits; histogram: count */
	_Atomic uint64_t sum_bits; /* histogram: double bits */
	_Atomic uint64_t buckets[METRICS_BUCKETS];
};

struct metrics_header {
	char magic[8];
	uint32_t version;
	uint32_t slot_count;
	uint32_t slot_size;
	uint32_t reserved;
	int64_t since_ms;
	_Atomic uint64_t dropped;
};

struct metrics_file {
	struct metrics_header head;
	struct metrics_slot slots[METRICS_SLOTS];
};

static struct metrics_file *registry;
static pthread_once_t lazy_once = PTHREAD_ONCE_INIT;

static uint32_t series_hash(const char *name, const char *labels)
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static int create_file(const char *path, int64_t now_ms, char *err, size_t err_len)
{
	struct metrics_header header;
	memset(&header, 0, sizeof(header));
	memcpy(header.magic, METRICS_MAGIC, sizeof(header.magic));
	header.version = METRICS_VERSION;
	header.slot_count = METRICS_SLOTS;
	header.slot_size = sizeof(struct metrics_slot);
	header.since_ms = now_ms;
	/* EEXIST: another process created it first; map that one. */
	return shm_file_create(path, &header, sizeof(header), sizeof(struct metrics_file), err, err_len) < 0 ? -1 : 0;
}

static int map_file(const char *path, char *err, size_t err_len)
{
	struct metrics_file *file = shm_file_map(path, sizeof(*file), err, err_len);
	if (!file)
		return -1;
	if (memcmp(file->head.magic, METRICS_MAGIC, 8) != 0 || file->head.version != METRICS_VERSION ||
	    file->head.slot_count != METRICS_SLOTS || file->head.slot_size != sizeof(struct metrics_slot)) {
		munmap(file, sizeof(*file));
		snprintf(err, err_len, "%s: magic/version/geometry: not a version %d metrics file", path,
		         METRICS_VERSION);
		return -1;
	}
	registry = file;
	return 0;
}

int metrics_open(const char *path, int64_t now_ms, char *err, size_t err_len)
{
	metrics_close();
	if (access(path, F_OK) != 0 && create_file(path, now_ms, err, err_len) != 0)
		return -1;
	return map_file(path, err, err_len);
}

void metrics_close(void)
{
	if (registry)
		munmap(registry, sizeof(*registry));
	registry = NULL;
}

static void lazy_attach(void)
{
	const char *dir = getenv("CONNECTOR_RUNTIME_DIR");
	if (registry || !dir || !*dir)
		return;
	char path[4096], err[512];
	struct timeval now;
	gettimeofday(&now, NULL);
	snprintf(path, sizeof(path), "%s/metrics", dir);
	if (metrics_open(path, (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000, err, sizeof(err)) != 0)
		fprintf(stderr, "metrics: %s\n", err); /* log.h would be a cycle for lib users; stderr is the log */
}

bool metrics_attached(void)
{
	pthread_once(&lazy_once, lazy_attach);
	return registry != NULL;
}

/* Waits (bounded) for a slot being claimed by another process; true when it became READY. */
static bool wait_ready(struct metrics_slot *slot)
{
	for (int i = 0; i < CLAIM_SPIN_LIMIT; i++) {
		if (atomic_load_explicit(&slot->state, memory_order_acquire) == SLOT_READY)
			return true;
		sched_yield();
	}
	return false;
}

static bool slot_is(const struct metrics_slot *slot, uint32_t hash, const char *name, const char *labels)
{
	return slot->hash == hash && strcmp(slot->name, name) == 0 && strcmp(slot->labels, labels) == 0;
}

static struct metrics_slot *find_or_claim(enum metrics_kind kind, const char *name, const char *labels)
{
	if (!metrics_attached() || strlen(name) >= METRICS_NAME_MAX || strlen(labels) >= METRICS_LABELS_MAX)
		return NULL;
	uint32_t hash = series_hash(name, labels);
	for (uint32_t probe = 0; probe < METRICS_SLOTS; probe++) {
		struct metrics_slot *slot = &registry->slots[(hash + probe) % METRICS_SLOTS];
		uint32_t state = atomic_load_explicit(&slot->state, memory_order_acquire);
		if (state == SLOT_FREE) {
			uint32_t expected = SLOT_FREE;
			if (atomic_compare_exchange_strong(&slot->state, &expected, SLOT_CLAIMING)) {
				slot->kind = kind;
				slot->hash = hash;
				snprintf(slot->name, sizeof(slot->name), "%s", name);
				snprintf(slot->labels, sizeof(slot->labels), "%s", labels);
				atomic_store_explicit(&slot->state, SLOT_READY, memory_order_release);
				return slot;
			}
			state = expected;
		}
		if (state == SLOT_CLAIMING && !wait_ready(slot))
			continue;
		if (slot_is(slot, hash, name, labels))
			return slot->kind == (uint32_t)kind ? slot : NULL;
	}
	atomic_fetch_add_explicit(&registry->head.dropped, 1, memory_order_relaxed);
	return NULL;
}

static uint64_t double_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

static double bits_double(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static void add_double(_Atomic uint64_t *cell, double delta)
{
	uint64_t old = atomic_load_explicit(cell, memory_order_relaxed);
	while (!atomic_compare_exchange_weak(cell, &old, double_bits(bits_double(old) + delta)))
		;
}

void metrics_count(const char *name, const char *labels, uint64_t n)
{
	struct metrics_slot *slot = find_or_claim(METRICS_COUNTER, name, labels ? labels : "");
	if (slot)
		atomic_fetch_add_explicit(&slot->value, n, memory_order_relaxed);
}

void metrics_gauge_set(const char *name, const char *labels, double value)
{
	struct metrics_slot *slot = find_or_claim(METRICS_GAUGE, name, labels ? labels : "");
	if (slot)
		atomic_store_explicit(&slot->value, double_bits(value), memory_order_relaxed);
}

void metrics_gauge_add(const char *name, const char *labels, double delta)
{
	struct metrics_slot *slot = find_or_claim(METRICS_GAUGE, name, labels ? labels : "");
	if (slot)
		add_double(&slot->value, delta);
}

void metrics_observe(const char *name, const char *labels, double seconds)
{
	struct metrics_slot *slot = find_or_claim(METRICS_HISTOGRAM, name, labels ? labels : "");
	if (!slot)
		return;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		if (seconds <= metrics_bucket_bounds[i]) {
			atomic_fetch_add_explicit(&slot->buckets[i], 1, memory_order_relaxed);
			break;
		}
	}
	add_double(&slot->sum_bits, seconds);
	atomic_fetch_add_explicit(&slot->value, 1, memory_order_relaxed);
}

double metrics_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void metrics_backbone_request(bool failed, double seconds)
{
	metrics_count("connector_backbone_requests_total", NULL, 1);
	if (failed)
		metrics_count("connector_backbone_request_errors_total", NULL, 1);
	metrics_observe("connector_backbone_request_duration_seconds", NULL, seconds);
}

void metrics_sync_run(bool failed, double seconds)
{
	metrics_count("connector_sync_runs_total", NULL, 1);
	if (failed)
		metrics_count("connector_sync_run_failures_total", NULL, 1);
	metrics_observe("connector_sync_run_duration_seconds", NULL, seconds);
}

void metrics_label_append(char *buf, size_t cap, const char *key, const char *value)
{
	size_t pos = strlen(buf);
	int n = snprintf(buf + pos, cap - pos, "%s%s=\"", pos ? "," : "", key);
	if (n < 0 || (size_t)n >= cap - pos)
		return;
	pos += (size_t)n;
	for (const char *p = value ? value : ""; *p && pos + 3 < cap; p++) {
		if (*p == '\\' || *p == '"') {
			buf[pos++] = '\\';
			buf[pos++] = *p;
		} else if (*p == '\n') {
			buf[pos++] = '\\';
			buf[pos++] = 'n';
		} else {
			buf[pos++] = *p;
		}
	}
	if (pos + 1 < cap)
		buf[pos++] = '"';
	buf[pos] = '\0';
}

static void copy_slot(struct metrics_slot *slot, struct metrics_sample *s)
{
	s->kind = (enum metrics_kind)slot->kind;
	memcpy(s->name, slot->name, sizeof(s->name));
	memcpy(s->labels, slot->labels, sizeof(s->labels));
	uint64_t raw = atomic_load_explicit(&slot->value, memory_order_relaxed);
	s->value = s->kind == METRICS_GAUGE ? bits_double(raw) : (double)raw;
	s->sum = bits_double(atomic_load_explicit(&slot->sum_bits, memory_order_relaxed));
	uint64_t cumulative = 0;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cumulative += atomic_load_explicit(&slot->buckets[i], memory_order_relaxed);
		s->buckets[i] = cumulative;
	}
	/* Observations land in a bucket before the count: keep the +Inf bucket >= every bound's. */
	if (s->kind == METRICS_HISTOGRAM && s->value < (double)cumulative)
		s->value = (double)cumulative;
}

size_t metrics_snapshot(struct metrics_sample **out)
{
	*out = NULL;
	if (!metrics_attached())
		return 0;
	size_t count = 0;
	struct metrics_sample *samples = calloc(METRICS_SLOTS, sizeof(*samples));
	if (!samples)
		return 0;
	for (uint32_t i = 0; i < METRICS_SLOTS; i++) {
		struct metrics_slot *slot = &registry->slots[i];
		if (atomic_load_explicit(&slot->state, memory_order_acquire) == SLOT_READY)
			copy_slot(slot, &samples[count++]);
	}
	*out = samples;
	return count;
}

int64_t metrics_since(void)
{
	return metrics_attached() ? registry->head.since_ms : 0;
}

uint64_t metrics_dropped(void)
{
	return metrics_attached() ? atomic_load_explicit(&registry->head.dropped, memory_order_relaxed) : 0;
}
