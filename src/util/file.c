#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ss_read_file(const char *path, size_t max_len, uint8_t **data, size_t *len, ss_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ss_fail(err, SS_EIO, "cannot open '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return ss_fail(err, SS_EIO, "cannot read '%s': %s", path,
			       S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
	}
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max_len) {
		close(fd);
		return ss_fail(err, SS_ERANGE, "'%s' is %lld bytes, more than the %zu allowed",
			       path, (long long)st.st_size, max_len);
	}
	uint8_t *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return ss_fail(err, SS_ENOMEM, "out of memory reading '%s'", path);
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max_len + 1) {
				free(buf);
				close(fd);
				return ss_fail(err, SS_ERANGE,
					       "'%s' is larger than the %zu bytes allowed", path,
					       max_len);
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return ss_fail(err, SS_ENOMEM, "out of memory reading '%s'", path);
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return ss_fail(err, SS_EIO, "cannot read '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max_len) {
		free(buf);
		return ss_fail(err, SS_ERANGE, "'%s' is larger than the %zu bytes allowed", path,
			       max_len);
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

static int fsync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (dfd < 0)
		return -1;
	int r = fsync(dfd);
	close(dfd);
	return r;
}

/* Removes path.tmp.<pid> files that a writer killed mid-write left behind: those whose pid no
 * longer runs. A live writer's file (another process saving the same state) is left alone. */
static void remove_stale_temps(const char *path)
{
	char *dcopy = strdup(path), *bcopy = strdup(path);
	if (!dcopy || !bcopy)
		goto out;
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	char prefix[512];
	if (snprintf(prefix, sizeof(prefix), "%s.tmp.", base) >= (int)sizeof(prefix))
		goto out;
	DIR *d = opendir(dir);
	if (!d)
		goto out;
	size_t plen = strlen(prefix);
	for (struct dirent *de; (de = readdir(d));) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		char *end;
		errno = 0;
		long pid = strtol(de->d_name + plen, &end, 10);
		if (errno || *end || end == de->d_name + plen || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
out:
	free(dcopy);
	free(bcopy);
}

int ss_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 ss_error *err)
{
	char tmp[4096];
	remove_stale_temps(path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return ss_fail(err, SS_EINVAL, "path too long: '%s'", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return ss_fail(err, SS_EIO, "cannot create '%s': %s", tmp, strerror(errno));
	const uint8_t *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return ss_fail(err, SS_EIO, "cannot write '%s': %s", tmp, strerror(e));
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return ss_fail(err, SS_EIO, "cannot flush '%s': %s", tmp, strerror(e));
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return ss_fail(err, SS_EIO, "cannot rename '%s' to '%s': %s", tmp, path,
			       strerror(e));
	}
	if (fsync_parent(path) < 0)
		return ss_fail(err, SS_EIO, "cannot sync the directory of '%s': %s", path,
			       strerror(errno));
	return 0;
}

int ss_mkdir_p(const char *dir, unsigned mode, ss_error *err)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return ss_fail(err, SS_EINVAL, "path too long: '%s'", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return ss_fail(err, SS_EIO, "cannot create '%s': %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return ss_fail(err, SS_EIO, "cannot create '%s': %s", buf, strerror(errno));
	return 0;
}
