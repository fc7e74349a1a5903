/*
 * runtime.c: the private runtime directory (mode 0700, owned by us, not a symlink), the effective
 * configuration file written there for the workers (0600, atomic rename) and the pid file (locked
 * with flock so a second connectord on the same directory is refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor.h"

static bool make_dirs(const char *dir, char *error, size_t error_len)
{
	char path[SV_PATH_MAX];
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(error, error_len, "cannot create %s: %s", path, strerror(errno));
			return false;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		snprintf(error, error_len, "cannot create %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

bool runtime_prepare_dir(const char *dir, char *error, size_t error_len)
{
	if (!dir[0] || strlen(dir) > 100) {
		/* sockaddr_un holds 108 bytes: the control socket's path must fit */
		snprintf(error, error_len, "supervisor.runtimeDirectory: \"%s\" must be a path of 1 to 100 characters",
		         dir);
		return false;
	}
	if (!make_dirs(dir, error, error_len))
		return false;
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(error, error_len, "supervisor.runtimeDirectory: %s is not a directory", dir);
		return false;
	}
	if (st.st_uid != geteuid()) {
		snprintf(error, error_len, "supervisor.runtimeDirectory: %s belongs to uid %ld, not to us", dir,
		         (long)st.st_uid);
		return false;
	}
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0) {
		snprintf(error, error_len, "chmod 0700 %s: %s", dir, strerror(errno));
		return false;
	}
	return true;
}

bool runtime_write_config(const char *path, json_object *config, char *error, size_t error_len)
{
	char temp[SV_PATH_MAX + 8];
	snprintf(temp, sizeof(temp), "%s.new", path);
	const char *text = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN);
	int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(error, error_len, "cannot write %s: %s", temp, strerror(errno));
		return false;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(error, error_len, "cannot write %s: %s", temp, strerror(errno));
			close(fd);
			unlink(temp);
			return false;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(temp, path) < 0) {
		snprintf(error, error_len, "cannot replace %s: %s", path, strerror(errno));
		unlink(temp);
		return false;
	}
	return true;
}

int runtime_write_pidfile(const char *path, char *error, size_t error_len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(error, error_len, "supervisor.pidFile: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char other[32] = "";
		ssize_t n = read(fd, other, sizeof(other) - 1);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		snprintf(error, error_len, "another connectord (pid %s) holds %s", other[0] ? other : "?", path);
		close(fd);
		return -1;
	}
	char text[32];
	int len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)len, 0) != len) {
		snprintf(error, error_len, "supervisor.pidFile: cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void runtime_remove_pidfile(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}
