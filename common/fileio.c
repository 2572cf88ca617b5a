/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reads with a size cap, atomic replacement and mkdir -p.
 *
 * fileio_read opens with O_NONBLOCK and checks the type with fstat before
 * reading, so a FIFO named in a pipeline or an RPC never blocks the
 * caller. fileio_write_atomic follows the lockfile pattern: a temporary
 * file created O_EXCL beside the target, fsync, rename, fsync of the
 * folder, so that after a crash the target is always a complete old or new
 * version and a stray temporary file carries a recognisable name.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/xmalloc.h"

#define FILEIO_TEMP_MARK	".tmp-"

static int	fileio_fsync_dir(const char *dir, struct loom_error *err);

/* Read a whole regular file, capped at max bytes; see fileio.h. */
char *
fileio_read(const char *path, size_t max, size_t *len, struct loom_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t size, have = 0, cap;
	ssize_t n;
	int fd, saved;

	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		loom_error_set(err, path, 0, 0, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot stat %s: %s", path,
		    strerror(saved));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		loom_error_set(err, path, 0, 0, "%s is a folder, not a file",
		    path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		loom_error_set(err, path, 0, 0, "%s is not a regular file",
		    path);
		goto fail;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)max) {
		loom_error_set(err, path, 0, 0,
		    "%s is too large: %jd bytes, the limit is %zu bytes", path,
		    (intmax_t)st.st_size, max);
		goto fail;
	}
	/* Regular files never block: back to blocking reads. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);

	/*
	 * The size from fstat is a hint only: the file may grow or shrink
	 * while we read, so read to EOF and enforce max on what arrives.
	 */
	size = (size_t)st.st_size;
	cap = size + 1;
	buf = xmalloc(cap);
	for (;;) {
		if (have + 1 >= cap) {
			if (have >= max + 1)
				break;
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + have, cap - 1 - have);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot read %s: %s",
			    path, strerror(saved));
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have > max) {
		loom_error_set(err, path, 0, 0,
		    "%s is too large: over %zu bytes, the limit", path, max);
		goto fail;
	}
	close(fd);
	buf[have] = '\0';
	if (len != NULL)
		*len = have;
	return buf;

fail:
	free(buf);
	close(fd);
	return NULL;
}



/* fsync a folder so that a rename inside it is durable. */
static int
fileio_fsync_dir(const char *dir, struct loom_error *err)
{
	int fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		loom_error_set(err, dir, 0, 0, "cannot open folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS) {
		saved = errno;
		close(fd);
		loom_error_set(err, dir, 0, 0, "cannot sync folder %s: %s",
		    dir, strerror(saved));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Replace path atomically (temporary file, rename); when durable, the
 * file is synced before the rename and its folder after it.
 */
static int
fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
    bool durable, struct loom_error *err)
{
	struct stat st;
	char *target = NULL, *dir = NULL, *tmp = NULL, *slash;
	const char *base, *p = data;
	size_t done = 0;
	ssize_t n;
	int fd = -1, saved;

	/* Write through a symbolic link: replace its target, keep the link. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (target = realpath(path, NULL)) != NULL)
		path = target;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			loom_error_set(err, path, 0, 0,
			    "cannot replace %s: not a regular file", path);
			goto fail;
		}
		mode = st.st_mode & 07777;
	}

	if ((slash = strrchr(path, '/')) == NULL) {
		dir = xstrdup(".");
		base = path;
	} else {
		dir = slash == path ? xstrdup("/") :
		    xstrndup(path, (size_t)(slash - path));
		base = slash + 1;
	}
	if (*base == '\0') {
		loom_error_set(err, path, 0, 0, "cannot write %s: no file name",
		    path);
		goto fail;
	}
	tmp = xasprintf("%s/.%s" FILEIO_TEMP_MARK "XXXXXX", dir, base);
	/* mkostemp creates with O_CREAT|O_EXCL and mode 0600. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		saved = errno;
		free(tmp);
		tmp = NULL;
		loom_error_set(err, path, 0, 0,
		    "cannot create a temporary file in %s: %s", dir,
		    strerror(saved));
		goto fail;
	}
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot write %s: %s",
			    tmp, strerror(saved));
			goto fail;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, mode) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot set the mode of %s: %s",
		    tmp, strerror(saved));
		goto fail;
	}
	if (durable && fsync(fd) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot sync %s: %s", tmp,
		    strerror(saved));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot write %s: %s", tmp,
		    strerror(saved));
		goto fail;
	}
	fd = -1;
	/*
	 * Not durable: swap the new file in (atomic for readers like a
	 * rename) and unlink the old content under the temporary name.
	 * Unlike a rename over an existing file, an exchange does not make
	 * ext4 allocate and start writing the new file's blocks at once, so
	 * a file replaced again soon never costs a disk write. Without an
	 * old file, or where exchange is unsupported, a plain rename.
	 */
	if (!durable && renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
	    RENAME_EXCHANGE) == 0) {
		(void)unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot rename %s to %s: %s",
		    tmp, path, strerror(saved));
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	/* The new content is in place; a folder sync failure is reported. */
	if (durable && fileio_fsync_dir(dir, err) == -1)
		goto fail;
	free(dir);
	free(target);
	return 0;

fail:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(target);
	return -1;
}

/* Replace path atomically and durably (fsync of the file and folder). */
int
fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct loom_error *err)
{
	return fileio_replace(path, data, len, mode, true, err);
}

/* Replace path atomically, leaving durability to the kernel. */
int
fileio_write_replace(const char *path, const void *data, size_t len,
    mode_t mode, struct loom_error *err)
{
	return fileio_replace(path, data, len, mode, false, err);
}

/*
 * mkdir -p; a non-folder in the way is an error naming it. A folder that
 * is already there costs one stat, not one mkdir per component.
 */
int
fileio_mkdirs(const char *path, mode_t mode, struct loom_error *err)
{
	struct stat st;
	char *copy, *p;
	int saved;

	if (*path == '\0') {
		loom_error_set(err, NULL, 0, 0, "cannot create a folder: "
		    "empty path");
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	copy = xstrdup(path);
	p = copy;
	while (*p == '/')
		p++;
	if (*p == '\0')
		goto out;		/* the root folder */
	for (;;) {
		while (*p != '\0' && *p != '/')
			p++;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) == -1) {
			int e = errno;

			if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode)) {
				/* There already (EEXIST, or EACCES). */
			} else if (e == EEXIST || e == ENOTDIR) {
				loom_error_set(err, copy, 0, 0,
				    "cannot create folder %s: %s is in the "
				    "way and is not a folder", path, copy);
				goto fail;
			} else {
				loom_error_set(err, copy, 0, 0,
				    "cannot create folder %s: %s", copy,
				    strerror(e));
				goto fail;
			}
		}
		*p = (char)saved;
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
	}
out:
	free(copy);
	return 0;

fail:
	free(copy);
	return -1;
}

/* Does name look like ".NAME.tmp-XXXXXX"? */
bool
fileio_is_temp_name(const char *name)
{
	const char *mark;
	size_t i;

	if (name[0] != '.')
		return false;
	mark = strstr(name + 1, FILEIO_TEMP_MARK);
	if (mark == NULL || mark == name + 1)
		return false;
	mark += strlen(FILEIO_TEMP_MARK);
	for (i = 0; i < 6; i++)
		if (mark[i] == '\0')
			return false;
	return mark[6] == '\0';
}
