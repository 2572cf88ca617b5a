/* SPDX-License-Identifier: MIT */
/*
 * Loop items as people see them: by the name of their file, never by a
 * bare index (an index names another file once the folder changed).
 * Shared by run (progress and labels), logs (--item) and status (counts),
 * all working from run records and events (docs/protocol.md).
 */
#ifndef LOOM_LOOMCTL_ITEMS_H
#define LOOM_LOOMCTL_ITEMS_H

#include <stddef.h>

#include <jansson.h>

/*
 * The file name of an item of a run record: its "name", else the last
 * part of its "path" (records of older versions), else NULL. Borrowed.
 */
const char *items_name(const json_t *item);

/*
 * The index of the item of record step s named arg: a file name first,
 * else a number. -1 when there is none.
 */
long items_find(const json_t *s, const char *arg);

/*
 * A loop step's items in a few words, into buf: "20/21 items succeeded,
 * failed: sample_13.txt (exit 3)"; "" for a step that is not a loop.
 */
void items_summary(const json_t *s, char *buf, size_t len);

#endif
