/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fileio.c. Covers: whole-file reads (content, NUL
 * termination, length), the size cap named in the error, refusal of
 * folders and FIFOs without blocking, missing files; atomic writes
 * (create, replace, permission bits kept, no temporary file left, writes
 * through a symbolic link keep the link, a failing write leaves the target
 * untouched and no temporary file; B1: while a child process saves two
 * versions 1,000 times, every read sees one whole version); mkdir -p
 * (nested, existing, a file in the way named); the temporary-name
 * predicate.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
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

#include "common/error.h"
#include "common/fileio.h"
#include "common/xmalloc.h"

static char *
make_tmpdir(void)
{
	char *d = xstrdup("/tmp/loom-test-fileio-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rm_rf(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (fileio_is_temp_name(de->d_name))
			n++;
	closedir(d);
	return n;
}

static void
test_fileio_read_whole(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *path, *buf;
	size_t len = 99;

	path = xasprintf("%s/a.txt", dir);
	put(path, "hello\nworld\n");
	loom_error_clear(&err);
	buf = fileio_read(path, 1024, &len, &err);
	assert_non_null(buf);
	assert_false(err.set);
	assert_int_equal(len, 12);
	assert_string_equal(buf, "hello\nworld\n");
	free(buf);

	/* An empty file reads as "". */
	put(path, "");
	buf = fileio_read(path, 1024, &len, &err);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);

	/* Exactly at the limit is fine. */
	put(path, "12345");
	buf = fileio_read(path, 5, NULL, &err);
	assert_non_null(buf);
	assert_string_equal(buf, "12345");
	free(buf);

	rm_rf(dir);
	free(path);
	free(dir);
}

static void
test_fileio_read_too_large(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *path;

	path = xasprintf("%s/big", dir);
	put(path, "123456");
	loom_error_clear(&err);
	assert_null(fileio_read(path, 5, NULL, &err));
	assert_true(err.set);
	assert_non_null(strstr(err.message, "too large"));
	assert_non_null(strstr(err.message, "the limit is 5 bytes"));
	assert_string_equal(err.file, path);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void
test_fileio_read_not_regular(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *fifo, *missing;

	loom_error_clear(&err);
	assert_null(fileio_read(dir, 1024, NULL, &err));
	assert_non_null(strstr(err.message, "is a folder"));

	/* A FIFO with no writer would block a plain open(): it must not. */
	fifo = xasprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	loom_error_clear(&err);
	assert_null(fileio_read(fifo, 1024, NULL, &err));
	assert_true(err.set);
	assert_non_null(strstr(err.message, "not a regular file"));

	loom_error_clear(&err);
	assert_null(fileio_read("/dev/null", 1024, NULL, &err));
	assert_non_null(strstr(err.message, "not a regular file"));

	missing = xasprintf("%s/nope", dir);
	loom_error_clear(&err);
	assert_null(fileio_read(missing, 1024, NULL, &err));
	assert_non_null(strstr(err.message, "cannot open"));
	assert_non_null(strstr(err.message, "No such file or directory"));

	rm_rf(dir);
	free(fifo);
	free(missing);
	free(dir);
}

static void
test_fileio_write_atomic_create_replace(void **state)
{
	struct loom_error err;
	struct stat st;
	char *dir = make_tmpdir(), *path, *buf;

	path = xasprintf("%s/out.yml", dir);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(path, "v1\n", 3, 0644, &err), 0);
	buf = fileio_read(path, 100, NULL, &err);
	assert_string_equal(buf, "v1\n");
	free(buf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* An existing 0640 file stays 0640 whatever mode is passed. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(fileio_write_atomic(path, "version 2\n", 10, 0644,
	    &err), 0);
	assert_false(err.set);
	buf = fileio_read(path, 100, NULL, &err);
	assert_string_equal(buf, "version 2\n");
	free(buf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_temp_files(dir), 0);

	rm_rf(dir);
	free(path);
	free(dir);
}

/* The non-durable variant replaces the same way (mode kept, no leftovers). */
static void
test_fileio_write_replace(void **state)
{
	struct loom_error err;
	struct stat st;
	char *dir = make_tmpdir(), *path, *buf, *missing;

	(void)state;
	path = xasprintf("%s/stamp", dir);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "one\n", 4, 0644, &err),
	    0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(fileio_write_replace(path, "two two\n", 8, 0644,
	    &err), 0);
	assert_false(err.set);
	buf = fileio_read(path, 100, NULL, &err);
	assert_string_equal(buf, "two two\n");
	free(buf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_temp_files(dir), 0);

	/* A missing folder is an error naming it; nothing is left behind. */
	missing = xasprintf("%s/no/such/file", dir);
	assert_int_equal(fileio_write_replace(missing, "x", 1, 0644, &err),
	    -1);
	assert_true(err.set);
	assert_non_null(strstr(err.message, "/no/such"));

	rm_rf(dir);
	free(missing);
	free(path);
	free(dir);
}

static void
test_fileio_write_atomic_symlink(void **state)
{
	struct loom_error err;
	struct stat st;
	char *dir = make_tmpdir(), *real, *link, *buf;

	real = xasprintf("%s/real.yml", dir);
	link = xasprintf("%s/link.yml", dir);
	put(real, "old\n");
	assert_int_equal(symlink("real.yml", link), 0);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(link, "new\n", 4, 0644, &err), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	buf = fileio_read(real, 100, NULL, &err);
	assert_string_equal(buf, "new\n");
	free(buf);
	assert_int_equal(count_temp_files(dir), 0);
	rm_rf(dir);
	free(real);
	free(link);
	free(dir);
}

static void
test_fileio_write_atomic_failure(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *path, *sub, *buf, *nodir;

	/* The target's folder does not exist: error, nothing created. */
	nodir = xasprintf("%s/missing/out.yml", dir);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(nodir, "x", 1, 0644, &err), -1);
	assert_true(err.set);
	assert_non_null(strstr(err.message, "temporary file"));
	assert_non_null(strstr(err.message, "No such file or directory"));

	/* The target is a folder: refused, untouched. */
	sub = xasprintf("%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(sub, "x", 1, 0644, &err), -1);
	assert_non_null(strstr(err.message, "not a regular file"));

	/* A folder without write permission (meaningless for root). */
	path = xasprintf("%s/ro/out.yml", dir);
	free(sub);
	sub = xasprintf("%s/ro", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put(path, "original\n");
	assert_int_equal(chmod(sub, 0555), 0);
	if (geteuid() != 0) {
		loom_error_clear(&err);
		assert_int_equal(fileio_write_atomic(path, "new\n", 4, 0644,
		    &err), -1);
		assert_non_null(strstr(err.message, "Permission denied"));
		buf = fileio_read(path, 100, NULL, &err);
		assert_string_equal(buf, "original\n");
		free(buf);
		assert_int_equal(count_temp_files(sub), 0);
	}
	assert_int_equal(chmod(sub, 0755), 0);

	rm_rf(dir);
	free(path);
	free(sub);
	free(nodir);
	free(dir);
}

/* B1: readers never see an empty, partial or mixed file. */
static void
test_fileio_write_atomic_concurrent(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *path, *v1, *v2, *buf;
	size_t len, n = 64 * 1024, reads = 0;
	pid_t pid;
	int status, i;

	path = xasprintf("%s/exp.yml", dir);
	v1 = xmalloc(n + 1);
	v2 = xmalloc(n + 1);
	memset(v1, 'a', n);
	memset(v2, 'b', n / 2);
	v1[n] = v2[n / 2] = '\0';
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(path, v1, n, 0644, &err), 0);
	if ((pid = fork()) == 0) {
		for (i = 0; i < 1000; i++) {
			const char *v = i % 2 ? v1 : v2;

			if (fileio_write_atomic(path, v, strlen(v), 0644,
			    &err) != 0)
				_exit(1);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		buf = fileio_read(path, 2 * n, &len, &err);
		assert_non_null(buf);
		assert_true((len == n && strcmp(buf, v1) == 0) ||
		    (len == n / 2 && strcmp(buf, v2) == 0));
		free(buf);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(reads > 0);
	assert_int_equal(count_temp_files(dir), 0);
	rm_rf(dir);
	free(v1);
	free(v2);
	free(path);
	free(dir);
}

static void
test_fileio_mkdirs(void **state)
{
	struct loom_error err;
	struct stat st;
	char *dir = make_tmpdir(), *deep, *file, *blocked;

	deep = xasprintf("%s/a/b//c/", dir);
	loom_error_clear(&err);
	assert_int_equal(fileio_mkdirs(deep, 0755, &err), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: existing folders are fine. */
	assert_int_equal(fileio_mkdirs(deep, 0755, &err), 0);
	assert_int_equal(fileio_mkdirs("/", 0755, &err), 0);
	assert_false(err.set);

	file = xasprintf("%s/a/file", dir);
	put(file, "x");
	blocked = xasprintf("%s/a/file/sub/more", dir);
	assert_int_equal(fileio_mkdirs(blocked, 0755, &err), -1);
	assert_true(err.set);
	assert_string_equal(err.file, file);
	assert_non_null(strstr(err.message, "is in the way"));
	assert_non_null(strstr(err.message, file));

	rm_rf(dir);
	free(deep);
	free(file);
	free(blocked);
	free(dir);
}

static void
test_fileio_temp_name(void **state)
{
	assert_true(fileio_is_temp_name(".exp.yml.tmp-a1B2c3"));
	assert_false(fileio_is_temp_name("exp.yml.tmp-a1B2c3"));
	assert_false(fileio_is_temp_name(".exp.yml.tmp-a1B2"));
	assert_false(fileio_is_temp_name(".exp.yml"));
	assert_false(fileio_is_temp_name("..tmp-abcdef"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fileio_read_whole),
		cmocka_unit_test(test_fileio_read_too_large),
		cmocka_unit_test(test_fileio_read_not_regular),
		cmocka_unit_test(test_fileio_write_atomic_create_replace),
		cmocka_unit_test(test_fileio_write_replace),
		cmocka_unit_test(test_fileio_write_atomic_symlink),
		cmocka_unit_test(test_fileio_write_atomic_failure),
		cmocka_unit_test(test_fileio_write_atomic_concurrent),
		cmocka_unit_test(test_fileio_mkdirs),
		cmocka_unit_test(test_fileio_temp_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
