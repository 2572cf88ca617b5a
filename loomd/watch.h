/* SPDX-License-Identifier: MIT */
/*
 * Watching the files of open pipelines (docs/protocol.md, "file.changed").
 *
 * pipeline.open registers its caller as a viewer of that pipeline: the
 * daemon then watches, with inotify on libevent's loop, the folders that
 * hold the pipeline file, its data entries (a data folder itself too) and
 * its task scripts, and tells the viewers "file.changed" {"file"} when
 * one of those names changes. Folders rather than files are watched so
 * that an editor's save by rename-over is seen; events are matched by
 * name, so other files in those folders (swap files, the .loom folder)
 * are ignored. A path whose folder does not exist yet (out/ before the
 * first run) is watched at its nearest existing ancestor, for the name
 * that leads to it. Events are merged: one file.changed per pipeline at
 * most every WATCH_DELAY_MS.
 *
 * A client views one pipeline at a time, the one it opened last (an
 * editor shows one); the watches of a pipeline go when its last viewer
 * closes or opens another. Bounds: WATCH_MAX_PIPES pipelines,
 * WATCH_MAX_DIRS folders for the whole daemon, WATCH_MAX_NAMES names per
 * pipeline; past them (or past the kernel's max_user_watches) a pipeline
 * is watched in part and the log says so.
 */
#ifndef LOOM_LOOMD_WATCH_H
#define LOOM_LOOMD_WATCH_H

#include <stddef.h>

struct loomd;
struct pipeline;
struct rpc_client;

#define WATCH_DELAY_MS		100
#define WATCH_MAX_PIPES		64
#define WATCH_MAX_DIRS		512
#define WATCH_MAX_NAMES		1024

/*
 * Make client a viewer of the pipeline file real (an absolute, resolved
 * path) and (re)build its watches from p, which may be NULL when the
 * file could not be parsed (then only the file itself is watched, and
 * whatever was watched before stays).
 */
void	watch_open(struct loomd *loomd, struct rpc_client *client,
	    const char *real, const struct pipeline *p);
/* The client is gone: it views nothing any more. */
void	watch_client_gone(struct rpc_client *client);
/* Folders watched now (daemon.status "watches"). */
size_t	watch_count(struct loomd *loomd);
/* Release everything at exit. */
void	watch_free(struct loomd *loomd);

#endif
