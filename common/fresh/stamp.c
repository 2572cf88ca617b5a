/* SPDX-License-Identifier: MIT */
/*
 * Step stamps under .loom/stamps/: file identities, hashing, and the text
 * format of a stamp file.
 *
 * The format is line-oriented text so that a person can read it and diff
 * two of them:
 *
 *	loom-stamp 1
 *	state succeeded
 *	written 1764102000123456789
 *	argv python3
 *	argv /abs/tasks/train.py
 *	script 9f86d0...|-
 *	in f 1234 1764101999000000000 9f86d0...|- /abs/data/features.csv
 *	out d 3 1764101999000000000 ab12...|- /abs/results
 *
 * argv values and paths are the rest of their line, with '%', CR and LF
 * (and nothing else) written as %XX. Times are nanoseconds since the epoch.
 * This module does not decide freshness; see freshness.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/util/numtext.h"
#include "common/util/memhash.h"
#include "common/util/sha256.h"
#include "common/fresh/hashcache.h"
#include "common/fresh/stamp.h"
#include "common/util/proc.h"
#include "common/util/xmalloc.h"

#define STAMP_MAGIC		"loom-stamp 1"
/*
 * The state line ("state running PID START") is padded with spaces to a
 * fixed width, right after the magic line, so that a step about to start
 * can turn its last stamp into a running marker by rewriting these bytes
 * in place: no new file, no rename, per step (stamp_begin).
 */
#define STAMP_STATE_OFFSET	(sizeof STAMP_MAGIC)
#define STAMP_STATE_WIDTH	64	/* with its newline */
/*
 * File times closer than this to the moment a stamp was written are not
 * trusted alone: a file rewritten within one tick of its file system's
 * clock keeps its size and time. Times with a fraction of a second come
 * from a clock ticking every few milliseconds (the kernel's coarse clock);
 * whole seconds may mean a file system that keeps seconds, or two (FAT).
 */
#define STAMP_RACY_NS		(50LL * 1000 * 1000)
#define STAMP_RACY_COARSE_NS	(2LL * 1000 * 1000 * 1000)

struct stamp_buf {
	char *s;
	size_t len;
	size_t cap;
};

static void	stamp_buf_add(struct stamp_buf *b, const char *s, size_t n);
static void	stamp_escape_into(struct stamp_buf *b, const char *name);
static void	stamp_buf_str(struct stamp_buf *b, const char *s);
static void	stamp_buf_num(struct stamp_buf *b, long long v);
static void	stamp_buf_escaped(struct stamp_buf *b, const char *s);
static char	*stamp_unescape(const char *s);
static char	*stamp_escape_name(const char *name);
static long long stamp_now_ns(void);
static unsigned long long stamp_self_start(long pid);
static void	stamp_hex(const unsigned char md[SHA256_DIGEST_LEN],
		    char out[STAMP_HASH_HEX]);
static int	stamp_ident_take(const char *path, bool with_hash,
		    long long *unhashed, struct stamp_ident *id,
		    struct loom_error *err);
static int	stamp_dir_ident(const char *path, struct stamp_ident *id,
		    struct loom_error *err);
static int	stamp_dir_walk(struct sha256 *ctx, const char *path,
		    const char *rel, struct stamp_ident *id, int depth,
		    struct loom_error *err);
static bool	stamp_same_time(const struct timespec *a,
		    const struct timespec *b);
static bool	stamp_stat_same(const struct stat *a, const struct stat *b);
static int	stamp_parse_entry(struct stamp *s, const char *line,
		    bool output);
static int	stamp_parse_state(struct stamp *s, const char *line);
static int	stamp_parse_line(struct stamp *s, const char *line);
static int	stamp_parse_number(const char *line, int *at,
		    long long *out);
static int	stamp_parse_word(const char *line, int *at, char *word,
		    size_t size);
static void	stamp_entry_add(struct stamp_entry **v, size_t *n,
		    char *path, const struct stamp_ident *id);

static void
stamp_buf_add(struct stamp_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
stamp_buf_str(struct stamp_buf *b, const char *s)
{
	stamp_buf_add(b, s, strlen(s));
}

/* An unsigned decimal, without printf (one a line of every stamp). */
static void
stamp_buf_unum(struct stamp_buf *b, unsigned long long u)
{
	char tmp[NUMTEXT_MAX];

	stamp_buf_add(b, tmp, numtext_uint(tmp, u));
}

static void
stamp_buf_num(struct stamp_buf *b, long long v)
{
	if (v < 0)
		stamp_buf_add(b, "-", 1);
	stamp_buf_unum(b, v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v);
}

/* Write s with '%', CR and LF as %XX, so it fits on one line. */
static void
stamp_buf_escaped(struct stamp_buf *b, const char *s)
{
	char hex[4];

	size_t run;

	for (;;) {
		run = strcspn(s, "%\n\r");
		stamp_buf_add(b, s, run);
		if (s[run] == '\0')
			break;
		snprintf(hex, sizeof hex, "%%%02X", (unsigned char)s[run]);
		stamp_buf_add(b, hex, 3);
		s += run + 1;
	}
}

static int
stamp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo stamp_buf_escaped (and the name escaping). Owned. */
static char *
stamp_unescape(const char *s)
{
	const char *pct = strchr(s, '%');
	size_t len;
	char *out, *o;
	int hi, lo;

	/* Most paths have nothing escaped: one copy. */
	if (pct == NULL)
		return xstrdup(s);
	len = (size_t)(pct - s);
	out = xmalloc(len + strlen(pct) + 1);
	memcpy(out, s, len);
	o = out + len;
	s = pct;
	while (*s != '\0') {
		if (s[0] == '%' && (hi = stamp_hexval(s[1])) >= 0 &&
		    (lo = stamp_hexval(s[2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/*
 * A file name for a step or item name: letters, digits, '_', '-' and a
 * non-leading '.' stay, everything else becomes %XX. No two names give
 * the same file name, none is hidden, none contains '/' or '@' (which
 * stamp_items_dir uses).
 */
static char *
stamp_escape_name(const char *name)
{
	struct stamp_buf b = { NULL, 0, 0 };

	stamp_buf_add(&b, "", 0);
	stamp_escape_into(&b, name);
	return b.s;
}

/* Append name escaped as stamp_escape_name says; runs of safe bytes at once. */
static void
stamp_escape_into(struct stamp_buf *b, const char *name)
{
	static const char digits[] = "0123456789ABCDEF";
	char hex[3];
	const char *s, *run;
	size_t start = b->len;

	for (s = run = name; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (c == '.' && s != name))
			continue;
		stamp_buf_add(b, run, (size_t)(s - run));
		hex[0] = '%';
		hex[1] = digits[c >> 4];
		hex[2] = digits[c & 0xf];
		stamp_buf_add(b, hex, 3);
		run = s + 1;
	}
	stamp_buf_add(b, run, (size_t)(s - run));
	if (b->len == start)
		stamp_buf_add(b, "%00", 3);
}

/* A file time or a clock reading in nanoseconds. */
static long long
stamp_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Note in id the stat it was taken from (stamp.h: statted). */
static void
stamp_ident_statted(struct stamp_ident *id, const struct stat *st)
{
	id->statted = true;
	if (st == NULL)
		return;		/* missing */
	id->dev = (unsigned long long)st->st_dev;
	id->ino = (unsigned long long)st->st_ino;
	id->ctime_ns = stamp_ns(&st->st_ctim);
}

static long long
stamp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return stamp_ns(&ts);
}

/* This process's pid, asked once; a forked copy asks again. */
static long stamp_pid;

static void
stamp_pid_forget(void)
{
	stamp_pid = 0;
}

static long
stamp_self_pid(void)
{
	static bool watched;

	if (stamp_pid == 0) {
		if (!watched && pthread_atfork(NULL, NULL,
		    stamp_pid_forget) == 0)
			watched = true;
		if (!watched)
			return (long)getpid();
		stamp_pid = (long)getpid();
	}
	return stamp_pid;
}

/*
 * The start time of this process, read once per pid (a forked copy has
 * its own pid, and reads its own).
 */
static unsigned long long
stamp_self_start(long pid)
{
	static long cached_pid;
	static unsigned long long cached_start;

	if (cached_pid != pid || cached_start == 0) {
		cached_start = proc_start_time(pid, NULL);
		cached_pid = pid;
	}
	return cached_start;
}

static void
stamp_hex(const unsigned char md[SHA256_DIGEST_LEN], char out[STAMP_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < SHA256_DIGEST_LEN; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/* SHA-256 of a buffer as hex (see stamp.h). */
void
stamp_hash_buffer(const void *data, size_t len, char out[STAMP_HASH_HEX])
{
	unsigned char md[SHA256_DIGEST_LEN];

	sha256_buffer(data, len, md);
	stamp_hex(md, out);
}

/*
 * SHA-256 of the open regular file fd (st: its fstat), refusing one over
 * max bytes. Closes fd.
 */
static int
stamp_hash_fd(int fd, const struct stat *st, const char *path, size_t max,
    char out[STAMP_HASH_HEX], struct loom_error *err)
{
	unsigned char md[SHA256_DIGEST_LEN], buf[65536];
	struct sha256 ctx;
	struct stat now;
	long long begin_ns;
	size_t total = 0;
	ssize_t got;
	int saved;

	if ((unsigned long long)st->st_size > (unsigned long long)max) {
		loom_error_set(err, path, 0, 0,
		    "cannot hash %s: larger than %zu bytes", path, max);
		close(fd);
		return -1;
	}
	if (hashcache_get(st, out)) {
		close(fd);
		return 0;
	}
	begin_ns = stamp_now_ns();
	sha256_init(&ctx);
	while ((got = read(fd, buf, sizeof buf)) != 0) {
		if (got == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot read %s: %s",
			    path, strerror(saved));
			close(fd);
			return -1;
		}
		total += (size_t)got;
		if (total > max) {
			loom_error_set(err, path, 0, 0,
			    "cannot hash %s: larger than %zu bytes", path, max);
			close(fd);
			return -1;
		}
		sha256_update(&ctx, buf, (size_t)got);
		/*
		 * A short read that reaches the size fstat gave is the end:
		 * no read more to see 0 (small files are most files).
		 */
		if ((size_t)got < sizeof buf &&
		    (unsigned long long)total == (unsigned long long)st->st_size)
			break;
	}
	hashcache_count(total);
	sha256_final(&ctx, md);
	stamp_hex(md, out);
	/*
	 * Remembered only if the file did not change while it was read (no
	 * second look at a file changed too recently to be remembered).
	 */
	if (hashcache_keeps(st, begin_ns) && fstat(fd, &now) == 0 &&
	    stamp_stat_same(&now, st))
		hashcache_put(st, begin_ns, out);
	close(fd);
	return 0;
}

/*
 * Open path for hashing: the descriptor and its fstat in *st, or -1
 * with err set (also for anything but a regular file).
 */
static int
stamp_hash_open(const char *path, struct stat *st, struct loom_error *err)
{
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		loom_error_set(err, path, 0, 0, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		saved = errno;
		loom_error_set(err, path, 0, 0, "cannot hash %s: %s", path,
		    S_ISREG(st->st_mode) ? strerror(saved) :
		    "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

/* SHA-256 of a whole file, refusing one over max bytes. */
int
stamp_hash_file(const char *path, size_t max, char out[STAMP_HASH_HEX],
    struct loom_error *err)
{
	struct stat st;
	int fd;

	out[0] = '\0';
	if ((fd = stamp_hash_open(path, &st, err)) == -1)
		return -1;
	return stamp_hash_fd(fd, &st, path, max, out, err);
}

/*
 * Walk a folder in name order, digesting "relpath size mtime" of each
 * entry. Symbolic links are followed for files, not for folders, so a
 * link loop cannot trap the walk.
 */
static int
stamp_dir_walk(struct sha256 *ctx, const char *path, const char *rel,
    struct stamp_ident *id, int depth, struct loom_error *err)
{
	struct dirent **names = NULL;
	struct stat st;
	char *child, *crel, *line;
	int n, i, rc = 0;
	long long mt;

	if (depth > 64)
		return 0;
	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		loom_error_set(err, path, 0, 0, "cannot list %s: %s", path,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;

		if (rc != 0 || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		if (id->size >= STAMP_DIR_MAX_ENTRIES)
			continue;
		child = xasprintf("%s/%s", path, nm);
		crel = *rel == '\0' ? xstrdup(nm) : xasprintf("%s/%s", rel, nm);
		if (stat(child, &st) == 0) {
			mt = stamp_ns(&st.st_mtim);
			line = xasprintf("%s\t%c\t%lld\t%lld\n", crel,
			    S_ISDIR(st.st_mode) ? 'd' : 'f',
			    S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
			    S_ISDIR(st.st_mode) ? 0LL : mt);
			sha256_update(ctx, line, strlen(line));
			free(line);
			id->size++;
			if (!S_ISDIR(st.st_mode) && mt > id->mtime_ns)
				id->mtime_ns = mt;
			if (S_ISDIR(st.st_mode) &&
			    lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
				rc = stamp_dir_walk(ctx, child, crel, id,
				    depth + 1, err);
		}
		free(crel);
		free(child);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * A folder's identity: size is the number of entries below it, mtime the
 * newest file time below it, hash a digest of the listing. The folder's
 * own time is left out: it changes when a file is replaced by rename with
 * equal content, which is no change at all.
 */
static int
stamp_dir_ident(const char *path, struct stamp_ident *id,
    struct loom_error *err)
{
	unsigned char md[SHA256_DIGEST_LEN];
	struct sha256 ctx;
	int rc;

	id->size = 0;
	id->mtime_ns = 0;
	sha256_init(&ctx);
	rc = stamp_dir_walk(&ctx, path, "", id, 0, err);
	sha256_final(&ctx, md);
	stamp_hex(md, id->hash);
	return rc;
}

/* The identity of path now; a missing path is no error. */
int
stamp_ident_get(const char *path, bool with_hash, struct stamp_ident *id,
    struct loom_error *err)
{
	return stamp_ident_take(path, with_hash, NULL, id, err);
}

/*
 * stamp_ident_stat, with the stat in *st: -1 (errno set) when it failed
 * otherwise than for a missing path.
 */
static int
stamp_ident_stat_into(const char *path, struct stamp_ident *id,
    struct stat *st)
{
	memset(id, 0, sizeof *id);
	if (stat(path, st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		id->kind = STAMP_KIND_ABSENT;
		stamp_ident_statted(id, NULL);
		return 0;
	}
	id->kind = S_ISDIR(st->st_mode) ? STAMP_KIND_DIR :
	    S_ISREG(st->st_mode) ? STAMP_KIND_FILE : STAMP_KIND_OTHER;
	id->size = (long long)st->st_size;
	id->mtime_ns = stamp_ns(&st->st_mtim);
	stamp_ident_statted(id, st);
	return 0;
}

void
stamp_ident_stat(const char *path, struct stamp_ident *id)
{
	struct stat st;

	(void)stamp_ident_stat_into(path, id, &st);
}

/*
 * stamp_ident_get. Without with_hash, a file's hash is still filled in
 * when common/fresh/hashcache.h knows it (same stat, no read); unhashed
 * (or NULL) then grows by the size of a file left without one.
 */
static int
stamp_ident_take(const char *path, bool with_hash, long long *unhashed,
    struct stamp_ident *id, struct loom_error *err)
{
	struct stat st;

	if (stamp_ident_stat_into(path, id, &st) == -1) {
		loom_error_set(err, path, 0, 0, "cannot stat %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (id->kind == STAMP_KIND_ABSENT)
		return 0;
	if (id->kind == STAMP_KIND_DIR)
		return stamp_dir_ident(path, id, err);
	if (with_hash && id->kind == STAMP_KIND_FILE)
		return stamp_hash_file(path, SIZE_MAX, id->hash, err);
	if (unhashed != NULL && id->kind == STAMP_KIND_FILE &&
	    !hashcache_get(&st, id->hash))
		*unhashed += id->size;
	return 0;
}

/* A file or a missing path, known from a stat: what is compared. */
static bool
stamp_ident_comparable(const struct stamp_ident *id)
{
	return id->statted && (id->kind == STAMP_KIND_FILE ||
	    id->kind == STAMP_KIND_ABSENT);
}

bool
stamp_ident_unchanged(const struct stamp_ident *before, const char *path,
    const struct stamp_ident *now)
{
	struct stamp_ident again;

	if (!stamp_ident_comparable(before))
		return true;
	if (!now->statted) {
		stamp_ident_stat(path, &again);
		now = &again;
	}
	if (!stamp_ident_comparable(now))
		return before->kind != STAMP_KIND_FILE;	/* a folder now? */
	if (now->kind != before->kind)
		return false;
	return now->kind == STAMP_KIND_ABSENT || (now->dev == before->dev &&
	    now->ino == before->ino && now->size == before->size &&
	    now->mtime_ns == before->mtime_ns &&
	    now->ctime_ns == before->ctime_ns);
}

/*
 * A quick stamp hashes its outputs at once through the descriptor that
 * gave their identity (stamp_ident_opened), up to this many bytes in all.
 */
#define STAMP_QUICK_READ	(64 * 1024)

/*
 * The files a quick stamp hashed, or the hashing worker filled in for one
 * (stamp_fill_entry), that the hash cache did not keep (changed too
 * recently): the next stamp naming one as an input
 * (in a chain, the next step's input, written by the step before) takes
 * its identity and hash from here when one stat of the path says the
 * file is as it was hashed (device, inode, size, modification and change
 * times): one system call instead of open, fstat, read and close. Any
 * difference, or a failed stat, and the file is opened and hashed again
 * (stamp_ident_opened), which replaces its entry.
 *
 * Why a hash kept this way is safe although the file was too recent for
 * the hash cache: it is the content when the producing step ended, which
 * is what the consuming step (started after that) began with (the worker
 * reads it after the step ended, and keeps it only when a stat after
 * reading finds the file as it was before). Only a
 * rewrite in the same clock tick as the file's last change, keeping its
 * size and both times, escapes the stat. A stamp's input hash is only
 * looked at when the input's time is within the racy margin of the
 * stamp's writing (stamp_entry_check_stat): there the kept hash differs
 * from the content now, the input reads as changed and the step runs
 * again (also when it read the new content: once more than needed,
 * where a hash taken at the step's end would have called it up to date
 * even when it read the old one). Outside the margin no hash is looked
 * at, so a kept hash and a new one give the same answer. Never a wrong
 * "up to date" that a hash taken now would not give too.
 *
 * A ring of STAMP_RECENT entries, with the whole path (the digest only
 * finds it faster: a collision can never hand out another file's hash).
 * The daemon's loop (quick stamps) and its hashing worker for runs
 * (stamp_fill_entry) use the ring, under its lock; freshness checks never
 * come here, and loomctl takes no stamps.
 */
#define STAMP_RECENT	32
struct stamp_recent {
	uint64_t digest;		/* 0: an empty slot */
	char *path;
	dev_t dev;
	ino_t ino;
	long long size;
	long long mtime_ns;
	long long ctime_ns;
	char hash[STAMP_HASH_HEX];
};
static pthread_mutex_t stamp_recent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stamp_recent stamp_recent[STAMP_RECENT];	/* under lock */
static size_t stamp_recent_next;

static uint64_t
stamp_path_digest(const char *path)
{
	return strhash(path) | 1;		/* never 0: an empty slot */
}

/* The entry of path, or NULL; under the lock. */
static struct stamp_recent *
stamp_recent_find(const char *path, uint64_t digest)
{
	size_t i;

	for (i = 0; i < STAMP_RECENT; i++)
		if (stamp_recent[i].digest == digest &&
		    strcmp(stamp_recent[i].path, path) == 0)
			return &stamp_recent[i];
	return NULL;
}

/*
 * Copy the entry of path into *e (its path left NULL): true when path
 * has one.
 */
static bool
stamp_recent_get(const char *path, struct stamp_recent *e)
{
	struct stamp_recent *r;
	uint64_t digest = stamp_path_digest(path);

	pthread_mutex_lock(&stamp_recent_lock);
	if ((r = stamp_recent_find(path, digest)) != NULL) {
		*e = *r;
		e->path = NULL;
	}
	pthread_mutex_unlock(&stamp_recent_lock);
	return r != NULL;
}

/* Keep hex as the hash of path as st describes it, over its old entry. */
static void
stamp_recent_put(const char *path, const struct stat *st,
    const char hex[STAMP_HASH_HEX])
{
	struct stamp_recent *r;
	uint64_t digest = stamp_path_digest(path);

	pthread_mutex_lock(&stamp_recent_lock);
	if ((r = stamp_recent_find(path, digest)) == NULL) {
		r = &stamp_recent[stamp_recent_next];
		stamp_recent_next = (stamp_recent_next + 1) % STAMP_RECENT;
		free(r->path);
		r->path = xstrdup(path);
		r->digest = digest;
	}
	r->dev = st->st_dev;
	r->ino = st->st_ino;
	r->size = (long long)st->st_size;
	r->mtime_ns = stamp_ns(&st->st_mtim);
	r->ctime_ns = stamp_ns(&st->st_ctim);
	memcpy(r->hash, hex, STAMP_HASH_HEX);
	pthread_mutex_unlock(&stamp_recent_lock);
}

/*
 * The identity of an input that has an entry in the ring, from that
 * entry when a stat of path finds the file as it was hashed: true and
 * *id filled; else false, for the way of stamp_ident_opened.
 */
static bool
stamp_recent_take(const char *path, const struct stamp_recent *e,
    struct stamp_ident *id)
{
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_dev != e->dev || st.st_ino != e->ino ||
	    (long long)st.st_size != e->size ||
	    stamp_ns(&st.st_mtim) != e->mtime_ns ||
	    stamp_ns(&st.st_ctim) != e->ctime_ns)
		return false;
	memset(id, 0, sizeof *id);
	id->kind = STAMP_KIND_FILE;
	id->size = e->size;
	id->mtime_ns = e->mtime_ns;
	memcpy(id->hash, e->hash, STAMP_HASH_HEX);
	stamp_ident_statted(id, &st);
	return true;
}

/*
 * stamp_ident_take for an output of a quick stamp, or an input hashed by
 * one lately that is no longer as it was then (stamp_recent). A step's
 * outputs were usually written just now, too recently for the hash
 * cache to know them: the file is opened at once, its identity taken
 * from the descriptor, and, while *budget allows, hashed through it
 * (open, fstat, read, close; no stat of an output's path before, no
 * second open by stamp_hash_fill). Anything but a regular file, or one
 * that cannot be opened, goes the way of
 * stamp_ident_take.
 */
static int
stamp_ident_opened(const char *path, long long *unhashed, size_t *budget,
    struct stamp_ident *id, struct loom_error *err)
{
	struct stat st;
	long long now_ns;
	int fd;

	memset(id, 0, sizeof *id);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && (errno == ENOENT || errno == ENOTDIR)) {
		id->kind = STAMP_KIND_ABSENT;
		stamp_ident_statted(id, NULL);
		return 0;
	}
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return stamp_ident_take(path, false, unhashed, id, err);
	}
	id->kind = STAMP_KIND_FILE;
	id->size = (long long)st.st_size;
	id->mtime_ns = stamp_ns(&st.st_mtim);
	stamp_ident_statted(id, &st);
	if (hashcache_get(&st, id->hash) ||
	    (unsigned long long)st.st_size > *budget) {
		if (id->hash[0] == '\0')
			*unhashed += id->size;
		close(fd);
		return 0;
	}
	*budget -= (size_t)st.st_size;
	now_ns = stamp_now_ns();
	if (stamp_hash_fd(fd, &st, path, SIZE_MAX, id->hash, err) == -1)
		return -1;
	if (!hashcache_keeps(&st, now_ns))
		stamp_recent_put(path, &st, id->hash);
	return 0;
}

/* True when two identities name the same content. */
bool
stamp_ident_equal(const struct stamp_ident *a, const struct stamp_ident *b)
{
	if (a->kind != b->kind || a->size != b->size ||
	    a->mtime_ns != b->mtime_ns)
		return false;
	if (a->hash[0] != '\0' && b->hash[0] != '\0' &&
	    strcmp(a->hash, b->hash) != 0)
		return false;
	return true;
}

/* Has a recorded entry changed since its stamp? (see stamp.h). */
int
stamp_entry_check(const struct stamp *s, const struct stamp_entry *e,
    bool *changed, struct loom_error *err)
{
	struct stat st;

	*changed = true;
	if (e->id.kind == STAMP_KIND_DIR || e->id.kind == STAMP_KIND_ABSENT)
		return stamp_entry_check_stat(s, e, NULL, changed, err);
	if (stat(e->path, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		loom_error_set(err, e->path, 0, 0, "cannot stat %s: %s",
		    e->path, strerror(errno));
		return -1;
	}
	return stamp_entry_check_stat(s, e, &st, changed, err);
}

int
stamp_entry_check_stat(const struct stamp *s, const struct stamp_entry *e,
    const struct stat *st, bool *changed, struct loom_error *err)
{
	struct stamp_ident now;
	long long mt;

	*changed = true;
	/* Folders and absent paths: their identity is worked out again. */
	if (e->id.kind == STAMP_KIND_DIR ||
	    e->id.kind == STAMP_KIND_ABSENT) {
		if (stamp_ident_get(e->path, true, &now, err) == -1)
			return -1;
		*changed = !stamp_ident_equal(&now, &e->id);
		return 0;
	}
	if (st == NULL)
		return 0;
	mt = stamp_ns(&st->st_mtim);
	if (S_ISDIR(st->st_mode) || (long long)st->st_size != e->id.size ||
	    mt != e->id.mtime_ns ||
	    (S_ISREG(st->st_mode) ? STAMP_KIND_FILE : STAMP_KIND_OTHER) !=
	    e->id.kind)
		return 0;
	if (e->id.hash[0] != '\0' && mt > s->written_ns -
	    (mt % 1000000000LL == 0 ? STAMP_RACY_COARSE_NS : STAMP_RACY_NS)) {
		if (stamp_ident_get(e->path, true, &now, err) == -1)
			return -1;
		*changed = strcmp(now.hash, e->id.hash) != 0;
		return 0;
	}
	*changed = false;
	return 0;
}

/* The stamps folder of an experiment. Owned. */
char *
stamp_dir(const char *experiment_dir)
{
	return xasprintf("%s/.loom/stamps", experiment_dir);
}

/* The folder of a loop step's per-item stamps. Owned. */
char *
stamp_items_dir(const char *experiment_dir, const char *step)
{
	char *e = stamp_escape_name(step), *path;

	path = xasprintf("%s/.loom/stamps/%s@items", experiment_dir, e);
	free(e);
	return path;
}

/* The name of an output set: 16 hex digits of SHA-256("p1\0p2\0..."). */
void
stamp_set_key(const char *const *paths, size_t n, char out[STAMP_SET_HEX])
{
	unsigned char md[SHA256_DIGEST_LEN];
	char hex[STAMP_HASH_HEX];
	struct sha256 ctx;
	size_t i;

	sha256_init(&ctx);
	for (i = 0; i < n; i++)
		sha256_update(&ctx, paths[i], strlen(paths[i]) + 1);
	sha256_final(&ctx, md);
	stamp_hex(md, hex);
	memcpy(out, hex, STAMP_SET_HEX - 1);
	out[STAMP_SET_HEX - 1] = '\0';
}

/* The stamp file of a step or loop item, for one output set. Owned. */
char *
stamp_path(const char *experiment_dir, const char *step, const char *item,
    const char *set)
{
	struct stamp_buf b = { NULL, 0, 0 };
	char *ei, *dir, *path;

	if (item == NULL) {
		/*
		 * A check makes one per step: joined without printf, in one
		 * allocation (an escaped byte takes three).
		 */
		b.cap = strlen(experiment_dir) + 14 + 3 * strlen(step) + 4 +
		    (set != NULL ? 1 + strlen(set) : 0);
		b.s = xmalloc(b.cap);
		stamp_buf_add(&b, experiment_dir, strlen(experiment_dir));
		stamp_buf_add(&b, "/.loom/stamps/", 14);
		stamp_escape_into(&b, step);
		if (set != NULL) {
			stamp_buf_add(&b, "/", 1);
			stamp_buf_add(&b, set, strlen(set));
		}
		return b.s;
	}
	dir = stamp_items_dir(experiment_dir, step);
	ei = stamp_escape_name(item);
	path = xasprintf("%s/%s%s%s", dir, ei, set != NULL ? "/" : "",
	    set != NULL ? set : "");
	free(ei);
	free(dir);
	return path;
}

/* The output set a stamp records, into key. */
void
stamp_recorded_key(const struct stamp *s, char key[STAMP_SET_HEX])
{
	const char **paths;
	size_t i;

	paths = xcalloc(s->noutputs + 1, sizeof *paths);
	for (i = 0; i < s->noutputs; i++)
		paths[i] = s->outputs[i].path;
	stamp_set_key(paths, s->noutputs, key);
	free(paths);
}

/* The word a state is written as. */
const char *
stamp_state_name(enum stamp_state state)
{
	switch (state) {
	case STAMP_NONE:
		return "none";
	case STAMP_RUNNING:
		return "running";
	case STAMP_SUCCEEDED:
		return "succeeded";
	case STAMP_FAILED:
		return "failed";
	case STAMP_CANCELLED:
		return "cancelled";
	case STAMP_INTERRUPTED:
		return "interrupted";
	}
	return "none";
}

/* Append an entry; path is owned by the entry from now on. */
static void
stamp_entry_add(struct stamp_entry **v, size_t *n, char *path,
    const struct stamp_ident *id)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].path = path;
	(*v)[*n].id = *id;
	(*n)++;
}

static void
stamp_format_entry(struct stamp_buf *b, const char *tag,
    const struct stamp_entry *e)
{
	char kind;

	switch (e->id.kind) {
	case STAMP_KIND_FILE:
		kind = 'f';
		break;
	case STAMP_KIND_DIR:
		kind = 'd';
		break;
	case STAMP_KIND_OTHER:
		kind = 'o';
		break;
	default:
		kind = '-';
		break;
	}
	stamp_buf_str(b, tag);
	stamp_buf_add(b, " ", 1);
	stamp_buf_add(b, &kind, 1);
	stamp_buf_add(b, " ", 1);
	stamp_buf_num(b, e->id.size);
	stamp_buf_add(b, " ", 1);
	stamp_buf_num(b, e->id.mtime_ns);
	stamp_buf_add(b, " ", 1);
	stamp_buf_str(b, e->id.hash[0] != '\0' ? e->id.hash : "-");
	stamp_buf_add(b, " ", 1);
	stamp_buf_escaped(b, e->path);
	stamp_buf_add(b, "\n", 1);
}

/* The fixed-width state line (see STAMP_STATE_WIDTH). */
static void
stamp_state_line(struct stamp_buf *b, const struct stamp *s)
{
	size_t start = b->len;

	stamp_buf_str(b, "state ");
	stamp_buf_str(b, stamp_state_name(s->state));
	if (s->state == STAMP_RUNNING) {
		stamp_buf_add(b, " ", 1);
		stamp_buf_num(b, s->pid);
		stamp_buf_add(b, " ", 1);
		stamp_buf_unum(b, s->pid_start);
	}
	while (b->len - start < STAMP_STATE_WIDTH - 1)
		stamp_buf_add(b, " ", 1);
	stamp_buf_add(b, "\n", 1);
}

/* The text of a stamp file. Owned. */
char *
stamp_format(const struct stamp *s)
{
	struct stamp_buf b = { NULL, 0, 0 };
	size_t i;

	stamp_buf_str(&b, STAMP_MAGIC "\n");
	stamp_state_line(&b, s);
	stamp_buf_str(&b, "written ");
	stamp_buf_num(&b, s->written_ns);
	stamp_buf_add(&b, "\n", 1);
	if (s->detail != NULL) {
		stamp_buf_add(&b, "detail ", 7);
		stamp_buf_escaped(&b, s->detail);
		stamp_buf_add(&b, "\n", 1);
	}
	for (i = 0; i < s->argv.n; i++) {
		stamp_buf_add(&b, "argv ", 5);
		stamp_buf_escaped(&b, s->argv.v[i]);
		stamp_buf_add(&b, "\n", 1);
	}
	stamp_buf_str(&b, "script ");
	stamp_buf_str(&b, s->script_hash[0] != '\0' ? s->script_hash : "-");
	stamp_buf_add(&b, "\n", 1);
	for (i = 0; i < s->ninputs; i++)
		stamp_format_entry(&b, "in", &s->inputs[i]);
	for (i = 0; i < s->noutputs; i++)
		stamp_format_entry(&b, "out", &s->outputs[i]);
	return b.s;
}

/*
 * The decimal number after line + *at (blanks before it skipped), into
 * *out; *at moves past it. -1 when there is none.
 */
static int
stamp_parse_number(const char *line, int *at, long long *out)
{
	const char *p = line + *at;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	*out = strtoll(p, &end, 10);
	if (end == p)
		return -1;
	*at = (int)(end - line);
	return 0;
}

/*
 * The word after line + *at (blanks before it skipped), at most size - 1
 * bytes as %Ns reads it, into word; *at moves past it and the blanks
 * after it. -1 when there is none.
 */
static int
stamp_parse_word(const char *line, int *at, char *word, size_t size)
{
	const char *p = line + *at;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	while (p[n] != '\0' && !isspace((unsigned char)p[n]) &&
	    n < size - 1)
		n++;
	if (n == 0)
		return -1;
	memcpy(word, p, n);
	word[n] = '\0';
	p += n;
	while (isspace((unsigned char)*p))
		p++;
	*at = (int)(p - line);
	return 0;
}

/* Parse "in|out KIND SIZE MTIME HASH PATH" (after the tag). */
static int
stamp_parse_entry(struct stamp *s, const char *line, bool output)
{
	struct stamp_ident id;
	char kind, hash[STAMP_HASH_HEX + 1];
	int used = 0;
	char *path;

	memset(&id, 0, sizeof id);
	/* As sscanf("%c %lld %lld %65s %n") reads it, without its cost. */
	if ((kind = line[0]) == '\0')
		return -1;
	used = 1;
	if (stamp_parse_number(line, &used, &id.size) == -1 ||
	    stamp_parse_number(line, &used, &id.mtime_ns) == -1 ||
	    stamp_parse_word(line, &used, hash, sizeof hash) == -1)
		return -1;
	switch (kind) {
	case 'f':
		id.kind = STAMP_KIND_FILE;
		break;
	case 'd':
		id.kind = STAMP_KIND_DIR;
		break;
	case 'o':
		id.kind = STAMP_KIND_OTHER;
		break;
	case '-':
		id.kind = STAMP_KIND_ABSENT;
		break;
	default:
		return -1;
	}
	if (strcmp(hash, "-") != 0) {
		if (strlen(hash) != STAMP_HASH_HEX - 1)
			return -1;
		memcpy(id.hash, hash, STAMP_HASH_HEX);
	}
	if (line[used] == '\0')
		return -1;
	path = stamp_unescape(line + used);
	if (output)
		stamp_entry_add(&s->outputs, &s->noutputs, path, &id);
	else
		stamp_entry_add(&s->inputs, &s->ninputs, path, &id);
	return 0;
}

/* Lines up to this long are parsed from a buffer on the stack. */
#define STAMP_LINE_SMALL	512

/* "state NAME [PID START]", padded with spaces: 0, or 1 if bad. */
static int
stamp_parse_state(struct stamp *s, const char *line)
{
	char st[16];
	int used = 0;

	if (stamp_parse_word(line, &used, st, sizeof st) == -1)
		return 1;
	if (strcmp(st, "running") == 0) {
		s->state = STAMP_RUNNING;
		return line[used] != '\0' && sscanf(line + used, "%ld %llu",
		    &s->pid, &s->pid_start) != 2;
	}
	if (line[used] != '\0')
		return 1;
	if (strcmp(st, "succeeded") == 0)
		s->state = STAMP_SUCCEEDED;
	else if (strcmp(st, "failed") == 0)
		s->state = STAMP_FAILED;
	else if (strcmp(st, "cancelled") == 0)
		s->state = STAMP_CANCELLED;
	else if (strcmp(st, "interrupted") == 0)
		s->state = STAMP_INTERRUPTED;
	else
		return 1;
	return 0;
}

/* One line after the first, told apart by its first letter: 1 if bad. */
static int
stamp_parse_line(struct stamp *s, const char *line)
{
	switch (line[0]) {
	case 'a':
		if (strncmp(line, "argv ", 5) != 0)
			break;
		strv_push_owned(&s->argv, stamp_unescape(line + 5));
		return 0;
	case 'i':
		if (strncmp(line, "in ", 3) != 0)
			break;
		return stamp_parse_entry(s, line + 3, false) != 0;
	case 'o':
		if (strncmp(line, "out ", 4) != 0)
			break;
		return stamp_parse_entry(s, line + 4, true) != 0;
	case 's':
		if (strncmp(line, "state ", 6) == 0)
			return stamp_parse_state(s, line + 6);
		if (strncmp(line, "script ", 7) != 0)
			break;
		if (strcmp(line + 7, "-") == 0)
			return 0;
		if (strlen(line + 7) != STAMP_HASH_HEX - 1)
			return 1;
		memcpy(s->script_hash, line + 7, STAMP_HASH_HEX);
		return 0;
	case 'w':
		if (strncmp(line, "written ", 8) != 0)
			break;
		s->written_ns = strtoll(line + 8, NULL, 10);
		return 0;
	case 'p':
		if (strncmp(line, "pid ", 4) != 0)
			break;
		return sscanf(line + 4, "%ld %llu", &s->pid,
		    &s->pid_start) < 1;
	case 'd':
		if (strncmp(line, "detail ", 7) != 0)
			break;
		free(s->detail);
		s->detail = stamp_unescape(line + 7);
		return 0;
	}
	return line[0] != '\0';
}

/* Parse a stamp file's text; NULL with err set when damaged. */
struct stamp *
stamp_parse(const char *text, size_t len, struct loom_error *err)
{
	struct stamp *s;
	const char *p = text, *end = text + len, *nl;
	char *line, small[STAMP_LINE_SMALL];
	int lineno = 0, bad = 0;
	size_t n;

	s = xcalloc(1, sizeof *s);
	strv_init(&s->argv);
	while (p < end && !bad) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		/* Most lines fit on the stack: no allocation for them. */
		line = xstrndup_buf(p, n, small, sizeof small);
		p += n + (nl != NULL);
		lineno++;
		if (lineno == 1)
			bad = strcmp(line, STAMP_MAGIC) != 0;
		else
			bad = stamp_parse_line(s, line);
		xstrbuf_free(line, small);
	}
	if (lineno == 0 || s->state == STAMP_NONE)
		bad = 1;
	if (bad) {
		loom_error_set(err, NULL, lineno, 0,
		    "damaged stamp (line %d)", lineno);
		stamp_free(s);
		return NULL;
	}
	return s;
}

/*
 * Read the stamp file at path: NULL without error when there is none
 * (*missing then holds the errno of the open), NULL with err set when it
 * cannot be read or is damaged.
 */
static struct stamp *
stamp_read_file(int dirfd, const char *path, size_t skip, int *missing,
    struct loom_error *err)
{
	struct loom_error e;
	struct stamp *s;
	char small[4096], *text = small;
	size_t len = 0, cap = sizeof small, want;
	ssize_t n;
	int fd, saved;

	/*
	 * Checks read thousands of stamps: open and read to EOF, nothing
	 * more. O_NONBLOCK keeps a FIFO put here from blocking; a folder
	 * fails the read with EISDIR. With dirfd, path + skip is the name
	 * inside that folder: fewer names to look up.
	 */
	*missing = 0;
	if (dirfd < 0)
		skip = 0;
	if ((fd = openat(dirfd < 0 ? AT_FDCWD : dirfd, path + skip,
	    O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			loom_error_set(err, path, 0, 0, "cannot open %s: %s",
			    path, strerror(errno));
		else
			*missing = errno;
		return NULL;
	}
	/* A stamp fits on the stack: no 4 KiB allocation per step. */
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= STAMP_FILE_MAX) {
				loom_error_set(err, path, 0, 0, "%s: damaged "
				    "stamp (larger than %d bytes)", path,
				    STAMP_FILE_MAX);
				goto fail;
			}
			cap *= 2;
			if (text == small)
				text = memcpy(xmalloc(cap), small, len);
			else
				text = xrealloc(text, cap);
		}
		want = cap - len - 1;
		n = read(fd, text + len, want);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			loom_error_set(err, path, 0, 0, "cannot read %s: %s",
			    path, strerror(saved));
			goto fail;
		}
		len += (size_t)n;
		/* A short read of a regular file is its end. */
		if ((size_t)n < want)
			break;
	}
	close(fd);
	text[len] = '\0';
	loom_error_clear(&e);
	if ((s = stamp_parse(text, len, &e)) == NULL)
		loom_error_set(err, path, e.line, 0, "%s: %s", path,
		    e.message);
	if (text != small)
		free(text);
	return s;
fail:
	close(fd);
	if (text != small)
		free(text);
	return NULL;
}

/*
 * Read a stamp: NULL without error when there is none. Where the step's
 * stamp is still the single file of an earlier version (the set's folder
 * is a file), that file stands for the set unless it is a success with
 * other outputs.
 */
struct stamp *
stamp_read(const char *experiment_dir, const char *step, const char *item,
    const char *set, struct loom_error *err)
{
	return stamp_read_at(-1, experiment_dir, step, item, set, err);
}

/* The stamps folder of an experiment, open for stamp_read_at, or -1. */
int
stamp_dir_open(const char *experiment_dir)
{
	char *path = stamp_dir(experiment_dir);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	free(path);
	return fd;
}

struct stamp *
stamp_read_at(int stamps_fd, const char *experiment_dir, const char *step,
    const char *item, const char *set, struct loom_error *err)
{
	char key[STAMP_SET_HEX], *path;
	size_t skip = strlen(experiment_dir) + strlen("/.loom/stamps/");
	struct stamp *s;
	int missing;

	path = stamp_path(experiment_dir, step, item, set);
	s = stamp_read_file(stamps_fd, path, skip, &missing, err);
	free(path);
	if (s != NULL || set == NULL || missing != ENOTDIR)
		return s;
	path = stamp_path(experiment_dir, step, item, NULL);
	s = stamp_read_file(stamps_fd, path, skip, &missing, err);
	free(path);
	if (s != NULL && s->state == STAMP_SUCCEEDED) {
		stamp_recorded_key(s, key);
		if (strcmp(key, set) != 0) {
			stamp_free(s);
			s = NULL;
		}
	}
	return s;
}

/*
 * Open the stamp at path for an update in place when it has the
 * fixed-width state line and that line starts with state (after
 * "state "). Returns the descriptor, or -1 (no such stamp, an older
 * layout, another state). *size is the file's length when under
 * STAMP_HEAD_READ bytes (one read tells), else SIZE_MAX.
 */
#define STAMP_HEAD_READ		4096

static int
stamp_open_layout(const char *path, const char *state, size_t *size)
{
	char head[STAMP_HEAD_READ];
	const size_t need = STAMP_STATE_OFFSET + STAMP_STATE_WIDTH;
	size_t n = strlen(state);
	ssize_t got;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return -1;
	got = pread(fd, head, sizeof head, 0);
	if (got < (ssize_t)need ||
	    memcmp(head, STAMP_MAGIC "\nstate ", STAMP_STATE_OFFSET + 6) != 0 ||
	    memcmp(head + STAMP_STATE_OFFSET + 6, state, n) != 0 ||
	    head[need - 1] != '\n') {
		close(fd);
		return -1;
	}
	*size = got < (ssize_t)sizeof head ? (size_t)got : SIZE_MAX;
	return fd;
}

/*
 * Replace a running marker in place with the text of a stamp, through fd
 * (the marker's file, old bytes long): the new body first (after the
 * state line, which still says "running"), then the file cut to the new
 * length, then the new state line. Until that last write the file reads
 * as running (or as damaged, to a reader racing the writes), and neither
 * ever counts as fresh; a daemon that dies between the writes leaves a
 * running marker, as one that died before them. So a step costs no new
 * file and no rename. Returns true when done; false leaves the file to a
 * whole replacement.
 */
static bool
stamp_replace_marker_fd(int fd, size_t old, const char *text, size_t len)
{
	const size_t body = STAMP_STATE_OFFSET + STAMP_STATE_WIDTH;

	if (len < body || memcmp(text, STAMP_MAGIC "\nstate ",
	    STAMP_STATE_OFFSET + 6) != 0 || text[body - 1] != '\n')
		return false;
	/* The same step usually writes a body of the same length: no cut. */
	return pwrite(fd, text + body, len - body, (off_t)body) ==
	    (ssize_t)(len - body) &&
	    (old <= len || ftruncate(fd, (off_t)len) == 0) &&
	    pwrite(fd, text + STAMP_STATE_OFFSET, STAMP_STATE_WIDTH,
	    STAMP_STATE_OFFSET) == STAMP_STATE_WIDTH;
}

/* stamp_replace_marker_fd on the stamp at path, when it reads running. */
static bool
stamp_replace_marker(const char *path, const char *text, size_t len)
{
	bool done;
	size_t old;
	int fd;

	if ((fd = stamp_open_layout(path, "running ", &old)) == -1)
		return false;
	done = stamp_replace_marker_fd(fd, old, text, len);
	close(fd);
	return done;
}

/*
 * The stamp file of an earlier version at dir (one file per step or item)
 * is in the way of the folder of sets: move it into that folder, as the
 * set it records (a success), or drop it (any other state says nothing
 * about other outputs). Nothing to do when dir is no regular file.
 */
static int
stamp_migrate(const char *dir, struct loom_error *err)
{
	char key[STAMP_SET_HEX], *text = NULL, *to;
	struct loom_error e;
	struct stamp *s;
	struct stat st;
	int missing, rc = 0;

	if (lstat(dir, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	loom_error_clear(&e);
	if ((s = stamp_read_file(-1, dir, 0, &missing, &e)) != NULL &&
	    s->state == STAMP_SUCCEEDED)
		text = stamp_format(s);
	if (unlink(dir) == -1 && errno != ENOENT) {
		loom_error_set(err, dir, 0, 0, "cannot remove %s: %s", dir,
		    strerror(errno));
		rc = -1;
	} else if (text != NULL && fileio_mkdirs(dir, 0755, err) == 0) {
		stamp_recorded_key(s, key);
		to = xasprintf("%s/%s", dir, key);
		rc = fileio_write_replace(to, text, strlen(text), 0644, err);
		free(to);
	}
	free(text);
	stamp_free(s);
	return rc;
}

static int
stamp_mtime_cmp(const void *a, const void *b)
{
	const struct timespec *x = a, *y = b;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	if (x->tv_nsec != y->tv_nsec)
		return x->tv_nsec < y->tv_nsec ? -1 : 1;
	return 0;
}

/*
 * Keep at most STAMP_SETS_MAX sets in dir, keep (just written) among
 * them: the files written longest ago go. Hidden names (temporary files
 * of a write under way) are not sets.
 */
static void
stamp_prune(const char *dir, const char *keep)
{
	struct timespec *times;
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i;
	char *f;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	times = NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, keep) == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap == 0 ? STAMP_SETS_MAX + 1 : cap * 2;
			times = xreallocarray(times, cap, sizeof *times);
		}
		times[n++] = st.st_mtim;
	}
	if (n >= STAMP_SETS_MAX) {
		/* The n - MAX + 1 oldest go; MAX - 1 others and keep stay. */
		qsort(times, n, sizeof *times, stamp_mtime_cmp);
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' ||
			    strcmp(de->d_name, keep) == 0 ||
			    fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
				continue;
			i = n - STAMP_SETS_MAX;
			if (stamp_mtime_cmp(&st.st_mtim, &times[i]) <= 0) {
				f = xasprintf("%s/%s", dir, de->d_name);
				unlink(f);
				free(f);
			}
		}
	}
	closedir(d);
	free(times);
}

/*
 * Replace a stamp file, creating its folder: a running marker in place
 * (stamp_replace_marker), anything else atomically (temporary file and
 * rename). No fsync: a stamp lost, torn or left empty by a crash of the
 * machine only makes its step look stale (an unreadable stamp is stale,
 * and a missing one means "run again"), which is safe. That saves a disk
 * flush or two per step. A new set may drop the oldest (stamp_prune).
 */
int
stamp_write(const char *experiment_dir, const char *step, const char *item,
    const char *set, const struct stamp *s, struct loom_error *err)
{
	char *path, *dir, *text;
	struct stat st;
	bool fresh_set;
	int rc = -1, there;

	path = stamp_path(experiment_dir, step, item, set);
	text = stamp_format(s);
	if (stamp_replace_marker(path, text, strlen(text))) {
		rc = 0;
		goto out;
	}
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	fresh_set = false;
	there = set != NULL ? lstat(dir, &st) : -1;
	if (set != NULL && there == -1 && errno == ENOENT) {
		/* The step's first set: its folder, nothing to prune. */
		if (mkdir(dir, 0755) == -1 && errno != EEXIST &&
		    fileio_mkdirs(dir, 0755, err) == -1)
			goto done;
	} else if (set != NULL && there == 0) {
		if (S_ISREG(st.st_mode) && stamp_migrate(dir, err) == -1)
			goto done;
		fresh_set = lstat(path, &st) == -1 && errno == ENOENT;
	}
	if (fileio_mkdirs(dir, 0755, err) == 0)
		rc = fileio_write_replace(path, text, strlen(text), 0644, err);
	if (rc == 0 && fresh_set)
		stamp_prune(dir, set);
done:
	free(dir);
out:
	free(text);
	free(path);
	return rc;
}

/*
 * stamp_write over the marker stamp_begin left open as fd (closed here):
 * the marker is replaced in place through fd, with no open of the path,
 * while the file is still linked (nothing removed or replaced it since);
 * otherwise, or with fd -1, as stamp_write.
 */
int
stamp_write_marked(int fd, const char *experiment_dir, const char *step,
    const char *item, const char *set, const struct stamp *s,
    struct loom_error *err)
{
	struct stat st;
	char *text;
	bool done = false;

	if (fd == -1)
		return stamp_write(experiment_dir, step, item, set, s, err);
	text = stamp_format(s);
	if (fstat(fd, &st) == 0 && st.st_nlink > 0 && S_ISREG(st.st_mode))
		done = stamp_replace_marker_fd(fd, (size_t)st.st_size, text,
		    strlen(text));
	close(fd);
	free(text);
	if (done)
		return 0;
	return stamp_write(experiment_dir, step, item, set, s, err);
}

/*
 * Turn the stamp file at path into a running marker in place: its first
 * line and the fixed-width state line are written with one pwrite within
 * the file's first block, without reading the file first. A reader sees
 * the old lines or the new ones, and anything else (a torn or damaged
 * line) reads as a damaged stamp, which never counts as fresh. What
 * follows is the old stamp's body: for a stamp of this layout, lines a
 * running marker does not need; for any other file (an older layout, a
 * damaged stamp, an empty file) possibly a damaged rest, which reads as
 * damaged, never fresh, until the step's end rewrites the whole file
 * (stamp_write_marked). Returns true when done.
 */
static bool
stamp_mark_in_place(const char *path, const struct stamp *marker, int *keep)
{
	struct stamp_buf b = { NULL, 0, 0 };
	bool done;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1)
		return false;
	stamp_buf_str(&b, STAMP_MAGIC "\n");
	stamp_state_line(&b, marker);
	done = pwrite(fd, b.s, b.len, 0) == (ssize_t)b.len;
	free(b.s);
	if (done && keep != NULL)
		*keep = fd;
	else
		close(fd);
	return done;
}

/*
 * Write the in-progress marker of a step about to start. A stamp written
 * by this version is marked in place (its state line), and with keep
 * not NULL its descriptor is left open in *keep for stamp_write_marked;
 * otherwise (no stamp yet, or an older layout) a whole marker is
 * written, and *keep is -1.
 */
int
stamp_begin(const char *experiment_dir, const char *step, const char *item,
    const char *set, const struct strv *argv, int *keep,
    struct loom_error *err)
{
	struct stamp s;
	char *path;
	size_t i;
	int rc = 0;

	memset(&s, 0, sizeof s);
	strv_init(&s.argv);
	s.state = STAMP_RUNNING;
	s.written_ns = stamp_now_ns();
	s.pid = stamp_self_pid();
	s.pid_start = stamp_self_start(s.pid);
	path = stamp_path(experiment_dir, step, item, set);
	if (keep != NULL)
		*keep = -1;
	if (!stamp_mark_in_place(path, &s, keep)) {
		for (i = 0; argv != NULL && i < argv->n; i++)
			strv_push(&s.argv, argv->v[i]);
		rc = stamp_write(experiment_dir, step, item, set, &s, err);
	}
	free(path);
	strv_free(&s.argv);
	return rc;
}

/* Record a success with the identities taken now. */
static bool
stamp_same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether two stats find a file unchanged (the hash cache's key). */
static bool
stamp_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && stamp_same_time(&a->st_mtim,
	    &b->st_mtim) && stamp_same_time(&a->st_ctim, &b->st_ctim);
}

/* stamp_succeeded; with_hash false leaves the content hashes out. */
static struct stamp *
stamp_take(const struct strv *argv, const char *script,
    const char *const *inputs, size_t ninputs, const char *const *outputs,
    size_t noutputs, bool with_hash, struct loom_error *err)
{
	struct stamp_recent kept;
	struct stamp_ident id;
	struct stamp *s;
	struct stat st;
	size_t i, budget = STAMP_QUICK_READ;
	int rc;

	s = xcalloc(1, sizeof *s);
	strv_init(&s->argv);
	s->state = STAMP_SUCCEEDED;
	for (i = 0; argv != NULL && i < argv->n; i++)
		strv_push(&s->argv, argv->v[i]);
	/* Taken before the identities, so racy files are judged safely. */
	s->written_ns = stamp_now_ns();
	if (script != NULL && stat(script, &st) == 0 && S_ISREG(st.st_mode)) {
		s->script_id.kind = STAMP_KIND_FILE;
		s->script_id.size = (long long)st.st_size;
		s->script_id.mtime_ns = stamp_ns(&st.st_mtim);
		stamp_ident_statted(&s->script_id, &st);
		if (with_hash && stamp_hash_file(script, SIZE_MAX,
		    s->script_hash, err) == -1)
			goto out;
		if (!with_hash && !hashcache_get(&st, s->script_hash))
			s->unhashed += (long long)st.st_size;
	}
	for (i = 0; i < ninputs; i++) {
		if (with_hash || !stamp_recent_get(inputs[i], &kept))
			rc = stamp_ident_take(inputs[i], with_hash,
			    &s->unhashed, &id, err);
		else if (stamp_recent_take(inputs[i], &kept, &id))
			rc = 0;
		else
			rc = stamp_ident_opened(inputs[i], &s->unhashed,
			    &budget, &id, err);
		if (rc == -1)
			goto out;
		stamp_entry_add(&s->inputs, &s->ninputs, xstrdup(inputs[i]),
		    &id);
	}
	for (i = 0; i < noutputs; i++) {
		if ((with_hash ? stamp_ident_take(outputs[i], true, NULL, &id,
		    err) : stamp_ident_opened(outputs[i], &s->unhashed,
		    &budget, &id, err)) == -1)
			goto out;
		stamp_entry_add(&s->outputs, &s->noutputs,
		    xstrdup(outputs[i]), &id);
	}
	return s;
out:
	stamp_free(s);
	return NULL;
}

struct stamp *
stamp_succeeded(const struct strv *argv, const char *script,
    const char *const *inputs, size_t ninputs, const char *const *outputs,
    size_t noutputs, struct loom_error *err)
{
	return stamp_take(argv, script, inputs, ninputs, outputs, noutputs,
	    true, err);
}

struct stamp *
stamp_succeeded_quick(const struct strv *argv, const char *script,
    const char *const *inputs, size_t ninputs, const char *const *outputs,
    size_t noutputs, struct loom_error *err)
{
	return stamp_take(argv, script, inputs, ninputs, outputs, noutputs,
	    false, err);
}

/*
 * The hash of a file entry still as its identity says; else none. The
 * file is opened first and its identity taken from the descriptor, so
 * what is hashed is what was compared (no stat of the path before).
 *
 * A step's large outputs are hashed here just after it ended, too
 * recently for the hash cache to keep them; so they go into the ring of
 * recent hashes (stamp_recent), as stamp_ident_opened's do, when the file
 * is still as it was hashed. The stamp of the step that reads one next,
 * quick or filled in here after this one (the worker takes them in
 * order), then takes its hash from there instead of reading it again.
 */
static int
stamp_fill_entry(struct stamp_entry *e, struct loom_error *err)
{
	struct stamp_recent kept;
	struct stamp_ident id;
	struct stat st, now;
	char cached[STAMP_HASH_HEX];
	int fd;

	if (e->id.kind != STAMP_KIND_FILE || e->id.hash[0] != '\0')
		return 0;
	if (stamp_recent_get(e->path, &kept) && kept.size == e->id.size &&
	    kept.mtime_ns == e->id.mtime_ns &&
	    stamp_recent_take(e->path, &kept, &id)) {
		memcpy(e->id.hash, id.hash, STAMP_HASH_HEX);
		return 0;
	}
	if ((fd = open(e->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;	/* gone: no hash, as changed */
		loom_error_set(err, e->path, 0, 0, "cannot open %s: %s",
		    e->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		loom_error_set(err, e->path, 0, 0, "cannot stat %s: %s",
		    e->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (long long)st.st_size != e->id.size ||
	    stamp_ns(&st.st_mtim) != e->id.mtime_ns) {
		close(fd);
		return 0;
	}
	if (stamp_hash_fd(fd, &st, e->path, SIZE_MAX, e->id.hash, err) == -1)
		return -1;
	if (!hashcache_get(&st, cached) && stat(e->path, &now) == 0 &&
	    stamp_stat_same(&now, &st))
		stamp_recent_put(e->path, &st, e->id.hash);
	return 0;
}

/* The script's hash; a script that is gone has none. */
static int
stamp_fill_script(struct stamp *s, const char *script, struct loom_error *err)
{
	struct stat st;
	int fd;

	if (script == NULL || s->script_hash[0] != '\0')
		return 0;
	if ((fd = open(script, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		loom_error_set(err, script, 0, 0, "cannot open %s: %s", script,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	return stamp_hash_fd(fd, &st, script, SIZE_MAX, s->script_hash, err);
}

/* The content hashes stamp_succeeded_quick left out (see stamp.h). */
int
stamp_hash_fill(struct stamp *s, const char *script, struct loom_error *err)
{
	size_t i;

	if (stamp_fill_script(s, script, err) == -1)
		return -1;
	for (i = 0; i < s->ninputs; i++)
		if (stamp_fill_entry(&s->inputs[i], err) == -1)
			return -1;
	for (i = 0; i < s->noutputs; i++)
		if (stamp_fill_entry(&s->outputs[i], err) == -1)
			return -1;
	return 0;
}

int
stamp_commit(const char *experiment_dir, const char *step, const char *item,
    const char *set, const struct strv *argv, const char *script,
    const char *const *inputs, size_t ninputs, const char *const *outputs,
    size_t noutputs, struct loom_error *err)
{
	struct stamp *s;
	int rc;

	s = stamp_succeeded(argv, script, inputs, ninputs, outputs, noutputs,
	    err);
	if (s == NULL)
		return -1;
	rc = stamp_write(experiment_dir, step, item, set, s, err);
	stamp_free(s);
	return rc;
}

/* Record a failed, cancelled or interrupted attempt. */
struct stamp *
stamp_ended(enum stamp_state state, const char *detail)
{
	struct stamp *s;

	s = xcalloc(1, sizeof *s);
	strv_init(&s->argv);
	s->state = state;
	if (state != STAMP_FAILED && state != STAMP_CANCELLED &&
	    state != STAMP_INTERRUPTED)
		s->state = STAMP_FAILED;
	s->written_ns = stamp_now_ns();
	s->detail = detail != NULL ? xstrdup(detail) : NULL;
	return s;
}

int
stamp_fail(const char *experiment_dir, const char *step, const char *item,
    const char *set, enum stamp_state state, const char *detail,
    struct loom_error *err)
{
	struct stamp *s;
	int rc;

	s = stamp_ended(state, detail);
	rc = stamp_write(experiment_dir, step, item, set, s, err);
	stamp_free(s);
	return rc;
}

/* True when the writer of a running marker still runs. */
bool
stamp_writer_is_alive(const struct stamp *s)
{
	unsigned long long start;
	char state;

	if (s->state != STAMP_RUNNING || s->pid <= 0)
		return false;
	if (kill((pid_t)s->pid, 0) == -1 && errno != EPERM)
		return false;
	start = proc_start_time(s->pid, &state);
	if (s->pid_start != 0 && start != 0 && start != s->pid_start)
		return false;
	/* A zombie no parent reaped yet is gone all the same. */
	return state != 'Z' && state != 'X';
}


/* Remove one step's stamps, items included. */
int
stamp_remove(const char *experiment_dir, const char *step,
    struct loom_error *err)
{
	char *path;
	int rc;

	path = stamp_path(experiment_dir, step, NULL, NULL);
	rc = fileio_remove_tree(path, err);
	free(path);
	path = stamp_items_dir(experiment_dir, step);
	if (fileio_remove_tree(path, err) == -1)
		rc = -1;
	free(path);
	return rc;
}

/* Remove every stamp of an experiment. */
int
stamp_remove_all(const char *experiment_dir, struct loom_error *err)
{
	char *path;
	int rc;

	path = stamp_dir(experiment_dir);
	rc = fileio_remove_tree(path, err);
	free(path);
	return rc;
}

/* One more holder of s. */
struct stamp *
stamp_ref(struct stamp *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

/* Let go of a stamp; NULL is fine. */
void
stamp_free(struct stamp *s)
{
	size_t i;

	/* Another holder left: the old count tells (0 for the last). */
	if (s == NULL || (__atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) != 0 &&
	    __atomic_fetch_sub(&s->refs, 1, __ATOMIC_ACQ_REL) != 0))
		return;
	free(s->detail);
	strv_free(&s->argv);
	for (i = 0; i < s->ninputs; i++)
		free(s->inputs[i].path);
	free(s->inputs);
	for (i = 0; i < s->noutputs; i++)
		free(s->outputs[i].path);
	free(s->outputs);
	free(s);
}

struct stamp_walk {
	int (*fn)(const char *, const char *, const struct stamp *, void *);
	void *arg;
	size_t seen;
};

/*
 * A stamp file at path, or a folder of them (sets, or items holding
 * sets: levels says how deep). Hidden names are temporary files.
 */
static int
stamp_walk_node(struct stamp_walk *w, const char *path, const char *step,
    int levels, struct loom_error *err)
{
	struct dirent *de;
	struct loom_error e;
	struct stamp *s;
	struct stat st;
	char *child;
	int missing, rc = 0;
	DIR *d;

	if (lstat(path, &st) == -1)
		return 0;
	if (S_ISREG(st.st_mode)) {
		if (w->seen++ >= STAMP_WALK_MAX)
			return 0;
		loom_error_clear(&e);
		s = stamp_read_file(-1, path, 0, &missing, &e);
		rc = w->fn(path, step, s, w->arg);
		stamp_free(s);
		if (rc == 1 && unlink(path) == -1 && errno != ENOENT) {
			loom_error_set(err, path, 0, 0, "cannot remove %s: %s",
			    path, strerror(errno));
			return -1;
		}
		if (rc == -1)
			loom_error_set(err, path, 0, 0, "stopped at %s", path);
		return rc == -1 ? -1 : 0;
	}
	if (!S_ISDIR(st.st_mode) || levels == 0 ||
	    (d = opendir(path)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		child = xasprintf("%s/%s", path, de->d_name);
		rc = stamp_walk_node(w, child, step, levels - 1, err);
		free(child);
	}
	closedir(d);
	(void)rmdir(path);	/* left empty by fn: meaningless */
	return rc;
}

/* Every stamp file of an experiment (see stamp.h). */
int
stamp_foreach(const char *experiment_dir,
    int (*fn)(const char *, const char *, const struct stamp *, void *),
    void *arg, struct loom_error *err)
{
	struct stamp_walk w = { fn, arg, 0 };
	struct dirent *de;
	char *dir, *child, *name, *step;
	size_t n;
	int rc = 0;
	DIR *d;

	dir = stamp_dir(experiment_dir);
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT && errno != ENOTDIR) {
			loom_error_set(err, dir, 0, 0, "cannot list %s: %s",
			    dir, strerror(errno));
			rc = -1;
		}
		free(dir);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		name = xstrdup(de->d_name);
		n = strlen(name);
		if (n > 6 && strcmp(name + n - 6, "@items") == 0)
			name[n - 6] = '\0';
		step = stamp_unescape(name);
		child = xasprintf("%s/%s", dir, de->d_name);
		rc = stamp_walk_node(&w, child, step,
		    strlen(name) < n ? 2 : 1, err);
		free(child);
		free(step);
		free(name);
	}
	closedir(d);
	(void)rmdir(dir);
	free(dir);
	return rc;
}
