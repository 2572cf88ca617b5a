/* SPDX-License-Identifier: MIT */
/*
 * loomctl run FILE [selection] [--dry-run] [-d]: runs a pipeline.
 *
 * The file is loaded, validated and the selection checked here first, so
 * an invalid pipeline or a bad flag exits 2 before a daemon is started.
 * --dry-run stops there and prints the commands. Otherwise the run is
 * handed to loomd with the caller's working directory and whole
 * environment; with -d the run id is printed and loomctl returns at
 * once. Attached, loomctl asks run.start to subscribe it to the new run
 * before its first event (so not one event is missed, and no event of
 * another run arrives), prints "Run: ID", a header counting
 * the steps that will run and those up to date, then the seed's format
 * (README, "Using Loom") and exits 0 when every step succeeded, 1 when
 * one failed, 130 when the run was cancelled.
 *
 * Ctrl-C asks the daemon to cancel the run and waits for the end; a
 * second Ctrl-C leaves at once; both exit 130. Steps that never started
 * are reported cancelled after the ones that were running. A lost
 * terminal (SIGHUP) or SIGTERM leaves the run going: it belongs to the
 * daemon, not to this process.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util/base64.h"
#include "common/util/error.h"
#include "common/util/jsonscan.h"
#include "common/util/numtext.h"
#include "common/model/pipeline.h"
#include "common/util/protocol.h"
#include "common/util/runstate.h"
#include "common/util/xmalloc.h"
#include "loomctl/cmd.h"
#include "loomctl/connect.h"
#include "loomctl/dryrun.h"
#include "loomctl/logread.h"
#include "loomctl/output.h"
#include "loomctl/prepare.h"
#include "loomctl/rpcclient.h"
#include "loomctl/runopts.h"
#include "loomctl/runref.h"

extern char **environ;

#define CMD_RUN_DASHES	"----------------------------------------"

/*
 * An unfinished line longer than this is not held back any more: it is
 * printed as it comes (one prefix, no newline yet), so memory stays flat
 * however long a line is. Should anything else be printed before the
 * line ends, the line is broken there and its rest gets a new prefix.
 */
#define CMD_RUN_HOLD_MAX	(64 * 1024)

/*
 * Prefixed lines are assembled in a buffer of this size and written
 * when it fills; a line longer than CMD_RUN_LONG_LINE is written where
 * it lies, after its prefix, without a copy. Short prefixes and lines
 * are moved CMD_RUN_MOVE bytes at a time (a fixed-size copy, a few
 * instructions instead of a call), which needs that much slack.
 */
#define CMD_RUN_OBUF		(256 * 1024)
#define CMD_RUN_LONG_LINE	(16 * 1024)
#define CMD_RUN_MOVE		32

/*
 * Past this much live output of one stream, its log file is read instead
 * (log.open): a flood costs neither base64 nor JSON, and the daemon sends
 * nothing more of it. Short output stays live, with no extra round trip.
 * The daemon is told ("live_max" of run.start) and stops live output there
 * with a run.output_gap, rather than reading and encoding what it sends
 * until log.open reaches it (an older daemon: loomctl switches itself).
 */
#define CMD_RUN_FILE_AFTER	(256 * 1024)

/* stdout's buffer on a terminal while attached (see cmd_run_idle). */
#define CMD_RUN_STDOUT_BUF	(64 * 1024)

/* A label ("step[item]") is cut to one byte less than this. */
#define CMD_RUN_LABEL_MAX	512

/* Output of one step (or loop item) on its way to the terminal. */
struct cmd_run_stream {
	char *key;		/* "ITEM:STEP", its name in the view's map */
	char *step;
	long item;		/* -1 for a plain step */
	char *item_name;	/* a loop item's file name, once known */
	bool started;		/* its process started (counts as running) */
	char *partial;		/* an unfinished line */
	size_t plen;
	long long next;		/* log offset of the next unseen byte */
	long long live;		/* bytes received in run.output */
	bool gap;		/* no live output: read the log instead */
	struct logread log;	/* its log, while gap */
	char *prefix;		/* "[step] " with its colours, in at
				   least CMD_RUN_MOVE bytes */
	size_t prefixlen;
	char *label;		/* cmd_run_label's, until item_name */
};

/*
 * The fields of a step's event (run.step_started, run.output,
 * run.step_finished, run.output_gap) that loomctl reads, borrowed from
 * the message: read from its text by cmd_run_notify, or from its
 * jansson value by cmd_run_event_of, with the same meaning: a field of
 * another type counts as missing.
 */
struct cmd_run_event {
	const char *step;
	long item;		/* -1: none */
	const char *item_name;
	bool has_items;
	long long items;	/* a loop's item count */
	const char *state;
	bool has_code;
	long long exit_code;
	const char *signal;
	const char *error;
	bool has_items_total;
	long long items_total;
	long long items_succeeded;
	const char *failed_item;
	long long offset;
	const char *data;	/* base64, not NUL-terminated */
	size_t datalen;
};

/* The state of an attached run. */
struct cmd_run_view {
	struct rpcclient *c;
	char *run;
	size_t total;
	size_t uptodate;	/* steps that will not run */
	size_t finished;
	size_t running;		/* processes: steps and loop items */
	struct strv unstarted;	/* cancelled before they started */
	size_t items_total;	/* of the loops that have started */
	size_t items_done;
	struct strv loops_seen;	/* loops whose item count is known */
	char *behind;		/* queued behind this run, until it starts */
	bool progress;		/* draw a progress line (terminal only) */
	bool progress_shown;
	struct timespec started;
	struct cmd_run_stream **streams;	/* in order of first use */
	size_t nstreams;
	size_t last;			/* the stream of the last event */
	struct pipeline_map *stream_map;	/* key -> index in streams */
	struct logread log_proto;	/* a new stream's reader, but for
					   its step and item */
	size_t ngaps;			/* streams with gap set */
	struct cmd_run_stream *open;	/* its line is printed but unended */
	char *obuf;			/* output being assembled */
	size_t ocap;
	bool lost;			/* some output could not be shown */
	char *scratch;			/* cmd_run_notify's event strings */
	size_t scap;
	unsigned char *dbuf;		/* decoded run.output */
	size_t dcap;
};

/* A line put together by hand, not by printf; cut at its size. */
struct cmd_run_line {
	char buf[CMD_RUN_LABEL_MAX];
	size_t len;
};

/* Where cmd_run_log_piece writes. */
struct cmd_run_piece {
	struct cmd_run_view *v;
	struct cmd_run_stream *s;
};

static volatile sig_atomic_t cmd_run_interrupts;
static volatile sig_atomic_t cmd_run_hangup;

static int	cmd_run_exec(struct cmd_ctx *ctx, int argc, char **argv);
static void	cmd_run_signal(int sig);
static char	*cmd_run_key(char *buf, size_t cap, long item,
		    const char *step);
static void	cmd_run_cat(struct cmd_run_line *l, const char *str);
static void	cmd_run_num(struct cmd_run_line *l, long long n);
static void	cmd_run_elapsed(const struct cmd_run_view *v, char *buf,
		    size_t len);
static json_t	*cmd_run_strv(const struct strv *sv);
static json_t	*cmd_run_request(const struct run_opts *o, const char *file);
static int	cmd_run_start_error(struct rpcclient *c, int code,
		    const struct loom_error *err);
static struct cmd_run_stream *cmd_run_stream(struct cmd_run_view *v,
		    const char *step, long item);
static const char *cmd_run_label(struct cmd_run_stream *s);
static void	cmd_run_event_of(json_t *params, struct cmd_run_event *ev);
static int	cmd_run_event_scan(struct cmd_run_view *v,
		    const struct jsonscan_member *m, size_t n,
		    struct cmd_run_event *ev);
static bool	cmd_run_notify(const char *method, size_t mlen,
		    const struct jsonscan_member *m, size_t n, void *arg);
static struct cmd_run_stream *cmd_run_stream_of(struct cmd_run_view *v,
		    const struct cmd_run_event *ev);
static void	cmd_run_tag(enum output_style style, const char *tag,
		    const char *label, const char *rest);
static void	cmd_run_set_gap(struct cmd_run_view *v,
		    struct cmd_run_stream *s, bool gap);
static void	cmd_run_clear_progress(struct cmd_run_view *v);
static void	cmd_run_draw_progress(struct cmd_run_view *v);
static void	cmd_run_before_stderr(struct cmd_run_view *v);
static void	cmd_run_idle(void *arg);
static bool	cmd_run_skip(const char *line, size_t len, void *arg);
static void	cmd_run_write(struct cmd_run_view *v,
		    struct cmd_run_stream *s, const unsigned char *data,
		    size_t len, bool flush);
static void	cmd_run_output(struct cmd_run_view *v,
		    const struct cmd_run_event *ev);
static void	cmd_run_read_log(struct cmd_run_view *v,
		    struct cmd_run_stream *s);
static void	cmd_run_catch_up(struct cmd_run_view *v,
		    const struct cmd_run_event *ev);
static void	cmd_run_log_piece(void *arg, const unsigned char *data,
		    size_t len);
static void	cmd_run_lost(struct cmd_run_view *v,
		    struct cmd_run_stream *s, const char *why);
static void	cmd_run_poll_gaps(struct cmd_run_view *v, bool to_eof);
static bool	cmd_run_has(const struct strv *sv, const char *s);
static void	cmd_run_failed_loop(const struct cmd_run_event *ev);
static void	cmd_run_started_step(struct cmd_run_view *v,
		    const struct cmd_run_event *ev);
static void	cmd_run_finished_step(struct cmd_run_view *v,
		    const struct cmd_run_event *ev);
static void	cmd_run_summary(struct cmd_run_view *v, json_t *params,
		    const char *state);
static void	cmd_run_header(struct cmd_run_view *v, json_t *res,
		    size_t nselected);
static int	cmd_run_attached(struct cmd_run_view *v);

const struct loomctl_cmd cmd_run_entry = {
	.name = "run",
	.usage = "FILE [selection options] [--dry-run] [-d|--detach]",
	.summary = "Run a pipeline (or print its commands with --dry-run).",
	.help =
	    "Selection (options may be repeated; see man loomctl):\n"
	    "  --step, -s A [B...]  exactly these steps (optional ones too)\n"
	    "  --from A             A and every step downstream of it\n"
	    "  --until A            A and every step it depends on\n"
	    "  --group, -g G        the steps of group G\n"
	    "  --include X          also run optional step X\n"
	    "  --set NAME=VALUE     override a parameter for this run\n"
	    "  --var NAME=PATH      override a data path; a relative PATH "
	    "resolves against\n                       the pipeline file's "
	    "folder, not the current one\n"
	    "  --extra \"ARGS\"       extra arguments for the selected steps\n"
	    "  --parallel, --sequential, --max-workers N (-j N)\n"
	    "                       override the file's execution: settings "
	    "(-j N\n                       alone means --parallel too)\n"
	    "  --force, -f          run steps even when up to date\n"
	    "  --executor local|slurm\n"
	    "                       where the steps run (default: the file's "
	    "execution:\n                       executor, else local; see "
	    "docs/slurm.md)\n"
	    "  --slurm-dependencies loom|slurm\n"
	    "                       on Slurm, submit each step when its inputs "
	    "are ready\n                       (loom), or all at once, held by "
	    "Slurm until they are (slurm)\n"
	    "Running:\n"
	    "  --dry-run, -n        print the commands, shell-quoted, run "
	    "nothing\n"
	    "  --detach, -d         start the run, print its id, return\n"
	    "  --no-wait            refuse (exit 1) instead of waiting while "
	    "a run of the\n                       same file is going on\n"
	    "  --no-progress        no progress line on a terminal\n"
	    "  --json               with --dry-run: the commands as JSON\n\n"
	    "Attached, the first line is 'Run: ID'; Ctrl-C cancels the run; "
	    "closing the\nterminal leaves it running (see 'loomctl status', "
	    "'loomctl wait').\nA run whose steps overlap those of a run of "
	    "the same file going on\nwaits in a queue behind it (see "
	    "--no-wait).\nExit status: 0 every step succeeded, 1 a step "
	    "failed, 2 usage error or\ninvalid pipeline, 130 the run was "
	    "cancelled (Ctrl-C).\n",
	.flags = CMD_NEEDS_DAEMON,
	.exec = cmd_run_exec,
};

static void
cmd_run_signal(int sig)
{
	if (sig == SIGINT)
		cmd_run_interrupts++;
	else
		cmd_run_hangup = 1;
}

static json_t *
cmd_run_strv(const struct strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

/* The run.start parameters: file, cwd, environment and selection. */
static json_t *
cmd_run_request(const struct run_opts *o, const char *file)
{
	char cwd[PATH_MAX];
	json_t *req, *env;
	char **e;

	env = json_object();
	for (e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char *name;
		json_t *val;

		if (eq == NULL || eq == *e)
			continue;
		/* A value that is not UTF-8 cannot travel in JSON. */
		if ((val = json_string(eq + 1)) == NULL)
			continue;
		name = xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(env, name, val);
		free(name);
	}
	req = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
	    "file", file, "env", env,
	    "steps", cmd_run_strv(&o->steps), "from", cmd_run_strv(&o->from),
	    "until", cmd_run_strv(&o->until),
	    "groups", cmd_run_strv(&o->groups),
	    "include", cmd_run_strv(&o->include),
	    "set", cmd_run_strv(&o->set), "var", cmd_run_strv(&o->var),
	    "force", o->force);
	if (o->no_wait)
		json_object_set_new(req, "no_wait", json_true());
	if (getcwd(cwd, sizeof cwd) != NULL)
		json_object_set_new(req, "cwd", json_string(cwd));
	if (o->extra != NULL)
		json_object_set_new(req, "extra", json_string(o->extra));
	if (o->executor != NULL)
		json_object_set_new(req, "executor",
		    json_string(o->executor));
	if (o->slurm_deps != NULL)
		json_object_set_new(req, "slurm_dependencies",
		    json_string(o->slurm_deps));
	if (o->parallel != -1)
		json_object_set_new(req, "parallel",
		    json_boolean(o->parallel == 1));
	if (o->max_workers > 0)
		json_object_set_new(req, "max_workers",
		    json_integer(o->max_workers));
	return req;
}

/* Report a failed run.start; returns the exit status. */
static int
cmd_run_start_error(struct rpcclient *c, int code,
    const struct loom_error *err)
{
	json_t *data = rpcclient_error_data(c), *list, *d;
	struct loom_error e;
	size_t i;

	if (code == LOOM_ERR_PIPELINE &&
	    (list = json_object_get(data, "diagnostics")) != NULL) {
		json_array_foreach(list, i, d) {
			const char *hint = json_string_value(json_object_get(d,
			    "hint"));

			loom_error_clear(&e);
			loom_error_set(&e, json_string_value(json_object_get(d,
			    "file")), (int)json_integer_value(
			    json_object_get(d, "line")),
			    (int)json_integer_value(json_object_get(d,
			    "column")), "%s", json_string_value(
			    json_object_get(d, "message")));
			if (hint != NULL)
				loom_error_hint(&e, "%s", hint);
			output_error(&e, stderr);
		}
		return LOOMCTL_EXIT_USAGE;
	}
	e = *err;
	if ((code == LOOM_ERR_USAGE || code == LOOM_ERR_BUSY) &&
	    json_is_object(data)) {
		const char *hint = json_string_value(json_object_get(data,
		    "hint"));

		if (hint != NULL && e.hint[0] == '\0')
			loom_error_hint(&e, "%s", hint);
	}
	output_error(&e, stderr);
	return code == LOOM_ERR_USAGE || code == LOOM_ERR_PIPELINE ||
	    code == JSONRPC_INVALID_PARAMS ? LOOMCTL_EXIT_USAGE :
	    LOOMCTL_EXIT_FAILED;
}

/*
 * "step", "step[file]" for a loop item, "step:N" while its name is
 * unknown; kept in the stream until its item's name is learnt.
 */
static const char *
cmd_run_label(struct cmd_run_stream *s)
{
	struct cmd_run_line l;

	if (s->label != NULL)
		return s->label;
	l.len = 0;
	cmd_run_cat(&l, s->step);
	if (s->item >= 0 && s->item_name != NULL) {
		cmd_run_cat(&l, "[");
		cmd_run_cat(&l, s->item_name);
		cmd_run_cat(&l, "]");
	} else if (s->item >= 0) {
		cmd_run_cat(&l, ":");
		cmd_run_num(&l, s->item);
	}
	l.buf[l.len] = '\0';
	s->label = xstrdup(l.buf);
	return s->label;
}

/* Append str to a line, as far as it fits (with room for a NUL). */
static void
cmd_run_cat(struct cmd_run_line *l, const char *str)
{
	while (*str != '\0' && l->len < sizeof l->buf - 1)
		l->buf[l->len++] = *str++;
}

/* Append n in decimal to a line, as far as it fits. */
static void
cmd_run_num(struct cmd_run_line *l, long long n)
{
	char num[NUMTEXT_MAX + 1];

	num[numtext_int(num, n)] = '\0';
	cmd_run_cat(l, num);
}

/* "[TAG] label" in the tag's colour, then rest (its newline at least). */
static void
cmd_run_tag(enum output_style style, const char *tag, const char *label,
    const char *rest)
{
	const char *part[6];
	char buf[CMD_RUN_LABEL_MAX + 256];
	size_t i, n, o = 0;

	part[0] = output_sgr(stdout, style);
	part[1] = tag;
	part[2] = output_sgr(stdout, OUTPUT_RESET);
	part[3] = " ";
	part[4] = label;
	part[5] = rest;
	for (i = 0; i < 6; i++) {
		n = strlen(part[i]);
		if (o + n > sizeof buf) {
			fwrite(buf, 1, o, stdout);
			o = 0;
		}
		if (n > sizeof buf)
			fwrite(part[i], 1, n, stdout);
		else {
			memcpy(buf + o, part[i], n);
			o += n;
		}
	}
	fwrite(buf, 1, o, stdout);
}

/*
 * "ITEM:STEP", a stream's name in the view's map: in buf (cap bytes)
 * when it fits, else a new string.
 */
static char *
cmd_run_key(char *buf, size_t cap, long item, const char *step)
{
	char digits[NUMTEXT_MAX];
	size_t n = numtext_int(digits, item), len = strlen(step);
	char *key;

	key = n + 1 + len + 1 <= cap ? buf : xmalloc(n + 1 + len + 1);
	memcpy(key, digits, n);
	key[n] = ':';
	memcpy(key + n + 1, step, len + 1);
	return key;
}

/* The stream of a step or item, created on first use. */
static struct cmd_run_stream *
cmd_run_stream(struct cmd_run_view *v, const char *step, long item)
{
	struct cmd_run_stream *s;
	char small[128], *key;
	ssize_t k;

	/* A step's events come together: its start, output, end. */
	if (v->nstreams > 0 && (s = v->streams[v->last])->item == item &&
	    strcmp(s->step, step) == 0)
		return s;
	key = cmd_run_key(small, sizeof small, item, step);
	if (v->stream_map == NULL)
		v->stream_map = pipeline_map_create(64);
	if ((k = pipeline_map_get(v->stream_map, key)) >= 0) {
		if (key != small)
			free(key);
		v->last = (size_t)k;
		return v->streams[k];
	}
	if (key == small)
		key = xstrdup(small);
	if ((v->nstreams & (v->nstreams - 1)) == 0)
		v->streams = xreallocarray(v->streams,
		    v->nstreams ? v->nstreams * 2 : 1, sizeof *v->streams);
	s = xcalloc(1, sizeof *s);
	s->key = key;
	s->step = xstrdup(step);
	s->item = item;
	/* As logread_init would set it, without reading the environment. */
	s->log = v->log_proto;
	s->log.step = s->step;
	s->log.item = item;
	pipeline_map_add(v->stream_map, s->key, v->nstreams);
	v->last = v->nstreams;
	v->streams[v->nstreams++] = s;
	return s;
}

/* The stream an event is about (its "step" and "item"), learning the
   item's file name ("item_name") on the way; NULL without a step. */
static struct cmd_run_stream *
cmd_run_stream_of(struct cmd_run_view *v, const struct cmd_run_event *ev)
{
	struct cmd_run_stream *s;

	if (ev->step == NULL)
		return NULL;
	s = cmd_run_stream(v, ev->step, ev->item);
	if (s->item_name == NULL && ev->item_name != NULL && s->item >= 0) {
		s->item_name = xstrdup(ev->item_name);
		free(s->label);
		s->label = NULL;
	}
	return s;
}

/* The fields of a step's event from its params (cmd_run_event). */
static void
cmd_run_event_of(json_t *params, struct cmd_run_event *ev)
{
	json_t *item = json_object_get(params, "item");
	json_t *items = json_object_get(params, "items");
	json_t *code = json_object_get(params, "exit_code");
	json_t *total = json_object_get(params, "items_total");

	memset(ev, 0, sizeof *ev);
	ev->step = json_string_value(json_object_get(params, "step"));
	ev->item = json_is_integer(item) ? (long)json_integer_value(item) :
	    -1;
	ev->item_name = json_string_value(json_object_get(params,
	    "item_name"));
	ev->has_items = json_is_integer(items);
	ev->items = json_integer_value(items);
	ev->state = json_string_value(json_object_get(params, "state"));
	ev->has_code = json_is_integer(code);
	ev->exit_code = json_integer_value(code);
	ev->signal = json_string_value(json_object_get(params, "signal"));
	ev->error = json_string_value(json_object_get(params, "error"));
	ev->has_items_total = json_is_integer(total);
	ev->items_total = json_integer_value(total);
	ev->items_succeeded = json_integer_value(json_object_get(params,
	    "items_succeeded"));
	ev->failed_item = json_string_value(json_object_get(params,
	    "failed_item"));
	ev->offset = json_integer_value(json_object_get(params, "offset"));
	ev->data = json_string_value(json_object_get(params, "data"));
	ev->datalen = ev->data != NULL ? strlen(ev->data) : 0;
}

/* True when a member's key is k. */
static bool
cmd_run_key_is(const struct jsonscan_member *m, const char *k, size_t klen)
{
	return m->klen == klen && memcmp(m->key, k, klen) == 0;
}

/*
 * The fields of a step's event from the members of its params, as
 * cmd_run_event_of reads them; strings are copied, NUL-terminated, into
 * v->scratch (but data, left where it is). -1 when it is not an event
 * of v's run ("run" missing or another one): the general path decides.
 */
static int
cmd_run_event_scan(struct cmd_run_view *v, const struct jsonscan_member *m,
    size_t n, struct cmd_run_event *ev)
{
#define CMD_RUN_IS(k)	cmd_run_key_is(&m[i], k, sizeof k - 1)
	const char **str;
	bool ours = false;
	size_t i, need = 0, o = 0;

	memset(ev, 0, sizeof *ev);
	ev->item = -1;
	for (i = 0; i < n; i++) {
		if (m[i].kind == JSONSCAN_STRING)
			need += m[i].len + 1;
	}
	if (need > v->scap) {
		v->scap = need + need / 2 + 256;
		v->scratch = xrealloc(v->scratch, v->scap);
	}
	for (i = 0; i < n; i++) {
		str = NULL;
		if (CMD_RUN_IS("run"))
			ours = m[i].kind == JSONSCAN_STRING &&
			    m[i].len == strlen(v->run) &&
			    memcmp(m[i].str, v->run, m[i].len) == 0;
		else if (CMD_RUN_IS("step"))
			str = &ev->step;
		else if (CMD_RUN_IS("item") && m[i].kind == JSONSCAN_INTEGER)
			ev->item = (long)m[i].integer;
		else if (CMD_RUN_IS("item_name"))
			str = &ev->item_name;
		else if (CMD_RUN_IS("items") && m[i].kind == JSONSCAN_INTEGER) {
			ev->has_items = true;
			ev->items = m[i].integer;
		} else if (CMD_RUN_IS("state"))
			str = &ev->state;
		else if (CMD_RUN_IS("exit_code") &&
		    m[i].kind == JSONSCAN_INTEGER) {
			ev->has_code = true;
			ev->exit_code = m[i].integer;
		} else if (CMD_RUN_IS("signal"))
			str = &ev->signal;
		else if (CMD_RUN_IS("error"))
			str = &ev->error;
		else if (CMD_RUN_IS("items_total") &&
		    m[i].kind == JSONSCAN_INTEGER) {
			ev->has_items_total = true;
			ev->items_total = m[i].integer;
		} else if (CMD_RUN_IS("items_succeeded") &&
		    m[i].kind == JSONSCAN_INTEGER)
			ev->items_succeeded = m[i].integer;
		else if (CMD_RUN_IS("failed_item"))
			str = &ev->failed_item;
		else if (CMD_RUN_IS("offset") && m[i].kind == JSONSCAN_INTEGER)
			ev->offset = m[i].integer;
		else if (CMD_RUN_IS("data") && m[i].kind == JSONSCAN_STRING) {
			ev->data = m[i].str;
			ev->datalen = m[i].len;
		}
		if (str != NULL && m[i].kind == JSONSCAN_STRING) {
			memcpy(v->scratch + o, m[i].str, m[i].len);
			v->scratch[o + m[i].len] = '\0';
			*str = v->scratch + o;
			o += m[i].len + 1;
		}
	}
	return ours ? 0 : -1;
#undef CMD_RUN_IS
}

/*
 * The notify hook (rpcclient_set_notify): a step's start, output and
 * end, read from their text. true when dealt with; anything else goes
 * the general way, through cmd_run_attached.
 */
static bool
cmd_run_notify(const char *method, size_t mlen,
    const struct jsonscan_member *m, size_t n, void *arg)
{
	static const char started[] = LOOM_EVENT_RUN_STEP_STARTED;
	static const char finished[] = LOOM_EVENT_RUN_STEP_FINISHED;
	static const char output[] = LOOM_EVENT_RUN_OUTPUT;
	struct cmd_run_view *v = arg;
	struct cmd_run_event ev;

	if (mlen == sizeof started - 1 && memcmp(method, started, mlen) == 0) {
		if (cmd_run_event_scan(v, m, n, &ev) == -1)
			return false;
		cmd_run_started_step(v, &ev);
	} else if (mlen == sizeof finished - 1 &&
	    memcmp(method, finished, mlen) == 0) {
		if (cmd_run_event_scan(v, m, n, &ev) == -1)
			return false;
		cmd_run_finished_step(v, &ev);
	} else if (mlen == sizeof output - 1 &&
	    memcmp(method, output, mlen) == 0) {
		if (cmd_run_event_scan(v, m, n, &ev) == -1)
			return false;
		cmd_run_output(v, &ev);
	} else
		return false;
	return true;
}

static void
cmd_run_clear_progress(struct cmd_run_view *v)
{
	if (v->open != NULL) {
		fputc('\n', stdout);
		v->open = NULL;
	}
	if (v->progress_shown) {
		fputs("\r\033[K", stdout);
		v->progress_shown = false;
	}
}

/* Before anything goes to stderr: the line gone, stdout written. */
static void
cmd_run_before_stderr(struct cmd_run_view *v)
{
	cmd_run_clear_progress(v);
	fflush(stdout);
}

/*
 * Before waiting for the daemon (rpcclient_set_idle): draw the progress
 * line and write out what the events received so far printed, in one
 * write for the whole batch.
 */
static void
cmd_run_idle(void *arg)
{
	cmd_run_draw_progress(arg);
	fflush(stdout);
}

/*
 * Lines not worth parsing (rpcclient_set_skip): run.started, which
 * repeats every step's description from run.start's answer (most of
 * what a long chain sends), matters only to a run that waited in the
 * queue. The daemon writes the method first; a line written otherwise
 * is parsed as usual.
 */
static bool
cmd_run_skip(const char *line, size_t len, void *arg)
{
	static const char started[] = "{\"jsonrpc\":\"2.0\",\"method\":\""
	    LOOM_EVENT_RUN_STARTED "\",";
	struct cmd_run_view *v = arg;

	return v->behind == NULL && len >= sizeof started - 1 &&
	    memcmp(line, started, sizeof started - 1) == 0;
}

/*
 * The time since the run started as output_duration writes it. Under a
 * minute the tenths are rounded here from the clock's nanoseconds, but
 * near a tie, where the rounding of the double output_duration is given
 * decides, it is asked.
 */
static void
cmd_run_elapsed(const struct cmd_run_view *v, char *buf, size_t len)
{
	struct timespec now;
	long long ns, tenths, rem;
	struct cmd_run_line l;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(now.tv_sec - v->started.tv_sec) * 1000000000LL +
	    (now.tv_nsec - v->started.tv_nsec);
	tenths = ns / 100000000;
	rem = ns % 100000000;
	if (ns < 0 || ns >= 60000000000LL || len < 24 ||
	    (rem > 49999000 && rem < 50001000)) {
		output_duration((double)(now.tv_sec - v->started.tv_sec) +
		    (double)(now.tv_nsec - v->started.tv_nsec) / 1e9, buf,
		    len);
		return;
	}
	if (rem >= 50001000)
		tenths++;
	l.len = 0;
	cmd_run_num(&l, tenths / 10);
	cmd_run_cat(&l, ".");
	cmd_run_num(&l, tenths % 10);
	cmd_run_cat(&l, "s");
	memcpy(buf, l.buf, l.len);
	buf[l.len] = '\0';
}

static void
cmd_run_draw_progress(struct cmd_run_view *v)
{
	struct cmd_run_line l;
	char dur[32];

	if (!v->progress || v->open != NULL)
		return;
	cmd_run_elapsed(v, dur, sizeof dur);
	cmd_run_clear_progress(v);
	if (v->behind != NULL) {
		printf("%s[queued behind run %s, %s]%s", output_sgr(stdout,
		    OUTPUT_DIM), v->behind, dur, output_sgr(stdout,
		    OUTPUT_RESET));
		v->progress_shown = true;
		return;
	}
	/* "[F/T done, R running, D/N items, 1.2s]", dimmed. */
	l.len = 0;
	cmd_run_cat(&l, output_sgr(stdout, OUTPUT_DIM));
	cmd_run_cat(&l, "[");
	cmd_run_num(&l, (long long)v->finished);
	cmd_run_cat(&l, "/");
	cmd_run_num(&l, (long long)v->total);
	cmd_run_cat(&l, " done, ");
	cmd_run_num(&l, (long long)v->running);
	cmd_run_cat(&l, " running");
	if (v->loops_seen.n > 0) {
		cmd_run_cat(&l, ", ");
		cmd_run_num(&l, (long long)v->items_done);
		cmd_run_cat(&l, "/");
		cmd_run_num(&l, (long long)v->items_total);
		cmd_run_cat(&l, " items");
	}
	cmd_run_cat(&l, ", ");
	cmd_run_cat(&l, dur);
	cmd_run_cat(&l, "]");
	cmd_run_cat(&l, output_sgr(stdout, OUTPUT_RESET));
	fwrite(l.buf, 1, l.len, stdout);
	v->progress_shown = true;
}

/* Room for need more bytes in the output being assembled. */
static char *
cmd_run_room(struct cmd_run_view *v, size_t used, size_t need)
{
	if (used + need > v->ocap) {
		v->ocap = used + need + (used + need) / 2 + 4096;
		v->obuf = xrealloc(v->obuf, v->ocap);
	}
	return v->obuf + used;
}

/*
 * Append at o the stream's prefix, its held unfinished line (now let go)
 * and n bytes of p. Returns the new length of the output.
 */
static size_t
cmd_run_put_line(struct cmd_run_view *v, struct cmd_run_stream *s, size_t o,
    const unsigned char *p, size_t n)
{
	memcpy(cmd_run_room(v, o, s->prefixlen + s->plen + n), s->prefix,
	    s->prefixlen);
	o += s->prefixlen;
	if (s->plen > 0)
		memcpy(v->obuf + o, s->partial, s->plen);
	o += s->plen;
	s->plen = 0;
	if (n > 0)
		memcpy(v->obuf + o, p, n);
	return o + n;
}

/*
 * The end of the line that begins at p (its newline), or NULL when it
 * does not end before end. Short lines, the common case in a flood, are
 * looked through byte by byte; memchr takes over past 16 bytes.
 */
static const unsigned char *
cmd_run_newline(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *lim = (size_t)(end - p) > 16 ? p + 16 : end;

	for (; p < lim; p++) {
		if (*p == '\n')
			return p;
	}
	if (p == end)
		return NULL;
	return memchr(p, '\n', (size_t)(end - p));
}

/*
 * Append the prefix and the line p..p+n at o, whose buffer has room for
 * both plus CMD_RUN_MOVE bytes; avail is how many bytes of p may be read.
 */
static void
cmd_run_put_short(const struct cmd_run_stream *s, char *o,
    const unsigned char *p, size_t n, size_t avail)
{
	if (s->prefixlen <= CMD_RUN_MOVE)
		memcpy(o, s->prefix, CMD_RUN_MOVE);
	else
		memcpy(o, s->prefix, s->prefixlen);
	o += s->prefixlen;
	if (n <= CMD_RUN_MOVE && avail >= CMD_RUN_MOVE)
		memcpy(o, p, CMD_RUN_MOVE);
	else
		memcpy(o, p, n);
}

/*
 * Put every complete line from p on out, each after the stream's prefix:
 * short lines into the output buffer (*o bytes used), written whenever it
 * fills; a long line written where it lies, right after its prefix.
 * Returns where the unfinished rest begins (end when none is left).
 */
static const unsigned char *
cmd_run_put_lines(struct cmd_run_view *v, struct cmd_run_stream *s, size_t *o,
    const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl;
	size_t n;

	(void)cmd_run_room(v, 0, CMD_RUN_OBUF + CMD_RUN_MOVE);
	while (p < end && (nl = cmd_run_newline(p, end)) != NULL) {
		n = (size_t)(nl + 1 - p);
		if (*o + s->prefixlen + n + CMD_RUN_MOVE > v->ocap ||
		    n > CMD_RUN_LONG_LINE) {
			fwrite(v->obuf, 1, *o, stdout);
			*o = 0;
		}
		if (n > CMD_RUN_LONG_LINE) {
			fwrite(s->prefix, 1, s->prefixlen, stdout);
			fwrite(p, 1, n, stdout);
		} else {
			cmd_run_put_short(s, v->obuf + *o, p, n,
			    (size_t)(end - p));
			*o += s->prefixlen + n;
		}
		p = nl + 1;
	}
	return p;
}

/*
 * Print complete lines of a stream's output, each prefixed with
 * "[step] "; with flush, also the unfinished rest. The lines are
 * assembled in one buffer and written with one call; an unfinished line
 * is held back up to CMD_RUN_HOLD_MAX bytes, then printed as it comes.
 */
static void
cmd_run_write(struct cmd_run_view *v, struct cmd_run_stream *s,
    const unsigned char *data, size_t len, bool flush)
{
	const unsigned char *p = data, *end = data + len, *nl;
	size_t o = 0, n;

	/* Made once there is something to put it before. */
	if (s->prefix == NULL && (len > 0 || s->plen > 0)) {
		s->prefix = xasprintf("%s[%s]%s ", output_sgr(stdout,
		    OUTPUT_DIM), cmd_run_label(s), output_sgr(stdout,
		    OUTPUT_RESET));
		s->prefixlen = strlen(s->prefix);
		if (s->prefixlen < CMD_RUN_MOVE) {
			s->prefix = xrealloc(s->prefix, CMD_RUN_MOVE);
			memset(s->prefix + s->prefixlen, 0,
			    CMD_RUN_MOVE - s->prefixlen);
		}
	}
	if (v->open != NULL && v->open != s)
		cmd_run_clear_progress(v);	/* ends the other line */
	if (v->open == NULL && (len > 0 || (flush && s->plen > 0)))
		cmd_run_clear_progress(v);
	/* The rest of a line already begun: no prefix. */
	if (v->open == s && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL && !flush) {
			/* All of it continues the line: no copy. */
			fwrite(p, 1, (size_t)(end - p), stdout);
			return;
		}
		n = nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		memcpy(cmd_run_room(v, o, n), p, n);
		o += n;
		p += n;
		if (nl != NULL)
			v->open = NULL;
	}
	/* The first line takes the held unfinished one along. */
	if (s->plen > 0 && p < end &&
	    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		o = cmd_run_put_line(v, s, o, p, (size_t)(nl + 1 - p));
		p = nl + 1;
	}
	p = cmd_run_put_lines(v, s, &o, p, end);
	if (p < end) {
		n = (size_t)(end - p);
		if (v->open == s) {
			memcpy(cmd_run_room(v, o, n), p, n);
			o += n;
		} else if (s->plen + n > CMD_RUN_HOLD_MAX) {
			o = cmd_run_put_line(v, s, o, p, n);
			v->open = s;
		} else {
			s->partial = xrealloc(s->partial, s->plen + n);
			memcpy(s->partial + s->plen, p, n);
			s->plen += n;
		}
	}
	if (flush && (s->plen > 0 || v->open == s)) {
		if (v->open != s)
			o = cmd_run_put_line(v, s, o, NULL, 0);
		*cmd_run_room(v, o, 1) = '\n';
		o++;
		if (v->open == s)
			v->open = NULL;
	}
	if (o > 0)
		fwrite(v->obuf, 1, o, stdout);
}

/* A run.output event: bytes of a step's log at an offset. */
static void
cmd_run_output(struct cmd_run_view *v, const struct cmd_run_event *ev)
{
	long long off = ev->offset;
	struct cmd_run_stream *s;
	unsigned char *data;
	size_t len, skip = 0;
	ssize_t got;

	/* A gapped stream's bytes come from its log: not even decoded. */
	if (ev->data == NULL || (s = cmd_run_stream_of(v, ev)) == NULL ||
	    s->gap)
		return;
	if (ev->datalen / 4 * 3 + 3 > v->dcap) {
		v->dcap = ev->datalen / 4 * 3 + 3;
		free(v->dbuf);
		v->dbuf = xmalloc(v->dcap);
	}
	if ((got = base64_decode_to(v->dbuf, v->dcap, ev->data,
	    ev->datalen)) == -1)
		return;
	data = v->dbuf;
	len = (size_t)got;
	/* Bytes already read from the log after a gap are not repeated. */
	if (off < s->next)
		skip = (size_t)(s->next - off) < len ?
		    (size_t)(s->next - off) : len;
	if (skip < len)
		cmd_run_write(v, s, data + skip, len - skip, false);
	if (off + (long long)len > s->next)
		s->next = off + (long long)len;
	s->live += (long long)len;
	if (s->live >= CMD_RUN_FILE_AFTER && s->log.file ==
	    LOGREAD_FILE_UNTRIED) {
		cmd_run_set_gap(v, s, true);
		cmd_run_read_log(v, s);
	}
}

/* A gapped stream's log, as log.read hands it out. */
static void
cmd_run_log_piece(void *arg, const unsigned char *data, size_t len)
{
	struct cmd_run_piece *pc = arg;

	cmd_run_write(pc->v, pc->s, data, len, false);
}

/*
 * Read a gapped stream's log from where we are until what exists so far
 * has been printed; the gap closes once the log is complete. A failed
 * log.read is said, and makes the exit status a failure: output is
 * never dropped silently.
 */
static void
cmd_run_read_log(struct cmd_run_view *v, struct cmd_run_stream *s)
{
	struct cmd_run_piece pc = { v, s };
	struct loom_error err;
	int rc;

	loom_error_clear(&err);
	s->log.offset = s->next;
	rc = logread_drain(v->c, &s->log, cmd_run_log_piece, &pc, NULL, &err);
	s->next = s->log.offset;
	if (rc == 1) {
		cmd_run_set_gap(v, s, false);
		logread_close(&s->log);
	} else if (rc == -1)
		cmd_run_lost(v, s, err.message);
}

/* Set or clear a stream's gap, counting the streams that have one. */
static void
cmd_run_set_gap(struct cmd_run_view *v, struct cmd_run_stream *s, bool gap)
{
	if (gap && !s->gap)
		v->ngaps++;
	else if (!gap && s->gap)
		v->ngaps--;
	s->gap = gap;
}

/* Say that the rest of a stream's output cannot be shown. */
static void
cmd_run_lost(struct cmd_run_view *v, struct cmd_run_stream *s,
    const char *why)
{
	cmd_run_before_stderr(v);
	output_fail("output of %s from byte %lld not shown: %s",
	    cmd_run_label(s), s->next, why);
	if (s->item >= 0 && s->item_name != NULL)
		fprintf(stderr, "  hint: loomctl logs %s %s --item %s\n",
		    v->run, s->step, s->item_name);
	else if (s->item >= 0)
		fprintf(stderr, "  hint: loomctl logs %s %s --item %ld\n",
		    v->run, s->step, s->item);
	else
		fprintf(stderr, "  hint: loomctl logs %s %s\n", v->run,
		    s->step);
	v->lost = true;
	cmd_run_set_gap(v, s, false);
	logread_close(&s->log);
}

/*
 * A run.output_gap event: live output of a stream stopped for us (we
 * fell behind); from now on its log is read by offset until its end.
 */
static void
cmd_run_catch_up(struct cmd_run_view *v, const struct cmd_run_event *ev)
{
	struct cmd_run_stream *s;

	/* A gap sent before we took the log file changes nothing. */
	if ((s = cmd_run_stream_of(v, ev)) == NULL || s->gap)
		return;
	cmd_run_set_gap(v, s, true);
	cmd_run_read_log(v, s);
}

/*
 * Read a gapped stream whose step has ended to the end of its log. The
 * daemon says the log is complete at once; should it not (log.read),
 * ask again for a while before saying that output is missing.
 */
static void
cmd_run_read_to_end(struct cmd_run_view *v, struct cmd_run_stream *s)
{
	struct timespec pause = { 0, 10000000L };
	int tries;

	logread_ended(&s->log);
	cmd_run_read_log(v, s);
	for (tries = 0; s->gap; tries++) {
		if (tries == 1000) {
			cmd_run_lost(v, s, "the daemon never said its log "
			    "was complete");
			break;
		}
		nanosleep(&pause, NULL);
		cmd_run_read_log(v, s);
	}
}

/*
 * Read the logs of gapped streams: what they hold so far, or, with
 * to_eof (the run has finished, so every log is complete), to the end.
 */
static void
cmd_run_poll_gaps(struct cmd_run_view *v, bool to_eof)
{
	size_t i;

	for (i = 0; i < v->nstreams; i++) {
		struct cmd_run_stream *s = v->streams[i];

		if (s->gap && to_eof)
			cmd_run_read_to_end(v, s);
		else if (s->gap)
			cmd_run_read_log(v, s);
	}
}

/*
 * The end of a failed loop's line: how many items succeeded, and which
 * item's status the step carries: " (20/21 items succeeded; first
 * failed: sample_13.txt, exit code 3)".
 */
static void
cmd_run_failed_loop(const struct cmd_run_event *ev)
{
	printf(" (%lld/%lld items succeeded", ev->items_succeeded,
	    ev->items_total);
	if (ev->failed_item != NULL) {
		printf("; first failed: %s", ev->failed_item);
		if (ev->signal != NULL)
			printf(", killed by %s", ev->signal);
		else if (ev->has_code)
			printf(", exit code %lld", ev->exit_code);
	}
	printf(")\n");
}

/* True when sv holds s. */
static bool
cmd_run_has(const struct strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0)
			return true;
	}
	return false;
}

/* A run.step_started event: a step's or a loop item's process runs. */
static void
cmd_run_started_step(struct cmd_run_view *v, const struct cmd_run_event *ev)
{
	struct cmd_run_stream *s;

	if ((s = cmd_run_stream_of(v, ev)) == NULL)
		return;
	if (!s->started)
		v->running++;
	s->started = true;
	/* The first item of a loop tells how many there are. */
	if (s->item >= 0 && ev->has_items &&
	    !cmd_run_has(&v->loops_seen, s->step)) {
		strv_push(&v->loops_seen, s->step);
		v->items_total += (size_t)ev->items;
	}
	cmd_run_clear_progress(v);
	cmd_run_tag(OUTPUT_BLUE, "[RUNNING]", cmd_run_label(s), "\n");
}

/* A run.step_finished event. */
static void
cmd_run_finished_step(struct cmd_run_view *v, const struct cmd_run_event *ev)
{
	const char *state = ev->state, *label;
	struct cmd_run_stream *s;
	enum run_state_kind st;
	bool was_started;

	if (state == NULL || (s = cmd_run_stream_of(v, ev)) == NULL)
		return;
	if (s->gap)
		cmd_run_read_to_end(v, s);
	cmd_run_write(v, s, (const unsigned char *)"", 0, true);
	label = cmd_run_label(s);
	cmd_run_clear_progress(v);
	/* A step, or a loop as a whole (not an item), is done. */
	if (s->item < 0)
		v->finished++;
	else
		v->items_done++;
	was_started = s->started;
	if (s->started && v->running > 0)
		v->running--;
	s->started = false;
	st = runstate_parse(state);
	if (st == RUNSTATE_UPTODATE) {
		cmd_run_tag(OUTPUT_DIM, "[UP-TO-DATE]", label, "\n");
		return;
	}
	if (st == RUNSTATE_SUCCEEDED) {
		cmd_run_tag(OUTPUT_GREEN, "[SUCCESS]", label, "\n");
		return;
	}
	if (st == RUNSTATE_CANCELLED && !was_started && s->item < 0) {
		strv_push(&v->unstarted, label);
		return;
	}
	if (st == RUNSTATE_CANCELLED) {
		cmd_run_tag(OUTPUT_YELLOW, "[CANCELLED]", label, "\n");
		return;
	}
	cmd_run_tag(OUTPUT_RED, "[FAILED]", label, "");
	if (ev->has_items_total)
		cmd_run_failed_loop(ev);
	else if (ev->signal != NULL)
		printf(" (killed by %s)\n", ev->signal);
	else if (ev->has_code)
		printf(" (exit code %lld)\n", ev->exit_code);
	else
		printf(" (%s)\n", ev->error != NULL ? ev->error : state);
}

/* run.steps_fresh: the steps up to date, as their run.step_finished. */
static void
cmd_run_fresh_steps(struct cmd_run_view *v, json_t *params)
{
	json_t *name;
	size_t i;

	cmd_run_clear_progress(v);
	json_array_foreach(json_object_get(params, "steps"), i, name) {
		if (!json_is_string(name))
			continue;
		v->finished++;
		cmd_run_tag(OUTPUT_DIM, "[UP-TO-DATE]", json_string_value(name),
		    "\n");
	}
}

/*
 * The end of a run: steps cancelled before they started, then one line
 * counting the steps that ran (up-to-date ones apart).
 */
static void
cmd_run_summary(struct cmd_run_view *v, json_t *params, const char *state)
{
	const char *why;
	long long ok, total;
	size_t i;

	for (i = 0; i < v->unstarted.n; i++)
		printf("%s[CANCELLED]%s %s\n", output_sgr(stdout,
		    OUTPUT_YELLOW), output_sgr(stdout, OUTPUT_RESET),
		    v->unstarted.v[i]);
	ok = json_integer_value(json_object_get(params, "steps_succeeded"));
	total = json_integer_value(json_object_get(params, "steps_total"));
	ok -= (long long)v->uptodate;
	total -= (long long)v->uptodate;
	printf("%s\n", CMD_RUN_DASHES);
	if (total <= 0)
		printf("Nothing to run: %zu step(s) up to date\n", v->uptodate);
	else {
		printf("Completed: %lld/%lld steps succeeded", ok, total);
		if (v->uptodate > 0)
			printf(", %zu up to date", v->uptodate);
		printf("%s\n", runstate_parse(state) == RUNSTATE_CANCELLED ?
		    " (cancelled)" : "");
	}
	fflush(stdout);
	/* Why a run ended before it started (a download that failed). */
	why = json_string_value(json_object_get(params, "error"));
	if (why != NULL)
		output_fail("run %s did not start: %s", v->run, why);
}

/* Follow our run's events until it finishes; returns the exit status. */
static int
cmd_run_attached(struct cmd_run_view *v)
{
	struct loom_error err;
	json_t *msg, *params, *res;
	const char *method, *run, *step, *state;
	struct cmd_run_event ev;
	int rc, cancel_sent = 0, timeout;
	size_t i;

	for (;;) {
		if (cmd_run_hangup) {
			cmd_run_before_stderr(v);
			return LOOMCTL_EXIT_FAILED;
		}
		if (cmd_run_interrupts > 1) {
			cmd_run_before_stderr(v);
			fprintf(stderr, "loomctl: left run %s (still "
			    "cancelling; see 'loomctl status %s')\n", v->run,
			    v->run);
			return LOOMCTL_EXIT_INTERRUPTED;
		}
		if (cmd_run_interrupts > 0 && !cancel_sent) {
			cancel_sent = 1;
			cmd_run_before_stderr(v);
			fprintf(stderr, "loomctl: cancelling run %s "
			    "(Ctrl-C again to stop waiting)\n", v->run);
			loom_error_clear(&err);
			res = rpcclient_call(v->c, LOOM_METHOD_RUN_CANCEL,
			    json_pack("{s:s}", "run", v->run), NULL, &err);
			if (res == NULL)
				output_error(&err, stderr);
			json_decref(res);
		}
		/* A followed log file wakes us when it grows; else poll. */
		timeout = v->progress ? 500 : -1;
		for (i = 0; v->ngaps > 0 && i < v->nstreams; i++) {
			if (v->streams[i]->gap && v->streams[i]->log.wd == -1)
				timeout = 100;
		}
		/* Only a followed log file makes the wake fd readable. */
		rpcclient_watch_wake(v->c, v->ngaps > 0);
		loom_error_clear(&err);
		rc = rpcclient_next(v->c, timeout, &msg, &err);
		if (rc == -1) {
			cmd_run_before_stderr(v);
			output_fail("lost the daemon during run %s: %s", v->run,
			    err.message);
			return LOOMCTL_EXIT_FAILED;
		}
		if (rc == 2)
			continue;	/* dealt with by cmd_run_notify */
		if (rc == 0) {
			/* Drawn and written by cmd_run_idle. */
			logread_wake_clear(v->c);
			cmd_run_poll_gaps(v, false);
			continue;
		}
		method = json_string_value(json_object_get(msg, "method"));
		params = json_object_get(msg, "params");
		run = json_string_value(json_object_get(params, "run"));
		if (method == NULL || run == NULL || strcmp(run, v->run) != 0) {
			json_decref(msg);
			continue;
		}
		step = json_string_value(json_object_get(params, "step"));
		cmd_run_event_of(params, &ev);
		if (strcmp(method, LOOM_EVENT_RUN_STARTED) == 0) {
			/* Out of the queue: the clock starts now. */
			if (v->behind != NULL)
				clock_gettime(CLOCK_MONOTONIC, &v->started);
			free(v->behind);
			v->behind = NULL;
		} else if (strcmp(method, LOOM_EVENT_RUN_STEP_STARTED) == 0)
			cmd_run_started_step(v, &ev);
		else if (strcmp(method, LOOM_EVENT_RUN_OUTPUT) == 0)
			cmd_run_output(v, &ev);
		else if (strcmp(method, LOOM_EVENT_RUN_OUTPUT_GAP) == 0)
			cmd_run_catch_up(v, &ev);
		else if (strcmp(method, LOOM_EVENT_RUN_STEP_FINISHED) == 0)
			cmd_run_finished_step(v, &ev);
		else if (strcmp(method, LOOM_EVENT_RUN_STEPS_FRESH) == 0)
			cmd_run_fresh_steps(v, params);
		else if (strcmp(method, LOOM_EVENT_RUN_STEP_SKIPPED) == 0 &&
		    step != NULL) {
			json_t *because = json_object_get(params, "because");
			json_t *b;

			cmd_run_clear_progress(v);
			v->finished++;
			printf("%s[SKIPPED]%s %s (dependencies failed: ",
			    output_sgr(stdout, OUTPUT_YELLOW),
			    output_sgr(stdout, OUTPUT_RESET), step);
			json_array_foreach(because, i, b)
				printf("%s%s", i > 0 ? ", " : "",
				    json_string_value(b));
			printf(")\n");
		} else if (strcmp(method, LOOM_EVENT_RUN_FINISHED) == 0) {
			cmd_run_poll_gaps(v, true);
			state = json_string_value(json_object_get(params,
			    "state"));
			cmd_run_clear_progress(v);
			cmd_run_summary(v, params, state);
			fflush(stdout);
			rc = runref_exit_status(state);
			/* Output that could not be shown fails the command. */
			if (rc == LOOMCTL_EXIT_OK && v->lost)
				rc = LOOMCTL_EXIT_FAILED;
			json_decref(msg);
			return rc;
		}
		json_decref(msg);
	}
}

/* "Run: ID", then how many steps will run and how many are up to date. */
static void
cmd_run_header(struct cmd_run_view *v, json_t *res, size_t nselected)
{
	json_t *steps = json_object_get(res, "steps"), *st;
	size_t i;

	v->total = json_is_array(steps) ? json_array_size(steps) : nselected;
	json_array_foreach(steps, i, st) {
		if (json_is_true(json_object_get(st, "uptodate")))
			v->uptodate++;
	}
	/* Asked with "fold_fresh": the counts instead of the list. */
	if (steps == NULL &&
	    json_is_integer(json_object_get(res, "steps_total"))) {
		v->total = (size_t)json_integer_value(json_object_get(res,
		    "steps_total"));
		v->uptodate = (size_t)json_integer_value(json_object_get(res,
		    "steps_uptodate"));
	}
	printf("Run: %s\n", v->run);
	printf("Pipeline: %zu step(s) to run", v->total - v->uptodate);
	if (v->uptodate > 0)
		printf(", %zu up to date", v->uptodate);
	printf("%s\n%s\n", json_is_true(json_object_get(res, "parallel")) ?
	    " [parallel]" : "", CMD_RUN_DASHES);
	fflush(stdout);
}

/*
 * Print the warnings of run.start's reply ("warnings": DIAGs) as a plan
 * here prints them: the file named as the user gave it (o->file), not
 * by the real path sent.
 */
static void
cmd_run_warnings(json_t *res, const struct run_opts *o, const char *file)
{
	json_t *list = json_object_get(res, "warnings"), *d;
	const char *where;
	struct diags found;
	size_t i;

	diags_init(&found);
	json_array_foreach(list, i, d) {
		where = json_string_value(json_object_get(d, "file"));
		if (where == NULL || strcmp(where, file) == 0)
			where = o->file;
		output_diag_json(&found, d, where);
	}
	output_diags(&found, stderr);
	diags_free(&found);
}

/*
 * Send run.start (subscribed unless detached), connecting first unless
 * v->c is connected: -1 when the run was accepted (*res holds the reply,
 * v->run its id), else the exit status after saying what went wrong.
 * With refused not NULL (the file was not planned here): the reply
 * carries the file's warnings, printed here, an empty selection is
 * refused, and a refusal returns -2 with *code and refused set, saying
 * nothing.
 */
static int
cmd_run_begin(struct cmd_ctx *ctx, struct cmd_run_view *v,
    const struct run_opts *o, const char *file, json_t **res, int *code,
    struct loom_error *refused)
{
	struct loom_error err;
	const char *id, *queued;
	json_t *req;

	loom_error_clear(&err);
	if (v->c == NULL && (v->c = cmd_connect(ctx, NULL, &err)) == NULL) {
		output_error(&err, stderr);
		return LOOMCTL_EXIT_FAILED;
	}
	/* Attached: subscribed to this run alone, before its first event. */
	req = cmd_run_request(o, file);
	if (refused != NULL) {
		json_object_set_new(req, "warnings", json_true());
		json_object_set_new(req, "refuse_empty", json_true());
	}
	if (!o->detach) {
		json_object_set_new(req, "subscribe", json_true());
		/* The steps up to date in one run.steps_fresh. */
		json_object_set_new(req, "fold_fresh", json_true());
	}
	/* Past that much live output, a stream's log file is read. */
	if (!o->detach && getenv("LOOMCTL_NO_LOG_FILE") == NULL)
		json_object_set_new(req, "live_max",
		    json_integer(CMD_RUN_FILE_AFTER));
	loom_error_clear(&err);
	*res = rpcclient_call(v->c, LOOM_METHOD_RUN_START, req, code, &err);
	if (*res == NULL && refused != NULL) {
		*refused = err;
		return -2;
	}
	if (*res == NULL)
		return cmd_run_start_error(v->c, *code, &err);
	if (refused != NULL)
		cmd_run_warnings(*res, o, file);
	if ((id = json_string_value(json_object_get(*res, "run"))) == NULL) {
		output_fail("the daemon started a run without an id");
		return LOOMCTL_EXIT_FAILED;
	}
	v->run = xstrdup(id);
	queued = json_string_value(json_object_get(*res, "queued_behind"));
	if (queued != NULL) {
		fprintf(stderr, "loomctl: run %s is queued: waiting for run %s "
		    "of the same pipeline to finish\n", v->run, queued);
		v->behind = xstrdup(queued);
	}
	return -1;
}

/* Ctrl-C, SIGHUP and SIGTERM cancel the run (cmd_run_signal). */
static void
cmd_run_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_run_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: waits return on a signal */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Free what the view holds (not the view itself). */
static void
cmd_run_view_free(struct cmd_run_view *v)
{
	size_t i;

	for (i = 0; i < v->nstreams; i++) {
		free(v->streams[i]->key);
		free(v->streams[i]->step);
		free(v->streams[i]->item_name);
		free(v->streams[i]->partial);
		free(v->streams[i]->prefix);
		free(v->streams[i]->label);
		logread_close(&v->streams[i]->log);
		free(v->streams[i]);
	}
	pipeline_map_free(v->stream_map);
	free(v->obuf);
	free(v->scratch);
	free(v->dbuf);
	free(v->streams);
	strv_free(&v->unstarted);
	strv_free(&v->loops_seen);
	free(v->run);
	free(v->behind);
	rpcclient_free(v->c);
}

static int
cmd_run_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_opts o;
	struct prepared pr;
	struct cmd_run_view v;
	struct loom_error refused;
	json_t *res = NULL;
	char *file = NULL;
	int rc, code = 0;

	memset(&v, 0, sizeof v);
	memset(&pr, 0, sizeof pr);
	strv_init(&v.loops_seen);
	runopts_init(&o);
	rc = runopts_parse(&o, &cmd_run_entry, RUNOPTS_ALL, argc, argv);
	if (rc != 0 || o.help) {
		if (o.help)
			cmd_print_help(&cmd_run_entry, stdout);
		runopts_free(&o);
		return rc;
	}
	if (o.file == NULL || o.positional.n > 0) {
		/* Said before o is freed: the argument is o's. */
		rc = o.file == NULL ? cmd_usage_error(&cmd_run_entry,
		    "a pipeline file is needed") : cmd_usage_error(&cmd_run_entry,
		    "unexpected argument: %s (steps are chosen with --step, "
		    "--from or --until)", o.positional.v[0]);
		runopts_free(&o);
		return rc;
	}
	if (o.dry_run && o.detach) {
		runopts_free(&o);
		return cmd_usage_error(&cmd_run_entry,
		    "--dry-run and --detach do not go together");
	}
	if ((file = realpath(o.file, NULL)) == NULL)
		file = xstrdup(o.file);
	/*
	 * A running daemon plans the file once, for both (it keeps what it
	 * loaded): no planning here unless it refuses, or none runs (an
	 * invalid file then starts no daemon). --set and --var go the long
	 * way: the daemon keeps no model of those.
	 */
	rc = -2;
	loom_error_clear(&refused);
	if (!o.dry_run && o.set.n == 0 && o.var.n == 0 &&
	    (v.c = connect_daemon(CONNECT_EXISTING, NULL, &refused)) != NULL)
		rc = cmd_run_begin(ctx, &v, &o, file, &res, &code, &refused);
	if (rc == -2 && ((rc = prepare_pipeline(&pr, &o, true, false)) != 0 ||
	    (rc = prepare_sources(&pr, &o, false, false)) != 0))
		goto out;
	if (o.dry_run) {
		rc = dryrun_print(&pr, &o);
		goto out;
	}
	if (rc == 0 && pr.nselected == 0) {
		printf("Pipeline: 0 step(s) to run\n");
		rc = LOOMCTL_EXIT_OK;
		goto out;
	}
	/* Refused, though the file plans fine here: the daemon's reason. */
	if (rc == 0 && v.c != NULL) {
		rc = cmd_run_start_error(v.c, code, &refused);
		goto out;
	}
	if (rc == 0)
		rc = cmd_run_begin(ctx, &v, &o, file, &res, &code, NULL);
	if (rc != -1)
		goto out;
	if (o.detach) {
		printf("%s\n", v.run);
		if (output_is_tty(stderr))
			fprintf(stderr, "started run %s: 'loomctl status %s' "
			    "follows it, 'loomctl logs %s' shows its output\n",
			    v.run, v.run, v.run);
		rc = LOOMCTL_EXIT_OK;
		goto out;
	}

	cmd_run_catch_signals();
	logread_init(&v.log_proto, v.run, NULL, -1, 0);
	(void)logread_wake_fd(v.c);
	v.progress = output_is_tty(stdout) && !o.no_progress;
	/*
	 * Lines go out once per batch of events, before each wait
	 * (cmd_run_idle), also on a terminal, not one write per line.
	 */
	if (output_is_tty(stdout))
		setvbuf(stdout, NULL, _IOFBF, CMD_RUN_STDOUT_BUF);
	rpcclient_set_idle(v.c, cmd_run_idle, &v);
	rpcclient_set_skip(v.c, cmd_run_skip, &v);
	rpcclient_set_notify(v.c, cmd_run_notify, &v);
	clock_gettime(CLOCK_MONOTONIC, &v.started);
	cmd_run_header(&v, res, json_array_size(json_object_get(res,
	    "steps")));
	rc = cmd_run_attached(&v);
out:
	cmd_run_view_free(&v);
	json_decref(res);
	free(file);
	prepare_free(&pr);
	runopts_free(&o);
	return rc;
}
