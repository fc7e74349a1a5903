/*
 * shm_file.c: shared, file-backed fixed-size maps (see shm_file.h).
 */
#include "shm_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int shm_file_create(const char *path, const void *header, size_t header_len, size_t file_len, char *err, size_t err_len)
{
	size_t tmp_len = strlen(path) + 32;
	char tmp[tmp_len];
	snprintf(tmp, tmp_len, "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	bool written = ftruncate(fd, (off_t)file_len) == 0 && write(fd, header, header_len) == (ssize_t)header_len &&
	               fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!written) {
		unlink(tmp);
		snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(saved));
		return -1;
	}
	int rc = link(tmp, path);
	saved = errno;
	unlink(tmp);
	if (rc == 0)
		return 0;
	if (saved == EEXIST)
		return EEXIST;
	snprintf(err, err_len, "%s: cannot link: %s", path, strerror(saved));
	return -1;
}

void *shm_file_map(const char *path, size_t size, char *err, size_t err_len)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != size) {
		close(fd);
		snprintf(err, err_len, "%s: size: expected %zu bytes (another version's file?)", path, size);
		return NULL;
	}
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, err_len, "%s: mmap: %s", path, strerror(errno));
		return NULL;
	}
	return map;
}
