/* SPDX-License-Identifier: MIT */
/*
 * Batch scripts and Slurm's command lines (slurm.h). The scripts are
 * plain POSIX sh: every word Loom puts in one is single-quoted by
 * command_quote_word, so a path or argument can never become shell
 * syntax.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/model/command.h"
#include "loomd/slurm.h"

/* Append "text" to *s (owned), freeing the old string. */
static void
slurm_cat(char **s, const char *text)
{
	char *n = xasprintf("%s%s", *s, text);

	free(*s);
	*s = n;
}

char *
slurm_script(const char *run, const char *step, const char *cwd,
    const struct strv *argv, const char *status)
{
	char *s, *qcwd, *qcmd, *qstatus, *qtmp, *tmp, *part;

	qcwd = command_quote_word(cwd);
	qcmd = command_quote(argv);
	qstatus = command_quote_word(status);
	tmp = xasprintf("%s.tmp", status);
	qtmp = command_quote_word(tmp);
	s = xasprintf("#!/bin/sh\n"
	    "# Written by loomd for run %s, step %s. The step's command runs\n"
	    "# in its own process group; SIGTERM and SIGINT are passed on to\n"
	    "# it, and its exit status is written to the status file when it\n"
	    "# ends (loomd reads it once the job has left the queue).\n"
	    "status=127\n"
	    "finish() {\n"
	    "\tprintf 'exit %%d\\n' \"$status\" >%s && mv -f %s %s\n"
	    "\texit \"$status\"\n"
	    "}\n", run, step, qtmp, qtmp, qstatus);
	part = xasprintf("term= pid=\n"
	    "stop() {\n"
	    "\tkill -TERM -\"$pid\" 2>/dev/null || "
	    "kill -TERM \"$pid\" 2>/dev/null\n"
	    "}\n"
	    "trap 'term=1; [ -z \"$pid\" ] || stop' TERM INT\n"
	    "cd %s || { status=126; finish; }\n"
	    "setsid %s </dev/null &\n"
	    "pid=$!\n"
	    "[ -z \"$term\" ] || stop\n"
	    "# A signal ends wait early (status 128+N); the shell may then\n"
	    "# have reaped the command already, and a second wait returns the\n"
	    "# status it kept (127 when the first wait had it).\n"
	    "while :; do\n"
	    "\twait \"$pid\"\n"
	    "\tstatus=$?\n"
	    "\t[ -n \"$term\" ] || break\n"
	    "\tkill -0 \"$pid\" 2>/dev/null && continue\n"
	    "\twait \"$pid\" 2>/dev/null\n"
	    "\tkept=$?\n"
	    "\t[ \"$kept\" -eq 127 ] || status=$kept\n"
	    "\tbreak\n"
	    "done\n"
	    "finish\n", qcwd, qcmd);
	slurm_cat(&s, part);
	free(part);
	free(qcwd);
	free(qcmd);
	free(qstatus);
	free(qtmp);
	free(tmp);
	return s;
}

void
slurm_sbatch_argv(struct strv *out, const struct slurm_submit *s)
{
	const struct resources *r = s->res;
	size_t i;

	strv_push(out, "sbatch");
	strv_push(out, "--parsable");
	strv_push_owned(out, xasprintf("--job-name=%s%s", SLURM_JOB_PREFIX,
	    s->run));
	strv_push(out, "--no-requeue");
	strv_push_owned(out, xasprintf("--output=%s", s->log));
	strv_push(out, "--open-mode=append");
	if (r->partition != NULL)
		strv_push_owned(out, xasprintf("--partition=%s", r->partition));
	if (r->time != NULL)
		strv_push_owned(out, xasprintf("--time=%s", r->time));
	if (r->mem != NULL)
		strv_push_owned(out, xasprintf("--mem=%s", r->mem));
	if (r->cpus_per_task != 0)
		strv_push_owned(out, xasprintf("--cpus-per-task=%ld",
		    r->cpus_per_task));
	if (r->gpus != NULL)
		strv_push_owned(out, xasprintf("--gpus=%s", r->gpus));
	if (r->account != NULL)
		strv_push_owned(out, xasprintf("--account=%s", r->account));
	if (r->qos != NULL)
		strv_push_owned(out, xasprintf("--qos=%s", r->qos));
	if (s->array > 0 && s->array_max > 0)
		strv_push_owned(out, xasprintf("--array=0-%zu%%%ld",
		    s->array - 1, s->array_max));
	else if (s->array > 0)
		strv_push_owned(out, xasprintf("--array=0-%zu", s->array - 1));
	if (s->after != NULL) {
		strv_push_owned(out, xasprintf("--dependency=afterok:%s",
		    s->after));
		strv_push(out, "--kill-on-invalid-dep=yes");
	}
	for (i = 0; i < r->extra.n; i++)
		strv_push(out, r->extra.v[i]);
	strv_push(out, s->script);
}

bool
slurm_parse_jobid(const char *out, char *id, size_t idlen)
{
	size_t n = 0;

	while (*out == ' ' || *out == '\n')
		out++;
	while (isdigit((unsigned char)out[n]))
		n++;
	if (n == 0 || n >= idlen ||
	    (out[n] != '\0' && out[n] != ';' && out[n] != '\n'))
		return false;
	memcpy(id, out, n);
	id[n] = '\0';
	return true;
}

void
slurm_squeue_argv(struct strv *out, const char *run)
{
	strv_push(out, "squeue");
	strv_push(out, "--noheader");
	strv_push(out, "--array");
	strv_push(out, "--states=all");
	strv_push_owned(out, xasprintf("--name=%s%s", SLURM_JOB_PREFIX, run));
	strv_push(out, "--format=%i|%T|%r");
}

/* Copy [p, end) into dst of size n; false when it does not fit. */
static bool
slurm_field(char *dst, size_t n, const char *p, const char *end)
{
	if (end <= p || (size_t)(end - p) >= n)
		return false;
	memcpy(dst, p, (size_t)(end - p));
	dst[end - p] = '\0';
	return true;
}

size_t
slurm_parse_squeue(const char *out, struct slurm_queued *q, size_t max,
    size_t *bad)
{
	const char *line = out, *eol, *a, *b;
	size_t n = 0;

	*bad = 0;
	while (*line != '\0' && n < max) {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		a = memchr(line, '|', (size_t)(eol - line));
		b = a != NULL ? memchr(a + 1, '|', (size_t)(eol - a - 1)) :
		    NULL;
		if (eol == line)
			;
		else if (b != NULL && slurm_field(q[n].id, sizeof q[n].id,
		    line, a) && slurm_field(q[n].state, sizeof q[n].state,
		    a + 1, b)) {
			if (!slurm_field(q[n].reason, sizeof q[n].reason,
			    b + 1, eol))
				q[n].reason[0] = '\0';
			n++;
		} else
			(*bad)++;
		line = *eol == '\n' ? eol + 1 : eol;
	}
	return n;
}

const char *
slurm_state_name(const char *state, bool *final)
{
	static const struct {
		const char *slurm;
		const char *name;
		bool final;
	} map[] = {
		{ "PENDING", "pending", false },
		{ "CONFIGURING", "running", false },
		{ "RUNNING", "running", false },
		{ "COMPLETING", "running", false },
		{ "SUSPENDED", NULL, false },
		{ "COMPLETED", NULL, true },
		{ "FAILED", NULL, true },
		{ "TIMEOUT", "timeout", true },
		{ "DEADLINE", "timeout", true },
		{ "OUT_OF_MEMORY", "out_of_memory", true },
		{ "NODE_FAIL", "node_failure", true },
		{ "BOOT_FAIL", "node_failure", true },
		{ "CANCELLED", "cancelled", true },
		{ "PREEMPTED", "cancelled", true },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].slurm, state) == 0) {
			*final = map[i].final;
			return map[i].name;
		}
	*final = false;
	return NULL;
}

void
slurm_scancel_argv(struct strv *out, const char *const *ids, size_t n)
{
	size_t i;

	strv_push(out, "scancel");
	for (i = 0; i < n; i++)
		strv_push(out, ids[i]);
}

int
slurm_parse_status(const char *text)
{
	char *end;
	long v;

	if (strncmp(text, "exit ", 5) != 0 || !isdigit((unsigned char)text[5]))
		return -1;
	v = strtol(text + 5, &end, 10);
	if (v < 0 || v > 255 || (*end != '\n' && *end != '\0'))
		return -1;
	return (int)v;
}

void
slurm_scontrol_config_argv(struct strv *out)
{
	strv_push(out, "scontrol");
	strv_push(out, "show");
	strv_push(out, "config");
}

bool
slurm_has_accounting(const char *config)
{
	static const char key[] = "AccountingStorageType";
	const char *line, *p, *end;

	for (line = config; line != NULL && *line != '\0';
	    line = strchr(line, '\n'), line = line != NULL ? line + 1 : NULL) {
		if (strncmp(line, key, sizeof key - 1) != 0 ||
		    (line[sizeof key - 1] != ' ' &&
		    line[sizeof key - 1] != '='))
			continue;
		if ((p = strchr(line, '=')) == NULL)
			return false;
		for (p++; *p == ' '; p++)
			;
		end = p + strcspn(p, " \n");
		return end > p && strncmp(p, "accounting_storage/none",
		    (size_t)(end - p)) != 0;
	}
	return false;
}

void
slurm_sacct_argv(struct strv *out, const char *const *ids, size_t n)
{
	char *list, *t;
	size_t i;

	list = xstrdup("");
	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", list, i == 0 ? "" : ",", ids[i]);
		free(list);
		list = t;
	}
	strv_push(out, "sacct");
	strv_push(out, "--noheader");
	strv_push(out, "--parsable2");
	strv_push_owned(out, xasprintf("--jobs=%s", list));
	strv_push(out, "--format=JobID,State,ExitCode");
	free(list);
}

/* One line of sacct [line, eol) into a; false when it is not one. */
static bool
slurm_acct_line(const char *line, const char *eol, struct slurm_acct *a)
{
	const char *b1, *b2, *dot, *sp, *colon;
	char num[32], *end;

	b1 = memchr(line, '|', (size_t)(eol - line));
	b2 = b1 != NULL ? memchr(b1 + 1, '|', (size_t)(eol - b1 - 1)) : NULL;
	if (b2 == NULL || memchr(b2 + 1, '|', (size_t)(eol - b2 - 1)) != NULL)
		return false;
	dot = memchr(line, '.', (size_t)(b1 - line));
	if (!slurm_field(a->id, sizeof a->id, line, dot != NULL ? dot : b1))
		return false;
	a->step[0] = '\0';
	if (dot != NULL && !slurm_field(a->step, sizeof a->step, dot + 1, b1))
		return false;
	sp = memchr(b1 + 1, ' ', (size_t)(b2 - b1 - 1));
	if (!slurm_field(a->state, sizeof a->state, b1 + 1, sp != NULL ? sp :
	    b2))
		return false;
	colon = memchr(b2 + 1, ':', (size_t)(eol - b2 - 1));
	if (colon == NULL || !slurm_field(num, sizeof num, b2 + 1, colon))
		return false;
	a->code = (int)strtol(num, &end, 10);
	if (*end != '\0' || a->code < 0 || a->code > 255)
		return false;
	if (!slurm_field(num, sizeof num, colon + 1, eol))
		return false;
	a->sig = (int)strtol(num, &end, 10);
	return *end == '\0' && a->sig >= 0 && a->sig < 128;
}

size_t
slurm_parse_sacct(const char *out, struct slurm_acct *a, size_t max,
    size_t *bad)
{
	const char *line = out, *eol;
	size_t n = 0;

	*bad = 0;
	while (*line != '\0' && n < max) {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			;
		else if (slurm_acct_line(line, eol, &a[n]))
			n++;
		else
			(*bad)++;
		line = *eol == '\r' ? eol + 1 : eol;
		if (*line == '\n')
			line++;
	}
	return n;
}

const struct slurm_acct *
slurm_acct_ended(const struct slurm_acct *a, size_t n, const char *jobid,
    const char **name)
{
	const struct slurm_acct *job = NULL, *step = NULL;
	const char *sname;
	bool final;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(a[i].id, jobid) != 0)
			continue;
		if (a[i].step[0] == '\0')
			job = &a[i];
		else if (step == NULL && (sname = slurm_state_name(a[i].state,
		    &final)) != NULL && final)
			step = &a[i];
	}
	if (job == NULL)
		return NULL;
	*name = slurm_state_name(job->state, &final);
	if (!final)
		return NULL;
	/* FAILED, with a step that says why (OUT_OF_MEMORY). */
	if (*name == NULL && step != NULL) {
		*name = slurm_state_name(step->state, &final);
		return step;
	}
	return job;
}
