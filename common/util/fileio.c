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
 *
 * A writer holds an flock on its temporary file from creation until the
 * rename is done, so a temporary file nobody has locked belongs to a
 * writer that died. The first successful replacement in a folder by a
 * process removes such leftovers there (fileio_sweep_temps); a small
 * per-process memo of folders already swept keeps later writes from
 * reading the folder again (a stamp folder of 10 000 loop items would
 * otherwise cost O(n^2)). The memo is the one piece of file-static state
 * besides the fault hooks: losing it only costs a readdir.
 *
 * Fault hooks (builds with LOOM_FAULT_HOOKS, see docs/daemon.md): the
 * environment variable LOOM_FAULT, read once per process, can make the
 * Nth atomic write abort the process between the temporary file's write
 * and its rename, or fail its write with ENOSPC or EIO, so that crash
 * recovery can be tested at every write instead of by kill -9 timing.
 */
#include <sys/file.h>
#include <sys/random.h>
#ifdef LOOM_FAULT_HOOKS
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/util/log.h"
#include "common/util/xmalloc.h"

#define FILEIO_TEMP_MARK	".tmp-"
/* Folders remembered as swept; the memo starts over when full. */
#define FILEIO_SWEPT_MAX	64
/* Attempts when a sweep took a named temporary file before its lock. */
#define FILEIO_REPLACE_TRIES	64

static int	fileio_fsync_dir(const char *dir, struct loom_error *err);
static bool	fileio_temp_is_stale(int dfd, const char *name);

/* Folders this process has swept (fileio_sweep_once). */
static char	*fileio_swept[FILEIO_SWEPT_MAX];
static size_t	 fileio_nswept;

/* What the fault hooks make of one atomic write. */
#define FILEIO_FAULT_FAIL	0x1	/* its write(2) fails */
#define FILEIO_FAULT_ABORT	0x2	/* the process aborts before rename */

#ifdef LOOM_FAULT_HOOKS
/* One rule of LOOM_FAULT: act on the at-th write of files named name. */
struct fileio_fault_rule {
	unsigned long	 at;		/* 0: rule not set */
	unsigned long	 seen;		/* matching writes so far */
	char		*name;		/* file name to count, NULL: all */
	int		 error;		/* errno of a failed write */
};

/* LOOM_FAULT, parsed on the first atomic write of the process. */
struct fileio_fault {
	bool			 loaded;
	bool			 trace;	/* log every atomic write */
	unsigned long		 count;	/* atomic writes so far */
	struct fileio_fault_rule abort;
	struct fileio_fault_rule fail;
};

static struct fileio_fault fileio_fault;

static void	fileio_fault_load(void);
static bool	fileio_fault_parse(const char *spec,
		    struct fileio_fault_rule *rule, bool with_errno);
static bool	fileio_fault_match(struct fileio_fault_rule *rule,
		    const char *base);
static unsigned	fileio_fault_begin(const char *path, unsigned long *nth);
static void	fileio_fault_abort(unsigned flags, unsigned long nth,
		    const char *tmp, const char *path);
#else
/* Without hooks: no counting, no failures, no abort. */
static inline unsigned
fileio_fault_begin(const char *path, unsigned long *nth)
{
	(void)path;
	*nth = 0;
	return 0;
}

static inline void
fileio_fault_abort(unsigned flags, unsigned long nth, const char *tmp,
    const char *path)
{
	(void)flags;
	(void)nth;
	(void)tmp;
	(void)path;
}
#endif

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
	 * Room for one byte more than the size and the NUL: the read that
	 * finds EOF needs a byte to ask for, and a file that keeps its size
	 * is read with one allocation (a big pipeline file was copied into
	 * a buffer twice its size otherwise).
	 */
	size = (size_t)st.st_size;
	cap = size + 2;
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

#ifdef LOOM_FAULT_HOOKS
/*
 * Parse the part of a LOOM_FAULT term after its "name:": "N", then (for
 * fail-write) an optional ":ENOSPC" or ":EIO", then an optional "@FILE"
 * that counts only writes to files named FILE. Returns false when it
 * does not parse.
 */
static bool
fileio_fault_parse(const char *spec, struct fileio_fault_rule *rule,
    bool with_errno)
{
	unsigned long n;
	char *end;

	if (*spec < '0' || *spec > '9')
		return false;
	errno = 0;
	n = strtoul(spec, &end, 10);
	if (errno != 0 || n == 0)
		return false;
	rule->error = ENOSPC;
	if (with_errno && strncmp(end, ":EIO", 4) == 0) {
		rule->error = EIO;
		end += 4;
	} else if (with_errno && strncmp(end, ":ENOSPC", 7) == 0)
		end += 7;
	if (*end != '\0' && (*end != '@' || end[1] == '\0'))
		return false;
	free(rule->name);
	rule->name = *end == '@' ? xstrdup(end + 1) : NULL;
	rule->at = n;
	rule->seen = 0;
	return true;
}

/*
 * Read LOOM_FAULT: a comma-separated list of "abort-before-rename:N[@FILE]",
 * "fail-write:N[:EIO][@FILE]" and "trace". A term that does not parse is
 * logged and ignored.
 */
static void
fileio_fault_load(void)
{
	struct fileio_fault *f = &fileio_fault;
	const char *env;
	char *copy, *term, *save = NULL;
	bool ok;

	f->loaded = true;
	if ((env = getenv("LOOM_FAULT")) == NULL || *env == '\0')
		return;
	copy = xstrdup(env);
	for (term = strtok_r(copy, ",", &save); term != NULL;
	    term = strtok_r(NULL, ",", &save)) {
		if (strcmp(term, "trace") == 0)
			ok = f->trace = true;
		else if (strncmp(term, "abort-before-rename:", 20) == 0)
			ok = fileio_fault_parse(term + 20, &f->abort, false);
		else if (strncmp(term, "fail-write:", 11) == 0)
			ok = fileio_fault_parse(term + 11, &f->fail, true);
		else
			ok = false;
		if (!ok)
			log_warn("LOOM_FAULT: ignoring '%s' (expected "
			    "abort-before-rename:N[@FILE], "
			    "fail-write:N[:EIO][@FILE] or trace)", term);
	}
	free(copy);
	if (f->abort.at != 0)
		log_warn("LOOM_FAULT: atomic write %lu%s%s will abort before "
		    "its rename", f->abort.at, f->abort.name != NULL ?
		    " of " : "", f->abort.name != NULL ? f->abort.name : "");
	if (f->fail.at != 0)
		log_warn("LOOM_FAULT: atomic write %lu%s%s will fail with %s",
		    f->fail.at, f->fail.name != NULL ? " of " : "",
		    f->fail.name != NULL ? f->fail.name : "",
		    strerror(f->fail.error));
}

/* Count a write to a file named base against rule; true on its turn. */
static bool
fileio_fault_match(struct fileio_fault_rule *rule, const char *base)
{
	if (rule->at == 0 ||
	    (rule->name != NULL && strcmp(rule->name, base) != 0))
		return false;
	return ++rule->seen == rule->at;
}

/*
 * Count one atomic write of path: *nth receives its number in the
 * process (from 1); returns the FILEIO_FAULT_* flags for it.
 */
static unsigned
fileio_fault_begin(const char *path, unsigned long *nth)
{
	struct fileio_fault *f = &fileio_fault;
	const char *base = strrchr(path, '/');
	unsigned flags = 0;

	base = base != NULL ? base + 1 : path;
	if (!f->loaded)
		fileio_fault_load();
	*nth = ++f->count;
	if (f->trace)
		log_warn("LOOM_FAULT: atomic write %lu: %s", f->count, path);
	if (fileio_fault_match(&f->fail, base))
		flags |= FILEIO_FAULT_FAIL;
	if (fileio_fault_match(&f->abort, base))
		flags |= FILEIO_FAULT_ABORT;
	return flags;
}

/*
 * The abort hook: the temporary file is complete, the rename not done.
 * No core dump (the process is not dumpable) and no sanitizer report:
 * a plain SIGABRT, as a crash would leave things.
 */
static void
fileio_fault_abort(unsigned flags, unsigned long nth, const char *tmp,
    const char *path)
{
	if ((flags & FILEIO_FAULT_ABORT) == 0)
		return;
	log_warn("LOOM_FAULT: aborting before renaming %s to %s (atomic "
	    "write %lu)", tmp, path, nth);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	abort();
}
#endif

/*
 * Is the temporary file name in the folder dfd left by a dead writer?
 * Only a regular file that nobody holds a lock on; the name must still
 * be the file we locked when we remove it.
 */
static bool
fileio_temp_is_stale(int dfd, const char *name)
{
	struct stat st, now;
	bool stale = false;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_ino == st.st_ino && now.st_dev == st.st_dev)
		stale = true;
	close(fd);
	return stale;
}

/* Six characters of a temporary file's name, as mkostemp would pick. */
static void
fileio_temp_suffix(char *out)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[6];
	size_t i;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		uint64_t x = (uint64_t)getpid() * 2654435761u ^
		    (uint64_t)(uintptr_t)out ^ (uint64_t)time(NULL);

		for (i = 0; i < sizeof r; i++, x >>= 8)
			r[i] = (unsigned char)x;
	}
	for (i = 0; i < sizeof r; i++)
		out[i] = set[r[i] % (sizeof set - 1)];
	out[sizeof r] = '\0';
}

/*
 * Open a temporary file for replacing dir/base: unnamed (O_TMPFILE), with
 * *tmp left NULL, where the file system allows; else named by mkostemp,
 * its name in *tmp. -1 with errno set when neither works.
 */
static int
fileio_temp_open(const char *dir, const char *base, char **tmp)
{
	int fd;

	*tmp = NULL;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR &&
	    errno != EINVAL))
		return fd;
	*tmp = xasprintf("%s/.%s" FILEIO_TEMP_MARK "XXXXXX", dir, base);
	/* mkostemp creates with O_CREAT|O_EXCL and mode 0600. */
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) == -1) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/*
 * Give the unnamed file fd a temporary name in dir (through /proc, as
 * linking a descriptor by itself needs a privilege). The name returned is
 * the caller's; NULL with errno set on failure.
 */
static char *
fileio_temp_link(int fd, const char *dir, const char *base)
{
	char proc[64], suffix[8], *tmp;
	int i;

	(void)snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	for (i = 0; i < 100; i++) {
		fileio_temp_suffix(suffix);
		tmp = xasprintf("%s/.%s" FILEIO_TEMP_MARK "%s", dir, base,
		    suffix);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			return tmp;
		free(tmp);
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

/* Remove temporary files of dead writers in dir; see fileio.h. */
int
fileio_sweep_temps(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!fileio_is_temp_name(de->d_name))
			continue;
		if (fileio_temp_is_stale(dirfd(d), de->d_name) &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Sweep dir unless this process already has; see fileio.h. */
void
fileio_sweep_once(const char *dir)
{
	size_t i;

	for (i = 0; i < fileio_nswept; i++) {
		if (strcmp(fileio_swept[i], dir) == 0)
			return;
	}
	(void)fileio_sweep_temps(dir);
	if (fileio_nswept == FILEIO_SWEPT_MAX) {
		for (i = 0; i < fileio_nswept; i++)
			free(fileio_swept[i]);
		fileio_nswept = 0;
	}
	fileio_swept[fileio_nswept++] = xstrdup(dir);
}

/*
 * Replace path atomically (temporary file, rename); when durable, the
 * file is synced before the rename and its folder after it.
 *
 * The temporary file is flocked through a second descriptor (lockfd)
 * until after the rename, so that a sweep by another process never takes
 * a file still being written. It is created unnamed (O_TMPFILE) and
 * locked before it is given a name, so a sweep cannot even see it
 * unlocked. On a file system without O_TMPFILE it is created named and
 * locked just after: a sweep can win that instant, the rename then fails
 * with ENOENT and the write starts over.
 */
static int
fileio_replace(const char *path, const void *data, size_t len, mode_t mode,
    bool durable, struct loom_error *err)
{
	struct stat st;
	char *target = NULL, *dir = NULL, *tmp = NULL, *slash;
	const char *base, *p = data;
	size_t done;
	ssize_t n;
	unsigned long nth;
	unsigned fault;
	int fd = -1, lockfd = -1, saved = 0, tries = 0;

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
	fault = fileio_fault_begin(path, &nth);
again:
	if ((fd = fileio_temp_open(dir, base, &tmp)) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0,
		    "cannot create a temporary file in %s: %s", dir,
		    strerror(saved));
		goto fail;
	}
	if ((lockfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    flock(lockfd, LOCK_EX) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot lock a temporary "
		    "file in %s: %s", dir, strerror(saved));
		goto fail;
	}
	done = 0;
	while (done < len) {
		if ((fault & FILEIO_FAULT_FAIL) != 0) {
			n = -1;
#ifdef LOOM_FAULT_HOOKS
			errno = fileio_fault.fail.error;
#endif
		} else
			n = write(fd, p + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot write a "
			    "temporary file in %s: %s", dir, strerror(saved));
			goto fail;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, mode) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot set the mode of a "
		    "temporary file in %s: %s", dir, strerror(saved));
		goto fail;
	}
	if (durable && fsync(fd) == -1) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot sync a temporary "
		    "file in %s: %s", dir, strerror(saved));
		goto fail;
	}
	/* An unnamed file gets its name now, already locked. */
	if (tmp == NULL && (tmp = fileio_temp_link(fd, dir, base)) == NULL) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot name a temporary "
		    "file in %s: %s", dir, strerror(saved));
		goto fail;
	}
	/* lockfd shares the open file: the lock outlives this close. */
	if (close(fd) == -1) {
		fd = -1;
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot write %s: %s", tmp,
		    strerror(saved));
		goto fail;
	}
	fd = -1;
	fileio_fault_abort(fault, nth, tmp, path);
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
		if (saved == ENOENT && ++tries < FILEIO_REPLACE_TRIES &&
		    access(tmp, F_OK) == -1 && errno == ENOENT) {
			/* Swept under us before our lock: start over. */
			close(lockfd);
			lockfd = -1;
			free(tmp);
			goto again;
		}
		loom_error_set(err, path, 0, 0, "cannot rename %s to %s: %s",
		    tmp, path, strerror(saved));
		goto fail;
	}
	close(lockfd);
	lockfd = -1;
	free(tmp);
	tmp = NULL;
	fileio_sweep_once(dir);
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
	if (lockfd != -1)
		close(lockfd);
	free(tmp);
	free(dir);
	free(target);
	if (saved != 0)
		errno = saved;	/* for callers that report the errno */
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

/* Forget LOOM_FAULT and the count of atomic writes; see fileio.h. */
void
fileio_fault_reset(void)
{
#ifdef LOOM_FAULT_HOOKS
	free(fileio_fault.abort.name);
	free(fileio_fault.fail.name);
	memset(&fileio_fault, 0, sizeof fileio_fault);
#endif
}

/* Were the fault hooks compiled in? */
bool
fileio_fault_hooks_built(void)
{
#ifdef LOOM_FAULT_HOOKS
	return true;
#else
	return false;
#endif
}

/* Remove a file, link or whole folder (links never followed). */
int
fileio_remove_tree(const char *path, struct loom_error *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *child;
	int rc = 0, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		loom_error_set(err, path, 0, 0, "cannot remove %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL) {
			loom_error_set(err, path, 0, 0, "cannot open %s: %s",
			    path, strerror(errno));
			return -1;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			child = xasprintf("%s/%s", path, de->d_name);
			if (fileio_remove_tree(child, err) == -1)
				rc = -1;
			free(child);
		}
		closedir(d);
		if (rmdir(path) == -1 && errno != ENOENT) {
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot remove %s: %s",
			    path, strerror(saved));
			rc = -1;
		}
		return rc;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot remove %s: %s", path,
		    strerror(saved));
		return -1;
	}
	return 0;
}
