/* SPDX-License-Identifier: MIT */
/*
 * Edit distance for "did you mean" (see suggest.h): the optimal string
 * alignment variant of Damerau's distance, computed over three rows.
 */
#include <ctype.h>
#include <string.h>

#include "common/model/suggest.h"

static size_t	suggest_min3(size_t a, size_t b, size_t c);

static size_t
suggest_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Distance between a and b; longer words count as far apart. */
size_t
suggest_distance(const char *a, const char *b)
{
	size_t rows[3][SUGGEST_MAX_LEN + 1], *prev2, *prev, *cur, *t;
	size_t la = strlen(a), lb = strlen(b), i, j, cost;

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return (size_t)-1;
	prev2 = rows[0];
	prev = rows[1];
	cur = rows[2];
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			cur[j] = suggest_min3(prev[j] + 1, cur[j - 1] + 1,
			    prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void
suggest_init(struct suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->distance = (size_t)-1;
}

void
suggest_add(struct suggest *s, const char *name)
{
	size_t d;

	if (name == NULL || strcmp(name, s->word) == 0)
		return;
	d = suggest_distance(s->word, name);
	if (d < s->distance) {
		s->distance = d;
		s->best = name;
	}
}

/* A third of the word's length may be wrong, and at least one edit. */
const char *
suggest_best(const struct suggest *s)
{
	size_t len = strlen(s->word), limit;

	limit = len <= 4 ? 1 : len / 3;
	if (s->best == NULL || s->distance > limit)
		return NULL;
	return s->best;
}
