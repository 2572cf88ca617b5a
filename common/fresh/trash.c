/* SPDX-License-Identifier: MIT */
/*
 * The freedesktop.org trash: choosing the trash of a file's file system,
 * reserving a unique name with an O_EXCL .trashinfo file, and renaming.
 *
 * Not done: the optional directorysizes cache (file managers compute
 * sizes themselves when it is absent), and moving across file systems
 * (which would be a copy; the spec and users expect a rename).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/fresh/trash.h"
#include "common/util/xmalloc.h"

/* Names tried before giving up on finding a free one. */
#define TRASH_MAX_TRIES	10000

static char	*trash_home_dir(struct loom_error *err);
static char	*trash_topdir(const char *abspath, dev_t dev);
static int	trash_prepare(const char *trash, struct loom_error *err);
static char	*trash_candidate(const char *base, unsigned n);
static char	*trash_absolute(const char *path);

static char *
trash_absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return xstrdup(path);
	if (getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

static char *
trash_home_dir(struct loom_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/Trash", xdg);
	if (home == NULL || home[0] != '/') {
		loom_error_set(err, NULL, 0, 0,
		    "cannot find the trash: neither XDG_DATA_HOME nor HOME "
		    "is set");
		return NULL;
	}
	return xasprintf("%s/.local/share/Trash", home);
}

/* Create files/ and info/ inside a trash folder (0700). */
static int
trash_prepare(const char *trash, struct loom_error *err)
{
	char *sub;
	int rc;

	if (fileio_mkdirs(trash, 0700, err) == -1)
		return -1;
	sub = xasprintf("%s/files", trash);
	rc = fileio_mkdirs(sub, 0700, err);
	free(sub);
	if (rc == -1)
		return -1;
	sub = xasprintf("%s/info", trash);
	rc = fileio_mkdirs(sub, 0700, err);
	free(sub);
	return rc;
}

/*
 * The mount point holding abspath: the highest ancestor still on device
 * dev. Owned.
 */
static char *
trash_topdir(const char *abspath, dev_t dev)
{
	struct stat st;
	char *top = xstrdup(abspath), *parent, *slash;

	for (;;) {
		parent = xstrdup(top);
		slash = strrchr(parent, '/');
		if (slash == NULL || slash == parent) {
			/* Parent is "/". */
			if (stat("/", &st) == 0 && st.st_dev == dev) {
				free(top);
				free(parent);
				return xstrdup("/");
			}
			free(parent);
			return top;
		}
		*slash = '\0';
		if (stat(parent, &st) == -1 || st.st_dev != dev) {
			free(parent);
			return top;
		}
		free(top);
		top = parent;
	}
}

/* The trash folder that would receive path, created if needed. */
char *
trash_dir_for(const char *path, struct loom_error *err)
{
	struct stat st, tst;
	char *abs, *home, *parent, *top = NULL, *trash = NULL, *slash;
	uid_t uid = getuid();

	abs = trash_absolute(path);
	/* The device of the entry itself (a link stays where it is). */
	if (lstat(abs, &st) == -1) {
		loom_error_set(err, abs, 0, 0,
		    "cannot move %s to the trash: %s", abs, strerror(errno));
		goto out;
	}
	if ((home = trash_home_dir(err)) == NULL)
		goto out;
	/*
	 * Compare with the nearest existing ancestor of the home trash, so
	 * a trash on another file system is never created just to compare.
	 */
	parent = xstrdup(home);
	while (stat(parent, &tst) == -1 &&
	    (slash = strrchr(parent, '/')) != NULL && slash != parent)
		*slash = '\0';
	if (stat(parent, &tst) == 0 && tst.st_dev == st.st_dev) {
		free(parent);
		if (trash_prepare(home, err) == 0)
			trash = home;
		else
			free(home);
		goto out;
	}
	free(parent);
	free(home);

	parent = xstrdup(abs);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent)
		*slash = '\0';
	else
		strcpy(parent, "/");
	top = trash_topdir(parent, st.st_dev);
	free(parent);

	/* $topdir/.Trash/$uid: only if .Trash is a sticky folder, no link. */
	parent = xasprintf("%s/.Trash", strcmp(top, "/") == 0 ? "" : top);
	if (lstat(parent, &tst) == 0 && S_ISDIR(tst.st_mode) &&
	    (tst.st_mode & S_ISVTX) != 0) {
		trash = xasprintf("%s/%lu", parent, (unsigned long)uid);
		if (trash_prepare(trash, NULL) == 0) {
			free(parent);
			goto out;
		}
		free(trash);
		trash = NULL;
	}
	free(parent);

	/* $topdir/.Trash-$uid. */
	trash = xasprintf("%s/.Trash-%lu", strcmp(top, "/") == 0 ? "" : top,
	    (unsigned long)uid);
	if (lstat(trash, &tst) == 0 && (!S_ISDIR(tst.st_mode) ||
	    tst.st_uid != uid)) {
		loom_error_set(err, trash, 0, 0,
		    "cannot move %s to the trash: %s is not a folder of "
		    "yours", abs, trash);
		free(trash);
		trash = NULL;
		goto out;
	}
	if (trash_prepare(trash, err) == -1) {
		loom_error_set(err, trash, 0, 0,
		    "cannot move %s to the trash: no usable trash on its "
		    "file system", abs);
		loom_error_hint(err, "use --permanent to delete instead");
		free(trash);
		trash = NULL;
	}
out:
	free(top);
	free(abs);
	return trash;
}

/* Percent-encode a path for Path=. Owned. */
char *
trash_encode_path(const char *path)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = xmalloc(n * 3 + 1), *o = out;
	const unsigned char *s;

	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.!~*'()/", *s) !=
		    NULL)
			*o++ = (char)*s;
		else {
			*o++ = '%';
			*o++ = digits[*s >> 4];
			*o++ = digits[*s & 15];
		}
	}
	*o = '\0';
	return out;
}

/* Local time as DeletionDate= wants it. */
void
trash_format_date(time_t t, char out[32])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* "name" for n == 1, else "stem.N.ext" (or "name.N" without extension). */
static char *
trash_candidate(const char *base, unsigned n)
{
	const char *dot;

	if (n == 1)
		return xstrdup(base);
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return xasprintf("%s.%u", base, n);
	return xasprintf("%.*s.%u%s", (int)(dot - base), base, n, dot);
}

/* Move path into the trash: info file first, then rename. */
int
trash_move(const char *path, char **trashed_as, struct loom_error *err)
{
	char date[32], *abs, *trash, *base, *name = NULL, *info = NULL;
	char *dest = NULL, *enc, *text;
	unsigned n;
	int fd = -1, rc = -1, saved;
	size_t len;
	ssize_t w;

	if (trashed_as != NULL)
		*trashed_as = NULL;
	abs = trash_absolute(path);
	/* Drop trailing slashes: "out/" names the folder "out". */
	len = strlen(abs);
	while (len > 1 && abs[len - 1] == '/')
		abs[--len] = '\0';
	if ((trash = trash_dir_for(abs, err)) == NULL) {
		free(abs);
		return -1;
	}
	base = strrchr(abs, '/') + 1;
	for (n = 1; n <= TRASH_MAX_TRIES; n++) {
		name = trash_candidate(base, n);
		info = xasprintf("%s/info/%s.trashinfo", trash, name);
		dest = xasprintf("%s/files/%s", trash, name);
		/*
		 * The info file is the reservation: O_EXCL makes the name
		 * ours even against another program trashing at once. A
		 * leftover entry in files/ without info also blocks it.
		 */
		if (access(dest, F_OK) == -1 && errno == ENOENT) {
			fd = open(info, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
			if (fd != -1)
				break;
			if (errno != EEXIST) {
				saved = errno;
				loom_error_set(err, info, 0, 0,
				    "cannot create %s: %s", info,
				    strerror(saved));
				goto out;
			}
		}
		free(name);
		free(info);
		free(dest);
		name = info = dest = NULL;
	}
	if (fd == -1) {
		loom_error_set(err, trash, 0, 0,
		    "cannot move %s to the trash: no free name in %s", abs,
		    trash);
		goto out;
	}
	enc = trash_encode_path(abs);
	trash_format_date(time(NULL), date);
	text = xasprintf("[Trash Info]\nPath=%s\nDeletionDate=%s\n", enc,
	    date);
	free(enc);
	len = strlen(text);
	w = write(fd, text, len);
	saved = errno;
	free(text);
	if (w != (ssize_t)len || fsync(fd) == -1) {
		if (w == (ssize_t)len)
			saved = errno;
		loom_error_set(err, info, 0, 0, "cannot write %s: %s", info,
		    w >= 0 && w != (ssize_t)len ? "short write" :
		    strerror(saved));
		close(fd);
		unlink(info);
		goto out;
	}
	close(fd);
	if (rename(abs, dest) == -1) {
		saved = errno;
		unlink(info);
		loom_error_set(err, abs, 0, 0,
		    "cannot move %s to the trash: %s", abs, strerror(saved));
		if (saved == EXDEV)
			loom_error_hint(err, "use --permanent to delete it");
		goto out;
	}
	if (trashed_as != NULL) {
		*trashed_as = dest;
		dest = NULL;
	}
	rc = 0;
out:
	free(name);
	free(info);
	free(dest);
	free(trash);
	free(abs);
	return rc;
}

