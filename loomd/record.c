/* SPDX-License-Identifier: MIT */
/*
 * Run records, run ids and the index of run folders. See record.h.
 *
 * The index is append-only while the daemon runs (one short write with
 * O_APPEND per new run, so concurrent appends never interleave) and is
 * rewritten atomically by record_recover at daemon start, dropping runs
 * whose folder is gone. A folder name holding a tab or a newline cannot
 * be indexed; such runs work but are found only through their experiment.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/error.h"
#include "common/util/fileio.h"
#include "common/util/jsontext.h"
#include "common/util/log.h"
#include "common/util/numtext.h"
#include "common/util/proc.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomd/child.h"
#include "loomd/executor.h"
#include "loomd/record.h"

#define RECORD_INDEX_MAX	(64u * 1024 * 1024)
#define RECORD_ID_TRIES		100

static char *record_index_path(const char *state_dir);
static bool record_index_has(const struct record_ref *refs, size_t n,
    const char *id);
static int record_recover_one(json_t *rec, const char *run_dir,
    const char *pid_path, struct executor *ex, record_adopt_cb adopt,
    void *arg);
static bool record_has_jobs(json_t *rec);
static void record_journal_add(const char *run_dir, const char *line,
    bool later);
static json_t *record_journal_unit(json_t *rec, const char *step, long item,
    json_t **step_obj);
static void record_journal_line(json_t *rec, char *line);
static void record_journal_apply(json_t *rec, const char *run_dir);
static bool record_daemon_alive(const json_t *rec, const char *pid_path);
static unsigned long long record_proc_stat(pid_t pid, char *state);
static void record_write_summary(const char *run_dir, const char *sum,
    size_t len);
static void record_write_summary_of(const char *run_dir, const json_t *rec);

/* Wall-clock time now, in seconds. */
double
record_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* True when id is RECORD_ID_LEN characters of [a-z0-9]. */
bool
record_id_is_valid(const char *id)
{
	size_t i;

	for (i = 0; i < RECORD_ID_LEN; i++) {
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9')))
			return false;
	}
	return id[i] == '\0';
}

static char *
record_index_path(const char *state_dir)
{
	return xasprintf("%s/%s", state_dir, RECORD_INDEX);
}

static bool
record_index_has(const struct record_ref *refs, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(refs[i].id, id) == 0)
			return true;
	}
	return false;
}

/* Make a run folder with a fresh id. */
char *
record_create(const char *experiment_dir, const char *state_dir,
    char **run_dir, struct loom_error *err)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct record_ref *refs;
	unsigned char rnd[RECORD_ID_LEN];
	char id[RECORD_ID_LEN + 1], *runs, *dir;
	size_t n, i;
	int tries;

	runs = xasprintf("%s/.loom/runs", experiment_dir);
	if (fileio_mkdirs(runs, 0755, err) == -1) {
		free(runs);
		return NULL;
	}
	refs = record_index_list(state_dir, &n);
	for (tries = 0; tries < RECORD_ID_TRIES; tries++) {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
			for (i = 0; i < sizeof rnd; i++)
				rnd[i] = (unsigned char)random();
		}
		for (i = 0; i < RECORD_ID_LEN; i++)
			id[i] = alphabet[rnd[i] % 36];
		id[RECORD_ID_LEN] = '\0';
		/* Runs start with a letter, so an id never reads as a number. */
		if (id[0] >= '0' && id[0] <= '9')
			id[0] = alphabet[rnd[0] % 26];
		if (record_index_has(refs, n, id))
			continue;
		dir = xasprintf("%s/%s", runs, id);
		if (mkdir(dir, 0755) == 0) {
			record_refs_free(refs, n);
			free(runs);
			*run_dir = dir;
			return xstrdup(id);
		}
		if (errno != EEXIST) {
			loom_error_set(err, "", 0, 0, "cannot create %s: %s",
			    dir, strerror(errno));
			free(dir);
			break;
		}
		free(dir);
	}
	if (tries == RECORD_ID_TRIES)
		loom_error_set(err, "", 0, 0, "cannot find a free run id in %s",
		    runs);
	record_refs_free(refs, n);
	free(runs);
	return NULL;
}

/* Write run.json atomically (durably: with fsync). */
int
record_write(const char *run_dir, const json_t *rec, bool durable,
    struct loom_error *err)
{
	char *text;
	size_t len;
	int rc;

	text = jsontext_dump(rec, &len);
	if (text == NULL) {
		loom_error_set(err, "", 0, 0, "cannot encode the run record");
		return -1;
	}
	rc = record_write_text(run_dir, text, len, NULL, 0, durable, err);
	free(text);
	if (rc == 0)
		record_write_summary_of(run_dir, rec);
	return rc;
}

/* Write a record's text and its summary's (record.h). */
int
record_write_text(const char *run_dir, const char *text, size_t len,
    const char *sum, size_t sum_len, bool durable, struct loom_error *err)
{
	char *path;
	int rc;

	path = xasprintf("%s/%s", run_dir, RECORD_FILE);
	/*
	 * Without fsync, readers and a crashed daemon's successor still see
	 * the old or the new record, never a mix (the page cache outlives a
	 * process); only a power failure could lose the latest version,
	 * which the durable writes at run start and end cover.
	 */
	if (durable)
		rc = fileio_write_atomic(path, text, len, 0644, err);
	else
		rc = fileio_write_replace(path, text, len, 0644, err);
	free(path);
	if (rc == 0 && sum != NULL)
		record_write_summary(run_dir, sum, sum_len);
	return rc;
}

/* The fields of a record that run.list shows. */
json_t *
record_summary(const json_t *rec)
{
	static const char *const keys[] = {
		"run", "file", "state", "started", "finished", "steps_total",
		"steps_done", "steps_succeeded", "steps_failed",
		"steps_skipped", "steps_cancelled",
	};
	json_t *o = json_object(), *v;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = json_object_get(rec, keys[i]);
		json_object_set(o, keys[i], v != NULL ? v : json_null());
	}
	return o;
}

enum run_state_kind
record_state_of(const json_t *o)
{
	return runstate_parse(json_string_value(json_object_get(o, "state")));
}

/* True for the states of a run that has not ended: running, queued. */
bool
record_state_active(const char *state)
{
	enum run_state_kind st = runstate_parse(state);

	return st == RUNSTATE_RUNNING || st == RUNSTATE_QUEUED;
}

/* Write the summary text beside the record; a failure is only logged. */
static void
record_write_summary(const char *run_dir, const char *sum, size_t len)
{
	struct loom_error err;
	char *path;

	path = xasprintf("%s/%s", run_dir, RECORD_SUMMARY_FILE);
	loom_error_clear(&err);
	if (fileio_write_replace(path, sum, len, 0644, &err) == -1)
		log_warn("%s", err.message);
	free(path);
}

/* Write the summary of rec beside it (record_write_summary). */
static void
record_write_summary_of(const char *run_dir, const json_t *rec)
{
	json_t *sum = record_summary(rec);
	char *text;
	size_t len;

	text = jsontext_dump(sum, &len);
	json_decref(sum);
	if (text != NULL)
		record_write_summary(run_dir, text, len);
	free(text);
}

json_t *
record_read_summary(const char *run_dir)
{
	struct loom_error err;
	json_error_t jerr;
	json_t *sum, *run;
	const char *state, *slash;
	char *path, *text;
	size_t len;

	path = xasprintf("%s/%s", run_dir, RECORD_SUMMARY_FILE);
	loom_error_clear(&err);
	text = fileio_read(path, RECORD_SUMMARY_MAX, &len, &err);
	free(path);
	if (text == NULL)
		return NULL;
	sum = json_loadb(text, len, 0, &jerr);
	free(text);
	if (sum == NULL)
		return NULL;
	state = json_string_value(json_object_get(sum, "state"));
	run = json_object_get(sum, "run");
	slash = strrchr(run_dir, '/');
	if (state == NULL || record_state_active(state) ||
	    !json_is_string(run) || strcmp(json_string_value(run),
	    slash != NULL ? slash + 1 : run_dir) != 0) {
		json_decref(sum);
		return NULL;
	}
	record_relocate(sum, run_dir);
	return sum;
}

/*
 * The experiment folder of run_dir (owned): run_dir without its
 * "/.loom/runs/<id>", or NULL when it does not end so.
 */
static char *
record_experiment_of(const char *run_dir)
{
	static const char tail[] = "/.loom/runs/";
	const char *slash = strrchr(run_dir, '/');
	size_t n;

	if (slash == NULL || !record_id_is_valid(slash + 1))
		return NULL;
	n = (size_t)(slash + 1 - run_dir);
	if (n < sizeof tail || memcmp(run_dir + n - (sizeof tail - 1), tail,
	    sizeof tail - 1) != 0)
		return NULL;
	return xstrndup(run_dir, n - (sizeof tail - 1));
}

/* True when the folder of file (name its last part) resolves to exp. */
static bool
record_same_dir(const char *file, const char *name, const char *exp)
{
	char *dir, *real;
	bool same;

	if (name == file)
		return false;
	dir = xstrndup(file, (size_t)(name - file));
	real = realpath(dir, NULL);
	same = real != NULL && strcmp(real, exp) == 0;
	free(real);
	free(dir);
	return same;
}

void
record_relocate(json_t *rec, const char *run_dir)
{
	const char *file, *name, *dir;
	char *exp, *moved;
	size_t n;

	file = json_string_value(json_object_get(rec, "file"));
	if (file == NULL || (exp = record_experiment_of(run_dir)) == NULL)
		return;
	name = strrchr(file, '/');
	name = name != NULL ? name + 1 : file;
	n = strlen(exp);
	/*
	 * Not exp + "/" + name, nor a path to that folder through a link:
	 * written elsewhere, then moved here.
	 */
	if (*name != '\0' && (name != file + n + 1 || file[n] != '/' ||
	    strncmp(file, exp, n) != 0) && !record_same_dir(file, name, exp)) {
		moved = xasprintf("%s/%s", exp, name);
		(void)json_object_set_new(rec, "file", json_string(moved));
		free(moved);
	}
	dir = json_string_value(json_object_get(rec, "dir"));
	if (dir != NULL && strcmp(dir, run_dir) != 0)
		(void)json_object_set_new(rec, "dir", json_string(run_dir));
	free(exp);
}

/* Read run.json. */
json_t *
record_read(const char *run_dir, struct loom_error *err)
{
	json_error_t jerr;
	json_t *rec;
	char *path, *text;
	size_t len;

	path = xasprintf("%s/%s", run_dir, RECORD_FILE);
	text = fileio_read(path, RECORD_MAX_SIZE, &len, err);
	if (text == NULL) {
		free(path);
		return NULL;
	}
	rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (rec == NULL || !json_is_object(rec)) {
		loom_error_set(err, path, jerr.line, jerr.column,
		    "damaged run record: %s", rec == NULL ? jerr.text :
		    "not an object");
		json_decref(rec);
		free(path);
		return NULL;
	}
	free(path);
	record_relocate(rec, run_dir);
	return rec;
}

/* Append one run to the index. */
int
record_index_add(const char *state_dir, const char *id, const char *run_dir,
    struct loom_error *err)
{
	char *path, *line;
	ssize_t n;
	int fd, rc = 0;

	if (strpbrk(run_dir, "\t\n") != NULL)
		return 0;
	if (fileio_mkdirs(state_dir, 0700, err) == -1)
		return -1;
	path = record_index_path(state_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1) {
		loom_error_set(err, "", 0, 0, "cannot open %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	line = xasprintf("%s\t%s\n", id, run_dir);
	n = write(fd, line, strlen(line));
	if (n != (ssize_t)strlen(line)) {
		loom_error_set(err, "", 0, 0, "cannot write %s: %s", path,
		    n == -1 ? strerror(errno) : "short write");
		rc = -1;
	}
	close(fd);
	free(line);
	free(path);
	return rc;
}

/* Every indexed run, oldest first, duplicates dropped (last wins). */
struct record_ref *
record_index_list(const char *state_dir, size_t *n)
{
	struct record_ref *refs = NULL;
	size_t cap = 0, len, i;
	char *path, *text, *line, *next, *tab;

	*n = 0;
	path = record_index_path(state_dir);
	text = fileio_read(path, RECORD_INDEX_MAX, &len, NULL);
	free(path);
	if (text == NULL)
		return NULL;
	for (line = text; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			break;	/* a torn last line: ignore it */
		*next++ = '\0';
		tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		if (!record_id_is_valid(line) || tab[1] != '/')
			continue;
		for (i = 0; i < *n; i++) {
			if (strcmp(refs[i].id, line) == 0)
				break;
		}
		if (i < *n) {
			free(refs[i].dir);
			refs[i].dir = xstrdup(tab + 1);
			continue;
		}
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			refs = xreallocarray(refs, cap, sizeof *refs);
		}
		refs[*n].id = xstrdup(line);
		refs[*n].dir = xstrdup(tab + 1);
		(*n)++;
	}
	free(text);
	return refs;
}

void
record_refs_free(struct record_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(refs[i].id);
		free(refs[i].dir);
	}
	free(refs);
}

/* A run found beside an experiment, not in the index yet. */
struct record_found {
	char *id;
	char *dir;
	double started;
};

static int
record_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct record_ref *)a)->id,
	    ((const struct record_ref *)b)->id);
}

static int
record_found_cmp(const void *a, const void *b)
{
	const struct record_found *x = a, *y = b;

	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * When the run in dir started, from its summary or its record; -1 when
 * neither can be read, or it has not ended (its daemon, if it is gone,
 * was another machine's or another state folder's: this one never
 * recovers it, so it is left out rather than shown running forever).
 */
static double
record_found_started(const char *dir)
{
	struct loom_error err;
	json_t *rec;
	double t = -1;

	if ((rec = record_read_summary(dir)) == NULL) {
		loom_error_clear(&err);
		rec = record_read(dir, &err);
	}
	if (rec != NULL && json_is_number(json_object_get(rec, "started")) &&
	    !record_state_active(json_string_value(json_object_get(rec,
	    "state"))))
		t = json_number_value(json_object_get(rec, "started"));
	json_decref(rec);
	return t;
}

static int
record_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ref's index line into f, unless its id is one of ids (n, sorted). */
static void
record_index_line(FILE *f, const struct record_ref *ref, const char **ids,
    size_t n)
{
	if (bsearch(&ref->id, ids, n, sizeof *ids, record_str_cmp) == NULL)
		fprintf(f, "%s\t%s\n", ref->id, ref->dir);
}

/*
 * Add found (nfound runs, oldest first) to the index where they belong
 * by start: run.list and `last` take the index's order as the order of
 * the runs. Runs indexed before that started after the first found one
 * (read from their summaries, from the end: usually none, or a few)
 * move behind it, in the order they all started; then the index is
 * rewritten atomically. Otherwise found is only appended.
 */
static int
record_index_merge(const char *state_dir, const struct record_found *found,
    size_t nfound, struct loom_error *err)
{
	struct record_ref *refs;
	const char **ids;
	double *later = NULL;
	size_t n, k, i, j, len;
	char *path, *text;
	FILE *f;
	int rc;

	refs = record_index_list(state_dir, &n);
	for (k = n; k > 0; k--) {
		double t = record_found_started(refs[k - 1].dir);

		/* Not ended, or unreadable: it stays where it is, later. */
		if (t >= 0 && t <= found[0].started)
			break;
		later = xreallocarray(later, n - k + 1, sizeof *later);
		later[n - k] = t < 0 ? 1e300 : t;
	}
	if (k == n) {
		for (i = 0, rc = 0; i < nfound && rc == 0; i++)
			rc = record_index_add(state_dir, found[i].id,
			    found[i].dir, err);
		record_refs_free(refs, n);
		return rc;
	}
	/* An id found here drops the entry naming its old folder. */
	ids = xreallocarray(NULL, nfound, sizeof *ids);
	for (j = 0; j < nfound; j++)
		ids[j] = found[j].id;
	qsort(ids, nfound, sizeof *ids, record_str_cmp);
	/* later[] holds refs[n-1], refs[n-2]...: refs[i]'s is later[n-1-i]. */
	if ((f = open_memstream(&text, &len)) == NULL) {
		loom_error_set(err, "", 0, 0, "cannot add to the run index: %s",
		    strerror(errno));
		free(ids);
		free(later);
		record_refs_free(refs, n);
		return -1;
	}
	for (i = 0; i < k; i++)
		record_index_line(f, &refs[i], ids, nfound);
	for (i = k, j = 0; i < n || j < nfound;) {
		if (j == nfound || (i < n && later[n - 1 - i] <=
		    found[j].started)) {
			record_index_line(f, &refs[i], ids, nfound);
			i++;
		} else {
			fprintf(f, "%s\t%s\n", found[j].id, found[j].dir);
			j++;
		}
	}
	path = record_index_path(state_dir);
	if (fclose(f) != 0) {
		loom_error_set(err, "", 0, 0, "cannot add to the run index: %s",
		    strerror(errno));
		rc = -1;
	} else
		rc = fileio_write_atomic(path, text, len, 0600, err);
	free(path);
	free(text);
	free(ids);
	free(later);
	record_refs_free(refs, n);
	return rc;
}

/* True when dir holds a run record. */
static bool
record_exists(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, RECORD_FILE);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

size_t
record_index_adopt(const char *state_dir, const char *experiment_dir)
{
	struct record_ref *refs, key, *hit;
	struct record_found *found = NULL;
	struct loom_error err;
	struct dirent *e;
	size_t n, nfound = 0, cap = 0, i, added = 0;
	char *runs, *dir;
	double t = 0;
	DIR *d;

	runs = xasprintf("%s/.loom/runs", experiment_dir);
	if ((d = opendir(runs)) == NULL) {
		free(runs);
		return 0;
	}
	refs = record_index_list(state_dir, &n);
	if (n > 0)
		qsort(refs, n, sizeof *refs, record_ref_cmp);
	while ((e = readdir(d)) != NULL && nfound < RECORD_ADOPT_MAX) {
		if (!record_id_is_valid(e->d_name))
			continue;
		dir = xasprintf("%s/%s", runs, e->d_name);
		key.id = e->d_name;
		hit = n > 0 ? bsearch(&key, refs, n, sizeof *refs,
		    record_ref_cmp) : NULL;
		/* Known here, or the id is another folder's run. */
		if ((hit != NULL && (strcmp(hit->dir, dir) == 0 ||
		    record_exists(hit->dir))) ||
		    (t = record_found_started(dir)) < 0) {
			free(dir);
			continue;
		}
		if (nfound == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			found = xreallocarray(found, cap, sizeof *found);
		}
		found[nfound].id = xstrdup(e->d_name);
		found[nfound].dir = dir;
		found[nfound++].started = t;
	}
	closedir(d);
	record_refs_free(refs, n);
	if (nfound > 0) {
		qsort(found, nfound, sizeof *found, record_found_cmp);
		loom_error_clear(&err);
		if (record_index_merge(state_dir, found, nfound, &err) == 0) {
			added = nfound;
			log_info("found %zu run(s) in %s that the index did "
			    "not list", added, runs);
		} else
			log_warn("%s", err.message);
	}
	for (i = 0; i < nfound; i++) {
		free(found[i].id);
		free(found[i].dir);
	}
	free(found);
	free(runs);
	return added;
}

/* The folder of a run from the index. */
char *
record_index_find(const char *state_dir, const char *id)
{
	struct record_ref *refs;
	char *dir = NULL;
	size_t n, i;

	if (!record_id_is_valid(id))
		return NULL;
	refs = record_index_list(state_dir, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(refs[i].id, id) == 0) {
			dir = xstrdup(refs[i].dir);
			break;
		}
	}
	record_refs_free(refs, n);
	return dir;
}

/* Start time of a process from /proc/PID/stat, 0 when unknown. */
unsigned long long
record_proc_start(pid_t pid)
{
	char state;

	return record_proc_stat(pid, &state);
}

/*
 * Start time and state letter of a process (proc.h); 0 for a zombie (or
 * a dead task): its parent has not reaped it yet, but it runs nothing. A
 * daemon killed a moment ago is often one, and its runs must read as
 * interrupted, not running.
 */
static unsigned long long
record_proc_stat(pid_t pid, char *state)
{
	unsigned long long start = proc_start_time((long)pid, state);

	return *state == 'Z' || *state == 'X' ? 0 : start;
}

/* True when pid exists and is the process that started at start. */
bool
record_proc_alive(pid_t pid, unsigned long long start)
{
	return start != 0 && record_proc_start(pid) == start;
}

/*
 * Whether the daemon that wrote rec still serves it. A daemon of our pid
 * file is gone: we hold the file's lock, which a live daemon holds for
 * its whole life (a zombie holds nothing). A daemon of another socket is
 * alive when its pid runs with the recorded start time and is no zombie.
 */
static bool
record_daemon_alive(const json_t *rec, const char *pid_path)
{
	const char *lock = json_string_value(json_object_get(rec,
	    "daemon_lock"));
	unsigned long long start;
	char state = '?';

	if (lock != NULL && pid_path != NULL && strcmp(lock, pid_path) == 0)
		return false;
	start = record_proc_stat((pid_t)json_integer_value(json_object_get(rec,
	    "daemon_pid")), &state);
	return start != 0 && start == (unsigned long long)json_integer_value(
	    json_object_get(rec, "daemon_start")) && state != 'Z' &&
	    state != 'X';
}

/*
 * The journals being written stay open between their lines: an open per
 * line would cost a path walk per unit start and end. A run's journal is
 * closed when it is cleared; past RECORD_JOURNALS_OPEN runs at once, the
 * oldest is closed (its next line opens it again).
 */
#define RECORD_JOURNALS_OPEN	8
/* Bytes of end lines held back per journal; beyond, written at once. */
#define RECORD_JOURNAL_PEND_MAX	65536

struct record_journal_fd {
	char *dir;		/* the run folder */
	char *path;		/* its journal */
	int fd;
	char *pend;		/* end lines to write with the next line */
	size_t npend;
	size_t cap;
};

static struct record_journal_fd record_journals[RECORD_JOURNALS_OPEN];
static size_t record_journal_next;

/* Write the lines held back for j (record_journal_ended_later). */
static void
record_journal_write_pend(struct record_journal_fd *j)
{
	if (j->npend > 0 && write(j->fd, j->pend, j->npend) !=
	    (ssize_t)j->npend)
		log_warn("%s: %s", j->path, strerror(errno));
	j->npend = 0;
}

static void
record_journal_close(struct record_journal_fd *j)
{
	if (j->path != NULL)
		close(j->fd);
	free(j->dir);
	free(j->path);
	free(j->pend);
	memset(j, 0, sizeof *j);
	j->fd = -1;
}

/*
 * The open journal of run_dir, opened (created) when it is not; NULL
 * if it cannot be, its path in *path (owned) then.
 */
static struct record_journal_fd *
record_journal_fd(const char *run_dir, char **path)
{
	struct record_journal_fd *j;
	size_t i;
	int fd;

	*path = NULL;
	for (i = 0; i < RECORD_JOURNALS_OPEN; i++)
		if (record_journals[i].dir != NULL &&
		    strcmp(record_journals[i].dir, run_dir) == 0)
			return &record_journals[i];
	*path = xasprintf("%s/%s", run_dir, RECORD_JOURNAL);
	fd = open(*path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd == -1)
		return NULL;
	j = &record_journals[record_journal_next];
	record_journal_next = (record_journal_next + 1) % RECORD_JOURNALS_OPEN;
	if (j->path != NULL)
		record_journal_write_pend(j);
	record_journal_close(j);
	j->dir = xstrdup(run_dir);
	j->path = *path;
	*path = NULL;
	j->fd = fd;
	return j;
}

/*
 * Append one line to the step journal; a failure only costs recovery.
 * With later, the line waits for the next line or record_journal_flush
 * (an end line: a crash in between loses no process, only the end of
 * one already reaped); else it is written at once, after the waiting
 * ones, in the same write.
 */
static void
record_journal_add(const char *run_dir, const char *line, bool later)
{
	struct record_journal_fd *j;
	size_t len = strlen(line);
	struct iovec iov[2];
	char *path;

	if ((j = record_journal_fd(run_dir, &path)) == NULL) {
		log_warn("%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	if (later && j->npend + len <= RECORD_JOURNAL_PEND_MAX) {
		if (j->npend + len > j->cap) {
			j->cap = j->npend + len + 256;
			j->pend = xrealloc(j->pend, j->cap);
		}
		memcpy(j->pend + j->npend, line, len);
		j->npend += len;
		return;
	}
	iov[0].iov_base = j->pend;
	iov[0].iov_len = j->npend;
	iov[1].iov_base = (void *)line;
	iov[1].iov_len = len;
	if (writev(j->fd, iov, 2) != (ssize_t)(j->npend + len))
		log_warn("%s: %s", j->path, strerror(errno));
	j->npend = 0;
}

/* Write every line held back (record_journal_ended_later). */
void
record_journal_flush(void)
{
	size_t i;

	for (i = 0; i < RECORD_JOURNALS_OPEN; i++)
		if (record_journals[i].path != NULL)
			record_journal_write_pend(&record_journals[i]);
}

/*
 * The journal lines are written without printf, which spends most of a
 * line on its "%.6f": a number or a word and a space at p, the new end.
 */
static char *
record_journal_num(char *p, long long v)
{
	p += numtext_int(p, v);
	*p++ = ' ';
	return p;
}

static char *
record_journal_word(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	p[n] = ' ';
	return p + n + 1;
}

static char *
record_journal_time(char *p, double t)
{
	p += numtext_fixed(p, t, 6);
	*p++ = ' ';
	return p;
}

/* The line held in line (ended by the step's name), appended. */
static void
record_journal_step(const char *run_dir, char *line, char *p,
    const char *step, bool later)
{
	size_t n = strlen(step);

	memcpy(p, step, n);
	p[n] = '\n';
	p[n + 1] = '\0';
	record_journal_add(run_dir, line, later);
	free(line);
}

void
record_journal_started(const char *run_dir, const char *step, long item,
    pid_t pid, unsigned long long pid_start, double started)
{
	char *line, *p;

	line = xmalloc(3 * NUMTEXT_MAX + NUMTEXT_FIXED_MAX + strlen(step) + 8);
	p = record_journal_word(line, "S");
	p = record_journal_num(p, item);
	p = record_journal_num(p, (long long)pid);
	p += numtext_uint(p, pid_start);
	*p++ = ' ';
	p = record_journal_time(p, started);
	record_journal_step(run_dir, line, p, step, false);
}

static void
record_journal_end(const char *run_dir, const char *step, long item,
    int status, double finished, const char *state, bool later)
{
	char *line, *p;

	line = xmalloc(2 * NUMTEXT_MAX + NUMTEXT_FIXED_MAX + strlen(state) +
	    strlen(step) + 8);
	p = record_journal_word(line, "E");
	p = record_journal_num(p, item);
	p = record_journal_num(p, status);
	p = record_journal_time(p, finished);
	p = record_journal_word(p, state);
	record_journal_step(run_dir, line, p, step, later);
}

void
record_journal_ended(const char *run_dir, const char *step, long item,
    int status, double finished, const char *state)
{
	record_journal_end(run_dir, step, item, status, finished, state,
	    false);
}

void
record_journal_ended_later(const char *run_dir, const char *step, long item,
    int status, double finished, const char *state)
{
	record_journal_end(run_dir, step, item, status, finished, state,
	    true);
}

void
record_journal_job(const char *run_dir, const char *step, long item,
    const char *job)
{
	char *line;

	if (strcspn(job, " \t\n") != strlen(job) || *job == '\0')
		return;
	line = xasprintf("J %ld %s %s\n", item, job, step);
	record_journal_add(run_dir, line, false);
	free(line);
}

/* The record now holds what the journal said: drop it. */
void
record_journal_clear(const char *run_dir)
{
	char *path = xasprintf("%s/%s", run_dir, RECORD_JOURNAL);
	size_t i;

	for (i = 0; i < RECORD_JOURNALS_OPEN; i++)
		if (record_journals[i].dir != NULL &&
		    strcmp(record_journals[i].dir, run_dir) == 0)
			record_journal_close(&record_journals[i]);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("cannot remove %s: %s", path, strerror(errno));
	free(path);
}

/*
 * The unit object of step (its item when item >= 0) in rec, with the
 * step's own object in *step_obj; NULL when the record has no such unit.
 */
static json_t *
record_journal_unit(json_t *rec, const char *step, long item,
    json_t **step_obj)
{
	json_t *st, *items;
	size_t i;

	json_array_foreach(json_object_get(rec, "steps"), i, st) {
		if (!json_is_string(json_object_get(st, "name")) ||
		    strcmp(json_string_value(json_object_get(st, "name")),
		    step) != 0)
			continue;
		*step_obj = st;
		if (item < 0)
			return st;
		items = json_object_get(st, "items");
		return json_array_get(items, (size_t)item);
	}
	return NULL;
}

/* Replay one journal line over rec; a damaged line is ignored. */
static void
record_journal_line(json_t *rec, char *line)
{
	json_t *unit, *step = NULL;
	const char *name;
	char kind, state[32], job[64];
	long item, pid;
	unsigned long long start;
	double t;
	int n = 0, status;

	if (sscanf(line, "S %ld %ld %llu %lf %n", &item, &pid, &start, &t,
	    &n) == 4 && n > 0)
		kind = 'S';
	else if (sscanf(line, "E %ld %d %lf %31s %n", &item, &status, &t,
	    state, &n) == 4 && n > 0)
		kind = 'E';
	else if (sscanf(line, "J %ld %63s %n", &item, job, &n) == 2 && n > 0)
		kind = 'J';
	else
		return;
	name = line + n;
	if ((unit = record_journal_unit(rec, name, item, &step)) == NULL)
		return;
	if (kind == 'J') {
		json_object_set_new(unit, "job", json_string(job));
		return;
	}
	if (kind == 'S') {
		if (record_state_of(unit) != RUNSTATE_PENDING)
			return;
		json_object_set_new(unit, "state",
		    json_string(runstate_name(RUNSTATE_RUNNING)));
		json_object_set_new(unit, "pid", json_integer(pid));
		json_object_set_new(unit, "pid_start", json_integer(
		    (json_int_t)start));
		json_object_set_new(unit, "started", json_real(t));
		if (record_state_of(step) == RUNSTATE_PENDING)
			json_object_set_new(step, "state",
			    json_string(runstate_name(RUNSTATE_RUNNING)));
		return;
	}
	json_object_set_new(unit, "state", json_string(state));
	json_object_set_new(unit, "finished", json_real(t));
	json_object_del(unit, "pid_start");
	if (status != -1 && WIFEXITED(status))
		json_object_set_new(unit, "exit_code",
		    json_integer(WEXITSTATUS(status)));
	else if (status != -1 && WIFSIGNALED(status) &&
	    child_signal_name(WTERMSIG(status)) != NULL)
		json_object_set_new(unit, "signal", json_string(
		    child_signal_name(WTERMSIG(status))));
}

/* Replay the step journal of run_dir over rec, then remove it. */
static void
record_journal_apply(json_t *rec, const char *run_dir)
{
	struct loom_error err;
	char *path, *text, *line, *next;

	path = xasprintf("%s/%s", run_dir, RECORD_JOURNAL);
	loom_error_clear(&err);
	text = fileio_read(path, RECORD_JOURNAL_MAX, NULL, &err);
	free(path);
	if (text == NULL)
		return;
	for (line = text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			break;	/* a line cut short by the crash */
		*next++ = '\0';
		record_journal_line(rec, line);
	}
	free(text);
}

bool
record_unit_has_job(const json_t *o)
{
	enum run_state_kind st = record_state_of(o);

	return (st == RUNSTATE_RUNNING || st == RUNSTATE_PENDING) &&
	    json_is_string(json_object_get(o, "job"));
}

/* Whether a unit of rec still running had been submitted as a job. */
static bool
record_has_jobs(json_t *rec)
{
	json_t *step, *item;
	size_t i, j;

	json_array_foreach(json_object_get(rec, "steps"), i, step) {
		if (record_unit_has_job(step))
			return true;
		json_array_foreach(json_object_get(step, "items"), j, item)
			if (record_unit_has_job(item))
				return true;
	}
	return false;
}

/*
 * Turn one record of a dead daemon into an interrupted run, unless it
 * has jobs still to follow and adopt takes it.
 */
static int
record_recover_one(json_t *rec, const char *run_dir, const char *pid_path,
    struct executor *ex, record_adopt_cb adopt, void *arg)
{
	json_t *steps, *step, *items, *item;
	size_t i, j;
	const char *id;
	char *marker;

	if (record_state_of(rec) != RUNSTATE_RUNNING &&
	    record_state_of(rec) != RUNSTATE_QUEUED)
		return 0;
	if (record_daemon_alive(rec, pid_path))
		return 0;
	record_journal_apply(rec, run_dir);
	/* Its jobs carry the run's id too: they must not be swept. */
	if (adopt != NULL && record_has_jobs(rec) && adopt(arg, rec, run_dir))
		return 0;
	/*
	 * Every process of the run carries its id, including steps started
	 * after the record was last written: none outlives the run.
	 */
	if ((id = json_string_value(json_object_get(rec, "run"))) == NULL ||
	    !record_id_is_valid(id))
		id = NULL;
	marker = xasprintf("LOOM_RUN_ID=%s", id != NULL ? id : "");
	if (id != NULL)
		executor_recover(ex, marker, NULL);
	json_object_set_new(rec, "state",
	    json_string(runstate_name(RUNSTATE_INTERRUPTED)));
	json_object_set_new(rec, "finished", json_real(record_now()));
	steps = json_object_get(rec, "steps");
	json_array_foreach(steps, i, step) {
		items = json_object_get(step, "items");
		json_array_foreach(items, j, item) {
			if (record_state_of(item) == RUNSTATE_RUNNING) {
				executor_recover(ex, marker, item);
				json_object_set_new(item, "state", json_string(
				    runstate_name(RUNSTATE_INTERRUPTED)));
			}
		}
		if (record_state_of(step) == RUNSTATE_RUNNING) {
			if (items == NULL)
				executor_recover(ex, marker, step);
			json_object_set_new(step, "state", json_string(
			    runstate_name(RUNSTATE_INTERRUPTED)));
		}
	}
	free(marker);
	return 1;
}

/* Mark runs of dead daemons interrupted and compact the index. */
int
record_recover(const char *state_dir, const char *pid_path,
    struct executor *ex, record_adopt_cb adopt, void *arg)
{
	struct loom_error err;
	struct record_ref *refs;
	struct stat sb;
	json_t *rec;
	char *path, *text = NULL, *rf;
	size_t n, i, len = 0;
	int fixed = 0;

	refs = record_index_list(state_dir, &n);
	for (i = 0; i < n; i++) {
		rf = xasprintf("%s/%s", refs[i].dir, RECORD_FILE);
		if (stat(rf, &sb) == -1) {
			/*
			 * A daemon that died before the run's first record
			 * reached the disk may have left its temporary file;
			 * nothing will write here again to sweep it.
			 */
			if (errno == ENOENT)
				(void)fileio_sweep_temps(refs[i].dir);
			free(rf);
			continue;
		}
		free(rf);
		/* A run that has ended has nothing to recover. */
		rec = record_read_summary(refs[i].dir);
		if (rec == NULL) {
			loom_error_clear(&err);
			rec = record_read(refs[i].dir, &err);
			/*
			 * Ended, but without a summary to say so (written by
			 * an older version, or lost to a crash): write it
			 * now, which also sweeps what the crash left.
			 */
			if (rec != NULL && json_is_string(json_object_get(rec,
			    "state")) && !record_state_active(
			    json_string_value(json_object_get(rec, "state"))))
				record_write_summary_of(refs[i].dir, rec);
		}
		if (rec != NULL && record_recover_one(rec, refs[i].dir,
		    pid_path, ex, adopt, arg)) {
			loom_error_clear(&err);
			if (record_write(refs[i].dir, rec, true, &err) == -1)
				log_warn("cannot mark run %s interrupted: %s",
				    refs[i].id, err.message);
			else {
				record_journal_clear(refs[i].dir);
				log_info("run %s marked interrupted",
				    refs[i].id);
				fixed++;
			}
		}
		json_decref(rec);
		text = xrealloc(text, len + strlen(refs[i].id) +
		    strlen(refs[i].dir) + 3);
		len += (size_t)sprintf(text + len, "%s\t%s\n", refs[i].id,
		    refs[i].dir);
	}
	if (n > 0) {
		path = record_index_path(state_dir);
		loom_error_clear(&err);
		if (fileio_write_atomic(path, text != NULL ? text : "", len,
		    0600, &err) == -1)
			log_warn("cannot rewrite %s: %s", path, err.message);
		free(path);
	}
	free(text);
	record_refs_free(refs, n);
	return fixed;
}
