/* SPDX-License-Identifier: MIT */
/*
 * Small descriptions of pipeline parts shared by list, show and dry
 * runs: how a value reads ("$features" or its text), the data entries a
 * step consumes and produces, and its command for dry runs.
 */
#ifndef LOOM_LOOMCTL_DESCRIBE_H
#define LOOM_LOOMCTL_DESCRIBE_H

#include <stddef.h>

#include "common/util/xmalloc.h"

struct pipeline;
struct value;

/* A value as the file wrote it: scalars verbatim, lists as [a, b]. */
char *describe_value(const struct value *v);

/* What step reads: its inputs' values and loop.over, as written. */
void describe_consumes(const struct pipeline *p, size_t step,
    struct strv *out);

/* What step writes: its outputs' values and loop.into, as written. */
void describe_produces(const struct pipeline *p, size_t step,
    struct strv *out);

/* Words joined with sep (owned). */
char *describe_join(const struct strv *words, const char *sep);

#endif
