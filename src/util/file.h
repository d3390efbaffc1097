/* Whole-file reads with a size limit, and atomic writes (temp file, fsync, rename, fsync dir) so a
 * kill at any point leaves either the old or the new file. Internal to libsoftsev. */
#ifndef SS_UTIL_FILE_H
#define SS_UTIL_FILE_H

#include <softsev/error.h>
#include <stddef.h>
#include <stdint.h>

/* Reads all of path into a malloc'd buffer (*data, *len; a NUL is appended but not counted).
 * Fails with SS_EIO naming the path, or SS_ERANGE if the file is larger than max_len. */
int ss_read_file(const char *path, size_t max_len, uint8_t **data, size_t *len, ss_error *err);

/* Replaces path with data atomically: writes path.tmp.<pid>, fsyncs it, renames it over path and
 * fsyncs the directory. mode is the new file's permission bits (e.g. 0600 for secrets). A kill at
 * any point leaves the old or the new file; the path.tmp.<pid> a killed writer left behind is
 * removed by the next write of path (only when that pid no longer runs). */
int ss_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 ss_error *err);

/* Creates dir and its parents (like mkdir -p) with the given mode. */
int ss_mkdir_p(const char *dir, unsigned mode, ss_error *err);

#endif
