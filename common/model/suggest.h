/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean": the closest of a set of names to a mistyped word, by
 * edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours each cost one; case is ignored). Only close names are offered: a word of up
 * to four characters may be one edit away, longer words a third of their
 * length, so "stauts" finds "status" and "xyz" finds nothing.
 */
#ifndef LOOM_COMMON_SUGGEST_H
#define LOOM_COMMON_SUGGEST_H

#include <stddef.h>

struct suggest {
	const char *word;	/* the mistyped word (borrowed) */
	const char *best;	/* closest candidate so far (borrowed) */
	size_t distance;	/* its distance */
};

/* Start looking for names close to word (borrowed). */
void suggest_init(struct suggest *s, const char *word);

/* Consider one candidate name (borrowed until the search is done). */
void suggest_add(struct suggest *s, const char *name);

/* The closest name near enough to offer, or NULL. */
const char *suggest_best(const struct suggest *s);

/* The distance between a and b (both at most SUGGEST_MAX_LEN bytes). */
size_t suggest_distance(const char *a, const char *b);

#define SUGGEST_MAX_LEN	64

#endif
