/* SPDX-License-Identifier: MIT */
/*
 * The seed's entry points, kept working: "loom FILE [flags]" and
 * "loom-ui FILE". They translate the original spellings into loomctl
 * commands and run those.
 */
#ifndef LOOM_LOOMCTL_LEGACY_H
#define LOOM_LOOMCTL_LEGACY_H

struct cmd_ctx;

/* loom experiment.yml [--step A B] [--set a=1 b=2] [--list] ... */
int legacy_loom(struct cmd_ctx *ctx, int argc, char **argv);

/* loom-ui experiment.yml: loomctl ui experiment.yml. */
int legacy_loom_ui(struct cmd_ctx *ctx, int argc, char **argv);

#endif
