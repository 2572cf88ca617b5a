/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of loomd/child.c, with a real event loop and real
 * processes. The test program re-runs itself as the child (argv[1] is
 * "--helper"), so nothing depends on system utilities. Covers: output
 * and exit status; exit codes and signals; exec failures naming the
 * program (missing, not executable, bad working directory); PATH lookup
 * with the given environment, not the daemon's; only the given
 * environment reaches the child; no descriptor above 2 leaks; signals the
 * daemon ignores are not ignored in the child, none blocked; the
 * working directory; signals reach the whole group (TERM then CONT for a
 * stopped child); what a step leaves behind (group members and a setsid
 * escapee) is killed when it exits, so it completes; the sweep by
 * marker; signal names.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "common/util/error.h"
#include "common/util/proc.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"

static char self_path[PATH_MAX];

/* What a test collects from one child. */
struct result {
	char *out;
	size_t len;
	bool done;
	int status;
	struct event_base *base;
};

static int
helper_main(int argc, char **argv)
{
	const char *mode = argv[2];
	DIR *d;
	struct dirent *de;
	pid_t pid;

	if (strcmp(mode, "print") == 0) {
		printf("%s", argv[3]);
		return 0;
	}
	if (strcmp(mode, "exit") == 0)
		return atoi(argv[3]);
	if (strcmp(mode, "nofile") == 0) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 1;
		printf("%llu", (unsigned long long)rl.rlim_cur);
		return 0;
	}
	if (strcmp(mode, "kill") == 0) {
		signal(atoi(argv[3]), SIG_DFL);	/* not the sanitizer's */
		raise(atoi(argv[3]));
		return 99;
	}
	if (strcmp(mode, "env") == 0) {
		const char *v = getenv(argv[3]);

		printf("%s", v != NULL ? v : "<unset>");
		return 0;
	}
	if (strcmp(mode, "sigs") == 0) {
		/* The ignored and blocked signal masks, as the kernel says. */
		char line[256];
		FILE *f = fopen("/proc/self/status", "r");

		if (f == NULL)
			return 1;
		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "SigIgn:", 7) == 0 ||
			    strncmp(line, "SigBlk:", 7) == 0)
				fputs(line, stdout);
		fclose(f);
		return 0;
	}
	if (strcmp(mode, "cwd") == 0) {
		char buf[PATH_MAX];

		if (getcwd(buf, sizeof buf) != NULL)
			printf("%s", buf);
		return 0;
	}
	if (strcmp(mode, "fds") == 0) {
		d = opendir("/proc/self/fd");
		if (d == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
				continue;
			printf("%s ", de->d_name);
		}
		closedir(d);
		return 0;
	}
	if (strcmp(mode, "escape") == 0) {
		/* Leave a grandchild in a new session, holding stdout. */
		pid = fork();
		if (pid == 0) {
			setsid();
			sleep(600);
			_exit(0);
		}
		printf("escaped %d\n", (int)pid);
		fflush(stdout);
		return 0;
	}
	if (strcmp(mode, "background") == 0) {
		/* Leave a group member behind, holding stdout. */
		pid = fork();
		if (pid == 0) {
			sleep(600);
			_exit(0);
		}
		return 0;
	}
	if (strcmp(mode, "ignoreterm") == 0) {
		signal(SIGTERM, SIG_IGN);
		if (fork() == 0) {
			sleep(600);
			_exit(0);
		}
		printf("ready\n");
		fflush(stdout);
		sleep(600);
		return 0;
	}
	if (strcmp(mode, "termexit") == 0) {
		printf("ready\n");
		fflush(stdout);
		sleep(600);
		return 0;
	}
	(void)argc;
	return 2;
}

static void
on_output(struct child *c, const char *data, size_t len, void *arg)
{
	(void)c;
	struct result *r = arg;

	r->out = xrealloc(r->out, r->len + len + 1);
	memcpy(r->out + r->len, data, len);
	r->len += len;
	r->out[r->len] = '\0';
}

static void
on_done(struct child *c, void *arg)
{
	struct result *r = arg;

	r->done = true;
	r->status = child_status(c);
	event_base_loopbreak(r->base);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run the loop until r is done or 20 s passed. */
static void
wait_done(struct result *r)
{
	struct timeval tv = { 20, 0 };
	struct event *t;

	t = evtimer_new(r->base, on_timeout, r->base);
	evtimer_add(t, &tv);
	while (!r->done) {
		if (event_base_dispatch(r->base) == -1)
			break;
		if (!r->done && !evtimer_pending(t, NULL))
			break;
	}
	event_free(t);
}

/* Run the loop until output contains text or 20 s passed. */
static void
wait_output(struct result *r, const char *text)
{
	struct timeval tv = { 0, 20000 };
	int i;

	for (i = 0; i < 1000; i++) {
		if (r->out != NULL && strstr(r->out, text) != NULL)
			return;
		event_base_loopexit(r->base, &tv);
		event_base_dispatch(r->base);
	}
}

/* The marker is unique to this test process: tests may run side by side. */
static char marker[64];
static const char *default_env[] = { "PATH=/usr/bin:/bin", marker, NULL };

/* The set every test's children belong to. */
static struct child_set *test_cs;

static struct child *
spawn(struct event_base *base, struct result *r, const char *const *argv,
    const char *const *envp, const char *cwd, struct loom_error *err)
{
	struct child_spec spec = {
		.argv = argv,
		.envp = envp != NULL ? envp : default_env,
		.cwd = cwd != NULL ? cwd : "/",
		.marker = marker,
		.on_output = on_output,
		.on_done = on_done,
		.arg = r,
	};

	memset(r, 0, sizeof *r);
	r->base = base;
	loom_error_clear(err);
	return child_spawn(test_cs, &spec, err);
}

/* Spawn argv with the default environment and wait for it to end. */
static struct child *
run_to_end(struct event_base *base, struct result *r, const char *const *argv)
{
	struct loom_error err;
	struct child *c;

	c = spawn(base, r, argv, NULL, NULL, &err);
	assert_non_null(c);
	wait_done(r);
	assert_true(r->done);
	return c;
}

static int
setup(void **state)
{
	struct event_base *base;
	struct loom_error err;

	base = event_base_new();
	assert_non_null(base);
	loom_error_clear(&err);
	test_cs = child_set_new(base, &err);
	assert_non_null(test_cs);
	*state = base;
	return 0;
}

static int
teardown(void **state)
{
	child_set_free(test_cs);
	test_cs = NULL;
	event_base_free(*state);
	return 0;
}

static void
test_child_output_and_exit(void **state)
{
	const char *argv[] = { self_path, "--helper", "print", "hello\n", NULL };
	struct result r;
	struct child *c;

	c = run_to_end(*state, &r, argv);
	assert_string_equal(r.out, "hello\n");
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_int_equal(child_output_bytes(c), 6);
	child_free(c);
	free(r.out);
}

static void
test_child_exit_codes_and_signals(void **state)
{
	const char *a3[] = { self_path, "--helper", "exit", "3", NULL };
	const char *a137[] = { self_path, "--helper", "exit", "137", NULL };
	const char *asegv[] = { self_path, "--helper", "kill", "11", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;

	c = spawn(*state, &r, a3, NULL, NULL, &err);
	wait_done(&r);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 3);
	child_free(c);

	c = spawn(*state, &r, a137, NULL, NULL, &err);
	wait_done(&r);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 137);
	child_free(c);

	c = spawn(*state, &r, asegv, NULL, NULL, &err);
	wait_done(&r);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGSEGV);
	child_free(c);
}

static void
test_child_exec_failures(void **state)
{
	const char *missing[] = { "loom-no-such-program", NULL };
	const char *abs_missing[] = { "/nonexistent/task.py", NULL };
	const char *noexec[] = { NULL, NULL };
	const char *ok[] = { self_path, "--helper", "exit", "0", NULL };
	char dir[] = "/tmp/loom-test-child-XXXXXX", *file;
	struct loom_error err;
	struct result r;
	int fd;

	assert_null(spawn(*state, &r, missing, NULL, NULL, &err));
	assert_string_equal(err.message, "cannot run loom-no-such-program: "
	    "No such file or directory (not found in PATH)");

	assert_null(spawn(*state, &r, abs_missing, NULL, NULL, &err));
	assert_string_equal(err.message, "cannot execute "
	    "/nonexistent/task.py: No such file or directory");

	assert_non_null(mkdtemp(dir));
	file = xasprintf("%s/task", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	noexec[0] = file;
	assert_null(spawn(*state, &r, noexec, NULL, NULL, &err));
	assert_non_null(strstr(err.message, "Permission denied"));
	assert_non_null(strstr(err.message, file));

	assert_null(spawn(*state, &r, ok, NULL, "/nonexistent-dir", &err));
	assert_non_null(strstr(err.message, "/nonexistent-dir"));

	unlink(file);
	free(file);
	rmdir(dir);
}

static void
test_child_path_from_given_env(void **state)
{
	char dir[] = "/tmp/loom-test-child-XXXXXX", *link, *pathvar;
	const char *argv[] = { "loom-helper-alias", "--helper", "print", "ok",
	    NULL };
	const char *envp[] = { NULL, marker, NULL };
	struct loom_error err;
	struct result r;
	struct child *c;

	assert_non_null(mkdtemp(dir));
	link = xasprintf("%s/loom-helper-alias", dir);
	assert_int_equal(symlink(self_path, link), 0);
	pathvar = xasprintf("PATH=/nonexistent:%s", dir);
	envp[0] = pathvar;
	c = spawn(*state, &r, argv, envp, NULL, &err);
	assert_non_null(c);
	wait_done(&r);
	assert_string_equal(r.out, "ok");
	child_free(c);
	free(r.out);

	/* The daemon's own PATH does not count. */
	envp[0] = "PATH=/nonexistent";
	assert_null(spawn(*state, &r, argv, envp, NULL, &err));
	unlink(link);
	rmdir(dir);
	free(link);
	free(pathvar);
}

static void
test_child_env_and_cwd(void **state)
{
	const char *aenv[] = { self_path, "--helper", "env", "LOOM_DAEMON_ONLY",
	    NULL };
	const char *aenv2[] = { self_path, "--helper", "env", "CLIENT_VAR",
	    NULL };
	const char *envp[] = { "PATH=/usr/bin:/bin", "CLIENT_VAR=from client",
	    NULL };
	const char *acwd[] = { self_path, "--helper", "cwd", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;

	setenv("LOOM_DAEMON_ONLY", "daemon", 1);
	c = spawn(*state, &r, aenv, envp, NULL, &err);
	wait_done(&r);
	assert_string_equal(r.out, "<unset>");
	child_free(c);
	free(r.out);

	c = spawn(*state, &r, aenv2, envp, NULL, &err);
	wait_done(&r);
	assert_string_equal(r.out, "from client");
	child_free(c);
	free(r.out);

	c = spawn(*state, &r, acwd, NULL, "/tmp", &err);
	wait_done(&r);
	assert_string_equal(r.out, "/tmp");
	child_free(c);
	free(r.out);
	unsetenv("LOOM_DAEMON_ONLY");
}

/* Steps get the descriptor limit loomd started with, not its raised one. */
static void
test_child_nofile_restored(void **state)
{
	const char *argv[] = { self_path, "--helper", "nofile", NULL };
	struct rlimit cur, orig;
	struct loom_error err;
	struct result r;
	struct child *c;
	char *want;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &cur), 0);
	if (cur.rlim_cur < 64)
		skip();
	orig = cur;
	orig.rlim_cur = cur.rlim_cur - 7;
	child_set_nofile(test_cs, &orig);
	c = spawn(*state, &r, argv, NULL, NULL, &err);
	assert_non_null(c);
	wait_done(&r);
	want = xasprintf("%llu", (unsigned long long)orig.rlim_cur);
	assert_string_equal(r.out, want);
	free(want);
	child_free(c);
	free(r.out);
	/* The daemon's own limit is untouched. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &orig), 0);
	assert_int_equal(orig.rlim_cur, cur.rlim_cur);

	/* rlim_cur 0: the step inherits the daemon's limit. */
	orig.rlim_cur = 0;
	child_set_nofile(test_cs, &orig);
	c = spawn(*state, &r, argv, NULL, NULL, &err);
	assert_non_null(c);
	wait_done(&r);
	want = xasprintf("%llu", (unsigned long long)cur.rlim_cur);
	assert_string_equal(r.out, want);
	free(want);
	child_free(c);
	free(r.out);
}

/*
 * Signals the daemon ignores (SIGPIPE, here SIGUSR2 too, set in main
 * before the first spawn as loomd sets its own up) are not ignored in a
 * step, and no signal is blocked there.
 */
static void
test_child_signal_dispositions(void **state)
{
	const char *argv[] = { self_path, "--helper", "sigs", NULL };
	struct result r;
	struct child *c;

	c = run_to_end(*state, &r, argv);
	assert_non_null(r.out);
	assert_non_null(strstr(r.out, "SigIgn:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "SigBlk:\t0000000000000000\n"));
	child_free(c);
	free(r.out);
}

static void
test_child_no_fd_leak(void **state)
{
	const char *argv[] = { self_path, "--helper", "fds", NULL };
	struct result r;
	struct child *c;
	int extra;

	/* A descriptor of the daemon without close-on-exec. */
	extra = open("/dev/null", O_RDONLY);
	assert_true(extra > 2);
	c = run_to_end(*state, &r, argv);
	assert_string_equal(r.out, "0 1 2 ");
	child_free(c);
	free(r.out);
	close(extra);
}

static void
test_child_group_kill(void **state)
{
	const char *argv[] = { self_path, "--helper", "ignoreterm", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;
	int i;

	c = spawn(*state, &r, argv, NULL, NULL, &err);
	assert_non_null(c);
	wait_output(&r, "ready\n");
	assert_true(child_signal(c, SIGTERM));
	assert_int_equal(kill(child_pid(c), 0), 0);	/* TERM ignored */
	assert_true(child_signal(c, SIGKILL));
	wait_done(&r);
	assert_true(r.done);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGKILL);
	/* The whole group is gone, the sleeping grandchild included (once
	   reaped: it was re-parented to this process, the subreaper). */
	for (i = 0; i < 500 && kill(-child_pid(c), 0) == 0; i++) {
		struct timeval tv = { 0, 10000 };

		event_base_loopexit(r.base, &tv);
		event_base_dispatch(r.base);
	}
	assert_int_equal(kill(-child_pid(c), 0), -1);
	child_free(c);
	free(r.out);
}

static void
test_child_stopped_gets_term(void **state)
{
	const char *argv[] = { self_path, "--helper", "termexit", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;

	c = spawn(*state, &r, argv, NULL, NULL, &err);
	wait_output(&r, "ready\n");
	assert_int_equal(kill(-child_pid(c), SIGSTOP), 0);
	assert_true(child_signal(c, SIGTERM));
	wait_done(&r);
	assert_true(WIFSIGNALED(r.status));
	assert_int_equal(WTERMSIG(r.status), SIGTERM);
	child_free(c);
	free(r.out);
}

static void
test_child_leftovers_killed(void **state)
{
	const char *aesc[] = { self_path, "--helper", "escape", NULL };
	const char *abg[] = { self_path, "--helper", "background", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;
	int grandchild = 0, i;

	c = spawn(*state, &r, aesc, NULL, NULL, &err);
	wait_done(&r);
	assert_true(r.done);
	assert_int_equal(sscanf(r.out, "escaped %d", &grandchild), 1);
	/* Killed by the sweep; reaped by loomd, its subreaper. */
	for (i = 0; i < 500 && kill(grandchild, 0) == 0; i++) {
		struct timeval tv = { 0, 10000 };

		event_base_loopexit(r.base, &tv);
		event_base_dispatch(r.base);
	}
	assert_int_equal(kill(grandchild, 0), -1);
	child_free(c);
	free(r.out);

	c = spawn(*state, &r, abg, NULL, NULL, &err);
	wait_done(&r);
	assert_true(r.done);
	assert_true(WIFEXITED(r.status));
	child_free(c);
	free(r.out);
}

static void
test_child_signal_names(void **state)
{
	(void)state;
	assert_string_equal(child_signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(child_signal_name(SIGKILL), "SIGKILL");
	assert_null(child_signal_name(0));
	assert_null(child_signal_name(200));
}

static void
test_child_find_program(void **state)
{
	(void)state;
	const char *envp[] = { "PATH=/nonexistent:/bin:/usr/bin", NULL };
	char *p;

	p = child_find_program("sh", envp, "/");
	assert_non_null(p);
	assert_true(strcmp(p, "/bin/sh") == 0 || strcmp(p, "/usr/bin/sh") == 0);
	free(p);
	p = child_find_program("tasks/x.sh", envp, "/exp");
	assert_string_equal(p, "/exp/tasks/x.sh");
	free(p);
	errno = 0;
	assert_null(child_find_program("loom-no-such-program", envp, "/"));
	assert_int_equal(errno, ENOENT);
}

/*
 * The start time a child gets without reading /proc is the one /proc
 * shows: recovery recognises a step's process by pid and this time. Each
 * child is compared while it is a zombie not yet reaped (the loop is not
 * run until then), so its pid cannot be reused meanwhile.
 */
static void
test_child_start_ticks(void **state)
{
	const char *argv[] = { "true", NULL };
	struct loom_error err;
	struct result r;
	struct child *c;
	unsigned long long mine;
	int i, known = 0;

	for (i = 0; i < 100 && known < 10; i++) {
		c = spawn(*state, &r, argv, NULL, NULL, &err);
		assert_non_null(c);
		mine = child_start_ticks(c);
		if (mine != 0) {
			assert_int_equal(mine, proc_start_time((long)child_pid(c), NULL));
			known++;
		}
		wait_done(&r);
		assert_true(r.done);
		child_free(c);
		free(r.out);
	}
	/* One tick is 10 ms: most starts fall within one. */
	assert_true(known > 0);
}

/* Write an executable script at dir/name printing word; mode 0755. */
static void
write_prog(const char *dir, const char *name, const char *word)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho %s\n", word);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	free(path);
}

/* Spawn name with envp, wait for its end; its output (owned) or NULL. */
static char *
spawn_output(struct event_base *base, const char *name,
    const char *const *envp)
{
	const char *argv[] = { name, NULL };
	struct loom_error err;
	struct result r;
	struct child *c;

	c = spawn(base, &r, argv, envp, NULL, &err);
	if (c == NULL)
		return NULL;
	wait_done(&r);
	assert_true(r.done);
	child_free(c);
	return r.out != NULL ? r.out : xstrdup("");
}

/*
 * A program found in PATH is remembered, but only while it is still an
 * executable file: removed, or no longer executable, the next step
 * looks it up again; another PATH is another look-up.
 */
static void
test_child_program_remembered(void **state)
{
	char tmpl[] = "/tmp/loom-test-child.XXXXXX";
	char *dir = mkdtemp(tmpl), *a, *b, *path_ab, *path_b, *path, *out;
	const char *env_ab[] = { NULL, marker, NULL };
	const char *env_b[] = { NULL, marker, NULL };

	assert_non_null(dir);
	a = xasprintf("%s/a", dir);
	b = xasprintf("%s/b", dir);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	path_ab = xasprintf("PATH=%s:%s:/usr/bin:/bin", a, b);
	path_b = xasprintf("PATH=%s:/usr/bin:/bin", b);
	env_ab[0] = path_ab;
	env_b[0] = path_b;

	write_prog(b, "loomprog", "from-b");
	out = spawn_output(*state, "loomprog", env_ab);
	assert_string_equal(out, "from-b\n");
	free(out);
	/* Gone from b, now in a: found in a at once. */
	path = xasprintf("%s/loomprog", b);
	assert_int_equal(unlink(path), 0);
	write_prog(a, "loomprog", "from-a");
	out = spawn_output(*state, "loomprog", env_ab);
	assert_string_equal(out, "from-a\n");
	free(out);
	/* Not executable in a any more: b's, written again, is the one. */
	write_prog(b, "loomprog", "from-b");
	free(path);
	path = xasprintf("%s/loomprog", a);
	assert_int_equal(chmod(path, 0644), 0);
	out = spawn_output(*state, "loomprog", env_ab);
	assert_string_equal(out, "from-b\n");
	free(out);
	/* Another PATH does not get what the first one found. */
	assert_int_equal(chmod(path, 0755), 0);
	out = spawn_output(*state, "loomprog", env_ab);
	assert_non_null(out);
	free(out);
	out = spawn_output(*state, "loomprog", env_b);
	assert_string_equal(out, "from-b\n");
	free(out);
	assert_int_equal(unlink(path), 0);
	free(path);
	path = xasprintf("%s/loomprog", b);
	assert_int_equal(unlink(path), 0);
	assert_null(spawn_output(*state, "loomprog", env_b));
	assert_null(spawn_output(*state, "loomprog", env_ab));
	free(path);
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(rmdir(dir), 0);
	free(a);
	free(b);
	free(path_ab);
	free(path_b);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_child_output_and_exit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_child_exit_codes_and_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_child_program_remembered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_start_ticks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_exec_failures,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_path_from_given_env,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_env_and_cwd,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_nofile_restored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_no_fd_leak,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_signal_dispositions,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_group_kill,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_stopped_gets_term,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_leftovers_killed,
		    setup, teardown),
		cmocka_unit_test(test_child_signal_names),
		cmocka_unit_test(test_child_find_program),
	};
	ssize_t n;

	if (argc >= 3 && strcmp(argv[1], "--helper") == 0)
		return helper_main(argc, argv);
	n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	if (n <= 0)
		return 1;
	self_path[n] = '\0';
	snprintf(marker, sizeof marker, "LOOM_STEP_ID=test-child-%d",
	    (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
