/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for loop items (common/model/loopitems.c). Covers: regular files
 * only, sorted by name with strcmp (not by creation order), hidden files
 * skipped, sub-folders and broken links skipped, links to files kept,
 * the glob filter, output paths into/<name> (and "" without into), an
 * empty folder, errors for a missing folder and a file in its place, and
 * listing through a pipeline (data references, a trailing slash, an
 * error located at loop.over).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/model/loopitems.h"
#include "common/model/pipeline.h"
#include "common/util/xmalloc.h"

static char dir[64];

static void
mk(const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(path);
}

static int
setup(void **state)
{
	char *p;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/loom-test-loopitems-XXXXXX");
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/raw", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/raw/sub.wav", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/empty", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	/* Created out of order on purpose. */
	mk("raw/b.wav");
	mk("raw/a.wav");
	mk("raw/B.wav");
	mk("raw/c.txt");
	mk("raw/.hidden.wav");
	mk("file");
	p = xasprintf("%s/raw/link.wav", dir);
	assert_int_equal(symlink("a.wav", p), 0);
	free(p);
	p = xasprintf("%s/raw/broken.wav", dir);
	assert_int_equal(symlink("nowhere.wav", p), 0);
	free(p);
	/* A link to a folder is not an item either. */
	p = xasprintf("%s/raw/dirlink.wav", dir);
	assert_int_equal(symlink("sub.wav", p), 0);
	free(p);
	p = xasprintf("%s/raw/fifo.wav", dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Item and output paths relative to dir, joined by spaces. */
static char *
show(const struct loop_items *li)
{
	char *s = xstrdup(""), *tmp;
	size_t i, dl = strlen(dir);

	assert_int_equal(li->items.n, li->outputs.n);
	for (i = 0; i < li->items.n; i++) {
		assert_int_equal(strncmp(li->items.v[i], dir, dl), 0);
		tmp = xasprintf("%s%s%s>%s", s, i ? " " : "",
		    li->items.v[i] + dl, *li->outputs.v[i] == '\0' ? "" :
		    li->outputs.v[i] + dl);
		free(s);
		s = tmp;
	}
	return s;
}

static void
test_loopitems_scan(void **state)
{
	struct loop_items li;
	struct loom_error err;
	char *over, *into, *s;

	(void)state;
	over = xasprintf("%s/raw", dir);
	into = xasprintf("%s/out", dir);
	loopitems_init(&li);
	loom_error_clear(&err);
	assert_int_equal(loopitems_scan(over, into, "*.wav", &li, &err), 0);
	s = show(&li);
	assert_string_equal(s, "/raw/B.wav>/out/B.wav /raw/a.wav>/out/a.wav "
	    "/raw/b.wav>/out/b.wav /raw/link.wav>/out/link.wav");
	free(s);
	assert_string_equal(li.over, over);
	assert_string_equal(li.into, into);
	loopitems_free(&li);

	loopitems_init(&li);
	assert_int_equal(loopitems_scan(over, NULL, NULL, &li, &err), 0);
	s = show(&li);
	assert_string_equal(s, "/raw/B.wav> /raw/a.wav> /raw/b.wav> "
	    "/raw/c.txt> /raw/link.wav>");
	free(s);
	assert_null(li.into);
	loopitems_free(&li);
	free(over);
	free(into);

	over = xasprintf("%s/empty", dir);
	loopitems_init(&li);
	assert_int_equal(loopitems_scan(over, NULL, NULL, &li, &err), 0);
	assert_int_equal(li.items.n, 0);
	loopitems_free(&li);
	free(over);
}

static void
test_loopitems_errors(void **state)
{
	struct loop_items li;
	struct loom_error err;
	char *over;

	(void)state;
	over = xasprintf("%s/missing", dir);
	loopitems_init(&li);
	loom_error_clear(&err);
	assert_int_equal(loopitems_scan(over, NULL, NULL, &li, &err), -1);
	assert_non_null(strstr(err.message, "does not exist"));
	assert_non_null(strstr(err.message, over));
	free(over);

	over = xasprintf("%s/file", dir);
	loom_error_clear(&err);
	assert_int_equal(loopitems_scan(over, NULL, NULL, &li, &err), -1);
	assert_non_null(strstr(err.message, "is not a folder"));
	free(over);
	assert_int_equal(li.items.n, 0);
	loopitems_free(&li);
}

static void
test_loopitems_from_pipeline(void **state)
{
	static const char yml[] =
	    "data:\n"
	    "  raw: {path: raw/}\n"
	    "  out: {path: out}\n"
	    "pipeline:\n"
	    "  - name: conv\n"
	    "    task: t.sh\n"
	    "    loop: {over: $raw, into: $out, filter: '[ab].wav'}\n"
	    "  - name: nothing\n"
	    "    task: t.sh\n"
	    "    loop:\n"
	    "      over: missing\n"
	    "      into: out2\n";
	struct diags d;
	struct pipeline *p;
	struct loop_items li;
	struct loom_error err;
	char *s;

	(void)state;
	diags_init(&d);
	p = pipeline_load_string("exp.yml", dir, yml, strlen(yml), &d);
	assert_non_null(p);
	assert_int_equal(d.nerrors, 0);
	loopitems_init(&li);
	loom_error_clear(&err);
	assert_int_equal(loopitems_list(p, 0, &li, &err), 0);
	s = show(&li);
	assert_string_equal(s, "/raw/a.wav>/out/a.wav /raw/b.wav>/out/b.wav");
	free(s);
	loopitems_free(&li);

	loopitems_init(&li);
	assert_int_equal(loopitems_list(p, 1, &li, &err), -1);
	assert_string_equal(err.file, "exp.yml");
	assert_int_equal(err.line, 11);
	assert_int_equal(err.column, 13);
	assert_non_null(strstr(err.message, "does not exist"));
	assert_non_null(strstr(err.hint, "nothing"));
	loopitems_free(&li);
	pipeline_free(p);
	diags_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopitems_scan),
		cmocka_unit_test(test_loopitems_errors),
		cmocka_unit_test(test_loopitems_from_pipeline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
