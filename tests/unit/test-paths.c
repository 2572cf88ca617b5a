/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/util/paths.c. Covers: the socket path's order
 * ($LOOM_SOCKET, $XDG_RUNTIME_DIR/loom, /tmp/loom-$UID) and its length
 * limit, lock and pid paths, the socket's folder, the state folder and
 * log file; the private-folder check (created 0700, refused when 0755,
 * a symbolic link, not a folder, or owned by another uid: root only),
 * each message naming the folder and the fault; mkdir -p; confinement
 * (empty, absolute and ".." paths refused, a symbolic link escaping
 * refused, one staying inside allowed, a missing file only when allowed,
 * a dangling link refused, a new file in a folder linking out refused).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
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
#include "common/util/paths.h"
#include "common/util/xmalloc.h"

static char *
make_tmpdir(void)
{
	char *d = xstrdup("/tmp/loom-test-paths-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_paths_socket_order(void **state)
{
	struct loom_error err;
	char *p, *expect, longname[200];

	(void)state;
	loom_error_clear(&err);
	setenv("LOOM_SOCKET", "/x/y.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/5", 1);
	p = paths_socket(&err);
	assert_string_equal(p, "/x/y.sock");
	free(p);

	unsetenv("LOOM_SOCKET");
	p = paths_socket(&err);
	assert_string_equal(p, "/run/user/5/loom/loomd.sock");
	free(p);

	unsetenv("XDG_RUNTIME_DIR");
	p = paths_socket(&err);
	expect = xasprintf("/tmp/loom-%lu/loomd.sock", (unsigned long)getuid());
	assert_string_equal(p, expect);
	free(expect);

	expect = paths_lock(p);
	assert_string_equal(expect + strlen(p), ".lock");
	free(expect);
	expect = paths_pid(p);
	assert_string_equal(expect + strlen(p), ".pid");
	free(expect);
	expect = paths_socket_dir(p);
	assert_int_equal(strncmp(expect, "/tmp/loom-", 10), 0);
	assert_null(strchr(expect + 5, '/'));
	free(expect);
	free(p);

	memset(longname, 'a', sizeof longname - 1);
	longname[0] = '/';
	longname[sizeof longname - 1] = '\0';
	setenv("LOOM_SOCKET", longname, 1);
	assert_null(paths_socket(&err));
	assert_non_null(strstr(err.message, "socket path too long"));
	unsetenv("LOOM_SOCKET");
}

static void
test_paths_state(void **state)
{
	struct loom_error err;
	char *p;

	(void)state;
	loom_error_clear(&err);
	setenv("XDG_STATE_HOME", "/s", 1);
	p = paths_state_dir(&err);
	assert_string_equal(p, "/s/loom");
	free(p);
	p = paths_log_file(&err);
	assert_string_equal(p, "/s/loom/loomd.log");
	free(p);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	p = paths_state_dir(&err);
	assert_string_equal(p, "/home/u/.local/state/loom");
	free(p);
}

static void
test_paths_private_dir(void **state)
{
	struct loom_error err;
	char *tmp = make_tmpdir(), *d, *link, *file;
	struct stat st;

	(void)state;
	d = xasprintf("%s/run", tmp);
	loom_error_clear(&err);
	assert_int_equal(paths_check_private_dir(d, false, &err), -1);
	loom_error_clear(&err);
	umask(0);
	assert_int_equal(paths_check_private_dir(d, true, &err), 0);
	umask(022);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(paths_check_private_dir(d, true, &err), 0);

	assert_int_equal(chmod(d, 0755), 0);
	assert_int_equal(paths_check_private_dir(d, true, &err), -1);
	assert_non_null(strstr(err.message, d));
	assert_non_null(strstr(err.message, "unsafe permissions 0755"));
	assert_int_equal(chmod(d, 0710), 0);
	loom_error_clear(&err);
	assert_int_equal(paths_check_private_dir(d, true, &err), -1);
	assert_int_equal(chmod(d, 0700), 0);

	link = xasprintf("%s/link", tmp);
	assert_int_equal(symlink(d, link), 0);
	loom_error_clear(&err);
	assert_int_equal(paths_check_private_dir(link, true, &err), -1);
	assert_non_null(strstr(err.message, "symbolic link"));
	assert_non_null(strstr(err.message, link));

	file = xasprintf("%s/file", tmp);
	fclose(fopen(file, "w"));
	loom_error_clear(&err);
	assert_int_equal(paths_check_private_dir(file, true, &err), -1);
	assert_non_null(strstr(err.message, "not a folder"));

	if (getuid() == 0) {
		assert_int_equal(chown(d, 65534, 65534), 0);
		loom_error_clear(&err);
		assert_int_equal(paths_check_private_dir(d, true, &err), -1);
		assert_non_null(strstr(err.message, "owned by uid 65534"));
	}
	rm_rf(tmp);
	free(file);
	free(link);
	free(d);
	free(tmp);
}

static void
test_paths_mkdirs(void **state)
{
	struct loom_error err;
	char *tmp = make_tmpdir(), *d, *file;
	struct stat st;

	(void)state;
	loom_error_clear(&err);
	d = xasprintf("%s/a/b/c", tmp);
	assert_int_equal(paths_mkdirs(d, 0700, &err), 0);
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(paths_mkdirs(d, 0700, &err), 0);
	file = xasprintf("%s/f", tmp);
	fclose(fopen(file, "w"));
	free(d);
	d = xasprintf("%s/f/x", tmp);
	assert_int_equal(paths_mkdirs(d, 0700, &err), -1);
	rm_rf(tmp);
	free(file);
	free(d);
	free(tmp);
}

static void
test_paths_confine(void **state)
{
	struct loom_error err;
	char *tmp = make_tmpdir(), *root, *p, *out, *real;

	(void)state;
	root = xasprintf("%s/exp", tmp);
	assert_int_equal(mkdir(root, 0700), 0);
	p = xasprintf("%s/data", root);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/data/x.csv", root);
	fclose(fopen(p, "w"));
	free(p);
	p = xasprintf("%s/secret", tmp);
	fclose(fopen(p, "w"));
	free(p);
	p = xasprintf("%s/out", root);
	assert_int_equal(symlink("../secret", p), 0);
	free(p);
	p = xasprintf("%s/in", root);
	assert_int_equal(symlink("data/x.csv", p), 0);
	free(p);
	p = xasprintf("%s/dangling", root);
	assert_int_equal(symlink("/nonexistent/loom-x", p), 0);
	free(p);
	p = xasprintf("%s/outdir", root);
	assert_int_equal(symlink("..", p), 0);
	free(p);
	real = realpath(root, NULL);

	loom_error_clear(&err);
	out = paths_confine(root, "data/x.csv", false, &err);
	assert_non_null(out);
	p = xasprintf("%s/data/x.csv", real);
	assert_string_equal(out, p);
	free(p);
	free(out);

	out = paths_confine(root, "in", false, &err);
	assert_non_null(out);
	free(out);

	errno = 0;
	assert_null(paths_confine(root, "../secret", false, &err));
	assert_int_equal(errno, EACCES);
	loom_error_clear(&err);
	assert_null(paths_confine(root, "data/../../secret", false, &err));
	assert_int_equal(errno, EACCES);
	assert_null(paths_confine(root, "/etc/passwd", false, &err));
	assert_int_equal(errno, EACCES);
	assert_null(paths_confine(root, "", false, &err));
	assert_int_equal(errno, EACCES);
	loom_error_clear(&err);
	assert_null(paths_confine(root, "out", false, &err));
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(err.message, "outside the experiment folder"));
	assert_null(paths_confine(root, "out", true, &err));
	assert_int_equal(errno, EACCES);

	loom_error_clear(&err);
	assert_null(paths_confine(root, "data/new.csv", false, &err));
	assert_int_equal(errno, ENOENT);
	out = paths_confine(root, "data/new.csv", true, &err);
	assert_non_null(out);
	p = xasprintf("%s/data/new.csv", real);
	assert_string_equal(out, p);
	free(p);
	free(out);
	assert_null(paths_confine(root, "nodir/new.csv", true, &err));
	assert_null(paths_confine(root, "dangling", true, &err));
	assert_int_equal(errno, EACCES);
	/* A new file in a folder that links out of root. */
	loom_error_clear(&err);
	assert_null(paths_confine(root, "outdir/new.csv", true, &err));
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(err.message, "outside the experiment folder"));

	rm_rf(tmp);
	free(real);
	free(root);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_socket_order),
		cmocka_unit_test(test_paths_state),
		cmocka_unit_test(test_paths_private_dir),
		cmocka_unit_test(test_paths_mkdirs),
		cmocka_unit_test(test_paths_confine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
