/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/trash.c. Covers: a file and a folder moved to the
 * home trash under $XDG_DATA_HOME with a valid .trashinfo (Path= encoded,
 * DeletionDate= in the spec's form); a name clash gives "name.2.ext"; a
 * missing file is an error that creates no info file; percent-encoding;
 * permanent deletion removes folders without following links inside;
 * a file on another file system (/dev/shm when it is one) goes to
 * $topdir/.Trash-$uid, never to the home trash.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/fresh/trash.h"
#include "common/util/xmalloc.h"

struct fixture {
	char dir[64];
	char *xdg;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/loom-test-trash-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->xdg = xasprintf("%s/xdg", f->dir);
	setenv("XDG_DATA_HOME", f->xdg, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->xdg);
	free(f);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_text(const char *path)
{
	struct loom_error err;
	char *text;

	loom_error_clear(&err);
	text = fileio_read(path, 1 << 20, NULL, &err);
	assert_non_null(text);
	return text;
}

/* Check the three lines of a trashinfo file and the Path it names. */
static void
check_info(const char *info, const char *expect_path)
{
	char *text = read_text(info), *enc, *want;
	int y, mo, d, h, mi, s;
	const char *date;

	enc = trash_encode_path(expect_path);
	want = xasprintf("[Trash Info]\nPath=%s\nDeletionDate=", enc);
	assert_memory_equal(text, want, strlen(want));
	date = text + strlen(want);
	assert_int_equal(sscanf(date, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d,
	    &h, &mi, &s), 6);
	assert_int_equal(strlen(date), 20);
	assert_true(date[19] == '\n');
	free(want);
	free(enc);
	free(text);
}

static void
test_trash_move_file_and_folder(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *src, *dir, *inner, *as = NULL, *info, *p;

	src = xasprintf("%s/result file.csv", f->dir);
	write_file(src, "a,b\n");
	loom_error_clear(&err);
	assert_int_equal(trash_move(src, &as, &err), 0);
	assert_int_equal(access(src, F_OK), -1);
	p = xasprintf("%s/Trash/files/result file.csv", f->xdg);
	assert_string_equal(as, p);
	free(p);
	free(as);
	info = xasprintf("%s/Trash/info/result file.csv.trashinfo", f->xdg);
	check_info(info, src);
	free(info);

	/* A folder, named with a trailing slash. */
	dir = xasprintf("%s/out/", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	inner = xasprintf("%s/out/x.txt", f->dir);
	write_file(inner, "x");
	assert_int_equal(trash_move(dir, NULL, &err), 0);
	assert_int_equal(access(inner, F_OK), -1);
	p = xasprintf("%s/Trash/files/out/x.txt", f->xdg);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	info = xasprintf("%s/Trash/info/out.trashinfo", f->xdg);
	p = xasprintf("%s/out", f->dir);
	check_info(info, p);
	free(p);
	free(info);
	free(dir);
	free(inner);
	free(src);
}

static void
test_trash_name_clash(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *src, *as = NULL, *p, *info;
	int i;

	src = xasprintf("%s/model.pt", f->dir);
	for (i = 1; i <= 3; i++) {
		write_file(src, "m");
		loom_error_clear(&err);
		assert_int_equal(trash_move(src, &as, &err), 0);
		if (i == 1)
			p = xasprintf("%s/Trash/files/model.pt", f->xdg);
		else
			p = xasprintf("%s/Trash/files/model.%d.pt", f->xdg, i);
		assert_string_equal(as, p);
		free(p);
		free(as);
	}
	info = xasprintf("%s/Trash/info/model.3.pt.trashinfo", f->xdg);
	check_info(info, src);
	free(info);
	/* No extension. */
	p = xasprintf("%s/Makefile", f->dir);
	write_file(p, "");
	assert_int_equal(trash_move(p, NULL, &err), 0);
	write_file(p, "");
	assert_int_equal(trash_move(p, &as, &err), 0);
	free(p);
	p = xasprintf("%s/Trash/files/Makefile.2", f->xdg);
	assert_string_equal(as, p);
	free(p);
	free(as);
	free(src);
}

static void
test_trash_missing_file(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *src, *info;

	src = xasprintf("%s/nothing", f->dir);
	loom_error_clear(&err);
	assert_int_equal(trash_move(src, NULL, &err), -1);
	assert_true(err.set);
	assert_non_null(strstr(err.message, "nothing"));
	info = xasprintf("%s/Trash/info/nothing.trashinfo", f->xdg);
	assert_int_equal(access(info, F_OK), -1);
	free(info);
	free(src);
}

static void
test_trash_encode_path(void **state)
{
	char *e, date[32];

	(void)state;
	e = trash_encode_path("/home/u/a b/%x/\xc3\xa9t\xc3\xa9.csv");
	assert_string_equal(e, "/home/u/a%20b/%25x/%C3%A9t%C3%A9.csv");
	free(e);
	e = trash_encode_path("/a-b_c.d~e");
	assert_string_equal(e, "/a-b_c.d~e");
	free(e);
	trash_format_date(0, date);
	assert_int_equal(strlen(date), 19);
	assert_true(date[10] == 'T');
}

static void
test_remove_tree_keeps_link_targets(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *dir, *keep, *link, *inner;

	dir = xasprintf("%s/gone", f->dir);
	keep = xasprintf("%s/keep.txt", f->dir);
	link = xasprintf("%s/gone/link", f->dir);
	inner = xasprintf("%s/gone/sub", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(inner, 0755), 0);
	write_file(keep, "precious");
	assert_int_equal(symlink(f->dir, link), 0);
	loom_error_clear(&err);
	assert_int_equal(fileio_remove_tree(dir, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access(keep, F_OK), 0);
	/* Missing is fine. */
	assert_int_equal(fileio_remove_tree(dir, &err), 0);
	free(dir);
	free(keep);
	free(link);
	free(inner);
}

static void
test_trash_other_filesystem(void **state)
{
	struct fixture *f = *state;
	struct stat a, b;
	struct loom_error err;
	char shm[64], *src, *as = NULL, *want, *info, *trash;

	if (stat("/dev/shm", &a) == -1 || stat(f->dir, &b) == -1 ||
	    a.st_dev == b.st_dev || access("/dev/shm", W_OK) == -1) {
		skip();
		return;
	}
	snprintf(shm, sizeof shm, "/dev/shm/loom-test-trash-XXXXXX");
	assert_non_null(mkdtemp(shm));
	src = xasprintf("%s/out.bin", shm);
	write_file(src, "x");
	loom_error_clear(&err);
	trash = trash_dir_for(src, &err);
	assert_non_null(trash);
	want = xasprintf("/dev/shm/.Trash-%lu", (unsigned long)getuid());
	if (strncmp(trash, "/dev/shm/.Trash/", 16) != 0)
		assert_string_equal(trash, want);
	assert_int_equal(trash_move(src, &as, &err), 0);
	assert_int_equal(strncmp(as, trash, strlen(trash)), 0);
	info = xasprintf("%s/info/%s.trashinfo", trash, strrchr(as, '/') + 1);
	check_info(info, src);
	/* The home trash was not used. */
	free(want);
	want = xasprintf("%s/Trash/files/out.bin", f->xdg);
	assert_int_equal(access(want, F_OK), -1);
	unlink(info);
	unlink(as);
	rmdir(shm);
	/* Leave no trace when the trash was made for this test. */
	free(want);
	want = xasprintf("%s/files", trash);
	rmdir(want);
	free(want);
	want = xasprintf("%s/info", trash);
	rmdir(want);
	rmdir(trash);
	free(info);
	free(want);
	free(as);
	free(src);
	free(trash);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_trash_move_file_and_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trash_name_clash,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_trash_missing_file,
		    setup, teardown),
		cmocka_unit_test(test_trash_encode_path),
		cmocka_unit_test_setup_teardown(
		    test_remove_tree_keeps_link_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trash_other_filesystem,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
