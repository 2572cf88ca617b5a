/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for task front matter: arbitrary bytes go through
 * frontmatter_parse as the head of a task file, and every entry of the
 * resulting interface is looked up again, as `loomctl show`, validation
 * and the editor's task browser would. Any crash, leak, sanitizer
 * report, input slower than a second or memory over the run's limit is
 * a bug; a malformed block must come back as an error with a place.
 * Run with tests/fuzz/run.sh (see tests/fuzz/CMakeLists.txt).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/util/error.h"
#include "common/model/frontmatter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every name must be found again in its own list. */
static void
fuzz_check_list(const struct frontmatter_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].name == NULL ||
		    frontmatter_find(l, l->v[i].name) == NULL ||
		    l->v[i].line < 1 || l->v[i].column < 1)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loom_error err;
	struct frontmatter *fm;

	loom_error_clear(&err);
	fm = frontmatter_parse("task.py", (const char *)data, size, &err);
	if (fm == NULL) {
		/* A refused block always says why and where. */
		if (!err.set || err.message[0] == '\0' || err.line < 1)
			abort();
		return 0;
	}
	if (err.set)
		abort();
	fuzz_check_list(&fm->inputs);
	fuzz_check_list(&fm->outputs);
	fuzz_check_list(&fm->args);
	frontmatter_free(fm);
	return 0;
}
