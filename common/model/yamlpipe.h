/* SPDX-License-Identifier: MIT */
/*
 * libyaml's events, parsed beside the loader. For a big source a second
 * thread runs yaml_parser_parse and hands finished events over in
 * blocks through a small bounded ring, so the scan of later lines
 * overlaps the loader's work on earlier ones; a small source is parsed
 * in the caller's thread, as before. Either way the caller sees the same
 * events in the same order and the same error, and the parser is only
 * touched by one thread at a time. This file knows nothing of the
 * model: it only moves events.
 */
#ifndef LOOM_COMMON_YAMLPIPE_H
#define LOOM_COMMON_YAMLPIPE_H

#include <stddef.h>

#include <yaml.h>

/*
 * Sources of at least this many bytes are parsed in a second thread.
 * Below it the thread costs more than it saves: handing each event and
 * its strings to another CPU adds some 20% to the CPU time of a load,
 * and on a quiet 2-CPU machine a 350 KB file validated in 10.8 ms
 * instead of 11.0, 530 KB in 16.0 either way, 890 KB in 25.4 instead
 * of 27.8 (docs/incremental.md, "Performance").
 */
#define YAMLPIPE_MIN_DEFAULT	(512u * 1024)

struct yamlpipe;

/*
 * Start reading events from ps, whose input (len bytes) is set. The
 * parser is the producer's until yamlpipe_free; the caller must not use
 * it meanwhile, except to read its error after yamlpipe_parse returned
 * 0. Falls back to the caller's thread when no thread can be created.
 */
struct yamlpipe	*yamlpipe_create(yaml_parser_t *ps, size_t len);
/*
 * The next event, as yaml_parser_parse: 1 with *ev filled (the caller
 * owns it), or 0 on a syntax error, with the parser's problem and marks
 * then set and every event before the error already returned.
 */
int		 yamlpipe_parse(struct yamlpipe *yp, yaml_event_t *ev);
/* Stop the producer, wait for it and free the events not taken. */
void		 yamlpipe_free(struct yamlpipe *yp);
/*
 * The size from which a source is parsed in a second thread: the
 * environment's LOOM_YAML_THREAD_MIN (bytes, read once), else
 * YAMLPIPE_MIN_DEFAULT.
 */
size_t		 yamlpipe_min(void);
/* Override yamlpipe_min, for tests (not thread-safe against loads). */
void		 yamlpipe_set_min(size_t min);

#endif
