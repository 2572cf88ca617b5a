/* SPDX-License-Identifier: MIT */
/*
 * Step stamps: what a step ran with and what its files looked like when it
 * last succeeded, kept as plain text files under .loom/stamps/ beside the
 * experiment. One file per step (or per loop item) and *output set* (the
 * step's output paths as expanded for a run, named by a digest of them:
 * stamp_set_key) holds the latest state of that step for those outputs,
 * so a parameter sweep keeps one stamp per value; at most STAMP_SETS_MAX
 * sets per step or item are kept, the one written longest ago dropped.
 * "running" is written before the step starts (the
 * in-progress marker), "succeeded" with the full record after it succeeded,
 * and "failed", "cancelled" or "interrupted" otherwise. Each write replaces
 * the file atomically, so a crash leaves the previous or the next state and
 * a step that was running when its daemon died still reads "running" with
 * a writer that is gone: interrupted.
 *
 * This module knows files and strings only. Which files are a step's
 * inputs and outputs, and whether a step is fresh, is freshness.c's job.
 */
#ifndef LOOM_COMMON_STAMP_H
#define LOOM_COMMON_STAMP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util/xmalloc.h"

struct loom_error;
struct stat;

/* A stamp file larger than this is treated as damaged. */
#define STAMP_FILE_MAX		(16 * 1024 * 1024)
/* Entries hashed when a folder's identity is computed. */
#define STAMP_DIR_MAX_ENTRIES	100000

#define STAMP_HASH_HEX		65	/* 64 hex digits and a NUL */
/* An output set's name: 16 hex digits of a SHA-256 and a NUL. */
#define STAMP_SET_HEX		17
/* Output sets (stamps) kept per step or loop item. */
#define STAMP_SETS_MAX		32
/* Stamp files stamp_foreach visits at most. */
#define STAMP_WALK_MAX		1000000

enum stamp_kind {
	STAMP_KIND_ABSENT,
	STAMP_KIND_FILE,
	STAMP_KIND_DIR,
	STAMP_KIND_OTHER,
};

/*
 * What a path looked like. For a folder, size counts entries and hash
 * digests the names, sizes and times of everything below it, so a new,
 * removed or changed file inside it changes the identity.
 */
struct stamp_ident {
	enum stamp_kind kind;
	long long size;
	long long mtime_ns;
	char hash[STAMP_HASH_HEX];	/* "" when not computed */
	/*
	 * In memory only, never written: with statted, the stat this
	 * identity was taken from (a success stamp's inputs, so that what
	 * changed while the step ran is found without another stat).
	 * statted and ABSENT: the path was missing.
	 */
	bool statted;
	unsigned long long dev, ino;
	long long ctime_ns;
};

enum stamp_state {
	STAMP_NONE,		/* no stamp file */
	STAMP_RUNNING,
	STAMP_SUCCEEDED,
	STAMP_FAILED,
	STAMP_CANCELLED,
	STAMP_INTERRUPTED,
};

struct stamp_entry {
	char *path;		/* absolute */
	struct stamp_ident id;
};

struct stamp {
	enum stamp_state state;
	long long written_ns;	/* wall clock when the stamp was written */
	long pid;		/* running: the process that wrote it */
	unsigned long long pid_start;	/* its start time, 0 if unknown */
	char *detail;		/* failed: "exit code 1"...; or NULL */
	struct strv argv;
	char script_hash[STAMP_HASH_HEX];	/* "" when no script */
	struct stamp_ident script_id;	/* in memory: its stat, see above */
	struct stamp_entry *inputs;
	size_t ninputs;
	struct stamp_entry *outputs;
	size_t noutputs;
	/*
	 * Quick stamps (stamp_succeeded_quick): the bytes stamp_hash_fill
	 * still has to read, the files whose hashes were not known.
	 */
	long long unhashed;
	/*
	 * Holders besides the first (stamp_ref); stamp_free drops one and
	 * frees the stamp with the last. Atomic: a kept stamp is shared
	 * between the daemon's loop and its hashing worker.
	 */
	unsigned refs;
};

/*
 * The identity of path. A missing path is not an error (kind ABSENT).
 * with_hash asks for a content hash of files, whatever their size (read
 * in pieces; common/fresh/hashcache.h keeps it until the file changes),
 * and of folders. Returns 0, or -1 with err set when the path exists but
 * cannot be read.
 */
int stamp_ident_get(const char *path, bool with_hash, struct stamp_ident *id,
    struct loom_error *err);

/*
 * The identity of path from one stat (statted): no folder walked, nothing
 * hashed, so a folder's size and time are its own, not its identity's.
 * Not statted when the stat failed otherwise than for a missing path.
 * For what a step's files were as it started (freshness_seen).
 */
void stamp_ident_stat(const char *path, struct stamp_ident *id);

/*
 * Is path still the file, or still missing, as before (stamp_ident_stat)
 * found it? now is its identity taken since, from the stat it notes, or
 * path is stat'ed again when now has none. Same device, inode, size,
 * modification and change times. A folder, another kind of file or a
 * path that could not be stat'ed before is not compared: true.
 */
bool stamp_ident_unchanged(const struct stamp_ident *before,
    const char *path, const struct stamp_ident *now);

/*
 * SHA-256 of a whole file, as hex, into out; SIZE_MAX as max for any
 * size. Answered from common/fresh/hashcache.h when the file is as it
 * was last hashed. Returns 0, or -1 with err set (missing file,
 * unreadable, larger than max bytes).
 */
int stamp_hash_file(const char *path, size_t max, char out[STAMP_HASH_HEX],
    struct loom_error *err);

/* SHA-256 of a buffer, as hex. */
void stamp_hash_buffer(const void *data, size_t len,
    char out[STAMP_HASH_HEX]);

/* The folder holding every stamp of the experiment in dir. Owned. */
char *stamp_dir(const char *experiment_dir);

/*
 * The name of an output set: a digest of the absolute output paths, in
 * order. Steps without outputs have one set too.
 */
void stamp_set_key(const char *const *paths, size_t n,
    char out[STAMP_SET_HEX]);

/* The output set a stamp records (its outputs' paths), as stamp_set_key. */
void stamp_recorded_key(const struct stamp *s, char key[STAMP_SET_HEX]);

/*
 * The stamp file of a step, or of one item of a loop step when item (the
 * item's file name) is not NULL, for the output set named set
 * (stamp_set_key): <step>/<set>, <step>@items/<item>/<set>. With set
 * NULL, the single file of earlier versions (<step>, <step>@items/<item>).
 * Names are escaped so that any step or item name gives one plain file
 * name. Owned.
 */
char *stamp_path(const char *experiment_dir, const char *step,
    const char *item, const char *set);

/* The folder holding the per-item stamps of a loop step. Owned. */
char *stamp_items_dir(const char *experiment_dir, const char *step);

/*
 * Read a stamp. Returns NULL with err clear when there is none, NULL with
 * err set when it cannot be read or is damaged, else an owned stamp.
 * With a set, a stamp of an earlier version (one file for the step) is
 * read in its place when it is not a success or records these outputs.
 */
struct stamp *stamp_read(const char *experiment_dir, const char *step,
    const char *item, const char *set, struct loom_error *err);

/*
 * stamp_read for many stamps of one experiment: stamps_fd is its stamps
 * folder from stamp_dir_open (-1 when there is none: then as stamp_read),
 * against which the files are opened; errors still name full paths.
 */
int stamp_dir_open(const char *experiment_dir);
struct stamp *stamp_read_at(int stamps_fd, const char *experiment_dir,
    const char *step, const char *item, const char *set,
    struct loom_error *err);

/* Parse the text of a stamp file; NULL with err set when it is damaged. */
struct stamp *stamp_parse(const char *text, size_t len,
    struct loom_error *err);

/* The text form of a stamp, as written to its file. Owned. */
char *stamp_format(const struct stamp *s);

/*
 * Write s as the stamp of step (or item) and set, atomically. The stamp
 * file of an earlier version in the way is moved to its own set; a new
 * set beyond STAMP_SETS_MAX drops the set written longest ago.
 */
int stamp_write(const char *experiment_dir, const char *step,
    const char *item, const char *set, const struct stamp *s,
    struct loom_error *err);

/*
 * Mark a step as running, before it starts. Whatever the step leaves
 * behind is never trusted until stamp_commit replaces this marker. With
 * keep not NULL, a marker written in place stays open in *keep (else
 * -1) for stamp_write_marked, so the step's end opens no file.
 */
int stamp_begin(const char *experiment_dir, const char *step,
    const char *item, const char *set, const struct strv *argv, int *keep,
    struct loom_error *err);

/*
 * stamp_write over the marker stamp_begin kept open as fd (-1: none),
 * closing fd: in place through it while its file is still linked, else
 * as stamp_write.
 */
int stamp_write_marked(int fd, const char *experiment_dir,
    const char *step, const char *item, const char *set,
    const struct stamp *s, struct loom_error *err);

/*
 * The stamp of a success: the argv, the script's hash (script may be
 * NULL) and the identity of every input and output, taken now. Owned;
 * NULL with err set when an identity cannot be taken.
 */
struct stamp *stamp_succeeded(const struct strv *argv, const char *script,
    const char *const *inputs, size_t ninputs, const char *const *outputs,
    size_t noutputs, struct loom_error *err);

/*
 * stamp_succeeded without reading content: only what stat says (kind,
 * size, time), quick enough for the daemon's loop; the hashes that
 * common/fresh/hashcache.h knows for what stat says are filled in, and
 * s->unhashed counts the bytes of the files (script included) whose
 * hashes are not. stamp_hash_fill adds those afterwards; it touches
 * nothing but s and the files, so it may run in another thread (the
 * daemon's, loomd/hashwork.c), or at once when s->unhashed is small. A file
 * whose identity changed in between keeps no hash: its recorded size or
 * time already says it changed. script as for stamp_succeeded;
 * -1 with err set when a file cannot be hashed (as stamp_succeeded).
 */
struct stamp *stamp_succeeded_quick(const struct strv *argv,
    const char *script, const char *const *inputs, size_t ninputs,
    const char *const *outputs, size_t noutputs, struct loom_error *err);
int stamp_hash_fill(struct stamp *s, const char *script,
    struct loom_error *err);

/* stamp_succeeded, then stamp_write. */
int stamp_commit(const char *experiment_dir, const char *step,
    const char *item, const char *set, const struct strv *argv,
    const char *script, const char *const *inputs, size_t ninputs,
    const char *const *outputs, size_t noutputs, struct loom_error *err);

/*
 * The stamp of a failure: state is STAMP_FAILED, STAMP_CANCELLED or
 * STAMP_INTERRUPTED; detail (may be NULL) says how ("exit code 1"). Owned.
 */
struct stamp *stamp_ended(enum stamp_state state, const char *detail);

/* stamp_ended, then stamp_write. */
int stamp_fail(const char *experiment_dir, const char *step,
    const char *item, const char *set, enum stamp_state state,
    const char *detail, struct loom_error *err);

/* Remove the stamps of one step, items included. Missing is fine. */
int stamp_remove(const char *experiment_dir, const char *step,
    struct loom_error *err);

/* Remove every stamp of the experiment. Missing is fine. */
int stamp_remove_all(const char *experiment_dir, struct loom_error *err);

/*
 * Call fn for every stamp file of the experiment (at most STAMP_WALK_MAX):
 * file is its path, step the step's name, s the stamp (NULL when it
 * cannot be read). fn returns 0 to go on, 1 to have the file removed, -1
 * to stop; folders left empty go too. Returns 0, or -1 with err set when
 * the folder cannot be listed or fn stopped.
 */
int stamp_foreach(const char *experiment_dir,
    int (*fn)(const char *file, const char *step, const struct stamp *s,
    void *arg), void *arg, struct loom_error *err);

/*
 * True when a stamp in STAMP_RUNNING state was written by a process that
 * still runs (same pid and start time); false when that process is gone,
 * so the step was interrupted.
 */
bool stamp_writer_is_alive(const struct stamp *s);

/* "running", "succeeded", ... */
const char *stamp_state_name(enum stamp_state state);

/* True when a and b name the same content (kind, size, time, hash). */
bool stamp_ident_equal(const struct stamp_ident *a,
    const struct stamp_ident *b);

/*
 * Compare a recorded entry of s with the path as it is now; *changed says
 * whether it differs. Size and time are compared first; the content hash
 * is computed only when they match and the file's time is too close to
 * the stamp's own to be trusted (a file rewritten within the timestamp
 * granularity of its file system, as git's "racily clean" entries). A
 * touched file with equal content counts as changed, as with make.
 * Returns 0, or -1 with err set when the path cannot be read.
 */
int stamp_entry_check(const struct stamp *s, const struct stamp_entry *e,
    bool *changed, struct loom_error *err);

/*
 * stamp_entry_check with the path's stat taken by the caller: st is its
 * result, or NULL when the path does not exist (ENOENT, ENOTDIR). A plan
 * stats each path once and shares it with the steps that read it.
 */
int stamp_entry_check_stat(const struct stamp *s,
    const struct stamp_entry *e, const struct stat *st, bool *changed,
    struct loom_error *err);

/*
 * One more holder of s, which is then read only; each holder lets go
 * with stamp_free. Returns s.
 */
struct stamp *stamp_ref(struct stamp *s);

/* Let go of s (NULL: nothing); the last holder frees it. */
void stamp_free(struct stamp *s);

#endif
