/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for what Loom hands to Slurm (loomd/slurm.c) and for the
 * execution:/resources: settings (common/model/resources.c): sbatch's argument
 * vector from merged settings, the parsing of sbatch --parsable, squeue,
 * sacct (job steps, array items, "CANCELLED by N", a step's
 * OUT_OF_MEMORY under a FAILED job), scontrol show config (accounting or
 * none) and exit-status answers, and the batch script, run for real:
 *  - by sh here: it enters a folder whose name needs quoting, runs the
 *    command with its own words, writes "exit N", and passes SIGTERM on
 *    to the command's process group;
 *  - through a real Slurm when SLURM_CONF names one (tests/slurm/start.sh;
 *    LOOM_SLURM_REQUIRED=1 makes its absence a failure, as in CI): the
 *    job's output and status file, squeue's listing of the running job
 *    by its run's name, and scancel ending it with its command's trap run.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/model/resources.h"
#include "common/util/xmalloc.h"
#include "loomd/slurm.h"

static void
set(struct resources *r, const char *key, const char *text)
{
	const char *hint;
	char msg[256];

	assert_true(resources_set(r, key, text, msg, sizeof msg, &hint));
}

static void
test_sbatch_argv(void **state)
{
	struct resources base = { 0 }, step = { 0 }, m;
	struct slurm_submit s = { 0 };
	struct strv av = { 0 };
	const char *hint;
	char msg[256];
	char *line;

	(void)state;
	set(&base, "partition", "gpu");
	set(&base, "time", "1:30:00");
	set(&base, "mem", "4G");
	set(&base, "account", "lab-42");
	assert_true(resources_add_extra(&base, "--constraint=avx2", msg,
	    sizeof msg, &hint));
	set(&step, "time", "2-00:00:00");
	set(&step, "cpus_per_task", "8");
	set(&step, "gpus", "a100:2");
	resources_merge(&m, &base, &step);
	s.run = "k3f9a2";
	s.script = "/p/.loom/runs/k3f9a2/slurm/train.sh";
	s.log = "/p/.loom/runs/k3f9a2/slurm/train.out";
	s.res = &m;
	slurm_sbatch_argv(&av, &s);
	line = xstrdup("");
	for (size_t i = 0; i < av.n; i++) {
		char *n = xasprintf("%s%s%s", line, i ? " " : "", av.v[i]);

		free(line);
		line = n;
	}
	assert_string_equal(line, "sbatch --parsable --job-name=loom-k3f9a2 "
	    "--no-requeue --output=/p/.loom/runs/k3f9a2/slurm/train.out "
	    "--open-mode=append --partition=gpu --time=2-00:00:00 --mem=4G "
	    "--cpus-per-task=8 --gpus=a100:2 --account=lab-42 "
	    "--constraint=avx2 /p/.loom/runs/k3f9a2/slurm/train.sh");
	free(line);
	strv_free(&av);

	/* A loop step's array, limited, after other jobs. */
	s.array = 20;
	s.array_max = 4;
	s.after = "101:102";
	slurm_sbatch_argv(&av, &s);
	assert_string_equal(av.v[12], "--array=0-19%4");
	assert_string_equal(av.v[13], "--dependency=afterok:101:102");
	assert_string_equal(av.v[14], "--kill-on-invalid-dep=yes");
	strv_free(&av);
	resources_free(&m);
	resources_free(&base);
	resources_free(&step);
}

static void
test_settings_checked(void **state)
{
	static const char *const good[][2] = {
		{ "time", "90" }, { "time", "90:30" }, { "time", "1:30:00" },
		{ "time", "2-12" }, { "time", "2-12:30" },
		{ "time", "2-12:30:00" }, { "time", "UNLIMITED" },
		{ "mem", "0" }, { "mem", "500M" }, { "mem", "64g" },
		{ "mem", "4096" }, { "gpus", "2" }, { "gpus", "a100:2" },
		{ "cpus_per_task", "1" }, { "partition", "gpu,long" },
	};
	static const char *const bad[][2] = {
		{ "time", "1h" }, { "time", "1:2:3:4" }, { "time", "-5" },
		{ "time", "" }, { "time", "2-" }, { "mem", "4GB" },
		{ "mem", "G" }, { "gpus", "two" }, { "gpus", ":2" },
		{ "cpus_per_task", "0" }, { "cpus_per_task", "1.5" },
		{ "partition", "gpu nodes" }, { "qos", "a;b" },
		{ "account", "" },
	};
	struct resources r = { 0 };
	const char *hint;
	char msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(resources_set(&r, good[i][0], good[i][1], msg,
		    sizeof msg, &hint));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(resources_set(&r, bad[i][0], bad[i][1], msg,
		    sizeof msg, &hint));
		assert_non_null(hint);
	}
	assert_false(resources_add_extra(&r, "--job-name=x", msg, sizeof msg,
	    &hint));
	assert_false(resources_add_extra(&r, "-t", msg, sizeof msg, &hint));
	assert_non_null(strstr(msg, "time:"));
	assert_false(resources_add_extra(&r, "exclusive", msg, sizeof msg,
	    &hint));
	assert_true(resources_add_extra(&r, "--exclusive", msg, sizeof msg,
	    &hint));
	resources_free(&r);
}

/*
 * Slurm's job states as squeue --states=all lists them (the shapes of
 * Slurm 22.05's answers), and what each tells a unit: a time limit, the
 * memory limit and a failed node are states of their own; a job that
 * ended normally says nothing beyond its exit status.
 */
static void
test_states(void **state)
{
	static const char answer[] =
	    "41|PENDING|Resources\n"
	    "42_3|RUNNING|None\n"
	    "43|COMPLETING|None\n"
	    "44|TIMEOUT|TimeLimit\n"
	    "45|OUT_OF_MEMORY|OutOfMemory\n"
	    "46|NODE_FAIL|NodeDown\n"
	    "47|CANCELLED|None\n"
	    "48|COMPLETED|None\n"
	    "49|FAILED|NonZeroExitCode\n"
	    "50|SUSPENDED|None\n";
	static const struct {
		const char *name;
		bool final;
	} want[] = {
		{ "pending", false }, { "running", false },
		{ "running", false }, { "timeout", true },
		{ "out_of_memory", true }, { "node_failure", true },
		{ "cancelled", true }, { NULL, true }, { NULL, true },
		{ NULL, false },
	};
	struct slurm_queued q[16];
	const char *name;
	size_t n, i, bad;
	bool final;

	(void)state;
	n = slurm_parse_squeue(answer, q, 16, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (i = 0; i < n; i++) {
		name = slurm_state_name(q[i].state, &final);
		if (want[i].name == NULL)
			assert_null(name);
		else
			assert_string_equal(name, want[i].name);
		assert_int_equal(final, want[i].final);
	}
	assert_string_equal(q[0].reason, "Resources");
	/* A state this version does not know: nothing, not final. */
	final = true;
	assert_null(slurm_state_name("REQUEUE_HOLD", &final));
	assert_false(final);
}

static void
test_parse(void **state)
{
	struct slurm_queued q[4];
	char id[SLURM_MAX_JOBID];
	size_t bad;

	(void)state;
	assert_true(slurm_parse_jobid("4242\n", id, sizeof id));
	assert_string_equal(id, "4242");
	assert_true(slurm_parse_jobid("77;cluster2\n", id, sizeof id));
	assert_string_equal(id, "77");
	assert_false(slurm_parse_jobid("sbatch: error: x\n", id, sizeof id));
	assert_false(slurm_parse_jobid("", id, sizeof id));

	assert_int_equal(slurm_parse_squeue("12|RUNNING|None\n"
	    "13_4|PENDING|Dependency\n\nnonsense\n14|COMPLETING|\n", q, 4,
	    &bad), 3);
	assert_int_equal(bad, 1);
	assert_string_equal(q[1].id, "13_4");
	assert_string_equal(q[1].state, "PENDING");
	assert_string_equal(q[1].reason, "Dependency");
	assert_string_equal(q[2].reason, "");
	assert_int_equal(slurm_parse_squeue("1|R|x\n2|R|x\n3|R|x\n", q, 2,
	    &bad), 2);

	assert_int_equal(slurm_parse_status("exit 0\n"), 0);
	assert_int_equal(slurm_parse_status("exit 143\n"), 143);
	assert_int_equal(slurm_parse_status("exit 256\n"), -1);
	assert_int_equal(slurm_parse_status("exit \n"), -1);
	assert_int_equal(slurm_parse_status("3\n"), -1);
}

struct job {
	char base[64];
	char dir[PATH_MAX];	/* a folder whose name needs quoting */
	char script[PATH_MAX + 32];
	char status[PATH_MAX + 32];
	char log[PATH_MAX + 32];
	char ready[PATH_MAX + 32];
};

/* Write the batch script of sh -c CODE (with $1 = the ready file). */
static void
job_make(struct job *j, const char *code)
{
	struct strv av = { 0 };
	char base[] = "/tmp/loom-slurm-test-XXXXXX";
	char *text;
	FILE *fp;

	assert_non_null(mkdtemp(base));
	assert_int_equal(chmod(base, 0755), 0);
	snprintf(j->base, sizeof j->base, "%s", base);
	snprintf(j->dir, sizeof j->dir, "%s/it's a dir", base);
	assert_int_equal(mkdir(j->dir, 0755), 0);
	snprintf(j->script, sizeof j->script, "%s/job.sh", base);
	snprintf(j->status, sizeof j->status, "%s/job.status", base);
	snprintf(j->log, sizeof j->log, "%s/job.out", base);
	snprintf(j->ready, sizeof j->ready, "%s/ready", base);
	strv_push(&av, "sh");
	strv_push(&av, "-c");
	strv_push(&av, code);
	strv_push(&av, "sh");
	strv_push(&av, j->ready);
	text = slurm_script("k3f9a2", "train", j->dir, &av, j->status);
	fp = fopen(j->script, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	free(text);
	strv_free(&av);
}

/* Remove what job_make and the job made. */
static void
job_clean(struct job *j)
{
	unlink(j->script);
	unlink(j->status);
	unlink(j->log);
	unlink(j->ready);
	rmdir(j->dir);
	assert_int_equal(rmdir(j->base), 0);
}

/* Wait (at most 120 s) until path exists; its content, owned. */
static char *
wait_file(const char *path)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char buf[4096];
	ssize_t n;
	int fd, i;

	for (i = 0; i < 6000; i++) {
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
			assert_true(n >= 0);
			buf[n] = '\0';
			return xstrdup(buf);
		}
		nanosleep(&ts, NULL);
	}
	fail_msg("%s never appeared", path);
	return NULL;
}

/* Run argv, its standard output into *out (owned); its exit status. */
static int
run_capture(const struct strv *av, char **out)
{
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp(av->v[0], av->v);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	*out = xstrdup(buf);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sacct --parsable2 answers as Slurm 22.05 writes them. */
static void
test_sacct(void **state)
{
	static const char out[] =
	    "123|COMPLETED|0:0\n"
	    "123.batch|COMPLETED|0:0\n"
	    "123.extern|COMPLETED|0:0\n"
	    "124|OUT_OF_MEMORY|0:125\n"
	    "124.batch|OUT_OF_MEMORY|0:125\n"
	    "125|TIMEOUT|0:0\n"
	    "125.batch|CANCELLED|0:15\n"
	    "126|CANCELLED by 1000|0:0\n"
	    "127_4|FAILED|3:0\n"
	    "127_4.batch|FAILED|3:0\n"
	    "128|NODE_FAIL|0:0\n"
	    "129|FAILED|1:0\n"
	    "129.batch|OUT_OF_MEMORY|0:125\n"
	    "130|RUNNING|0:0\n"
	    "131_[5-9]|PENDING|0:0\n"
	    "\n"
	    "not a line\n"
	    "132|FAILED|x:0\n"
	    "133|FAILED|1:0|extra\n";
	struct slurm_acct a[32];
	const struct slurm_acct *l;
	const char *name;
	struct strv argv;
	const char *ids[] = { "123", "127_4" };
	size_t n, bad;

	(void)state;
	n = slurm_parse_sacct(out, a, 32, &bad);
	assert_int_equal(n, 15);
	assert_int_equal(bad, 3);
	assert_string_equal(a[1].id, "123");
	assert_string_equal(a[1].step, "batch");
	assert_string_equal(a[7].state, "CANCELLED");
	assert_string_equal(a[8].id, "127_4");
	assert_int_equal(a[8].code, 3);
	assert_int_equal(a[6].sig, 15);

	l = slurm_acct_ended(a, n, "123", &name);
	assert_non_null(l);
	assert_null(name);
	assert_int_equal(l->code, 0);
	l = slurm_acct_ended(a, n, "124", &name);
	assert_string_equal(name, "out_of_memory");
	l = slurm_acct_ended(a, n, "125", &name);
	assert_string_equal(name, "timeout");
	assert_string_equal(l->step, "");
	l = slurm_acct_ended(a, n, "126", &name);
	assert_string_equal(name, "cancelled");
	l = slurm_acct_ended(a, n, "127_4", &name);
	assert_null(name);
	assert_int_equal(l->code, 3);
	assert_null(slurm_acct_ended(a, n, "127", &name));
	l = slurm_acct_ended(a, n, "128", &name);
	assert_string_equal(name, "node_failure");
	/* FAILED, and the batch step says why. */
	l = slurm_acct_ended(a, n, "129", &name);
	assert_string_equal(name, "out_of_memory");
	assert_string_equal(l->step, "batch");
	assert_null(slurm_acct_ended(a, n, "130", &name));
	assert_null(slurm_acct_ended(a, n, "999", &name));
	/* A line cut short at the end, and CRLF. */
	n = slurm_parse_sacct("7|TIMEOUT|0:0\r\n8|COMPLETED|0:", a, 32, &bad);
	assert_int_equal(n, 1);
	assert_int_equal(bad, 1);

	strv_init(&argv);
	slurm_sacct_argv(&argv, ids, 2);
	assert_int_equal(argv.n, 5);
	assert_string_equal(argv.v[0], "sacct");
	assert_string_equal(argv.v[3], "--jobs=123,127_4");
	assert_string_equal(argv.v[4], "--format=JobID,State,ExitCode");
	strv_free(&argv);
}

/* scontrol show config: accounting, or none. */
static void
test_accounting(void **state)
{
	(void)state;
	assert_false(slurm_has_accounting(
	    "Configuration data as of 2026-12-06T20:00:00\n"
	    "AccountingStorageBackupHost = (null)\n"
	    "AccountingStorageEnforce = none\n"
	    "AccountingStorageType   = accounting_storage/none\n"
	    "AccountingStorageUser   = root\n"));
	assert_true(slurm_has_accounting(
	    "AccountingStorageEnforce = associations\n"
	    "AccountingStorageType   = accounting_storage/slurmdbd\n"));
	assert_false(slurm_has_accounting("ClusterName = x\n"));
	assert_false(slurm_has_accounting(""));
	assert_false(slurm_has_accounting("AccountingStorageType =\n"));
}

static void
test_script_runs_here(void **state)
{
	struct job j;
	char *got, *out;
	pid_t pid;
	int st;

	(void)state;
	/* The command's words, its folder and its exit status. */
	job_make(&j, "pwd; printf '[%s]\\n' \"$1\"; exit 3");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(j.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execl("/bin/sh", "sh", j.script, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	got = wait_file(j.status);
	assert_string_equal(got, "exit 3\n");
	free(got);
	out = wait_file(j.log);
	got = xasprintf("%s\n[%s]\n", j.dir, j.ready);
	assert_string_equal(out, got);
	free(out);
	free(got);
	job_clean(&j);

	/* SIGTERM to the script reaches the command's own trap. */
	job_make(&j, "trap 'echo got-term; exit 7' TERM; : >\"$1\"; "
	    "while :; do sleep 0.05; done");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(j.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execl("/bin/sh", "sh", j.script, (char *)NULL);
		_exit(127);
	}
	free(wait_file(j.ready));
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	got = wait_file(j.status);
	assert_string_equal(got, "exit 7\n");
	free(got);
	out = wait_file(j.log);
	assert_non_null(strstr(out, "got-term"));
	free(out);
	job_clean(&j);
}

/* Submit j through sbatch; its job id into id. */
static void
job_submit(struct job *j, char *id)
{
	struct resources r = { 0 };
	struct slurm_submit s = { 0 };
	struct strv av = { 0 };
	char *out;

	set(&r, "time", "5");
	s.run = "k3f9a2";
	s.script = j->script;
	s.log = j->log;
	s.res = &r;
	slurm_sbatch_argv(&av, &s);
	assert_int_equal(run_capture(&av, &out), 0);
	assert_true(slurm_parse_jobid(out, id, SLURM_MAX_JOBID));
	free(out);
	strv_free(&av);
	resources_free(&r);
}

static bool
slurm_here(void)
{
	const char *req = getenv("LOOM_SLURM_REQUIRED");

	if (getenv("SLURM_CONF") != NULL && access(getenv("SLURM_CONF"),
	    R_OK) == 0)
		return true;
	if (req != NULL && strcmp(req, "1") == 0)
		fail_msg("LOOM_SLURM_REQUIRED=1 but SLURM_CONF names no "
		    "readable slurm.conf (tests/slurm/start.sh)");
	return false;
}

static void
test_script_through_slurm(void **state)
{
	struct slurm_queued q[16];
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct strv av = { 0 };
	struct job j;
	const char *ids[1];
	char id[SLURM_MAX_JOBID], *got, *out;
	size_t n, bad, i;
	int tries;
	bool running = false;

	(void)state;
	if (!slurm_here()) {
		skip();
		return;
	}
	/* A job that succeeds with output, its words and folder kept. */
	job_make(&j, "pwd; printf '[%s]\\n' \"$1\"; exit 0");
	job_submit(&j, id);
	got = wait_file(j.status);
	assert_string_equal(got, "exit 0\n");
	free(got);
	out = wait_file(j.log);
	got = xasprintf("%s\n[%s]\n", j.dir, j.ready);
	assert_non_null(strstr(out, got));
	free(out);
	free(got);
	job_clean(&j);

	/* A job that waits: listed by its run's name, then cancelled. */
	job_make(&j, "trap 'echo got-term; exit 7' TERM; : >\"$1\"; "
	    "while :; do sleep 0.05; done");
	job_submit(&j, id);
	free(wait_file(j.ready));
	slurm_squeue_argv(&av, "k3f9a2");
	for (tries = 0; tries < 600 && !running; tries++) {
		assert_int_equal(run_capture(&av, &out), 0);
		n = slurm_parse_squeue(out, q, 16, &bad);
		assert_int_equal(bad, 0);
		for (i = 0; i < n; i++)
			if (strcmp(q[i].id, id) == 0 &&
			    strcmp(q[i].state, "RUNNING") == 0)
				running = true;
		free(out);
		if (!running)
			nanosleep(&ts, NULL);
	}
	assert_true(running);
	strv_free(&av);
	ids[0] = id;
	slurm_scancel_argv(&av, ids, 1);
	assert_int_equal(run_capture(&av, &out), 0);
	free(out);
	strv_free(&av);
	got = wait_file(j.status);
	assert_string_equal(got, "exit 7\n");
	free(got);
	job_clean(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbatch_argv),
		cmocka_unit_test(test_settings_checked),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_sacct),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_script_runs_here),
		cmocka_unit_test(test_script_through_slurm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
