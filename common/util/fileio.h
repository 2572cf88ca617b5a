/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reads with a size cap, atomic replacement of a file (with
 * clean-up of temporary files left by crashed writers) and mkdir -p.
 * Every failure is reported through a struct loom_error naming the path
 * and the reason; nothing here aborts on bad input, except the debug-only
 * fault hooks on request. This module does no parsing and knows nothing
 * about pipelines.
 */
#ifndef LOOM_COMMON_FILEIO_H
#define LOOM_COMMON_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct loom_error;

/*
 * Read a whole regular file. The result is NUL-terminated and owned by the
 * caller; *len (when not NULL) receives its length without the NUL. A file
 * larger than max bytes is refused with the limit named; anything but a
 * regular file (folder, FIFO, device) is refused without blocking. Returns
 * NULL with err set on failure.
 */
char *fileio_read(const char *path, size_t max, size_t *len,
    struct loom_error *err);

/*
 * Replace path with data atomically: write a temporary file
 * ".<name>.tmp-XXXXXX" in the same folder (created O_EXCL), fsync it,
 * rename it over path and fsync the folder. Readers see either the old or
 * the new content, never a mix. mode applies to a new file; an existing
 * file keeps its permission bits. When path is a symbolic link, the file it
 * points to is replaced and the link kept. On any failure the temporary
 * file is removed and path is untouched. The temporary file stays flocked
 * until the rename; after it, leftovers of dead writers in the folder are
 * removed (fileio_sweep_temps). Returns 0, or -1 with err set (and errno
 * set to the failed call's, when a system call failed).
 */
int fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct loom_error *err);

/*
 * Like fileio_write_atomic, without the fsync of the file and the folder:
 * readers still see the old or the new content, never a mix, but after a
 * crash of the machine (not of the program) the file may hold the old
 * content, or be empty. For files whose loss is harmless (freshness
 * stamps: a lost stamp only makes a step look stale). Returns 0, or -1
 * with err set.
 */
int fileio_write_replace(const char *path, const void *data, size_t len,
    mode_t mode, struct loom_error *err);
/*
 * Create a folder and its missing parents (mkdir -p). An existing folder
 * is fine; a file in the way is an error naming it. Returns 0, or -1 with
 * err set.
 */
int fileio_mkdirs(const char *path, mode_t mode, struct loom_error *err);

/*
 * Remove path for good: a file or link is unlinked, a folder removed with
 * everything in it (links inside are removed, never followed). Missing is
 * fine. Returns 0, or -1 with err set.
 */
int fileio_remove_tree(const char *path, struct loom_error *err);

/* True when name looks like one of fileio_write_atomic's temporary files. */
bool fileio_is_temp_name(const char *name);

/*
 * Remove the temporary files of writers that died in dir: names of
 * fileio_is_temp_name's shape that are regular files nobody holds a lock
 * on (a live writer keeps its temporary file flocked until its rename).
 * Every successful fileio_write_atomic or fileio_write_replace does this
 * once per folder per process, after its rename; callers need it only
 * for a folder they will not write into. Returns the number removed.
 */
int fileio_sweep_temps(const char *dir);

/*
 * fileio_sweep_temps(dir) unless this process swept dir already (by
 * this call or after a write). Temporary files of a writer that died
 * come from an earlier process, so once per folder per process finds
 * them all; a live writer's are never taken.
 */
void fileio_sweep_once(const char *dir);

/*
 * Fault hooks, compiled in with LOOM_FAULT_HOOKS (debug and sanitizer
 * builds; see docs/daemon.md). The environment variable LOOM_FAULT is
 * read at the first atomic write of the process: "abort-before-rename:N"
 * aborts the process (SIGABRT, no core) when the Nth atomic write has
 * written and closed its temporary file, before the rename;
 * "fail-write:N" (or "fail-write:N:EIO") makes the Nth atomic write's
 * write fail with ENOSPC (EIO); "trace" logs every atomic write with its
 * number. Terms combine with commas. Release builds ignore LOOM_FAULT.
 *
 * fileio_fault_reset forgets what was read and the count, so the next
 * atomic write reads LOOM_FAULT again (for tests); it does nothing
 * without hooks. fileio_fault_hooks_built tells whether they exist.
 */
void fileio_fault_reset(void);
bool fileio_fault_hooks_built(void);

#endif
