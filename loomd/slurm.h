/* SPDX-License-Identifier: MIT */
/*
 * What Loom hands to Slurm and reads back from it (docs/slurm.md): the
 * batch script of a step, the argument vectors of sbatch, squeue and
 * scancel (always run as argument vectors, never through a shell), and
 * the parsing of their answers and of the exit-status file a job leaves
 * beside its script. Nothing here runs a process or touches the event
 * loop; "slurm_" is the prefix.
 */
#ifndef LOOM_LOOMD_SLURM_H
#define LOOM_LOOMD_SLURM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/model/resources.h"
#include "common/util/xmalloc.h"

#define SLURM_JOB_PREFIX	"loom-"	/* job names: loom-<run id> */
#define SLURM_MAX_JOBID		64	/* bytes of a job id, with NUL */

/* One job's submission. */
struct slurm_submit {
	const char *run;		/* the run id: job name loom-<run> */
	const char *script;		/* the batch script's path */
	const char *log;		/* -o: the job's output (%a per item) */
	const struct resources *res;	/* merged execution.slurm/resources */
	size_t array;			/* items of a loop step, 0 for one job */
	long array_max;			/* running at once (%K), 0 no limit */
	const char *after;		/* afterok: job ids (":"-joined) or NULL */
};

/*
 * The batch script of one step: enter cwd, run argv in its own process
 * group (setsid) with stdin from /dev/null, pass SIGTERM and SIGINT on
 * to that group, and write "exit N" to status (through a temporary file
 * and a rename) once the command has ended. Returns an owned string.
 */
char	*slurm_script(const char *run, const char *step, const char *cwd,
	    const struct strv *argv, const char *status);

/* sbatch's argument vector (sbatch first). */
void	 slurm_sbatch_argv(struct strv *out, const struct slurm_submit *s);

/*
 * The job id in sbatch --parsable's answer ("123" or "123;cluster").
 * False when it holds none.
 */
bool	 slurm_parse_jobid(const char *out, char *id, size_t idlen);

/*
 * squeue listing the jobs of a run, one line per array element, ended
 * ones too while Slurm keeps them (MinJobAge): their final state.
 */
void	 slurm_squeue_argv(struct strv *out, const char *run);

/* One line of that listing: "JOBID|STATE|REASON". */
struct slurm_queued {
	char id[SLURM_MAX_JOBID];	/* "123" or "123_4" */
	char state[32];			/* PENDING, RUNNING, ... */
	char reason[128];		/* Slurm's reason, "None" when none */
};

/*
 * Parse squeue's output into at most max entries; returns how many were
 * read, skipping lines that do not have the shape (counted in *bad).
 */
size_t	 slurm_parse_squeue(const char *out, struct slurm_queued *q,
	    size_t max, size_t *bad);

/*
 * The state of a unit (executor.h) a Slurm job state (squeue's %T)
 * tells: "pending", "running", "timeout", "out_of_memory",
 * "node_failure", "cancelled"; NULL for those that say nothing the exit
 * status does not (COMPLETED, FAILED) and those not known. *final is
 * true when Slurm has ended the job.
 */
const char *slurm_state_name(const char *state, bool *final);

/*
 * Whether Slurm keeps accounting, from `scontrol show config`'s answer:
 * its AccountingStorageType is there and not accounting_storage/none.
 */
void	 slurm_scontrol_config_argv(struct strv *out);
bool	 slurm_has_accounting(const char *config);

/*
 * sacct of the given jobs (ids as sbatch gave them, or array items):
 * one line per job, array item and job step, "JOBID|STATE|EXITCODE".
 */
void	 slurm_sacct_argv(struct strv *out, const char *const *ids, size_t n);

/* One line of that listing. */
struct slurm_acct {
	char id[SLURM_MAX_JOBID];	/* "123" or "123_4", step cut off */
	char step[32];			/* "" for the job, "batch", "0"... */
	char state[32];			/* "CANCELLED" of "CANCELLED by 1000" */
	int code;			/* ExitCode "N:S": N, */
	int sig;			/* and S */
};

/*
 * Parse sacct's output into at most max entries; returns how many were
 * read, skipping lines that do not have the shape (counted in *bad).
 */
size_t	 slurm_parse_sacct(const char *out, struct slurm_acct *a, size_t max,
	    size_t *bad);

/*
 * How accounting says job jobid ended: the line that tells (the job's
 * own, or one of its steps' when only that one says OUT_OF_MEMORY and
 * the like), with *name its unit state as slurm_state_name gives it.
 * NULL when sacct does not list the job or it has not ended.
 */
const struct slurm_acct *slurm_acct_ended(const struct slurm_acct *a,
	    size_t n, const char *jobid, const char **name);

/* scancel of the given job ids (sbatch ids; array ids cancel all items). */
void	 slurm_scancel_argv(struct strv *out, const char *const *ids,
	    size_t n);

/*
 * The exit-status file's content: "exit N". Returns the status (0-255),
 * or -1 when the text is not one.
 */
int	 slurm_parse_status(const char *text);

#endif
