/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/fresh/stamp.c. Covers: stamp file names for any step or
 * item name; the text format round trip (argv with spaces, newlines, '%');
 * the running marker and its writer (alive, gone), written in place over
 * the last stamp, and the older layout; commit records inputs,
 * outputs and the script hash; a touched input, a rewritten input with
 * equal size and time (caught by the hash), an unchanged input; failure
 * states with their detail; damaged stamps are errors; folder identities
 * change when a file inside is added or changed; removal of one step's
 * stamps and of all of them; an input hashed lately by a quick stamp
 * taken from what it kept while a stat finds it unchanged.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util/error.h"
#include "common/fresh/hashcache.h"
#include "common/fresh/stamp.h"
#include "common/util/xmalloc.h"

struct fixture {
	char dir[64];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/loom-test-stamp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
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

/* Set a file's modification time to sec seconds ago (exact ns given). */
static void
set_mtime(const char *path, time_t sec, long nsec)
{
	struct timespec ts[2];

	ts[0].tv_sec = sec;
	ts[0].tv_nsec = nsec;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_stamp_paths_escape_names(void **state)
{
	char *p;

	(void)state;
	p = stamp_path("/x", "train", NULL, NULL);
	assert_string_equal(p, "/x/.loom/stamps/train");
	free(p);
	p = stamp_path("/x", "a/b c", NULL, NULL);
	assert_string_equal(p, "/x/.loom/stamps/a%2Fb%20c");
	free(p);
	p = stamp_path("/x", ".hidden", NULL, NULL);
	assert_string_equal(p, "/x/.loom/stamps/%2Ehidden");
	free(p);
	p = stamp_path("/x", "conv", "a@b.wav", NULL);
	assert_string_equal(p, "/x/.loom/stamps/conv@items/a%40b.wav");
	free(p);
	/* A step named "conv@items" cannot collide with conv's items. */
	p = stamp_path("/x", "conv@items", NULL, NULL);
	assert_string_equal(p, "/x/.loom/stamps/conv%40items");
	free(p);
}

static void
test_stamp_format_round_trip(void **state)
{
	struct loom_error err;
	struct stamp s, *r;
	struct stamp_entry in = { .path = (char *)"/d/in put%\n.csv",
	    .id = { .kind = STAMP_KIND_FILE, .size = 12,
	    .mtime_ns = 1700000000123456789LL } };
	char *text;

	(void)state;
	memset(&s, 0, sizeof s);
	strv_init(&s.argv);
	s.state = STAMP_SUCCEEDED;
	s.written_ns = 1700000001000000000LL;
	strv_push(&s.argv, "python3");
	strv_push(&s.argv, "two words");
	strv_push(&s.argv, "line\nbreak 100%");
	strv_push(&s.argv, "");
	memset(s.script_hash, 'a', 64);
	memset(in.id.hash, 'b', 64);
	s.inputs = &in;
	s.ninputs = 1;
	text = stamp_format(&s);
	loom_error_clear(&err);
	r = stamp_parse(text, strlen(text), &err);
	assert_non_null(r);
	assert_int_equal(r->state, STAMP_SUCCEEDED);
	assert_true(r->written_ns == s.written_ns);
	assert_int_equal(r->argv.n, 4);
	assert_string_equal(r->argv.v[1], "two words");
	assert_string_equal(r->argv.v[2], "line\nbreak 100%");
	assert_string_equal(r->argv.v[3], "");
	assert_string_equal(r->script_hash, s.script_hash);
	assert_int_equal(r->ninputs, 1);
	assert_string_equal(r->inputs[0].path, "/d/in put%\n.csv");
	assert_true(stamp_ident_equal(&r->inputs[0].id, &in.id));
	assert_int_equal(r->noutputs, 0);
	stamp_free(r);
	free(text);
	strv_free(&s.argv);
}

static void
test_stamp_damaged_is_error(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	char *path;
	static const char *bad[] = {
		"", "not a stamp\n", "loom-stamp 1\n",
		"loom-stamp 1\nstate sideways\n",
		"loom-stamp 1\nstate succeeded\nin f x y z /p\n",
		"loom-stamp 1\nstate succeeded\nscript abc\n",
		"loom-stamp 1\nstate succeeded\nbogus line\n",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		loom_error_clear(&err);
		assert_null(stamp_parse(bad[i], strlen(bad[i]), &err));
		assert_true(err.set);
	}
	/* On disk: stamp_read reports the file. */
	loom_error_clear(&err);
	assert_int_equal(stamp_fail(f->dir, "s", NULL, NULL, STAMP_FAILED, NULL,
	    &err), 0);
	path = stamp_path(f->dir, "s", NULL, NULL);
	write_file(path, "garbage\n");
	loom_error_clear(&err);
	assert_null(stamp_read(f->dir, "s", NULL, NULL, &err));
	assert_true(err.set);
	assert_non_null(strstr(err.message, "damaged stamp"));
	free(path);
	/* No stamp: NULL without an error. */
	loom_error_clear(&err);
	assert_null(stamp_read(f->dir, "never", NULL, NULL, &err));
	assert_false(err.set);
}

static void
test_stamp_begin_marks_running(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct strv argv;
	struct stamp *s;

	strv_init(&argv);
	strv_push(&argv, "bash");
	strv_push(&argv, "t.sh");
	loom_error_clear(&err);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_RUNNING);
	assert_int_equal(s->pid, (long)getpid());
	assert_true(stamp_writer_is_alive(s));
	assert_int_equal(s->argv.n, 2);
	stamp_free(s);
	strv_free(&argv);
}

/*
 * A step starting again marks its last stamp as running in place (same
 * file, same size: no new file per step), and its end replaces the
 * marker in the same file, longer or shorter; a stamp in the older layout
 * (no fixed-width state line, a separate pid line) still reads, and is
 * marked and then replaced in the same file.
 */
static void
test_stamp_begin_in_place(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct strv argv;
	struct stamp *s;
	struct stat before, after;
	char *path, *old, *big;

	strv_init(&argv);
	strv_push(&argv, "bash");
	loom_error_clear(&err);
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    NULL, NULL, 0, NULL, 0, &err), 0);
	path = stamp_path(f->dir, "a", NULL, NULL);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_size, after.st_size);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_RUNNING);
	assert_int_equal(s->pid, (long)getpid());
	assert_true(stamp_writer_is_alive(s));
	stamp_free(s);
	/* The step ends: its stamp replaces the marker in the same file. */
	strv_push(&argv, "a much longer argument than before");
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    NULL, NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_SUCCEEDED);
	assert_int_equal(s->argv.n, 2);
	assert_string_equal(s->argv.v[1], "a much longer argument than before");
	stamp_free(s);
	/* And a shorter one is cut to its length. */
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	assert_int_equal(stamp_fail(f->dir, "a", NULL, NULL, STAMP_FAILED, "x",
	    &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_FAILED);
	assert_int_equal(s->argv.n, 0);
	assert_string_equal(s->detail, "x");
	stamp_free(s);
	/* A stamp too long for one look at its head is cut all the same. */
	big = xmalloc(6001);
	memset(big, 'b', 6000);
	big[6000] = '\0';
	strv_push(&argv, big);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    NULL, NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_size > 6000);
	/* Still over a head's worth, but shorter. */
	big[4500] = '\0';
	strv_free(&argv);
	strv_init(&argv);
	strv_push(&argv, "bash");
	strv_push(&argv, big);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    NULL, NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_size > 4500 && after.st_size < 5000);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(strlen(s->argv.v[1]), 4500);
	stamp_free(s);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	assert_int_equal(stamp_fail(f->dir, "a", NULL, NULL, STAMP_FAILED, "y",
	    &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_size < 200);
	assert_int_equal(before.st_ino, after.st_ino);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_string_equal(s->detail, "y");
	stamp_free(s);
	free(big);

	/* The older layout. */
	old = xasprintf("loom-stamp 1\nstate running\nwritten 5\npid %ld 0\n"
	    "argv bash\nscript -\n", (long)getpid());
	write_file(path, old);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_RUNNING);
	assert_int_equal(s->pid, (long)getpid());
	stamp_free(s);
	write_file(path, "loom-stamp 1\nstate succeeded\nwritten 5\n"
	    "argv bash\nscript -\n");
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_RUNNING);
	stamp_free(s);
	/*
	 * Longer than the marker's first two lines: marked in place without
	 * a look at it first, it reads as damaged (never fresh) while the
	 * step runs, and the step's end writes the whole stamp in that file.
	 */
	write_file(path, "loom-stamp 1\nstate succeeded\nwritten 5\n"
	    "argv bash\nargv an argument long enough to reach past it\n"
	    "script -\n");
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, NULL,
	    &err), 0);
	loom_error_clear(&err);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_true(s == NULL ? err.set : s->state == STAMP_RUNNING);
	stamp_free(s);
	loom_error_clear(&err);
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    NULL, NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_SUCCEEDED);
	assert_int_equal(s->argv.n, 2);
	stamp_free(s);

	/* A torn state line is a damaged stamp, never a fresh one. */
	write_file(path, "loom-stamp 1\nstate succrunning 1 2\nwritten 5\n");
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_null(s);
	assert_true(err.set);
	free(old);
	free(path);
	strv_free(&argv);
}

/* A stamp larger than the 4 KiB read on the stack reads back whole. */
static void
test_stamp_large_round_trip(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stamp s, *r;
	char word[200];
	size_t i;

	memset(&s, 0, sizeof s);
	strv_init(&s.argv);
	s.state = STAMP_SUCCEEDED;
	for (i = 0; i < 150; i++) {
		snprintf(word, sizeof word, "word-%zu-%0150zu%%", i, i);
		strv_push(&s.argv, word);
	}
	loom_error_clear(&err);
	assert_int_equal(stamp_write(f->dir, "big", NULL, NULL, &s, &err), 0);
	r = stamp_read(f->dir, "big", NULL, NULL, &err);
	assert_non_null(r);
	assert_int_equal(r->state, STAMP_SUCCEEDED);
	assert_int_equal(r->argv.n, s.argv.n);
	for (i = 0; i < s.argv.n; i++)
		assert_string_equal(r->argv.v[i], s.argv.v[i]);
	stamp_free(r);
	strv_free(&s.argv);
}

static void
test_stamp_running_writer_gone(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stamp s, *r;
	pid_t pid;
	int status;

	/* A child that exits at once: its pid names no live process. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	memset(&s, 0, sizeof s);
	strv_init(&s.argv);
	s.state = STAMP_RUNNING;
	s.pid = pid;
	s.pid_start = 12345;
	loom_error_clear(&err);
	assert_int_equal(stamp_write(f->dir, "a", NULL, NULL, &s, &err), 0);
	r = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(r);
	assert_int_equal(r->state, STAMP_RUNNING);
	assert_false(stamp_writer_is_alive(r));
	stamp_free(r);
	/* Our own pid with another start time: a recycled pid. */
	s.pid = getpid();
	assert_int_equal(stamp_write(f->dir, "a", NULL, NULL, &s, &err), 0);
	r = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(r);
	if (access("/proc/self/stat", R_OK) == 0)
		assert_false(stamp_writer_is_alive(r));
	stamp_free(r);
}

static void
test_stamp_commit_and_check(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct strv argv;
	struct stamp *s;
	char *in, *out, *script;
	const char *ins[1], *outs[1];
	bool changed;
	time_t old = time(NULL) - 3600;

	in = xasprintf("%s/in.txt", f->dir);
	out = xasprintf("%s/out.txt", f->dir);
	script = xasprintf("%s/task.sh", f->dir);
	write_file(in, "hello\n");
	write_file(out, "result\n");
	write_file(script, "echo hi\n");
	set_mtime(in, old, 5);
	ins[0] = in;
	outs[0] = out;
	strv_init(&argv);
	strv_push(&argv, "bash");
	loom_error_clear(&err);
	assert_int_equal(stamp_commit(f->dir, "a", NULL, NULL, &argv,
	    script, ins, 1, outs, 1, &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_SUCCEEDED);
	assert_int_equal(s->ninputs, 1);
	assert_int_equal(s->noutputs, 1);
	assert_string_equal(s->inputs[0].path, in);
	assert_int_equal(s->inputs[0].id.size, 6);
	assert_true(s->inputs[0].id.mtime_ns ==
	    (long long)old * 1000000000LL + 5);
	assert_int_equal(strlen(s->inputs[0].id.hash), 64);
	assert_int_equal(strlen(s->script_hash), 64);

	/* Unchanged. */
	assert_int_equal(stamp_entry_check(s, &s->inputs[0], &changed, &err),
	    0);
	assert_false(changed);
	assert_int_equal(stamp_entry_check(s, &s->outputs[0], &changed,
	    &err), 0);
	assert_false(changed);

	/* Touched: changed, as with make. */
	set_mtime(in, old + 10, 5);
	assert_int_equal(stamp_entry_check(s, &s->inputs[0], &changed, &err),
	    0);
	assert_true(changed);
	set_mtime(in, old, 5);
	assert_int_equal(stamp_entry_check(s, &s->inputs[0], &changed, &err),
	    0);
	assert_false(changed);

	/* Deleted: changed. */
	assert_int_equal(unlink(out), 0);
	assert_int_equal(stamp_entry_check(s, &s->outputs[0], &changed,
	    &err), 0);
	assert_true(changed);
	stamp_free(s);

	/*
	 * Rewritten within the stamp's time window with equal size and
	 * time: only the hash can tell.
	 */
	write_file(in, "hello\n");
	/*
	 * A time at (or after) the stamp's own: within any clock tick of
	 * it, whatever the machine's load between the write and the commit.
	 */
	set_mtime(in, time(NULL) + 10, 123);
	loom_error_clear(&err);
	assert_int_equal(stamp_commit(f->dir, "b", NULL, NULL, &argv,
	    NULL, ins, 1, NULL, 0, &err), 0);
	s = stamp_read(f->dir, "b", NULL, NULL, &err);
	assert_non_null(s);
	assert_string_equal(s->script_hash, "");
	{
		struct stat st;

		assert_int_equal(stat(in, &st), 0);
		write_file(in, "HELLO\n");
		set_mtime(in, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	assert_int_equal(stamp_entry_check(s, &s->inputs[0], &changed, &err),
	    0);
	assert_true(changed);
	stamp_free(s);
	strv_free(&argv);
	free(in);
	free(out);
	free(script);
}

static void
test_stamp_fail_states(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stamp *s;

	loom_error_clear(&err);
	assert_int_equal(stamp_fail(f->dir, "a", NULL, NULL, STAMP_FAILED,
	    "exit code 1", &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_FAILED);
	assert_string_equal(s->detail, "exit code 1");
	stamp_free(s);
	assert_int_equal(stamp_fail(f->dir, "a", "x.wav", NULL, STAMP_CANCELLED,
	    NULL, &err), 0);
	s = stamp_read(f->dir, "a", "x.wav", NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_CANCELLED);
	assert_null(s->detail);
	stamp_free(s);
	assert_int_equal(stamp_fail(f->dir, "a", NULL, NULL, STAMP_INTERRUPTED,
	    NULL, &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_INTERRUPTED);
	assert_string_equal(stamp_state_name(s->state), "interrupted");
	stamp_free(s);
}

static void
test_stamp_dir_identity(void **state)
{
	struct fixture *f = *state;
	struct stamp_ident a, b;
	struct loom_error err;
	char *dir, *file, *sub;

	dir = xasprintf("%s/folder", f->dir);
	sub = xasprintf("%s/folder/sub", f->dir);
	file = xasprintf("%s/folder/sub/x.txt", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	loom_error_clear(&err);
	assert_int_equal(stamp_ident_get(dir, true, &a, &err), 0);
	assert_int_equal(a.kind, STAMP_KIND_DIR);
	assert_int_equal(a.size, 1);
	write_file(file, "1");
	assert_int_equal(stamp_ident_get(dir, true, &b, &err), 0);
	assert_int_equal(b.size, 2);
	assert_false(stamp_ident_equal(&a, &b));
	a = b;
	assert_int_equal(stamp_ident_get(dir, true, &b, &err), 0);
	assert_true(stamp_ident_equal(&a, &b));
	set_mtime(file, time(NULL) - 100, 0);
	assert_int_equal(stamp_ident_get(dir, true, &b, &err), 0);
	assert_false(stamp_ident_equal(&a, &b));
	/* Absent paths are identities too. */
	assert_int_equal(stamp_ident_get("/nonexistent/x", true, &a, &err), 0);
	assert_int_equal(a.kind, STAMP_KIND_ABSENT);
	free(dir);
	free(sub);
	free(file);
}

static void
test_stamp_remove(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stamp *s;
	char *dir;

	loom_error_clear(&err);
	assert_int_equal(stamp_fail(f->dir, "a", NULL, NULL, STAMP_FAILED, NULL,
	    &err), 0);
	assert_int_equal(stamp_fail(f->dir, "a", "i1", NULL, STAMP_FAILED, NULL,
	    &err), 0);
	assert_int_equal(stamp_fail(f->dir, "b", NULL, NULL, STAMP_FAILED, NULL,
	    &err), 0);
	assert_int_equal(stamp_remove(f->dir, "a", &err), 0);
	assert_null(stamp_read(f->dir, "a", NULL, NULL, &err));
	assert_null(stamp_read(f->dir, "a", "i1", NULL, &err));
	s = stamp_read(f->dir, "b", NULL, NULL, &err);
	assert_non_null(s);
	stamp_free(s);
	assert_int_equal(stamp_remove_all(f->dir, &err), 0);
	assert_false(err.set);
	dir = stamp_dir(f->dir);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
	/* Nothing there: still fine. */
	assert_int_equal(stamp_remove_all(f->dir, &err), 0);
}

/*
 * Output sets: one stamp per set, <step>/<set>; a stamp of an earlier
 * version (one file per step) stands for the set it records and moves
 * into the folder of sets at the next write; at most STAMP_SETS_MAX sets
 * stay, the one written longest ago dropped.
 */
static void
test_stamp_sets(void **state)
{
	struct fixture *f = *state;
	const char *outs_a[] = { "/e/model_lr0.1.json" };
	const char *outs_b[] = { "/e/model_lr0.5.json" };
	char a[STAMP_SET_HEX], b[STAMP_SET_HEX], k[STAMP_SET_HEX];
	char *path, *first = NULL, name[32];
	struct loom_error err;
	struct stamp *s;
	struct strv argv;
	int i;

	stamp_set_key(outs_a, 1, a);
	stamp_set_key(outs_b, 1, b);
	assert_int_equal(strlen(a), STAMP_SET_HEX - 1);
	assert_string_not_equal(a, b);
	path = stamp_path("/x", "train", NULL, a);
	assert_true(strncmp(path, "/x/.loom/stamps/train/", 22) == 0);
	assert_string_equal(path + 22, a);
	free(path);

	/* An earlier version's stamp, a success of set a. */
	strv_init(&argv);
	strv_push(&argv, "run");
	loom_error_clear(&err);
	assert_int_equal(stamp_commit(f->dir, "train", NULL, NULL, &argv,
	    NULL, NULL, 0, outs_a, 1, &err), 0);
	s = stamp_read(f->dir, "train", NULL, a, &err);
	assert_non_null(s);
	stamp_free(s);
	assert_null(stamp_read(f->dir, "train", NULL, b, &err));
	assert_false(err.set);
	/* Set b is written: a moves into the folder and both are read. */
	assert_int_equal(stamp_commit(f->dir, "train", NULL, b, &argv, NULL,
	    NULL, 0, outs_b, 1, &err), 0);
	path = stamp_path(f->dir, "train", NULL, a);
	assert_int_equal(access(path, F_OK), 0);
	free(path);
	s = stamp_read(f->dir, "train", NULL, a, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_SUCCEEDED);
	stamp_free(s);
	s = stamp_read(f->dir, "train", NULL, b, &err);
	assert_non_null(s);
	assert_string_equal(s->outputs[0].path, outs_b[0]);
	stamp_free(s);

	/* Fill up to the bound, each set older than the next. */
	for (i = 0; i < STAMP_SETS_MAX - 2; i++) {
		snprintf(name, sizeof name, "%016d", i);
		assert_int_equal(stamp_fail(f->dir, "train", NULL, name,
		    STAMP_FAILED, NULL, &err), 0);
	}
	for (i = 0; i < STAMP_SETS_MAX; i++) {
		snprintf(name, sizeof name, "%016d", i - 2);
		path = stamp_path(f->dir, "train", NULL, i == 0 ? a :
		    i == 1 ? b : name);
		if (i == 0)
			first = xstrdup(path);
		set_mtime(path, 1000000 + i, 0);
		free(path);
	}
	/* Re-writing a set adds none: nothing goes. */
	assert_int_equal(stamp_fail(f->dir, "train", NULL, b, STAMP_FAILED,
	    NULL, &err), 0);
	assert_int_equal(access(first, F_OK), 0);
	/* One more set: the oldest (a) goes, the rest stay. */
	stamp_set_key((const char *[]){ "/e/model_lr1.json" }, 1, k);
	assert_int_equal(stamp_fail(f->dir, "train", NULL, k, STAMP_FAILED,
	    NULL, &err), 0);
	assert_int_equal(access(first, F_OK), -1);
	assert_null(stamp_read(f->dir, "train", NULL, a, &err));
	s = stamp_read(f->dir, "train", NULL, b, &err);
	assert_non_null(s);
	stamp_free(s);
	s = stamp_read(f->dir, "train", NULL, k, &err);
	assert_non_null(s);
	stamp_free(s);
	assert_false(err.set);
	free(first);
	strv_free(&argv);
}

static int
count_stamp(const char *file, const char *step, const struct stamp *s,
    void *arg)
{
	int *n = arg;

	(void)file;
	assert_non_null(s);
	assert_string_equal(step, "a/b");
	(*n)++;
	return 0;
}

/* stamp_foreach sees sets of steps and of loop items, names unescaped. */
static void
test_stamp_foreach(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	int n = 0;

	loom_error_clear(&err);
	assert_int_equal(stamp_fail(f->dir, "a/b", NULL, "0000000000000001",
	    STAMP_FAILED, NULL, &err), 0);
	assert_int_equal(stamp_fail(f->dir, "a/b", NULL, "0000000000000002",
	    STAMP_FAILED, NULL, &err), 0);
	assert_int_equal(stamp_fail(f->dir, "a/b", "x.wav", "0000000000000003",
	    STAMP_FAILED, NULL, &err), 0);
	assert_int_equal(stamp_foreach(f->dir, count_stamp, &n, &err), 0);
	assert_int_equal(n, 3);
}

static void
test_stamp_hash_file(void **state)
{
	struct fixture *f = *state;
	char hex[STAMP_HASH_HEX], hex2[STAMP_HASH_HEX];
	struct loom_error err;
	char *path;

	path = xasprintf("%s/abc", f->dir);
	write_file(path, "abc");
	loom_error_clear(&err);
	assert_int_equal(stamp_hash_file(path, 100, hex, &err), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	stamp_hash_buffer("abc", 3, hex2);
	assert_string_equal(hex, hex2);
	assert_int_equal(stamp_hash_file(path, 2, hex, &err), -1);
	assert_non_null(strstr(err.message, "larger than"));
	free(path);
}

/*
 * A stamp taken quickly has identities and no hashes but its outputs'
 * (small ones are hashed at once, through the descriptor that gave their
 * identity); filled in later it has what stamp_succeeded would have,
 * except for a file that changed in between (no hash: its recorded
 * identity already differs). A file a quick stamp hashed, changed too
 * recently for the hash cache, is hashed at once by the next quick stamp
 * naming it as an input, or taken with the hash kept then
 * (test_stamp_recent_input).
 */
static void
test_stamp_quick_then_fill(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stamp *quick, *full;
	char *in, *out, *script;
	const char *ins[1], *outs[1];

	in = xasprintf("%s/in.txt", f->dir);
	out = xasprintf("%s/out.txt", f->dir);
	script = xasprintf("%s/task.sh", f->dir);
	write_file(in, "input\n");
	write_file(out, "output\n");
	write_file(script, "echo\n");
	ins[0] = in;
	outs[0] = out;
	loom_error_clear(&err);
	quick = stamp_succeeded_quick(NULL, script, ins, 1, outs, 1, &err);
	full = stamp_succeeded(NULL, script, ins, 1, outs, 1, &err);
	assert_non_null(quick);
	assert_non_null(full);
	assert_string_equal(quick->script_hash, "");
	assert_string_equal(quick->inputs[0].id.hash, "");
	assert_true(quick->outputs[0].id.size == full->outputs[0].id.size);
	assert_string_equal(quick->outputs[0].id.hash,
	    full->outputs[0].id.hash);
	/* Never hashed: their bytes are left to read (6 + 5). */
	assert_true(quick->unhashed == 11);
	/* The input changes before the hashes are filled in. */
	write_file(in, "changed input\n");
	assert_int_equal(stamp_hash_fill(quick, script, &err), 0);
	assert_string_equal(quick->script_hash, full->script_hash);
	assert_string_equal(quick->inputs[0].id.hash, "");
	stamp_free(quick);
	/* The output, now an input, was hashed lately: its hash known. */
	quick = stamp_succeeded_quick(NULL, NULL, outs, 1, NULL, 0, &err);
	assert_non_null(quick);
	assert_string_equal(quick->inputs[0].id.hash,
	    full->outputs[0].id.hash);
	assert_true(quick->unhashed == 0);
	stamp_free(quick);
	stamp_free(full);
	/* A file that cannot be read fails the fill, as it fails a stamp. */
	quick = stamp_succeeded_quick(NULL, NULL, ins, 1, NULL, 0, &err);
	assert_non_null(quick);
	if (geteuid() != 0) {
		assert_int_equal(chmod(in, 0), 0);
		assert_int_equal(stamp_hash_fill(quick, NULL, &err), -1);
	}
	stamp_free(quick);
	free(in);
	free(out);
	free(script);
}

/* Files hashed so far by this process (hash cache misses). */
static uint64_t
files_hashed(void)
{
	struct hashcache_stats st;

	hashcache_stats(&st);
	return st.files;
}

static long long
ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/*
 * The stamp of a step reading path, as the daemon takes it (quick, then
 * its missing hashes filled in).
 */
static struct stamp *
consumer_stamp(const char *path)
{
	const char *ins[1] = { path };
	struct loom_error err;
	struct stamp *s;

	loom_error_clear(&err);
	s = stamp_succeeded_quick(NULL, NULL, ins, 1, NULL, 0, &err);
	assert_non_null(s);
	assert_int_equal(stamp_hash_fill(s, NULL, &err), 0);
	return s;
}

/*
 * An input a quick stamp hashed lately (in a chain, the previous step's
 * output, too recent for the hash cache) is taken from what that stamp
 * kept when one stat finds the file as it was: the identity and hash a
 * new hashing gives, no file read. Rewritten with the same size and its
 * modification time set back, the change time tells and it is hashed
 * again. Changed with no time telling (a write through a shared mapping
 * to a page already written: no new times), the kept hash is the
 * content the step started with, and a stamp written within the racy
 * margin reads the input as changed: never wrongly up to date.
 */
static void
test_stamp_recent_input(void **state)
{
	struct fixture *f = *state;
	char want[STAMP_HASH_HEX], now[STAMP_HASH_HEX];
	struct stamp *made, *used;
	struct loom_error err;
	struct stat st, st2;
	const char *outs[1];
	uint64_t hashed;
	bool changed;
	char *mid, *map;
	int fd;

	loom_error_clear(&err);
	mid = xasprintf("%s/mid.txt", f->dir);
	outs[0] = mid;
	write_file(mid, "first\n");
	made = stamp_succeeded_quick(NULL, NULL, NULL, 0, outs, 1, &err);
	assert_non_null(made);
	stamp_hash_buffer("first\n", 6, want);
	assert_string_equal(made->outputs[0].id.hash, want);

	/* As it was: its hash from the ring, nothing read. */
	hashed = files_hashed();
	used = consumer_stamp(mid);
	assert_true(files_hashed() == hashed);
	assert_true(stamp_ident_equal(&used->inputs[0].id,
	    &made->outputs[0].id));
	assert_string_equal(used->inputs[0].id.hash, want);
	stamp_free(used);
	stamp_free(made);

	/* Same size, same modification time: the change time differs. */
	assert_int_equal(stat(mid, &st), 0);
	usleep(20 * 1000);	/* past a tick of the file system's clock */
	write_file(mid, "other\n");
	set_mtime(mid, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	assert_int_equal(stat(mid, &st2), 0);
	assert_true(st2.st_size == st.st_size &&
	    ns_of(&st2.st_mtim) == ns_of(&st.st_mtim) &&
	    ns_of(&st2.st_ctim) != ns_of(&st.st_ctim));
	used = consumer_stamp(mid);
	stamp_hash_buffer("other\n", 6, want);
	assert_string_equal(used->inputs[0].id.hash, want);
	stamp_free(used);

	/* Changed where no time tells. */
	assert_true((fd = open(mid, O_RDWR)) != -1);
	map = mmap(NULL, 6, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	map[0] = 'O';		/* the page's first write: new times */
	made = stamp_succeeded_quick(NULL, NULL, NULL, 0, outs, 1, &err);
	assert_non_null(made);
	stamp_hash_buffer("Other\n", 6, want);
	assert_string_equal(made->outputs[0].id.hash, want);
	assert_int_equal(stat(mid, &st), 0);
	map[0] = 'X';		/* a page written already: times kept */
	assert_int_equal(stat(mid, &st2), 0);
	used = consumer_stamp(mid);
	stamp_hash_buffer("Xther\n", 6, now);
	if (ns_of(&st2.st_ctim) == ns_of(&st.st_ctim) &&
	    ns_of(&st2.st_mtim) == ns_of(&st.st_mtim))
		assert_string_equal(used->inputs[0].id.hash, want);
	else	/* written back meanwhile: new times after all */
		assert_string_equal(used->inputs[0].id.hash, now);
	/* Its stamp written within the racy margin of the input's time. */
	used->written_ns = used->inputs[0].id.mtime_ns + 1;
	assert_int_equal(stamp_entry_check(used, &used->inputs[0], &changed,
	    &err), 0);
	assert_true(changed == (strcmp(used->inputs[0].id.hash, now) != 0));
	assert_int_equal(stamp_entry_check(made, &made->outputs[0], &changed,
	    &err), 0);
	assert_true(changed);
	stamp_free(used);
	stamp_free(made);
	assert_int_equal(munmap(map, 6), 0);
	close(fd);
	free(mid);
}

/*
 * A step's output too large for a quick stamp to read is hashed when its
 * stamp is filled in (the daemon's hashing worker), just after the step
 * wrote it: too recent for the hash cache, so kept in the ring of recent
 * hashes. The stamp of the step reading it next takes that hash, quick or
 * filled in (also when it was taken before the writer's was filled in),
 * without reading the file again. Rewritten meanwhile (same size, a new
 * change time), it is read again and the new hash taken.
 */
static void
test_stamp_filled_output_kept(void **state)
{
	struct fixture *f = *state;
	char want[STAMP_HASH_HEX];
	struct stamp *made, *used;
	struct loom_error err;
	const char *outs[1];
	uint64_t hashed;
	char *big, *text;
	size_t n = 200 * 1024;

	loom_error_clear(&err);
	big = xasprintf("%s/big.bin", f->dir);
	text = xmalloc(n + 1);
	memset(text, 'a', n);
	text[n] = '\0';
	write_file(big, text);
	outs[0] = big;
	made = stamp_succeeded_quick(NULL, NULL, NULL, 0, outs, 1, &err);
	assert_non_null(made);
	assert_string_equal(made->outputs[0].id.hash, "");
	hashed = files_hashed();
	assert_int_equal(stamp_hash_fill(made, NULL, &err), 0);
	assert_true(files_hashed() == hashed + 1);
	stamp_hash_buffer(text, n, want);
	assert_string_equal(made->outputs[0].id.hash, want);

	used = consumer_stamp(big);
	assert_true(files_hashed() == hashed + 1);
	assert_string_equal(used->inputs[0].id.hash, want);
	stamp_free(used);
	stamp_free(made);

	usleep(20 * 1000);	/* past a tick of the file system's clock */
	text[0] = 'b';
	write_file(big, text);
	used = consumer_stamp(big);
	assert_true(files_hashed() == hashed + 2);
	stamp_hash_buffer(text, n, want);
	assert_string_equal(used->inputs[0].id.hash, want);
	stamp_free(used);

	/* The reader's stamp taken before the writer's is filled in. */
	usleep(20 * 1000);
	text[0] = 'c';
	write_file(big, text);
	made = stamp_succeeded_quick(NULL, NULL, NULL, 0, outs, 1, &err);
	used = stamp_succeeded_quick(NULL, NULL, outs, 1, NULL, 0, &err);
	assert_non_null(made);
	assert_non_null(used);
	assert_string_equal(used->inputs[0].id.hash, "");
	assert_int_equal(stamp_hash_fill(made, NULL, &err), 0);
	assert_int_equal(stamp_hash_fill(used, NULL, &err), 0);
	assert_true(files_hashed() == hashed + 3);
	stamp_hash_buffer(text, n, want);
	assert_string_equal(used->inputs[0].id.hash, want);
	stamp_free(used);
	stamp_free(made);
	free(text);
	free(big);
}

/* The script hash a success stamp records for script, as it is now. */
static void
script_hash_now(const char *script, char out[STAMP_HASH_HEX])
{
	struct loom_error err;
	struct stamp *s;

	loom_error_clear(&err);
	s = stamp_succeeded(NULL, script, NULL, 0, NULL, 0, &err);
	assert_non_null(s);
	memcpy(out, s->script_hash, STAMP_HASH_HEX);
	stamp_free(s);
}

/*
 * Script hashes are remembered by path and identity, never trusted
 * across a change: content of the same size with the old modification
 * time restored (the change time tells), and a script changed again
 * within the same clock tick (not remembered while that recent).
 */
static void
test_stamp_script_hash_memo(void **state)
{
	struct fixture *f = *state;
	char h[STAMP_HASH_HEX], want[STAMP_HASH_HEX];
	struct loom_error err;
	struct stamp *quick;
	struct stat st;
	const char *ins[1];
	char *script;

	loom_error_clear(&err);
	script = xasprintf("%s/task.sh", f->dir);
	ins[0] = script;
	write_file(script, "echo a\n");
	/* Old enough to be remembered (past the racy window). */
	usleep(2200 * 1000);
	script_hash_now(script, h);
	assert_int_equal(stamp_hash_file(script, 100, want, &err), 0);
	assert_string_equal(h, want);
	script_hash_now(script, h);
	assert_string_equal(h, want);
	/* A quick stamp takes remembered hashes from stat alone. */
	quick = stamp_succeeded_quick(NULL, script, ins, 1, NULL, 0, &err);
	assert_non_null(quick);
	assert_string_equal(quick->script_hash, want);
	assert_string_equal(quick->inputs[0].id.hash, want);
	assert_true(quick->unhashed == 0);
	stamp_free(quick);

	/* Same size, same modification time: a new hash all the same. */
	assert_int_equal(stat(script, &st), 0);
	write_file(script, "echo b\n");
	set_mtime(script, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	script_hash_now(script, h);
	assert_int_equal(stamp_hash_file(script, 100, want, &err), 0);
	assert_string_equal(h, want);

	/* Changed twice in a row, modification time kept: each one seen. */
	write_file(script, "echo c\n");
	set_mtime(script, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	script_hash_now(script, h);
	write_file(script, "echo d\n");
	set_mtime(script, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	script_hash_now(script, h);
	assert_int_equal(stamp_hash_file(script, 100, want, &err), 0);
	assert_string_equal(h, want);
	free(script);
}

/* The pid a marker written now records, or -1. */
static long
marker_pid(const char *dir, const char *step)
{
	struct loom_error err;
	struct stamp *s;
	long pid = -1;

	loom_error_clear(&err);
	if (stamp_begin(dir, step, NULL, NULL, NULL, NULL, &err) == 0 &&
	    (s = stamp_read(dir, step, NULL, NULL, &err)) != NULL) {
		if (s->state == STAMP_RUNNING)
			pid = s->pid;
		stamp_free(s);
	}
	return pid;
}

/*
 * A marker names the process that wrote it, also in a forked copy of
 * one that wrote markers before (its pid is not asked for every time).
 */
static void
test_stamp_marker_pid(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;

	assert_int_equal(marker_pid(f->dir, "a"), (long)getpid());
	assert_int_equal(marker_pid(f->dir, "a"), (long)getpid());
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(marker_pid(f->dir, "b") == (long)getpid() ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A marker kept open by stamp_begin is replaced through its descriptor
 * (same file, no open of the path); when the file was removed or
 * replaced meanwhile, the stamp is written at the path as a new file.
 */
static void
test_stamp_begin_keep(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct strv argv;
	struct stamp *s, *done;
	struct stat before, after;
	char *path, *other;
	int fd;

	strv_init(&argv);
	strv_push(&argv, "bash");
	loom_error_clear(&err);
	/* No stamp yet: a whole marker, nothing kept. */
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, &fd,
	    &err), 0);
	assert_int_equal(fd, -1);
	done = stamp_ended(STAMP_FAILED, "exit code 1");
	assert_int_equal(stamp_write_marked(fd, f->dir, "a", NULL, NULL, done,
	    &err), 0);
	path = stamp_path(f->dir, "a", NULL, NULL);
	assert_int_equal(stat(path, &before), 0);
	/* In place: kept, and the end goes through it. */
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, &fd,
	    &err), 0);
	assert_true(fd > 2);
	stamp_free(done);
	done = stamp_ended(STAMP_CANCELLED, NULL);
	assert_int_equal(stamp_write_marked(fd, f->dir, "a", NULL, NULL, done,
	    &err), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1);	/* closed */
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_CANCELLED);
	stamp_free(s);
	/* Removed while running: written anew at the path. */
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, &fd,
	    &err), 0);
	assert_true(fd > 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(stamp_write_marked(fd, f->dir, "a", NULL, NULL, done,
	    &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_CANCELLED);
	stamp_free(s);
	/* Replaced by another file while running: that file gets it. */
	assert_int_equal(stamp_begin(f->dir, "a", NULL, NULL, &argv, &fd,
	    &err), 0);
	assert_true(fd > 2);
	assert_int_equal(stamp_write(f->dir, "b", NULL, NULL, done, &err), 0);
	other = stamp_path(f->dir, "b", NULL, NULL);
	assert_int_equal(rename(other, path), 0);
	stamp_free(done);
	done = stamp_ended(STAMP_FAILED, "exit code 3");
	assert_int_equal(stamp_write_marked(fd, f->dir, "a", NULL, NULL, done,
	    &err), 0);
	s = stamp_read(f->dir, "a", NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(s->state, STAMP_FAILED);
	stamp_free(s);
	stamp_free(done);
	free(other);
	free(path);
	strv_free(&argv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_paths_escape_names),
		cmocka_unit_test(test_stamp_format_round_trip),
		cmocka_unit_test_setup_teardown(test_stamp_damaged_is_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_begin_marks_running,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_begin_in_place,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_begin_keep,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_running_writer_gone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_large_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_commit_and_check,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_fail_states,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_dir_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_remove,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_script_hash_memo,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_marker_pid,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_hash_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_filled_output_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_recent_input,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_quick_then_fill,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_sets,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp_foreach,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
