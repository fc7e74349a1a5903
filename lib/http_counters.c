/*
 * http_counters.c: the shared, file-backed request counters (see http_counters.h).
 */
#include "http_counters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm_file.h"

#define STATUS_SLOTS (HTTP_STATUS_MAX - HTTP_STATUS_MIN + 1)

struct http_counters_file {
	char magic[8];
	uint32_t version;
	uint32_t size;
	int64_t since_ms;
	_Atomic uint64_t by_status[STATUS_SLOTS];
};

/* Builds a complete file under a temporary name and links it to path. 0, EEXIST, or -1. */
static int create_file(const char *path, int64_t now_ms, char *err, size_t err_len)
{
	struct http_counters_file header;
	memset(&header, 0, sizeof(header));
	memcpy(header.magic, HTTP_COUNTERS_MAGIC, sizeof(header.magic));
	header.version = HTTP_COUNTERS_VERSION;
	header.size = sizeof(header);
	header.since_ms = now_ms;
	return shm_file_create(path, &header, sizeof(header), sizeof(header), err, err_len);
}

static int map_file(struct http_counters *counters, const char *path, char *err, size_t err_len)
{
	struct http_counters_file *file = shm_file_map(path, sizeof(*file), err, err_len);
	if (!file)
		return -1;
	if (memcmp(file->magic, HTTP_COUNTERS_MAGIC, sizeof(file->magic)) != 0 ||
	    file->version != HTTP_COUNTERS_VERSION || file->size != sizeof(*file)) {
		munmap(file, sizeof(*file));
		snprintf(err, err_len, "%s: magic/version: not a version %d counters file", path,
		         HTTP_COUNTERS_VERSION);
		return -1;
	}
	counters->map = file;
	counters->map_len = sizeof(*file);
	return 0;
}

int http_counters_open(struct http_counters *counters, const char *path, int64_t now_ms, char *err, size_t err_len)
{
	counters->map = NULL;
	counters->map_len = 0;
	if (access(path, F_OK) != 0) {
		if (create_file(path, now_ms, err, err_len) < 0)
			return -1;
	}
	return map_file(counters, path, err, err_len);
}

void http_counters_close(struct http_counters *counters)
{
	if (counters->map)
		munmap(counters->map, counters->map_len);
	counters->map = NULL;
}

void http_counters_add(struct http_counters *counters, int status)
{
	if (counters->map && status >= HTTP_STATUS_MIN && status <= HTTP_STATUS_MAX)
		atomic_fetch_add_explicit(&counters->map->by_status[status - HTTP_STATUS_MIN], 1, memory_order_relaxed);
}

uint64_t http_counters_get(const struct http_counters *counters, int status)
{
	if (!counters->map || status < HTTP_STATUS_MIN || status > HTTP_STATUS_MAX)
		return 0;
	return atomic_load_explicit(&counters->map->by_status[status - HTTP_STATUS_MIN], memory_order_relaxed);
}

uint64_t http_counters_total(const struct http_counters *counters)
{
	uint64_t total = 0;
	for (int status = HTTP_STATUS_MIN; status <= HTTP_STATUS_MAX; status++)
		total += http_counters_get(counters, status);
	return total;
}

int64_t http_counters_since(const struct http_counters *counters)
{
	return counters->map ? counters->map->since_ms : 0;
}
