/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/clean.c's path resolution. Covers: a resolver
 * (struct clean_resolver) answers exactly what clean_resolve answers,
 * path after path, for outputs in plain folders, in a linked folder, in
 * folders that do not exist yet, with trailing slashes and "/." and
 * "..", switching between folders (the cache of the last folder never
 * answers for another one), for the root and for names right below it.
 * clean_collect with the same output written twice, once through a
 * linked folder, lists it once, under the first step naming it.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fresh/clean.h"
#include "common/util/error.h"
#include "common/model/graph.h"
#include "common/model/pipeline.h"
#include "common/plan/validate.h"
#include "common/util/xmalloc.h"

static char	dir[64];

static void
make_tree(void)
{
	char *p;

	snprintf(dir, sizeof dir, "/tmp/loom-test-clean-XXXXXX");
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/real", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/real/sub", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/link", dir);
	assert_int_equal(symlink("real", p), 0);
	free(p);
}

static void
remove_tree(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_clean_resolver(void **state)
{
	static const char *const rel[] = {
		"real/a", "real/b", "link/a", "link/b", "real/a",
		"link/sub/c", "real/sub/c", "missing/x/y", "missing/x/z",
		"real/a/", "real/.", "link/..", "link/sub/..", "link",
		"link/", "real/sub/./d", "real/sub/../e", "link/sub/../e",
	};
	static const char *const abs[] = { "/", "/tmp", "/tmp/", "/x/y" };
	struct clean_resolver r;
	char *path, *want, *got;
	size_t i, round;

	(void)state;
	make_tree();
	memset(&r, 0, sizeof r);
	/* Twice: the second round starts with a warm cache. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			path = xasprintf("%s/%s", dir, rel[i]);
			want = clean_resolve(path);
			got = clean_resolver_get(&r, path);
			assert_string_equal(got, want);
			free(path);
			free(want);
			free(got);
		}
		for (i = 0; i < sizeof abs / sizeof abs[0]; i++) {
			want = clean_resolve(abs[i]);
			got = clean_resolver_get(&r, abs[i]);
			assert_string_equal(got, want);
			free(want);
			free(got);
		}
	}
	clean_resolver_free(&r);
	remove_tree();
}

/* The same output named twice, once through the linked folder. */
static void
test_clean_collect_once(void **state)
{
	struct clean_list cl;
	struct loom_error err;
	struct pipeline *p;
	struct graph *g;
	struct diags d;
	char *yml, *text;
	FILE *fp;

	(void)state;
	make_tree();
	yml = xasprintf("%s/p.yml", dir);
	text = xasprintf("pipeline:\n"
	    "  - {name: a, task: t.sh, outputs: {-o: real/sub/out.txt}}\n"
	    "  - {name: b, task: t.sh, outputs: {-o: link/sub/out.txt}}\n"
	    "  - {name: c, task: t.sh, outputs: {-o: real/sub}}\n");
	assert_non_null(fp = fopen(yml, "w"));
	fputs(text, fp);
	fclose(fp);
	diags_init(&d);
	assert_non_null(p = pipeline_load_file(yml, &d));
	g = validate_pipeline_graph(p, &d);
	memset(&cl, 0, sizeof cl);
	loom_error_clear(&err);
	assert_int_equal(clean_collect(p, g, false, false, &cl, &err), 0);
	/* real/sub/out.txt once (steps a and b), then real/sub. */
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.v[0].step, "a");
	assert_non_null(strstr(cl.v[0].real, "/real/sub/out.txt"));
	assert_string_equal(cl.v[1].step, "c");
	clean_list_free(&cl);
	graph_free(g);
	pipeline_free(p);
	diags_free(&d);
	free(text);
	free(yml);
	remove_tree();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_resolver),
		cmocka_unit_test(test_clean_collect_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
