/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/fileio.c. Covers: whole-file reads (content, NUL
 * termination, length), the size cap named in the error, refusal of
 * folders and FIFOs without blocking, missing files; atomic writes
 * (create, replace, permission bits kept, no temporary file left, writes
 * through a symbolic link keep the link, a failing write leaves the target
 * untouched and no temporary file; B1: while a child process saves two
 * versions 1,000 times, every read sees one whole version); mkdir -p
 * (nested, existing, a file in the way named); the temporary-name
 * predicate. Leftovers of dead writers (P13): an unlocked temporary file
 * is removed by the next write into its folder while a locked one (a live
 * writer) and other names stay; a sweep looping beside a writer never
 * makes one of its 1,000 writes fail. Fault hooks, when built in:
 * fail-write:N fails exactly the Nth write with ENOSPC or EIO, leaving
 * the old content and no temporary file, "@FILE" counts only writes to
 * files of that name, malformed terms are ignored; abort-before-rename:N kills a
 * child with SIGABRT, leaving the old target and the complete new
 * version in a temporary file that the parent's next write removes.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/util/xmalloc.h"

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

/* The one temporary file in dir (owned), or NULL when there is none. */
static char *
find_temp_file(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *found = NULL;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (fileio_is_temp_name(de->d_name)) {
			assert_null(found);
			found = xasprintf("%s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	return found;
}

/* P13: leftovers of dead writers go; a live writer's file and others stay. */
static void
test_fileio_sweep_stale_temps(void **state)
{
	struct loom_error err;
	struct stat st;
	char *dir = make_tmpdir(), *path, *stale, *other, *live, *plain;
	int fd;

	(void)state;
	path = xasprintf("%s/run.json", dir);
	stale = xasprintf("%s/.run.json.tmp-dead01", dir);
	other = xasprintf("%s/.stamp.tmp-dead02", dir);
	live = xasprintf("%s/.run.json.tmp-alive1", dir);
	plain = xasprintf("%s/.notes.tmp-short", dir);
	put(stale, "{\"partial\":");
	put(other, "old");
	put(live, "{}");
	put(plain, "keep me");
	/* A live writer holds its temporary file locked. */
	fd = open(live, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);

	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "{}\n", 3, 0644, &err),
	    0);
	assert_int_equal(stat(stale, &st), -1);
	assert_int_equal(stat(other, &st), -1);
	assert_int_equal(stat(live, &st), 0);
	assert_int_equal(stat(plain, &st), 0);
	/* The writer is gone: its file is stale now. */
	close(fd);
	assert_int_equal(fileio_sweep_temps(dir), 1);
	assert_int_equal(count_temp_files(dir), 0);
	assert_int_equal(stat(plain, &st), 0);
	assert_int_equal(fileio_sweep_temps(dir), 0);
	assert_int_equal(fileio_sweep_temps("/nonexistent/loom"), 0);

	rm_rf(dir);
	free(path);
	free(stale);
	free(other);
	free(live);
	free(plain);
	free(dir);
}

/* Sweeps beside a writer never take a file it is still writing. */
static void
test_fileio_sweep_concurrent_writer(void **state)
{
	struct loom_error err;
	char *dir = make_tmpdir(), *path, *buf, text[64];
	pid_t pid;
	int status, i;
	size_t sweeps = 0;

	(void)state;
	path = xasprintf("%s/run.json", dir);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "0", 1, 0644, &err), 0);
	if ((pid = fork()) == 0) {
		for (i = 1; i <= 1000; i++) {
			snprintf(text, sizeof text, "%d", i);
			if (fileio_write_replace(path, text, strlen(text),
			    0644, &err) != 0)
				_exit(1);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		(void)fileio_sweep_temps(dir);
		sweeps++;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(sweeps > 0);
	buf = fileio_read(path, 100, NULL, &err);
	assert_non_null(buf);
	assert_string_equal(buf, "1000");
	free(buf);
	assert_int_equal(count_temp_files(dir), 0);
	rm_rf(dir);
	free(path);
	free(dir);
}

/* fail-write:N fails the Nth atomic write only, leaving the old content. */
static void
test_fileio_fault_fail_write(void **state)
{
	struct loom_error err;
	char *dir, *path, *buf, *other;

	(void)state;
	if (!fileio_fault_hooks_built())
		skip();
	dir = make_tmpdir();
	path = xasprintf("%s/run.json", dir);
	assert_int_equal(setenv("LOOM_FAULT", "fail-write:2", 1), 0);
	fileio_fault_reset();
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(path, "one", 3, 0644, &err), 0);
	assert_int_equal(fileio_write_replace(path, "two", 3, 0644, &err), -1);
	assert_non_null(strstr(err.message, "No space left on device"));
	buf = fileio_read(path, 100, NULL, NULL);
	assert_string_equal(buf, "one");
	free(buf);
	assert_int_equal(count_temp_files(dir), 0);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "three", 5, 0644, &err),
	    0);

	assert_int_equal(setenv("LOOM_FAULT", "trace,fail-write:1:EIO", 1), 0);
	fileio_fault_reset();
	loom_error_clear(&err);
	assert_int_equal(fileio_write_atomic(path, "four", 4, 0644, &err), -1);
	assert_non_null(strstr(err.message, "Input/output error"));
	buf = fileio_read(path, 100, NULL, NULL);
	assert_string_equal(buf, "three");
	free(buf);
	assert_int_equal(count_temp_files(dir), 0);

	/* @FILE counts only writes to files of that name. */
	other = xasprintf("%s/stamp", dir);
	assert_int_equal(setenv("LOOM_FAULT", "fail-write:2@run.json", 1), 0);
	fileio_fault_reset();
	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "five", 4, 0644, &err), 0);
	assert_int_equal(fileio_write_replace(other, "s", 1, 0644, &err), 0);
	assert_int_equal(fileio_write_replace(other, "s", 1, 0644, &err), 0);
	assert_int_equal(fileio_write_replace(path, "six", 3, 0644, &err), -1);
	assert_int_equal(fileio_write_replace(other, "s", 1, 0644, &err), 0);
	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "seven", 5, 0644, &err),
	    0);

	/* A term that does not parse is ignored: every write succeeds. */
	assert_int_equal(setenv("LOOM_FAULT", "fail-write:x,fail-write:1:EBADF,"
	    "abort-before-rename:1:EIO,fail-write:1@", 1), 0);
	fileio_fault_reset();
	assert_int_equal(fileio_write_replace(path, "eight", 5, 0644, &err),
	    0);
	assert_false(err.set);

	assert_int_equal(unsetenv("LOOM_FAULT"), 0);
	fileio_fault_reset();
	rm_rf(dir);
	free(other);
	free(path);
	free(dir);
}

/*
 * abort-before-rename:N: the child dies by SIGABRT with the old target in
 * place and the whole new version in a temporary file, which the next
 * write by another process removes.
 */
static void
test_fileio_fault_abort_before_rename(void **state)
{
	struct loom_error err;
	char *dir, *path, *buf, *tmp;
	pid_t pid;
	int status;

	(void)state;
	if (!fileio_fault_hooks_built())
		skip();
	dir = make_tmpdir();
	path = xasprintf("%s/run.json", dir);
	if ((pid = fork()) == 0) {
		loom_error_clear(&err);
		if (setenv("LOOM_FAULT", "abort-before-rename:2", 1) != 0)
			_exit(1);
		fileio_fault_reset();
		if (fileio_write_atomic(path, "{\"v\":1}", 7, 0644, &err) != 0)
			_exit(2);
		(void)fileio_write_replace(path, "{\"v\":2}", 7, 0644, &err);
		_exit(3);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	buf = fileio_read(path, 100, NULL, NULL);
	assert_string_equal(buf, "{\"v\":1}");
	free(buf);
	tmp = find_temp_file(dir);
	assert_non_null(tmp);
	buf = fileio_read(tmp, 100, NULL, NULL);
	assert_string_equal(buf, "{\"v\":2}");
	free(buf);

	loom_error_clear(&err);
	assert_int_equal(fileio_write_replace(path, "{\"v\":3}", 7, 0644, &err),
	    0);
	assert_int_equal(count_temp_files(dir), 0);
	rm_rf(dir);
	free(tmp);
	free(path);
	free(dir);
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
		cmocka_unit_test(test_fileio_sweep_stale_temps),
		cmocka_unit_test(test_fileio_sweep_concurrent_writer),
		cmocka_unit_test(test_fileio_fault_fail_write),
		cmocka_unit_test(test_fileio_fault_abort_before_rename),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
