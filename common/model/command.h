/* SPDX-License-Identifier: MIT */
/*
 * Command building (README, "How a step becomes a command"): a step becomes
 * an argument vector, never a shell string, in this order:
 *
 *   interpreter, task path (absolute), inputs (positional), outputs (flag,
 *   path), args (flag, value), extra arguments.
 *
 * Values: a value that is exactly a data reference ("$features") becomes
 * the entry's absolute path (URLs stay as written); $loop_item and
 * $loop_output become the strings passed in; other scalars are expanded
 * ($name, ${name}) and keep their spelling. Outputs are always paths: a
 * relative one is made absolute against the pipeline's folder. In args,
 * true gives the bare flag, false and null drop it, a list gives the flag
 * followed by each item; a whole reference to a boolean parameter
 * ("--verbose: $verbose") follows the same rule. An input that is a list
 * gives each item as its own positional argument.
 *
 * Interpreter, first match wins:
 *  1. the step's interpreter: (a list is used word for word; a single
 *     string is split into words like a shell would, quotes respected);
 *  2. execution.interpreters[".ext"] (same rule);
 *  3. by extension: .py -> $VIRTUAL_ENV/bin/python when the caller has
 *     VIRTUAL_ENV set, else "python3"; .sh -> bash; .R -> Rscript;
 *     .jl -> julia; .js -> node;
 *  4. a task file that is executable runs directly;
 *  5. otherwise an error naming the task.
 *
 * Dry runs print commands with command_quote, whose output pasted into
 * bash gives back exactly the same argument vector.
 *
 * This module reads the filesystem only to check whether a task is
 * executable (rule 4); it starts nothing.
 */
#ifndef LOOM_COMMON_COMMAND_H
#define LOOM_COMMON_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/util/xmalloc.h"

struct loom_error;
struct pipeline;

/*
 * Bytes the values of one command may take in all (Linux's usual limit
 * on the arguments of a program), so a small file cannot make a huge one.
 */
#define COMMAND_MAX_BYTES	(2 * 1024 * 1024)

/* What of the caller's environment shapes a command. */
struct command_env {
	const char *virtual_env;	/* caller's $VIRTUAL_ENV or NULL */
};

/*
 * Build step number step of p into argv (appended; argv must be
 * initialised). loop_item and loop_output are the current item's paths
 * for a loop step (NULL otherwise: $loop_item is then an error). extra is
 * the --extra text (NULL or "" for none), split like a shell would
 * without running one. Values past COMMAND_MAX_BYTES in all are an
 * error. Returns 0, or -1 with err set (located at the
 * offending value in the pipeline file where there is one); argv may then
 * hold a partial command, which the caller frees.
 */
int command_build(const struct pipeline *p, size_t step,
    const struct command_env *env, const char *loop_item,
    const char *loop_output, const char *extra, struct strv *argv,
    struct loom_error *err);

/*
 * The interpreter words for step (possibly none, for a task that runs
 * directly), appended to out. Returns 0, or -1 with err set.
 */
int command_interpreter(const struct pipeline *p, size_t step,
    const struct command_env *env, struct strv *out, struct loom_error *err);

/*
 * The absolute paths a step writes (its outputs, in order), appended to
 * out, so the caller can create their parent folders. For a loop step,
 * pass the item's loop_output (or NULL to skip $loop_output outputs).
 * Returns 0, or -1 with err set.
 */
int command_output_paths(const struct pipeline *p, size_t step,
    const char *loop_output, struct strv *out, struct loom_error *err);

/*
 * The absolute paths a step reads: its inputs that are data references
 * or $loop_item (when loop_item is not NULL), in order, appended to out.
 * Returns 0, or -1 with err set.
 */
int command_input_paths(const struct pipeline *p, size_t step,
    const char *loop_item, struct strv *out, struct loom_error *err);

/*
 * Split text into words like a POSIX shell would, without expansions:
 * blanks separate words, '...' keeps everything literally, "..." keeps
 * everything but \" \\ \$ \` (backslash-escaped), a backslash outside
 * quotes escapes the next character. Words are appended to out. Returns
 * 0, or -1 with err set on an unterminated quote or a trailing backslash.
 */
int command_split(const char *text, struct strv *out,
    struct loom_error *err);

/*
 * The argument vector as one line for a POSIX shell: words made only of
 * safe characters stay bare, the rest are single-quoted (an embedded '
 * becomes '\''), the empty word is ''. Pasting the line into bash runs
 * exactly argv. Returns an owned string.
 */
char *command_quote(const struct strv *argv);

/* One word quoted the same way. Returns an owned string. */
char *command_quote_word(const char *word);

/*
 * Text safe inside a "#" comment of a shell script: control characters
 * written as \n, \r, \t or \xNN, backslashes doubled. Owned string.
 */
char *command_printable(const char *text);

/* The same text written to f, with no copy made. */
void command_fputs_printable(const char *text, FILE *f);

#endif
