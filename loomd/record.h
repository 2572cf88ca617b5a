/* SPDX-License-Identifier: MIT */
/*
 * Run records: `.loom/runs/<id>/run.json` beside the experiment, written
 * atomically (fileio_write_atomic), in the schema of docs/protocol.md;
 * short run ids people can type; and the index of known run folders in
 * the state folder (`runs.index`, one "ID<TAB>FOLDER" line per run), so a
 * run of any experiment is found by its id alone.
 *
 * After a crash, record_recover turns runs whose daemon is gone into
 * "interrupted": steps that were running become interrupted (their old
 * processes, identified by pid and start time, are killed), queued steps
 * stay pending and never start on their own. Whether that daemon is gone
 * is decided by the pid file's lock, never by its pid alone.
 *
 * This file knows JSON and files; what a run does is run.c's business.
 */
#ifndef LOOM_LOOMD_RECORD_H
#define LOOM_LOOMD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/util/runstate.h"

struct executor;
struct loom_error;

#define RECORD_ID_LEN		6	/* characters of [a-z0-9] */
#define RECORD_FILE		"run.json"
#define RECORD_SUMMARY_FILE	"summary.json"
#define RECORD_SUMMARY_MAX	(64u * 1024)
#define RECORD_INDEX		"runs.index"
#define RECORD_MAX_SIZE		(64u * 1024 * 1024)
#define RECORD_JOURNAL		"steps.journal"
#define RECORD_JOURNAL_MAX	(16u * 1024 * 1024)

/* One known run: its id and its folder (owned strings). */
struct record_ref {
	char *id;
	char *dir;
};

/*
 * Make a new run folder `<experiment_dir>/.loom/runs/<id>` with an id
 * that is neither in the index nor on disk. Returns the id (owned) and
 * the folder in *run_dir (owned), or NULL with err set.
 */
char *record_create(const char *experiment_dir, const char *state_dir,
    char **run_dir, struct loom_error *err);

/* True when id has the shape of a run id (so it is safe in a path). */
bool record_id_is_valid(const char *id);

/*
 * Write rec as run_dir/run.json atomically (temporary file, rename;
 * fileio_write_atomic or fileio_write_replace). durable adds fsync of the
 * file and its folder (run start and end); without it the record is
 * still never partial, but a power failure may lose the latest version.
 * A crash at any point leaves the previous or the new record, and the
 * next write into the folder removes a temporary file the crash left.
 * On failure the previous record stays. Returns 0 or -1 with err.
 *
 * After the record, its summary (record_summary) is written beside it as
 * RECORD_SUMMARY_FILE, never with fsync: listing runs and the start-up
 * check then read a few hundred bytes per run, not whole records. A
 * summary that cannot be written only costs those readers a whole read.
 */
int record_write(const char *run_dir, const json_t *rec, bool durable,
    struct loom_error *err);
/*
 * record_write of a record already written as text (len bytes), with
 * the text of its summary (sum_len bytes; none when sum is NULL).
 */
int record_write_text(const char *run_dir, const char *text, size_t len,
    const char *sum, size_t sum_len, bool durable, struct loom_error *err);

/* Read run_dir/run.json: a new reference, or NULL with err set. */
json_t *record_read(const char *run_dir, struct loom_error *err);

/* The fields of rec that run.list shows (a new reference). */
json_t *record_summary(const json_t *rec);

/*
 * The summary of a run that has ended, from beside its record (a new
 * reference), or NULL when there is none to trust: missing, damaged, of
 * another run, or written while the run was still running (a daemon may
 * have died since). Callers then read the record itself.
 */
json_t *record_read_summary(const char *run_dir);

/*
 * Runs kept beside the experiment in experiment_dir (its
 * `.loom/runs/<id>`) that the index does not know, added to it: the
 * folder was moved or copied here, or the state folder is new. A run
 * whose id the index gives to another folder that still holds its
 * record stays out (ids are unique; a copied folder's runs keep the
 * original's). They are added in the order they started, at most
 * RECORD_ADOPT_MAX of them. Returns how many were added.
 */
#define RECORD_ADOPT_MAX	10000
size_t record_index_adopt(const char *state_dir, const char *experiment_dir);

/*
 * The pipeline file and folder a record read from run_dir speaks of: a
 * record lives in `<experiment>/.loom/runs/<id>`, so after the folder
 * was moved its "file" is `<experiment>/<its name>` and its "dir" is
 * run_dir, whatever paths it was written with. rec is changed in place.
 */
void record_relocate(json_t *rec, const char *run_dir);

/* Append id and run_dir to the index in state_dir (created if missing). */
int record_index_add(const char *state_dir, const char *id,
    const char *run_dir, struct loom_error *err);

/* The folder of run id from the index (owned), or NULL when unknown. */
char *record_index_find(const char *state_dir, const char *id);

/*
 * Every indexed run, oldest first, without duplicates. Returns an owned
 * array of *n refs (free with record_refs_free); NULL when none.
 */
struct record_ref *record_index_list(const char *state_dir, size_t *n);
void record_refs_free(struct record_ref *refs, size_t n);

/*
 * The step journal: the record is written at most about every 5 s,
 * so a daemon killed before that write would leave steps that ran as
 * "pending" and their processes unknown. Each start and end of a unit is
 * therefore appended at once (one short O_APPEND write, no fsync) to
 * RECORD_JOURNAL beside the record, as a line
 *   S ITEM PID PID_START STARTED STEP     (ITEM -1 for a plain step)
 *   E ITEM STATUS FINISHED STATE STEP     (STATUS a wait status or -1)
 *   J ITEM JOB STEP                       (a batch job's id, once known)
 * and record_journal_clear removes it (and closes it: the daemon keeps
 * a journal open between lines) once a record holding all of that
 * has been written. Only record_recover reads it: it replays the lines
 * over the record of a dead daemon's run before marking it interrupted.
 */
void record_journal_started(const char *run_dir, const char *step,
    long item, pid_t pid, unsigned long long pid_start, double started);
void record_journal_ended(const char *run_dir, const char *step, long item,
    int status, double finished, const char *state);
/*
 * The end line, held back until the journal's next line (written in the
 * same write) or record_journal_flush: a step's end and the next one's
 * start cost one write. Start lines are never held back.
 */
void record_journal_ended_later(const char *run_dir, const char *step,
    long item, int status, double finished, const char *state);
void record_journal_flush(void);
void record_journal_job(const char *run_dir, const char *step, long item,
    const char *job);
void record_journal_clear(const char *run_dir);

/*
 * Offered a dead daemon's run (rec, its journal replayed) that has units
 * submitted as batch jobs still recorded running or pending: true when
 * the callee takes the run over (rebuilds it, or follows its jobs to
 * their end) and writes the record itself (taking a reference to rec if
 * it keeps it); false leaves the run to be marked interrupted.
 */
typedef bool (*record_adopt_cb)(void *arg, json_t *rec, const char *run_dir);

/*
 * Mark runs left "running" by a daemon that is gone as interrupted, after
 * replaying the run's step journal over its record; executor ex ends what
 * of them may still run (executor_recover: the run's tag, then each unit
 * recorded running; the local executor kills the process groups that
 * still exist, same pid and start time, and every process carrying the
 * run's LOOM_RUN_ID), and
 * rewrite the index without runs whose folder or record is gone
 * (removing temporary files a crash left in such a folder). pid_path is
 * the pid file whose lock the caller holds: a run recorded by a daemon
 * of that pid file ("daemon_lock") is always a dead daemon's, zombie or
 * not. A run with jobs is offered to adopt first (when not NULL), and
 * none of its processes is ended when adopt takes it. Returns the number
 * of runs marked interrupted.
 */
int record_recover(const char *state_dir, const char *pid_path,
    struct executor *ex, record_adopt_cb adopt, void *arg);

/*
 * The start time of a process (clock ticks since boot, field 22 of
 * /proc/PID/stat), or 0 when it does not exist.
 */
unsigned long long record_proc_start(pid_t pid);

/* True when pid exists and started at start (never a recycled pid). */
bool record_proc_alive(pid_t pid, unsigned long long start);

/*
 * True for the states of a run that has not ended ("running", and
 * "queued": waiting for a run of the same pipeline).
 */
bool record_state_active(const char *state);

/* The "state" of a record, step or item object. */
enum run_state_kind record_state_of(const json_t *o);
/*
 * Whether unit o of a record had been submitted as a job not known to
 * have ended: running, or pending in the batch system's queue.
 */
bool record_unit_has_job(const json_t *o);

/* Wall-clock time now, in Unix seconds with a fraction. */
double record_now(void);

#endif
