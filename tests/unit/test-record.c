/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of loomd/record.c: run ids (shape, uniqueness, folder
 * created), atomic record write and read back, a damaged record is an
 * error, the index of run folders (add, find, list without duplicates,
 * a torn last line ignored), process identity by pid and start time,
 * and crash recovery: a run of a dead daemon becomes interrupted, its
 * running steps and items interrupted (their old process, identified by
 * pid and start time, killed), pending steps stay pending, a run whose
 * daemon is alive is left alone, finished runs are untouched, and the
 * index drops runs whose folder is gone. The step journal: starts and
 * ends the record never saw are replayed (a step that ran never reads
 * "pending"), a line cut short is ignored, and a run recorded by a daemon
 * of the pid file the caller holds is dead even when its pid lives.
 * Recovery goes through the executor interface: the local executor kills
 * what is left, and an executor is handed the run's tag and the record
 * of every unit left running, with what it kept there (a job id).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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
#include <jansson.h>

#include "common/util/error.h"
#include "common/util/xmalloc.h"
#include "loomd/executor.h"
#include "loomd/record.h"

/* An executor that only notes what recovery hands it. */
struct note_executor {
	struct executor ex;
	char notes[1024];
};

static void
note_recover(struct executor *ex, const char *tag, const json_t *unit)
{
	struct note_executor *nx = (struct note_executor *)ex;
	size_t len = strlen(nx->notes);
	const json_t *job;

	if (unit == NULL) {
		snprintf(nx->notes + len, sizeof nx->notes - len, "[%s]", tag);
		return;
	}
	job = json_object_get(unit, "job");
	snprintf(nx->notes + len, sizeof nx->notes - len, "[pid %lld job %s]",
	    (long long)json_integer_value(json_object_get(unit, "pid")),
	    json_is_string(job) ? json_string_value(job) : "-");
}

static const struct executor_ops note_ops = {
	.name = "note",
	.recover = note_recover,
};

struct fixture {
	char root[64];
	char *exp;	/* an experiment folder */
	char *state;	/* the state folder */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	strcpy(f->root, "/tmp/loom-test-record-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->exp = xasprintf("%s/exp", f->root);
	f->state = xasprintf("%s/state", f->root);
	assert_int_equal(mkdir(f->exp, 0755), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	cmd = xasprintf("rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->exp);
	free(f->state);
	free(f);
	return 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_record_ids(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct stat sb;
	char *ids[50], *dirs[50];
	size_t i, j;

	for (i = 0; i < 50; i++) {
		loom_error_clear(&err);
		ids[i] = record_create(f->exp, f->state, &dirs[i], &err);
		assert_non_null(ids[i]);
		assert_true(record_id_is_valid(ids[i]));
		assert_int_equal(strlen(ids[i]), RECORD_ID_LEN);
		assert_true(ids[i][0] >= 'a' && ids[i][0] <= 'z');
		assert_int_equal(stat(dirs[i], &sb), 0);
		assert_true(S_ISDIR(sb.st_mode));
		assert_non_null(strstr(dirs[i], "/.loom/runs/"));
		assert_int_equal(record_index_add(f->state, ids[i], dirs[i],
		    &err), 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
	for (i = 0; i < 50; i++) {
		free(ids[i]);
		free(dirs[i]);
	}
	assert_false(record_id_is_valid("ABCDEF"));
	assert_false(record_id_is_valid("abc"));
	assert_false(record_id_is_valid("../abc"));
	assert_false(record_id_is_valid("abcdefg"));
}

static void
test_record_write_read(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	json_t *rec, *back;
	char *id, *dir, *path, *cmd;

	loom_error_clear(&err);
	id = record_create(f->exp, f->state, &dir, &err);
	assert_non_null(id);
	rec = json_pack("{s:s, s:s, s:[{s:s}]}", "run", id, "state",
	    "running", "steps", "name", "a");
	assert_int_equal(record_write(dir, rec, true, &err), 0);
	back = record_read(dir, &err);
	assert_non_null(back);
	assert_true(json_equal(rec, back));
	json_decref(back);
	/* The fast (no fsync) write: same result, no temporary file left. */
	json_object_set_new(rec, "state", json_string("failed"));
	assert_int_equal(record_write(dir, rec, false, &err), 0);
	back = record_read(dir, &err);
	assert_non_null(back);
	assert_true(json_equal(rec, back));
	json_decref(back);
	/* Its summary: the fields run.list shows, trusted once ended. */
	back = record_read_summary(dir);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "failed");
	assert_string_equal(json_string_value(json_object_get(back, "run")),
	    id);
	assert_null(json_object_get(back, "steps"));
	json_decref(back);
	json_object_set_new(rec, "state", json_string("running"));
	assert_int_equal(record_write(dir, rec, false, &err), 0);
	assert_null(record_read_summary(dir));
	json_object_set_new(rec, "state", json_string("failed"));
	assert_int_equal(record_write(dir, rec, false, &err), 0);
	json_decref(rec);
	cmd = xasprintf("ls -A '%s' | grep -v '^run.json$' | "
	    "grep -v '^summary.json$' | wc -l | grep -qx 0", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	path = xasprintf("%s/%s", dir, RECORD_FILE);
	write_text(path, "{\"run\": ");
	loom_error_clear(&err);
	assert_null(record_read(dir, &err));
	assert_non_null(strstr(err.message, "damaged run record"));
	free(path);
	free(id);
	free(dir);
}

static void
test_record_index(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct record_ref *refs;
	char *dir, *path, *text;
	size_t n;

	loom_error_clear(&err);
	assert_null(record_index_find(f->state, "abcdef"));
	assert_int_equal(record_index_add(f->state, "abcdef", "/x/one",
	    &err), 0);
	assert_int_equal(record_index_add(f->state, "bcdefg", "/x/two",
	    &err), 0);
	assert_int_equal(record_index_add(f->state, "abcdef", "/x/three",
	    &err), 0);
	dir = record_index_find(f->state, "abcdef");
	assert_string_equal(dir, "/x/three");
	free(dir);
	refs = record_index_list(f->state, &n);
	assert_int_equal(n, 2);
	assert_string_equal(refs[0].id, "abcdef");
	assert_string_equal(refs[1].id, "bcdefg");
	record_refs_free(refs, n);

	/* A torn last line (a crash mid-append) is ignored. */
	path = xasprintf("%s/%s", f->state, RECORD_INDEX);
	text = xasprintf("abcdef\t/x/one\nzzzzzz\t/x/t");
	write_text(path, text);
	refs = record_index_list(f->state, &n);
	assert_int_equal(n, 1);
	record_refs_free(refs, n);
	assert_null(record_index_find(f->state, "zzzzzz"));
	free(text);
	free(path);
}

static void
test_record_proc_identity(void **state)
{
	(void)state;
	unsigned long long me;

	me = record_proc_start(getpid());
	assert_true(me > 0);
	assert_true(record_proc_alive(getpid(), me));
	assert_false(record_proc_alive(getpid(), me + 1));
	assert_false(record_proc_alive(getpid(), 0));
	assert_int_equal(record_proc_start(0), 0);
}

static void
test_record_recover(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	json_t *rec, *back, *steps;
	char *id1, *dir1, *id2, *dir2, *id3, *dir3, *gone;
	unsigned long long start;
	struct event_base *base;
	struct executor *ex;
	pid_t victim;
	int status;

	base = event_base_new();
	assert_non_null(base);
	loom_error_clear(&err);
	ex = executor_local_new(base, NULL, &err);
	assert_non_null(ex);
	/* An old step process still running: its own group, like a step. */
	victim = fork();
	assert_true(victim >= 0);
	if (victim == 0) {
		setpgid(0, 0);
		sleep(600);
		_exit(0);
	}
	setpgid(victim, victim);
	start = 0;
	while (start == 0)
		start = record_proc_start(victim);

	loom_error_clear(&err);
	id1 = record_create(f->exp, f->state, &dir1, &err);
	id2 = record_create(f->exp, f->state, &dir2, &err);
	id3 = record_create(f->exp, f->state, &dir3, &err);
	assert_int_equal(record_index_add(f->state, id1, dir1, &err), 0);
	assert_int_equal(record_index_add(f->state, id2, dir2, &err), 0);
	assert_int_equal(record_index_add(f->state, id3, dir3, &err), 0);
	assert_int_equal(record_index_add(f->state, "gonegg",
	    "/nonexistent/run", &err), 0);

	/* Run 1: its daemon is gone (pid 0 never matches). */
	rec = json_pack("{s:s, s:s, s:i, s:i, s:[{s:s, s:s, s:i, s:I}, "
	    "{s:s, s:s}, {s:s, s:s, s:[{s:s}, {s:s}]}]}",
	    "run", id1, "state", "running", "daemon_pid", 0, "daemon_start", 0,
	    "steps",
	    "name", "a", "state", "running", "pid", (int)victim, "pid_start",
	    (json_int_t)start,
	    "name", "b", "state", "pending",
	    "name", "c", "state", "running", "items", "state", "succeeded",
	    "state", "running");
	assert_int_equal(record_write(dir1, rec, false, &err), 0);
	json_decref(rec);
	/* Run 2: its daemon (this process) is alive. */
	rec = json_pack("{s:s, s:s, s:i, s:I, s:[]}", "run", id2, "state",
	    "running", "daemon_pid", (int)getpid(), "daemon_start",
	    (json_int_t)record_proc_start(getpid()), "steps");
	assert_int_equal(record_write(dir2, rec, true, &err), 0);
	json_decref(rec);
	/* Run 3: finished long ago. */
	rec = json_pack("{s:s, s:s, s:i, s:i, s:[]}", "run", id3, "state",
	    "failed", "daemon_pid", 0, "daemon_start", 0, "steps");
	assert_int_equal(record_write(dir3, rec, false, &err), 0);
	json_decref(rec);

	assert_int_equal(record_recover(f->state, NULL, ex, NULL, NULL), 1);

	back = record_read(dir1, &err);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "interrupted");
	assert_true(json_is_real(json_object_get(back, "finished")));
	steps = json_object_get(back, "steps");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 0), "state")), "interrupted");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 1), "state")), "pending");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 2), "state")), "interrupted");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(steps, 2), "items"), 0), "state")),
	    "succeeded");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(steps, 2), "items"), 1), "state")),
	    "interrupted");
	json_decref(back);

	/* The old step process was killed. */
	assert_int_equal(waitpid(victim, &status, 0), victim);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	back = record_read(dir2, &err);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "running");
	json_decref(back);
	back = record_read(dir3, &err);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "failed");
	json_decref(back);

	/* The index no longer lists the run whose folder is gone. */
	gone = record_index_find(f->state, "gonegg");
	assert_null(gone);
	assert_non_null((gone = record_index_find(f->state, id1)));
	free(gone);
	/* A second recovery finds nothing to do. */
	assert_int_equal(record_recover(f->state, NULL, ex, NULL, NULL), 0);

	executor_free(ex);
	event_base_free(base);
	free(id1);
	free(id2);
	free(id3);
	free(dir1);
	free(dir2);
	free(dir3);
}

/* The journal fills in what the last record write missed. */
static void
test_record_journal(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct note_executor nx = { .ex = { .ops = &note_ops } };
	json_t *rec, *back, *steps, *items;
	char *id, *dir, *path, *want;
	FILE *fp;

	loom_error_clear(&err);
	id = record_create(f->exp, f->state, &dir, &err);
	assert_non_null(id);
	assert_int_equal(record_index_add(f->state, id, dir, &err), 0);
	/* The daemon (this very process) holds "our" pid file. */
	rec = json_pack("{s:s, s:s, s:i, s:I, s:s, s:[{s:s, s:s}, "
	    "{s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:[{s:s}, {s:s}]}]}",
	    "run", id, "state", "running", "daemon_pid", (int)getpid(),
	    "daemon_start", (json_int_t)record_proc_start(getpid()),
	    "daemon_lock", "/x/loomd.sock.pid", "steps",
	    "name", "a", "state", "pending",
	    "name", "b b", "state", "pending",
	    "name", "c", "state", "pending",
	    "name", "d", "state", "pending", "items", "state", "pending",
	    "state", "pending");
	/* What an executor keeps of a unit comes back to it. */
	json_object_set_new(json_array_get(json_object_get(rec, "steps"), 0),
	    "job", json_string("4711"));
	assert_int_equal(record_write(dir, rec, false, &err), 0);
	json_decref(rec);
	record_journal_started(dir, "a", -1, 999999, 12345, 1.5);
	record_journal_started(dir, "b b", -1, 999998, 12346, 1.5);
	record_journal_ended(dir, "b b", -1, 0, 2.5, "succeeded");
	record_journal_started(dir, "d", 1, 999997, 12347, 1.5);
	/* A line the crash cut short, and one for an unknown step. */
	record_journal_started(dir, "nosuch", -1, 1, 1, 1.0);
	path = xasprintf("%s/%s", dir, RECORD_JOURNAL);
	assert_non_null(fp = fopen(path, "a"));
	fputs("E -1 0 3.0 succeeded c", fp);
	fclose(fp);

	/* Another pid file: the daemon is alive, nothing changes. */
	assert_int_equal(record_recover(f->state, "/y/loomd.sock.pid",
	    &nx.ex, NULL, NULL), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_string_equal(nx.notes, "");
	/* Our pid file: the recorded daemon is gone, whatever its pid. */
	assert_int_equal(record_recover(f->state, "/x/loomd.sock.pid",
	    &nx.ex, NULL, NULL), 1);
	assert_int_equal(access(path, F_OK), -1);
	/* The run's tag, then each unit left running (the loop's item 1). */
	want = xasprintf("[LOOM_RUN_ID=%s][pid 999999 job 4711][pid 999997 "
	    "job -]", id);
	assert_string_equal(nx.notes, want);
	free(want);

	back = record_read(dir, &err);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "interrupted");
	steps = json_object_get(back, "steps");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 0), "state")), "interrupted");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(steps, 0), "pid")), 999999);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 1), "state")), "succeeded");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(steps, 1), "exit_code")), 0);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 2), "state")), "pending");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(steps, 3), "state")), "interrupted");
	items = json_object_get(json_array_get(steps, 3), "items");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(items, 0), "state")), "pending");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(items, 1), "state")), "interrupted");
	json_decref(back);
	free(path);
	free(id);
	free(dir);
}

/* An adopter that takes every run offered, noting the job ids it saw. */
static bool
adopt_note(void *arg, json_t *rec, const char *run_dir)
{
	char *notes = arg;
	json_t *step, *item;
	size_t i, j;

	(void)run_dir;
	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		if (json_is_string(json_object_get(step, "job")))
			strcat(notes, json_string_value(json_object_get(step,
			    "job")));
		json_array_foreach(json_object_get(step, "items"), j, item)
			if (json_is_string(json_object_get(item, "job")))
				strcat(notes, json_string_value(
				    json_object_get(item, "job")));
		strcat(notes, ";");
	}
	return true;
}

/*
 * A job id journalled once sbatch answered ("J" lines) survives a crash
 * before the next record, and a run with running jobs goes to the
 * adopter, which keeps it: not interrupted, no unit of it recovered
 * (ended) by the executor.
 */
static void
test_record_adopt(void **state)
{
	struct fixture *f = *state;
	struct loom_error err;
	struct note_executor nx = { .ex = { .ops = &note_ops } };
	char notes[256] = "";
	json_t *rec, *back;
	char *id, *dir;

	loom_error_clear(&err);
	id = record_create(f->exp, f->state, &dir, &err);
	assert_non_null(id);
	assert_int_equal(record_index_add(f->state, id, dir, &err), 0);
	rec = json_pack("{s:s, s:s, s:i, s:i, s:[{s:s, s:s}, "
	    "{s:s, s:s, s:[{s:s}, {s:s}]}, {s:s, s:s}]}",
	    "run", id, "state", "running", "daemon_pid", 0, "daemon_start", 0,
	    "steps",
	    "name", "a", "state", "pending",
	    "name", "l", "state", "pending", "items", "state", "pending",
	    "state", "pending",
	    "name", "z", "state", "pending");
	assert_int_equal(record_write(dir, rec, false, &err), 0);
	json_decref(rec);
	record_journal_started(dir, "a", -1, -1, 0, 1.5);
	record_journal_job(dir, "a", -1, "41");
	record_journal_started(dir, "l", 1, -1, 0, 1.5);
	record_journal_job(dir, "l", 1, "42_1");
	record_journal_job(dir, "l", 0, "bad id");	/* refused */

	assert_int_equal(record_recover(f->state, NULL, &nx.ex, adopt_note,
	    notes), 0);
	assert_string_equal(notes, "41;42_1;;");
	assert_string_equal(nx.notes, "");
	/* Left as it was for the adopter to write. */
	back = record_read(dir, &err);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "state")),
	    "running");
	json_decref(back);
	free(id);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_ids, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_write_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_index, setup,
		    teardown),
		cmocka_unit_test(test_record_proc_identity),
		cmocka_unit_test_setup_teardown(test_record_recover, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_journal, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_adopt, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
