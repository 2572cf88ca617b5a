/* SPDX-License-Identifier: MIT */
/*
 * The Slurm executor (executor.h, docs/slurm.md): a unit is one batch
 * job. Its batch script (slurm.c) goes to <run folder>/slurm/<name>.sh,
 * its output to <name>.out and its exit status to <name>.status beside
 * it. Slurm's own commands (sbatch, squeue, scancel) run as units of the
 * local executor, as argument vectors, and their answers come back
 * through its callbacks: nothing here waits on the loop.
 *
 * One timer ticks every SX_TICK_MS while there are jobs. Each tick reads
 * what the jobs' output files gained (one fstat each, a read only when
 * the size grew; handed to on_output in order) and looks for their
 * status files: a status file ends its job. Those are
 * local file reads; the cluster is asked only by squeue, at most once
 * per run at a time, filtered by the run's job name, every 2 s at first
 * and twice as long each time nothing changed, up to 30 s. A job that
 * has left squeue without a status file is "lost" after SX_LOST_MS (or
 * "cancelled" at once when Loom cancelled it). Cancels are gathered and
 * sent as one scancel per run at the end of the loop pass.
 *
 * squeue lists ended jobs too (--states=all) while Slurm keeps them: a
 * job whose status file says it failed is ended only once squeue has
 * told how (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL...; at once when it no
 * longer lists the job), so that its state says more than an exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "common/model/command.h"
#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/util/log.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"
#include "loomd/executor.h"
#include "loomd/loomd.h"
#include "loomd/slurm.h"

#define SX_TICK_MS	500		/* output and status files */
#define SX_POLL_MIN_MS	2000		/* squeue, after a change */
#define SX_POLL_MAX_MS	30000		/* squeue, when nothing changes */
#define SX_LOST_MS	60000		/* gone from squeue, no status file */
#define SX_CMD_MAX	(1024 * 1024)	/* bytes kept of a command's output */
#define SX_READ_MAX	(1024 * 1024)	/* output bytes read per job a tick */
/* squeue's reason for a job a failed dependency cancelled. */
#define SX_NEVER	"DependencyNeverSatisfied"

struct sx_run;
struct sx_job;

/* One of Slurm's commands, running as a local unit. */
struct sx_cmd {
	struct slurm_executor *sx;
	uint64_t unit;			/* the local executor's id */
	char *out;			/* what it printed (stdout and stderr) */
	size_t len;
	void (*done)(struct sx_cmd *cmd, int status);
	struct sx_job **jobs;		/* sbatch: its jobs (NULL: released) */
	size_t njobs;
	struct sx_run *run;		/* squeue: its run */
	uint64_t gen;			/* squeue: its number in the run */
	struct sx_cmd *prev;
	struct sx_cmd *next;
};

struct sx_job {
	uint64_t id;
	struct sx_run *run;
	char jobid[SLURM_MAX_JOBID];	/* "" until sbatch answered */
	char *script;			/* its batch script */
	char *out;			/* the job's output file */
	char *status;			/* its exit-status file */
	char *tag;			/* the unit's LOOM_STEP_ID=... */
	char *group;			/* its job array's stem, or NULL */
	long array_max;			/* items of its array running at once */
	struct resources res;		/* what it asks for */
	struct strv env;		/* sbatch's, passed on to the job */
	bool waiting;			/* for the next submission flush */
	uint64_t *after;		/* units it depends on; 0: ended ok */
	size_t nafter;
	bool doomed;			/* one of them failed before it left */
	int fd;				/* out, once opened; else -1 */
	off_t off;			/* bytes of out handed on */
	struct sx_cmd *submit;		/* sbatch, while it runs */
	uint64_t listed_from;		/* squeue numbers from here list it */
	uint64_t gone_ms;		/* missed by squeue since, or 0 */
	bool cancelled;			/* scancel asked for */
	bool cancel_sent;		/* and scancel started */
	int code;			/* failed: its status, awaiting squeue */
	char state[32];			/* the last state told, "" */
	char ended[32];			/* how Slurm ended it, status unseen */
	bool acct_asked;		/* gone: sacct was asked about it */
	int acct_code;			/* COMPLETED for sacct: its code */
	executor_output_cb on_output;
	executor_done_cb on_done;
	executor_state_cb on_state;
	void *arg;
	struct sx_job *next;
};

struct sx_run {
	struct slurm_executor *sx;
	char *id;
	char *dir;			/* <run folder>/slurm */
	char *cwd;
	struct strv env;		/* for squeue and scancel */
	struct sx_job *jobs;
	struct strv cancels;		/* job ids for the next scancel */
	struct sx_cmd *squeue;		/* running, or NULL */
	struct sx_cmd *sacct;		/* running, or NULL */
	size_t ncmds;			/* its commands still running */
	uint64_t gen;			/* squeue calls started */
	unsigned long long arrays;	/* job arrays submitted */
	uint64_t next_poll_ms;
	uint64_t interval_ms;
	struct sx_run *next;
};

/* Whether Slurm keeps accounting (sacct), asked once per daemon. */
enum sx_acct {
	SX_ACCT_UNKNOWN,
	SX_ACCT_ASKING,			/* scontrol show config runs */
	SX_ACCT_NONE,
	SX_ACCT_YES,
};

struct slurm_executor {
	struct executor ex;		/* first: ops */
	struct executor *local;
	enum sx_acct acct;
	struct event *ev_tick;
	struct event *ev_flush;		/* sends gathered cancels */
	struct event *ev_submit;	/* submits the jobs started */
	struct sx_run *runs;
	struct sx_cmd *cmds;
	uint64_t next_id;
};

static void	sx_cmd_on_output(void *arg, const char *data, size_t len);
static void	sx_cmd_on_done(void *arg, int status);
static void	sx_job_ended_before(const struct sx_job *job, int status);
static void	sx_job_finish(struct sx_job *job, int status,
		    const char *state, const char *detail);

/* Run one of Slurm's commands for r; NULL with err set. */
static struct sx_cmd *
sx_cmd_start(struct sx_run *r, const struct strv *argv,
    const char *const *envp, void (*done)(struct sx_cmd *, int),
    struct loom_error *err)
{
	struct slurm_executor *sx = r->sx;
	struct executor_spec spec;
	struct executor_started started;
	struct sx_cmd *cmd;

	cmd = xcalloc(1, sizeof *cmd);
	cmd->sx = sx;
	cmd->done = done;
	cmd->run = r;
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)argv->v;
	spec.envp = envp != NULL ? envp : (const char *const *)r->env.v;
	spec.cwd = r->cwd;
	spec.on_output = sx_cmd_on_output;
	spec.on_done = sx_cmd_on_done;
	spec.arg = cmd;
	if (executor_start(sx->local, &spec, &started, err) == -1) {
		free(cmd);
		return NULL;
	}
	cmd->unit = started.id;
	r->ncmds++;
	cmd->next = sx->cmds;
	if (sx->cmds != NULL)
		sx->cmds->prev = cmd;
	sx->cmds = cmd;
	return cmd;
}

static void
sx_cmd_on_output(void *arg, const char *data, size_t len)
{
	struct sx_cmd *cmd = arg;

	if (cmd->len + len > SX_CMD_MAX)
		len = SX_CMD_MAX - cmd->len;
	if (len == 0)
		return;
	cmd->out = xrealloc(cmd->out, cmd->len + len + 1);
	memcpy(cmd->out + cmd->len, data, len);
	cmd->len += len;
	cmd->out[cmd->len] = '\0';
}

static void
sx_cmd_unlink(struct sx_cmd *cmd)
{
	struct slurm_executor *sx = cmd->sx;

	if (cmd->prev != NULL)
		cmd->prev->next = cmd->next;
	else
		sx->cmds = cmd->next;
	if (cmd->next != NULL)
		cmd->next->prev = cmd->prev;
}

static void
sx_cmd_on_done(void *arg, int status)
{
	struct sx_cmd *cmd = arg;

	sx_cmd_unlink(cmd);
	cmd->run->ncmds--;
	if (cmd->out == NULL)
		cmd->out = xstrdup("");
	cmd->done(cmd, status);
	free(cmd->out);
	free(cmd);
}

/* The last non-empty line of text, trimmed, into buf. */
static void
sx_last_line(const char *text, char *buf, size_t len)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static struct sx_run *
sx_run_find(struct slurm_executor *sx, const char *id)
{
	struct sx_run *r;

	for (r = sx->runs; r != NULL; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

/* The run of spec, made (with its slurm folder) when new. */
static struct sx_run *
sx_run_get(struct slurm_executor *sx, const struct executor_spec *spec,
    struct loom_error *err)
{
	struct sx_run *r = sx_run_find(sx, spec->run);
	char *dir;
	size_t i, tl = strlen(spec->tag);

	if (r != NULL)
		return r;
	dir = xasprintf("%s/slurm", spec->dir);
	if (fileio_mkdirs(dir, 0755, err) == -1) {
		free(dir);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->sx = sx;
	r->id = xstrdup(spec->run);
	r->dir = dir;
	r->cwd = xstrdup(spec->cwd);
	strv_init(&r->env);
	strv_init(&r->cancels);
	for (i = 0; spec->envp[i] != NULL; i++)
		if (strncmp(spec->envp[i], spec->tag, tl) != 0)
			strv_push(&r->env, spec->envp[i]);
	r->interval_ms = SX_POLL_MIN_MS;
	r->next = sx->runs;
	sx->runs = r;
	return r;
}

static void
sx_run_free(struct sx_run *r)
{
	struct sx_run **pp;

	for (pp = &r->sx->runs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r->id);
	free(r->dir);
	free(r->cwd);
	strv_free(&r->env);
	strv_free(&r->cancels);
	free(r);
}

/* Ask for scancel of job id with the next flush. */
static void
sx_cancel_id(struct sx_run *r, const char *jobid)
{
	strv_push(&r->cancels, jobid);
	event_active(r->sx->ev_flush, EV_TIMEOUT, 0);
}

static void
sx_scancel_done(struct sx_cmd *cmd, int status)
{
	if (status != 0)
		log_warn("scancel failed (status %d): %s", status, cmd->out);
}

/* Tell the run's jobs whose cancel is now on its way that it is. */
static void
sx_cancel_sent(struct sx_run *r, const char *how)
{
	struct sx_job *job;

	for (job = r->jobs; job != NULL; job = job->next) {
		if (!job->cancelled || job->cancel_sent ||
		    job->jobid[0] == '\0')
			continue;
		job->cancel_sent = true;
		if (job->on_state != NULL)
			job->on_state(job->arg, "cancel_sent", how);
	}
}

/* Send every run's gathered cancels, one scancel per run. */
static void
sx_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slurm_executor *sx = arg;
	struct sx_run *r;
	struct strv argv;
	struct loom_error err;

	(void)fd;
	(void)what;
	for (r = sx->runs; r != NULL; r = r->next) {
		if (r->cancels.n == 0)
			continue;
		strv_init(&argv);
		slurm_scancel_argv(&argv, (const char *const *)r->cancels.v,
		    r->cancels.n);
		loom_error_clear(&err);
		if (sx_cmd_start(r, &argv, NULL, sx_scancel_done, &err) ==
		    NULL)
			log_warn("run %s: %s", r->id, err.message);
		else {
			log_info("run %s: scancel of %zu job(s) sent to Slurm",
			    r->id, r->cancels.n);
			sx_cancel_sent(r, "scancel");
		}
		strv_free(&argv);
		strv_free(&r->cancels);
		strv_init(&r->cancels);
	}
}

static struct sx_job *
sx_job_find(struct slurm_executor *sx, uint64_t id)
{
	struct sx_run *r;
	struct sx_job *j;

	for (r = sx->runs; r != NULL; r = r->next)
		for (j = r->jobs; j != NULL; j = j->next)
			if (j->id == id)
				return j;
	return NULL;
}

static void
sx_job_free(struct sx_job *job)
{
	if (job->fd != -1)
		close(job->fd);
	free(job->script);
	free(job->out);
	free(job->status);
	free(job->tag);
	free(job->group);
	free(job->after);
	resources_free(&job->res);
	strv_free(&job->env);
	free(job);
}

/* Items of an array in the order they were started. */
static int
sx_job_cmp(const void *a, const void *b)
{
	const struct sx_job *x = *(struct sx_job *const *)a;
	const struct sx_job *y = *(struct sx_job *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void
sx_sort(struct sx_job **jobs, size_t n)
{
	qsort(jobs, n, sizeof *jobs, sx_job_cmp);
}

/* Take job out of its run and free it. */
static void
sx_job_drop(struct sx_job *job)
{
	struct sx_run *r = job->run;
	struct sx_job **pp;
	size_t i;

	for (pp = &r->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	if (job->submit != NULL)
		for (i = 0; i < job->submit->njobs; i++)
			if (job->submit->jobs[i] == job)
				job->submit->jobs[i] = NULL;
	sx_job_free(job);
}

/*
 * Hand what the job's output file gained to on_output: all when final,
 * else at most SX_READ_MAX bytes, and nothing read unless its size grew.
 */
static void
sx_job_tail(struct sx_job *job, bool final)
{
	char buf[65536];
	struct stat st;
	off_t end = 0;
	size_t want;
	ssize_t n;

	if (job->fd == -1)
		job->fd = open(job->out, O_RDONLY | O_CLOEXEC);
	if (job->fd == -1)
		return;
	if (!final) {
		if (fstat(job->fd, &st) == -1 || st.st_size <= job->off)
			return;
		end = st.st_size - job->off > SX_READ_MAX ?
		    job->off + SX_READ_MAX : st.st_size;
	}
	while (final || job->off < end) {
		want = final || end - job->off > (off_t)sizeof buf ?
		    sizeof buf : (size_t)(end - job->off);
		n = read(job->fd, buf, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		job->off += n;
		job->on_output(job->arg, buf, (size_t)n);
	}
}

/*
 * Whether the job's output ends with slurmstepd's word that it killed the
 * job for its memory (JobAcctGatherParams=OverMemoryKill): Slurm then
 * lists the job FAILED, not OUT_OF_MEMORY, and no status file comes.
 * Only the last SX_OOM_TAIL bytes are read.
 */
#define SX_OOM_TAIL	8192

static bool
sx_job_over_memory(const struct sx_job *job)
{
	char buf[SX_OOM_TAIL + 1];
	struct stat st;
	off_t from;
	ssize_t n;
	int fd;

	if ((fd = open(job->out, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return false;
	}
	from = st.st_size > SX_OOM_TAIL ? st.st_size - SX_OOM_TAIL : 0;
	n = pread(fd, buf, SX_OOM_TAIL, from);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return memmem(buf, (size_t)n, "slurmstepd", 10) != NULL &&
	    memmem(buf, (size_t)n, "xceeded job memory limit", 24) != NULL;
}

/* The job's exit status from its status file, or -1 when none yet. */
static int
sx_job_status(const struct sx_job *job)
{
	struct loom_error err;
	char *text;
	int code;

	loom_error_clear(&err);
	text = fileio_read(job->status, 64, NULL, &err);
	if (text == NULL)
		return -1;
	code = slurm_parse_status(text);
	free(text);
	return code;
}

/*
 * Job ended with status: the jobs not yet submitted that depend on it
 * need not wait for it (it succeeded), or will never run (it failed).
 */
static void
sx_job_ended_before(const struct sx_job *job, int status)
{
	struct sx_job *j;
	size_t i;

	for (j = job->run->jobs; j != NULL; j = j->next) {
		if (j->jobid[0] != '\0' || j->submit != NULL)
			continue;
		for (i = 0; i < j->nafter; i++) {
			if (j->after[i] != job->id)
				continue;
			j->after[i] = 0;
			if (status != 0)
				j->doomed = true;
			event_active(job->run->sx->ev_submit, EV_TIMEOUT, 0);
		}
	}
}

/*
 * The job has ended: its last output, then done. state and detail go to
 * on_state first when not NULL.
 */
static void
sx_job_finish(struct sx_job *job, int status, const char *state,
    const char *detail)
{
	executor_done_cb done = job->on_done;
	void *arg = job->arg;

	sx_job_ended_before(job, status);
	sx_job_tail(job, true);
	if (state != NULL && job->on_state != NULL)
		job->on_state(job->arg, state, detail);
	sx_job_drop(job);
	done(arg, status);
}

/* A job's sbatch answered with its id (array item i, or -1). */
static void
sx_job_submitted(struct sx_job *job, const char *id, long i)
{
	int n;

	if (i >= 0)
		n = snprintf(job->jobid, sizeof job->jobid, "%s_%ld", id, i);
	else
		n = snprintf(job->jobid, sizeof job->jobid, "%s", id);
	if (n < 0 || (size_t)n >= sizeof job->jobid)
		log_warn("run %s: job id %s cut short", job->run->id, id);
	log_info("run %s: job %s submitted", job->run->id, job->jobid);
	if (job->on_state != NULL)
		job->on_state(job->arg, "submitted", job->jobid);
	job->listed_from = job->run->gen + 1;
	job->run->interval_ms = SX_POLL_MIN_MS;
	job->run->next_poll_ms = loomd_now_ms() + SX_POLL_MIN_MS;
	if (job->cancelled)
		sx_cancel_id(job->run, job->jobid);
}

/* sbatch answered: the job id, or why its jobs were refused. */
static void
sx_sbatch_done(struct sx_cmd *cmd, int status)
{
	char line[512], id[SLURM_MAX_JOBID], *msg;
	struct sx_job *job;
	bool ok, taken = false;
	size_t i;

	sx_last_line(cmd->out, line, sizeof line);
	ok = status == 0 && slurm_parse_jobid(line, id, sizeof id);
	msg = ok ? NULL : xasprintf("sbatch refused the job (%s %d): %s",
	    WIFEXITED(status) ? "exit status" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	    cmd->len > 0 ? cmd->out : "no message\n");
	for (i = 0; i < cmd->njobs; i++) {
		if ((job = cmd->jobs[i]) == NULL) {
			/* Released while submitting: take it back. */
			if (ok && !taken)
				sx_cancel_id(cmd->run, id);
			taken = true;
			continue;
		}
		job->submit = NULL;
		cmd->jobs[i] = NULL;
		if (ok)
			sx_job_submitted(job, id, cmd->njobs > 1 ? (long)i : -1);
		else {
			job->on_output(job->arg, msg, strlen(msg));
			sx_job_finish(job, W_EXITCODE(1, 0), "error", msg);
		}
	}
	free(cmd->jobs);
	free(msg);
	/* Jobs held for these ids may go now. */
	if (ok)
		event_active(cmd->sx->ev_submit, EV_TIMEOUT, 0);
}

/* Write the batch script of a job; -1 with err set. */
static int
sx_write_script(const char *path, const struct executor_spec *spec,
    const char *status, struct loom_error *err)
{
	struct strv argv;
	char *script;
	size_t i;
	int rc;

	strv_init(&argv);
	for (i = 0; spec->argv[i] != NULL; i++)
		strv_push(&argv, spec->argv[i]);
	script = slurm_script(spec->run, spec->name, spec->cwd, &argv,
	    status);
	rc = fileio_write_replace(path, script, strlen(script), 0644, err);
	free(script);
	strv_free(&argv);
	return rc;
}

/* Make path an empty file; -1 with err set. */
static int
sx_empty(const char *path, struct loom_error *err)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		loom_error_set(err, NULL, 0, 0, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Files of a new job: script written, old status gone, output empty. */
static int
sx_job_files(struct sx_job *job, const struct executor_spec *spec,
    struct loom_error *err)
{
	if (sx_write_script(job->script, spec, job->status, err) == -1)
		return -1;
	if (unlink(job->status) == -1 && errno != ENOENT) {
		loom_error_set(err, NULL, 0, 0, "cannot remove %s: %s",
		    job->status, strerror(errno));
		return -1;
	}
	return sx_empty(job->out, err);
}

/* The stem of a unit's files: its name without ".log". */
static char *
sx_stem(const struct sx_run *r, const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".log") == 0)
		n -= 4;
	return xasprintf("%s/%.*s", r->dir, (int)n, name);
}

/*
 * The script of a job array and its manifest: item i runs the batch
 * script on line i + 1, with its own LOOM_STEP_ID. -1 with err set.
 */
static int
sx_array_files(struct sx_run *r, struct sx_job **jobs, size_t n,
    const char *stem, struct loom_error *err)
{
	char *manifest, *text, *line, *script, *q;
	size_t i;
	int rc;

	manifest = xasprintf("%s.manifest", stem);
	text = xstrdup("");
	for (i = 0; i < n; i++) {
		line = xasprintf("%s%s\t%s\n", text, jobs[i]->tag,
		    jobs[i]->script);
		free(text);
		text = line;
	}
	rc = fileio_write_replace(manifest, text, strlen(text), 0644, err);
	free(text);
	q = command_quote_word(manifest);
	script = xasprintf("#!/bin/sh\n"
	    "# Written by loomd for run %s: item N of this job array runs\n"
	    "# the batch script on line N + 1 of the manifest.\n"
	    "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" %s)\n"
	    "export \"${line%%%%\t*}\"\n"
	    "exec /bin/sh \"${line#*\t}\"\n", r->id, q);
	free(q);
	free(manifest);
	line = xasprintf("%s.sh", stem);
	if (rc == 0)
		rc = fileio_write_replace(line, script, strlen(script), 0644,
		    err);
	free(line);
	free(script);
	return rc;
}

/* Whether the ":"-joined list ids holds id. */
static bool
sx_ids_hold(const char *ids, const char *id)
{
	size_t n = strlen(id);
	const char *p;

	for (p = ids; p != NULL; p = strchr(p, ':'), p = p != NULL ? p + 1 :
	    NULL)
		if (strncmp(p, id, n) == 0 && (p[n] == ':' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * Whether job must wait for a job it depends on to have an id. When
 * not, *ids is the ids of the jobs it depends on still going (an array
 * item's: its array's), ":"-joined, or NULL for none.
 */
static bool
sx_job_held(struct sx_job *job, char **ids)
{
	struct sx_job *dep;
	char base[SLURM_MAX_JOBID], *us, *t;
	size_t i;

	*ids = NULL;
	for (i = 0; i < job->nafter; i++) {
		if (job->after[i] == 0)
			continue;
		if ((dep = sx_job_find(job->run->sx, job->after[i])) == NULL) {
			job->after[i] = 0;	/* released with its run */
			continue;
		}
		if (dep->jobid[0] == '\0') {
			free(*ids);
			*ids = NULL;
			return true;
		}
		snprintf(base, sizeof base, "%s", dep->jobid);
		if ((us = strchr(base, '_')) != NULL)
			*us = '\0';
		if (*ids != NULL && sx_ids_hold(*ids, base))
			continue;
		t = *ids == NULL ? xstrdup(base) : xasprintf("%s:%s", *ids,
		    base);
		free(*ids);
		*ids = t;
	}
	return false;
}

/*
 * Submit jobs[0..n) with one sbatch: a plain job when n is 1, else one
 * job array whose item i is jobs[i] (outputs to <stem>.<i>.out). The
 * jobs that cannot be submitted end with the error.
 */
static void
sx_submit(struct sx_run *r, struct sx_job **jobs, size_t n)
{
	struct slurm_submit sub;
	struct loom_error err;
	struct strv argv;
	struct sx_cmd *cmd;
	char *stem = NULL, *script = NULL, *log = NULL, *after;
	size_t i;

	loom_error_clear(&err);
	memset(&sub, 0, sizeof sub);
	(void)sx_job_held(jobs[0], &after);	/* the items share theirs */
	sub.after = after;
	sub.run = r->id;
	sub.res = &jobs[0]->res;
	sub.script = jobs[0]->script;
	sub.log = jobs[0]->out;
	if (n > 1) {
		stem = xasprintf("%s.array%llu", jobs[0]->group,
		    (unsigned long long)++r->arrays);
		script = xasprintf("%s.sh", stem);
		log = xasprintf("%s.%%a.out", stem);
		sub.script = script;
		sub.log = log;
		sub.array = n;
		sub.array_max = jobs[0]->array_max;
		for (i = 0; i < n; i++) {
			free(jobs[i]->out);
			jobs[i]->out = xasprintf("%s.%zu.out", stem, i);
			if (sx_empty(jobs[i]->out, &err) == -1)
				break;
		}
		if (!err.set)
			(void)sx_array_files(r, jobs, n, stem, &err);
	}
	strv_init(&argv);
	slurm_sbatch_argv(&argv, &sub);
	cmd = err.set ? NULL : sx_cmd_start(r, &argv,
	    (const char *const *)jobs[0]->env.v, sx_sbatch_done, &err);
	strv_free(&argv);
	free(stem);
	free(script);
	free(log);
	free(after);
	if (cmd != NULL) {
		cmd->jobs = xcalloc(n, sizeof *cmd->jobs);
		cmd->njobs = n;
	}
	for (i = 0; i < n; i++) {
		jobs[i]->waiting = false;
		if (cmd != NULL) {
			cmd->jobs[i] = jobs[i];
			jobs[i]->submit = cmd;
		} else
			sx_job_finish(jobs[i], W_EXITCODE(1, 0), "error",
			    err.message);
	}
}

/*
 * Submit the jobs started since the last flush: those of one group (the
 * items of a loop step) with one sbatch as a job array, the others one
 * by one. A job cancelled before it was submitted ends at once.
 */
static void
sx_submit_run(struct sx_run *r)
{
	struct sx_job *job, **batch = NULL;
	size_t n = 0, cap = 0;
	const char *group;
	char *after;

	for (;;) {
		group = NULL;
		n = 0;
		for (job = r->jobs; job != NULL; job = job->next) {
			if (!job->waiting || job->cancelled || job->doomed)
				continue;
			if (sx_job_held(job, &after))
				continue;
			free(after);
			if (n > 0 && (group == NULL || job->group == NULL ||
			    strcmp(group, job->group) != 0))
				continue;
			if (n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				batch = xreallocarray(batch, cap,
				    sizeof *batch);
			}
			batch[n++] = job;
			group = job->group;
			if (group == NULL)
				break;
		}
		if (n == 0)
			break;
		sx_sort(batch, n);
		sx_submit(r, batch, n);
	}
	free(batch);
	do {
		for (job = r->jobs; job != NULL; job = job->next)
			if (job->waiting && (job->cancelled || job->doomed))
				break;
		if (job != NULL)
			sx_job_finish(job, SIGTERM, "cancelled", job->cancelled ?
			    NULL : "not submitted: a job it depends on failed");
	} while (job != NULL);
}

static void
sx_submit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slurm_executor *sx = arg;
	struct sx_run *r;

	(void)fd;
	(void)what;
	for (r = sx->runs; r != NULL; r = r->next)
		sx_submit_run(r);
}

static char *sx_array_out(const struct sx_run *r, const char *script,
    const char *jobid);

/*
 * A job of r named name (its files' stem), with nothing else set; jobid
 * when it follows an array item already submitted, whose output file
 * is the array's.
 */
static struct sx_job *
sx_job_alloc(struct sx_run *r, const char *name, const char *jobid)
{
	struct sx_job *job;
	char *stem, *out;

	job = xcalloc(1, sizeof *job);
	job->run = r;
	job->fd = -1;
	job->code = -1;
	job->acct_code = -1;
	stem = sx_stem(r, name);
	job->script = xasprintf("%s.sh", stem);
	job->status = xasprintf("%s.status", stem);
	out = jobid != NULL ? sx_array_out(r, job->script, jobid) : NULL;
	job->out = out != NULL ? out : xasprintf("%s.out", stem);
	free(stem);
	return job;
}

/* A new job of spec: its files written, waiting for the next flush. */
static struct sx_job *
sx_job_new(struct sx_run *r, const struct executor_spec *spec,
    struct loom_error *err)
{
	struct resources none;
	struct sx_job *job;
	size_t i;

	job = sx_job_alloc(r, spec->name, NULL);
	job->tag = xstrdup(spec->tag);
	job->group = spec->group != NULL ? sx_stem(r, spec->group) : NULL;
	job->array_max = spec->array_max;
	if (spec->nafter > 0) {
		job->after = xcalloc(spec->nafter, sizeof *job->after);
		memcpy(job->after, spec->after, spec->nafter *
		    sizeof *job->after);
		job->nafter = spec->nafter;
	}
	memset(&none, 0, sizeof none);
	resources_merge(&job->res, &none, spec->res != NULL ? spec->res :
	    &none);
	strv_init(&job->env);
	for (i = 0; spec->envp[i] != NULL; i++)
		strv_push(&job->env, spec->envp[i]);
	if (sx_job_files(job, spec, err) == -1) {
		sx_job_free(job);
		return NULL;
	}
	return job;
}

static int
sx_start(struct executor *ex, const struct executor_spec *spec,
    struct executor_started *out, struct loom_error *err)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	struct timeval tv = { 0, SX_TICK_MS * 1000 };
	struct sx_run *r;
	struct sx_job *job;
	char *sbatch;

	LOOM_ASSERT(spec->run != NULL && spec->dir != NULL &&
	    spec->name != NULL);
	/* Said now, not at the flush: the run's PATH has no sbatch. */
	sbatch = child_find_program("sbatch", spec->envp, spec->cwd);
	if (sbatch == NULL) {
		loom_error_set(err, NULL, 0, 0, "cannot submit to Slurm: "
		    "sbatch not found in the PATH of the run");
		loom_error_hint(err, "install Slurm's client commands, or "
		    "run with --executor local");
		return -1;
	}
	free(sbatch);
	if ((r = sx_run_get(sx, spec, err)) == NULL)
		return -1;
	if ((job = sx_job_new(r, spec, err)) == NULL) {
		if (r->jobs == NULL && r->ncmds == 0)
			sx_run_free(r);
		return -1;
	}
	job->waiting = true;
	job->id = ++sx->next_id;
	job->on_output = spec->on_output;
	job->on_done = spec->on_done;
	job->on_state = spec->on_state;
	job->arg = spec->arg;
	job->next = r->jobs;
	r->jobs = job;
	out->id = job->id;
	out->pid = -1;
	event_active(sx->ev_submit, EV_TIMEOUT, 0);
	if (!evtimer_pending(sx->ev_tick, NULL))
		evtimer_add(sx->ev_tick, &tv);
	return 0;
}

/* Ask Slurm to end the job (its done callback still comes). */
static void
sx_cancel(struct executor *ex, uint64_t id, bool force)
{
	struct sx_job *job = sx_job_find((struct slurm_executor *)ex, id);

	(void)force;	/* scancel: SIGTERM, then SIGKILL after KillWait */
	if (job == NULL || job->cancelled)
		return;
	job->cancelled = true;
	if (job->jobid[0] != '\0')
		sx_cancel_id(job->run, job->jobid);
	else if (job->waiting)
		event_active(job->run->sx->ev_submit, EV_TIMEOUT, 0);
}

static void
sx_release(struct executor *ex, uint64_t id)
{
	struct sx_job *job = sx_job_find((struct slurm_executor *)ex, id);

	if (job == NULL)
		return;
	if (job->jobid[0] != '\0')
		sx_cancel_id(job->run, job->jobid);
	sx_job_drop(job);
}

/* tag is LOOM_RUN_ID=<run>: cancel what is left of the run's jobs. */
static void
sx_sweep(struct executor *ex, const char *tag, bool always)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	const char *eq = strchr(tag, '=');
	struct sx_run *r = eq != NULL ? sx_run_find(sx, eq + 1) : NULL;
	struct sx_job *job;

	if (r == NULL || !always)
		return;
	for (job = r->jobs; job != NULL; job = job->next)
		if (job->jobid[0] != '\0' && !job->cancelled) {
			job->cancelled = true;
			sx_cancel_id(r, job->jobid);
		}
}

/* Whether squeue's id names job (itself or one of its array items). */
static bool
sx_id_matches(const char *listed, const char *jobid)
{
	size_t n = strlen(jobid);

	return strncmp(listed, jobid, n) == 0 &&
	    (listed[n] == '\0' || listed[n] == '_');
}

/* squeue's line for job in q, or NULL. */
static const struct slurm_queued *
sx_listed(const struct slurm_queued *q, size_t n, const char *jobid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sx_id_matches(q[i].id, jobid))
			return &q[i];
	return NULL;
}

/*
 * Job has ended for Slurm, its status file not yet seen: squeue lists
 * it ended (name: Slurm's state, NULL for FAILED or COMPLETED; reason:
 * squeue's) or no longer lists it (both NULL). It ends now with its
 * status file's code, as never run (a dependency of it failed), or out
 * of memory (slurmstepd's word in its output). Else it is followed as
 * gone (a shared file system may be late): sx_acct asks sacct about it,
 * and sx_follow ends it lost after SX_LOST_MS, with Slurm's state when
 * that says more. True when something changed.
 */
static bool
sx_job_gone(struct sx_job *job, const char *name, const char *reason)
{
	int code = job->code >= 0 ? job->code : sx_job_status(job);

	if (code >= 0)
		sx_job_finish(job, W_EXITCODE(code, 0), name, NULL);
	else if (reason != NULL && strcmp(reason, SX_NEVER) == 0)
		/* Never run (--kill-on-invalid-dep): no file to wait for. */
		sx_job_finish(job, SIGTERM, "cancelled", SX_NEVER);
	else if (name == NULL && !job->cancelled && sx_job_over_memory(job))
		sx_job_finish(job, SIGKILL, "out_of_memory",
		    "slurmstepd killed it for exceeding its memory");
	else if (job->gone_ms == 0) {
		job->gone_ms = loomd_now_ms();
		snprintf(job->ended, sizeof job->ended, "%s",
		    name != NULL ? name : "lost");
	} else
		return false;
	return true;
}

/*
 * squeue listed job as q says: tell a new state, or follow it as ended
 * (sx_job_gone). True when something changed.
 */
static bool
sx_job_listed(struct sx_job *job, const struct slurm_queued *q)
{
	bool final;
	const char *name = slurm_state_name(q->state, &final);

	if (final)
		return sx_job_gone(job, name, q->reason);
	job->gone_ms = 0;
	if (name == NULL || strcmp(name, job->state) == 0)
		return false;
	snprintf(job->state, sizeof job->state, "%s", name);
	if (job->on_state != NULL)
		job->on_state(job->arg, name, strcmp(q->reason, "None") == 0 ?
		    NULL : q->reason);
	return true;
}

/* Lines in a command's answer, at most (one more than its newlines). */
static size_t
sx_lines(const char *text)
{
	size_t n = 1;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/*
 * The jobs of r, oldest first (r->jobs is newest first), so that a job
 * is told ended before those that depended on it.
 */
static struct sx_job **
sx_run_jobs(const struct sx_run *r, size_t *n)
{
	struct sx_job *job, **v;
	size_t i = 0;

	*n = 0;
	for (job = r->jobs; job != NULL; job = job->next)
		(*n)++;
	v = xcalloc(*n + 1, sizeof *v);
	for (job = r->jobs; job != NULL; job = job->next)
		v[*n - ++i] = job;
	return v;
}

/*
 * sacct answered: a job gone from squeue without its status file ends
 * as accounting says (timeout, out of memory, failed with its code...);
 * one it says COMPLETED keeps that code for when its minute is up.
 */
static void
sx_sacct_done(struct sx_cmd *cmd, int status)
{
	struct sx_run *r = cmd->run;
	struct slurm_acct *a;
	const struct slurm_acct *l;
	struct sx_job *job, **jobs;
	const char *name;
	size_t n, max, bad, i, njobs;

	r->sacct = NULL;
	if (status != 0) {
		log_warn("run %s: sacct failed (status %d): %s", r->id, status,
		    cmd->out);
		return;
	}
	max = sx_lines(cmd->out);
	a = xcalloc(max, sizeof *a);
	n = slurm_parse_sacct(cmd->out, a, max, &bad);
	jobs = sx_run_jobs(r, &njobs);
	for (i = 0; i < njobs; i++) {
		job = jobs[i];
		if (!job->acct_asked || job->gone_ms == 0 ||
		    (l = slurm_acct_ended(a, n, job->jobid, &name)) == NULL)
			continue;
		if (name == NULL && l->code == 0 && l->sig == 0)
			job->acct_code = 0;	/* the file may be late */
		else
			sx_job_finish(job, l->sig > 0 ? l->sig : l->code > 0 ?
			    W_EXITCODE(l->code, 0) : SIGKILL, name,
			    "from sacct: the job wrote no exit status");
	}
	free(jobs);
	free(a);
}

static void sx_scontrol_done(struct sx_cmd *cmd, int status);

/*
 * Ask sacct, once for all of them, how the jobs of r that left squeue
 * without a status file ended, when Slurm keeps accounting (asked the
 * first time with scontrol show config; without it, never).
 */
static void
sx_acct(struct sx_run *r)
{
	struct slurm_executor *sx = r->sx;
	struct strv argv, ids;
	struct loom_error err;
	struct sx_job *job;

	strv_init(&ids);
	for (job = r->jobs; job != NULL; job = job->next)
		if (job->gone_ms != 0 && !job->acct_asked && !job->cancelled &&
		    job->jobid[0] != '\0')
			strv_push(&ids, job->jobid);
	strv_init(&argv);
	loom_error_clear(&err);
	if (ids.n == 0 || r->sacct != NULL || sx->acct == SX_ACCT_ASKING ||
	    sx->acct == SX_ACCT_NONE)
		;
	else if (sx->acct == SX_ACCT_UNKNOWN) {
		slurm_scontrol_config_argv(&argv);
		if (sx_cmd_start(r, &argv, NULL, sx_scontrol_done, &err) ==
		    NULL) {
			log_warn("run %s: %s; not using sacct", r->id,
			    err.message);
			sx->acct = SX_ACCT_NONE;
		} else
			sx->acct = SX_ACCT_ASKING;
	} else {
		slurm_sacct_argv(&argv, (const char *const *)ids.v, ids.n);
		if ((r->sacct = sx_cmd_start(r, &argv, NULL, sx_sacct_done,
		    &err)) == NULL)
			log_warn("run %s: %s", r->id, err.message);
		for (job = r->jobs; r->sacct != NULL && job != NULL;
		    job = job->next)
			if (job->gone_ms != 0 && !job->cancelled &&
			    job->jobid[0] != '\0')
				job->acct_asked = true;
	}
	strv_free(&argv);
	strv_free(&ids);
}

/* scontrol show config answered: accounting or not, for good. */
static void
sx_scontrol_done(struct sx_cmd *cmd, int status)
{
	struct slurm_executor *sx = cmd->sx;

	sx->acct = status == 0 && slurm_has_accounting(cmd->out) ?
	    SX_ACCT_YES : SX_ACCT_NONE;
	log_info("Slurm accounting: %s", sx->acct == SX_ACCT_YES ?
	    "sacct is asked about jobs that leave squeue without a status" :
	    "none (sacct is not used)");
	sx_acct(cmd->run);
}

/* squeue answered for a run: follow each job it should list. */
static void
sx_squeue_done(struct sx_cmd *cmd, int status)
{
	struct sx_run *r = cmd->run;
	struct slurm_queued *q;
	const struct slurm_queued *l;
	struct sx_job *job, *next, **jobs;
	size_t n, max, bad, i, njobs;
	bool changed = false;

	r->squeue = NULL;
	if (status != 0) {
		log_warn("run %s: squeue failed (status %d): %s", r->id,
		    status, cmd->out);
		/* Failed jobs waiting for it end with their status alone. */
		for (job = r->jobs; job != NULL; job = next) {
			next = job->next;
			if (job->code >= 0)
				sx_job_finish(job, W_EXITCODE(job->code, 0),
				    NULL, NULL);
		}
		return;
	}
	max = sx_lines(cmd->out);
	q = xcalloc(max, sizeof *q);
	n = slurm_parse_squeue(cmd->out, q, max, &bad);
	/* Ending a job starts others, never frees one: the copy holds. */
	jobs = sx_run_jobs(r, &njobs);
	for (i = 0; i < njobs; i++) {
		job = jobs[i];
		if (job->jobid[0] == '\0' || cmd->gen < job->listed_from)
			continue;
		if ((l = sx_listed(q, n, job->jobid)) != NULL)
			changed |= sx_job_listed(job, l);
		else
			changed |= sx_job_gone(job, NULL, NULL);
	}
	free(jobs);
	free(q);
	sx_acct(r);
	for (job = r->jobs; job != NULL; job = job->next)
		changed |= job->code >= 0;	/* still to be told how */
	r->interval_ms = changed ? SX_POLL_MIN_MS : r->interval_ms * 2;
	if (r->interval_ms > SX_POLL_MAX_MS)
		r->interval_ms = SX_POLL_MAX_MS;
	r->next_poll_ms = loomd_now_ms() + r->interval_ms;
}

/* One squeue for run r, when its time has come. */
static void
sx_poll(struct sx_run *r, uint64_t now)
{
	struct strv argv;
	struct loom_error err;
	struct sx_job *job;

	if (r->squeue != NULL || now < r->next_poll_ms)
		return;
	for (job = r->jobs; job != NULL; job = job->next)
		if (job->jobid[0] != '\0')
			break;
	if (job == NULL)
		return;
	strv_init(&argv);
	slurm_squeue_argv(&argv, r->id);
	loom_error_clear(&err);
	r->squeue = sx_cmd_start(r, &argv, NULL, sx_squeue_done, &err);
	strv_free(&argv);
	if (r->squeue == NULL) {
		log_warn("run %s: %s", r->id, err.message);
		r->next_poll_ms = now + SX_POLL_MAX_MS;
		return;
	}
	r->squeue->gen = ++r->gen;
}

/* Follow one job: output, status file, or how long it has been gone. */
static void
sx_follow(struct sx_job *job, uint64_t now)
{
	int code;

	if (job->jobid[0] == '\0' || job->code >= 0)
		return;
	sx_job_tail(job, false);
	code = sx_job_status(job);
	if (code == 0 || (code > 0 && job->cancelled))
		sx_job_finish(job, W_EXITCODE(code, 0), NULL, NULL);
	else if (code > 0) {
		/* Failed: squeue, at once, tells how (timeout...). */
		job->code = code;
		job->run->next_poll_ms = now;
	}
	else if (job->gone_ms != 0 && job->cancelled)
		sx_job_finish(job, SIGTERM,
		    "cancelled", "cancelled before it wrote its status");
	else if (job->gone_ms != 0 && now - job->gone_ms >= SX_LOST_MS &&
	    job->acct_code >= 0)
		sx_job_finish(job, W_EXITCODE(job->acct_code, 0), NULL,
		    NULL);		/* COMPLETED for sacct */
	else if (job->gone_ms != 0 && now - job->gone_ms >= SX_LOST_MS)
		sx_job_finish(job, SIGKILL, job->ended[0] != '\0' ?
		    job->ended : "lost", "the job ended without writing its "
		    "exit status");
}

static void
sx_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slurm_executor *sx = arg;
	struct timeval tv = { 0, SX_TICK_MS * 1000 };
	struct sx_run *r, *rnext;
	struct sx_job *job, *jnext;
	uint64_t now = loomd_now_ms();

	(void)fd;
	(void)what;
	for (r = sx->runs; r != NULL; r = rnext) {
		rnext = r->next;
		for (job = r->jobs; job != NULL; job = jnext) {
			jnext = job->next;
			sx_follow(job, now);
		}
	}
	/* Callbacks may have started and ended jobs: look again. */
	for (r = sx->runs; r != NULL; r = rnext) {
		rnext = r->next;
		if (r->jobs == NULL && r->ncmds == 0 && r->cancels.n == 0)
			sx_run_free(r);
		else
			sx_poll(r, now);
	}
	if (sx->runs != NULL)
		evtimer_add(sx->ev_tick, &tv);
}

static void
sx_free(struct executor *ex)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	struct sx_cmd *cmd;

	while (sx->cmds != NULL) {
		cmd = sx->cmds;
		sx_cmd_unlink(cmd);
		executor_release(sx->local, cmd->unit);
		free(cmd->jobs);
		free(cmd->out);
		free(cmd);
	}
	while (sx->runs != NULL) {
		while (sx->runs->jobs != NULL)
			sx_job_drop(sx->runs->jobs);
		sx_run_free(sx->runs);
	}
	event_free(sx->ev_tick);
	event_free(sx->ev_flush);
	event_free(sx->ev_submit);
	free(sx);
}

/*
 * For an array item (jobid "<array>_<i>"): the output file of item i of
 * the array whose manifest names the item's script; NULL when none does.
 */
static char *
sx_array_out(const struct sx_run *r, const char *script, const char *jobid)
{
	struct loom_error err;
	const char *us = strchr(jobid, '_');
	char *pat, *text, *line, *found = NULL;
	glob_t g;
	size_t i, n;

	if (us == NULL)
		return NULL;
	pat = xasprintf("%s/*.array*.manifest", r->dir);
	if (glob(pat, 0, NULL, &g) != 0) {
		free(pat);
		return NULL;
	}
	free(pat);
	line = xasprintf("\t%s\n", script);
	for (i = 0; i < g.gl_pathc && found == NULL; i++) {
		loom_error_clear(&err);
		text = fileio_read(g.gl_pathv[i], SX_CMD_MAX, NULL, &err);
		if (text != NULL && strstr(text, line) != NULL) {
			n = strlen(g.gl_pathv[i]) - strlen(".manifest");
			found = xasprintf("%.*s.%s.out", (int)n,
			    g.gl_pathv[i], us + 1);
		}
		free(text);
	}
	free(line);
	globfree(&g);
	return found;
}

/* Follow a job a dead daemon submitted (executor_adopt). */
static int
sx_adopt(struct executor *ex, const struct executor_spec *spec,
    const char *jobid, unsigned long long seen, struct executor_started *out,
    struct loom_error *err)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	struct timeval tv = { 0, SX_TICK_MS * 1000 };
	struct sx_run *r;
	struct sx_job *job;

	if (*jobid == '\0' || strlen(jobid) >= SLURM_MAX_JOBID) {
		loom_error_set(err, NULL, 0, 0, "not a Slurm job id: \"%s\"",
		    jobid);
		return -1;
	}
	if ((r = sx_run_get(sx, spec, err)) == NULL)
		return -1;
	job = sx_job_alloc(r, spec->name, jobid);
	job->tag = xstrdup(spec->tag);
	strv_init(&job->env);
	snprintf(job->jobid, sizeof job->jobid, "%s", jobid);
	/* What the dead daemon had read of the output is in the log. */
	if ((job->fd = open(job->out, O_RDONLY | O_CLOEXEC)) != -1 &&
	    lseek(job->fd, (off_t)seen, SEEK_SET) == (off_t)-1) {
		close(job->fd);
		job->fd = -1;
	} else if (job->fd != -1)
		job->off = (off_t)seen;
	job->id = ++sx->next_id;
	job->on_output = spec->on_output;
	job->on_done = spec->on_done;
	job->on_state = spec->on_state;
	job->arg = spec->arg;
	job->listed_from = r->gen + 1;
	job->next = r->jobs;
	r->jobs = job;
	r->interval_ms = SX_POLL_MIN_MS;
	log_info("run %s: following job %s again", r->id, jobid);
	if (!evtimer_pending(sx->ev_tick, NULL))
		evtimer_add(sx->ev_tick, &tv);
	out->id = job->id;
	return 0;
}

static const struct executor_ops slurm_ops = {
	.name = "slurm",
	.start = sx_start,
	.cancel = sx_cancel,
	.release = sx_release,
	.sweep = sx_sweep,
	.adopt = sx_adopt,
	.free = sx_free,
};

struct executor *
executor_slurm_new(struct event_base *base, struct executor *local)
{
	struct slurm_executor *sx;

	sx = xcalloc(1, sizeof *sx);
	sx->ex.ops = &slurm_ops;
	sx->local = local;
	sx->ev_tick = evtimer_new(base, sx_tick_cb, sx);
	sx->ev_flush = evtimer_new(base, sx_flush_cb, sx);
	sx->ev_submit = evtimer_new(base, sx_submit_cb, sx);
	if (sx->ev_tick == NULL || sx->ev_flush == NULL ||
	    sx->ev_submit == NULL)
		fatalx("evtimer_new failed");
	return &sx->ex;
}
