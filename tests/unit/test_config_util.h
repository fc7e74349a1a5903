/*
 * test_config_util.h: helpers for the configuration tests: a private temporary directory with files
 * written on demand, loading with an explicit environment, and capture of stderr (warnings).
 */
#ifndef CONNECTOR_TEST_CONFIG_UTIL_H
#define CONNECTOR_TEST_CONFIG_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

static char test_dir[256];
static int saved_stderr = -1;
static char capture_path[300];

static void test_dir_init(void)
{
	snprintf(test_dir, sizeof(test_dir), "%s/config-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(test_dir)) {
		perror("mkdtemp");
		exit(99);
	}
	/* No <sysconf>/config.json unless a test writes one. */
	setenv("CONNECTOR_SYSCONF_DIR", test_dir, 1);
}

static void test_dir_cleanup(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Writes len bytes (or strlen) to <test_dir>/name; returns a static path (4 rotating buffers). */
static const char *write_file_n(const char *name, const char *content, size_t len)
{
	static char paths[4][400];
	static int next;
	char *path = paths[next++ % 4];
	snprintf(path, 400, "%s/%s", test_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(content, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
	return path;
}

__attribute__((unused)) static const char *write_file(const char *name, const char *content)
{
	return write_file_n(name, content, strlen(content));
}

static const char *defaults_path(void)
{
	const char *p = getenv("CONNECTOR_DEFAULT_CONFIG");
	return p ? p : "etc/default.json";
}

/* Loads the real defaults, an optional custom file and the given environment (NULL-terminated). */
static json_object *load(const char *custom, char **env, char **error)
{
	struct config_sources sources = {defaults_path(), custom, env};
	return config_load(&sources, error);
}

__attribute__((unused)) static void capture_begin(void)
{
	snprintf(capture_path, sizeof(capture_path), "%s/stderr.txt", test_dir);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	int fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (saved_stderr < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		perror("capture");
		exit(99);
	}
	close(fd);
}

/* Ends the capture; returns what was written to stderr (malloc'd). */
__attribute__((unused)) static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	FILE *f = fopen(capture_path, "rb");
	char *buf = calloc(1, 65536);
	if (!f || !buf)
		exit(99);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#endif
