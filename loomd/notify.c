/* SPDX-License-Identifier: MIT */
/*
 * Subscriptions and event fan-out. Each client carries a short list of
 * entries: subscriptions (a run id) and gap marks (run, step, item: live
 * output stopped for that stream after the client fell behind, or after
 * it took the stream's log file with log.open). Lists
 * are walked linearly: a client follows a handful of runs, and a daemon
 * has at most LOOM_MAX_CLIENTS clients. Every event is encoded once and
 * the same text is queued for each receiver.
 *
 * Events go through rpc_client_send_event_text, which a transport may
 * hold a little to send many in one write. Those a client acts on at
 * once are not held: run.finished (loomctl run, wait and logs exit on
 * it) goes as a reply would, and the end of a stream a client reads from
 * the log file (a gap or log.open mark: its run.step_finished ends
 * `logs -f`) flushes that client.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util/base64.h"
#include "common/util/jsonrpc.h"
#include "common/util/log.h"
#include "common/util/protocol.h"
#include "common/util/xmalloc.h"
#include "loomd/loomd.h"
#include "loomd/notify.h"
#include "loomd/rpc.h"

struct notify_sub {
	char *run;
	char *step;		/* NULL: a subscription; else a gap mark */
	long item;
	struct notify_sub *next;
};

static struct notify_sub **notify_find(struct rpc_client *client,
    const char *run, const char *step, long item);
static bool notify_wants(const struct rpc_client *client, const char *run_id);
static void notify_send_all(struct loomd *loomd, const char *run_id,
    const char *method, json_t *params, enum notify_fold fold);
static json_t *notify_stream_params(const char *run_id, const char *step,
    long item, uint64_t offset);
static void notify_gap(struct rpc_client *c, struct notify_sub **sp,
    const char *run_id, const char *step, long item, uint64_t offset);

/* The link pointing at a matching entry, or at the list's end. */
static struct notify_sub **
notify_find(struct rpc_client *client, const char *run, const char *step,
    long item)
{
	struct notify_sub **sp;

	for (sp = &client->subs; *sp != NULL; sp = &(*sp)->next) {
		struct notify_sub *s = *sp;

		if (strcmp(s->run, run) != 0)
			continue;
		if (step == NULL && s->step == NULL)
			return sp;
		if (step != NULL && s->step != NULL &&
		    strcmp(s->step, step) == 0 && s->item == item)
			return sp;
	}
	return sp;
}

/* Subscribe to one run, or to all runs for NULL. */
void
notify_subscribe(struct rpc_client *client, const char *run_id)
{
	struct notify_sub **sp, *s;

	if (run_id == NULL) {
		client->sub_all = true;
		return;
	}
	sp = notify_find(client, run_id, NULL, 0);
	if (*sp != NULL)
		return;
	s = xcalloc(1, sizeof *s);
	s->run = xstrdup(run_id);
	*sp = s;
}

/* Drop one subscription, or all for NULL. */
void
notify_unsubscribe(struct rpc_client *client, const char *run_id)
{
	struct notify_sub **sp, *s;

	if (run_id == NULL) {
		client->sub_all = false;
		notify_client_gone(client);
		return;
	}
	sp = notify_find(client, run_id, NULL, 0);
	if ((s = *sp) == NULL)
		return;
	*sp = s->next;
	free(s->run);
	free(s);
}

/* True when the client follows run_id. */
bool
notify_is_subscribed(const struct rpc_client *client, const char *run_id)
{
	const struct notify_sub *s;

	if (client->sub_all)
		return true;
	for (s = client->subs; s != NULL; s = s->next) {
		if (s->step == NULL && strcmp(s->run, run_id) == 0)
			return true;
	}
	return false;
}

/* Free the client's subscriptions and gap marks. */
void
notify_client_gone(struct rpc_client *client)
{
	struct notify_sub *s, *next;

	for (s = client->subs; s != NULL; s = next) {
		next = s->next;
		free(s->run);
		free(s->step);
		free(s);
	}
	client->subs = NULL;
}

/* True when client is live and receives events of run_id (NULL: all). */
static bool
notify_wants(const struct rpc_client *client, const char *run_id)
{
	if (client->dead)
		return false;
	if (run_id == NULL)
		return true;
	return notify_is_subscribed(client, run_id);
}

/* True when client takes events sent to fold (one of NOTIFY_FOLD_*). */
static bool
notify_fold_match(const struct rpc_client *c, enum notify_fold fold)
{
	if (fold == NOTIFY_FOLD_ANY)
		return true;
	return c->fold_fresh == (fold == NOTIFY_FOLD_FOLDED);
}

bool
notify_wanted(struct loomd *loomd, const char *run_id)
{
	return notify_wanted_fold(loomd, run_id, NOTIFY_FOLD_ANY);
}

bool
notify_wanted_fold(struct loomd *loomd, const char *run_id,
    enum notify_fold fold)
{
	struct rpc_client *c;

	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (notify_wants(c, run_id) && notify_fold_match(c, fold))
			return true;
	}
	return false;
}

/* Encode once, queue for every client that wants it; params stolen. */
static void
notify_send_all(struct loomd *loomd, const char *run_id, const char *method,
    json_t *params, enum notify_fold fold)
{
	struct rpc_client *c;
	json_t *msg;
	char *text = NULL;
	size_t len = 0;
	/* Held, unless clients exit on it (see the top of the file). */
	int (*send)(struct rpc_client *, const char *, size_t) =
	    strcmp(method, LOOM_EVENT_RUN_FINISHED) == 0 ?
	    rpc_client_send_text : rpc_client_send_event_text;

	msg = jsonrpc_notification(method, params);
	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (!notify_wants(c, run_id) || !notify_fold_match(c, fold))
			continue;
		if (text == NULL &&
		    (text = jsonrpc_encode(msg, &len)) == NULL) {
			log_error("cannot encode notification %s", method);
			break;
		}
		send(c, text, len);
	}
	free(text);
	json_decref(msg);
}

/* Send an event to the run's subscribers; params stolen. */
void
notify_event(struct loomd *loomd, const char *run_id, const char *method,
    json_t *params)
{
	notify_send_all(loomd, run_id, method, params, NOTIFY_FOLD_ANY);
}

/* Send an event to the run's subscribers that fold, or do not; stolen. */
void
notify_event_fold(struct loomd *loomd, const char *run_id, const char *method,
    json_t *params, enum notify_fold fold)
{
	notify_send_all(loomd, run_id, method, params, fold);
}

/* The head of an event's text, its params opened (notify.h). */
void
notify_text_begin(struct jsontext_writer *w, const char *method)
{
	jsontext_begin(w, NULL);
	jsontext_add_string(w, "jsonrpc", "2.0");
	jsontext_add_string(w, "method", method);
	jsontext_open(w, "params", '{');
}

/* Close the event in w and send it to the run's subscribers. */
void
notify_text_send(struct loomd *loomd, const char *run_id,
    struct jsontext_writer *w)
{
	notify_text_send_fold(loomd, run_id, w, NOTIFY_FOLD_ANY);
}

/* notify_text_send to the subscribers that fold, or do not. */
void
notify_text_send_fold(struct loomd *loomd, const char *run_id,
    struct jsontext_writer *w, enum notify_fold fold)
{
	struct rpc_client *c;
	char *text;
	size_t len;

	jsontext_close(w, '}');
	if ((text = jsontext_end(w, &len)) == NULL) {
		log_error("cannot encode a notification of run %s", run_id);
		return;
	}
	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (notify_wants(c, run_id) && notify_fold_match(c, fold))
			rpc_client_send_event_text(c, text, len);
	}
	free(text);
}

/* Send an event to every live client; params stolen. */
void
notify_broadcast(struct loomd *loomd, const char *method, json_t *params)
{
	notify_send_all(loomd, NULL, method, params, NOTIFY_FOLD_ANY);
}

/* {"run","step","item"?,"offset"}: the common part of output events. */
static json_t *
notify_stream_params(const char *run_id, const char *step, long item,
    uint64_t offset)
{
	json_t *params = json_object();

	json_object_set_new(params, "run", json_string(run_id));
	json_object_set_new(params, "step", json_string(step));
	if (item >= 0)
		json_object_set_new(params, "item", json_integer(item));
	json_object_set_new(params, "offset", json_integer((json_int_t)offset));
	return params;
}

/*
 * True when some client takes this stream's output live (run.output):
 * it follows the run and has no gap mark for the stream (it has not
 * fallen behind, nor taken the log file with log.open). When none does,
 * the bytes need not pass through the daemon at all.
 */
bool
notify_output_wanted(struct loomd *loomd, const char *run_id,
    const char *step, long item)
{
	struct rpc_client *c;

	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (!c->no_output && notify_wants(c, run_id) &&
		    *notify_find(c, run_id, step, item) == NULL)
			return true;
	}
	return false;
}

/*
 * Stop live output of a stream for client (mark at sp) and tell it where
 * to resume: it fell behind, or had all it wanted live (live_max).
 */
static void
notify_gap(struct rpc_client *c, struct notify_sub **sp, const char *run_id,
    const char *step, long item, uint64_t offset)
{
	struct notify_sub *gap;
	json_t *msg;

	gap = xcalloc(1, sizeof *gap);
	gap->run = xstrdup(run_id);
	gap->step = xstrdup(step);
	gap->item = item;
	*sp = gap;
	if (c->live_max == 0 || offset < c->live_max)
		log_info("client %llu: behind on %s/%s, output gap from "
		    "offset %llu", (unsigned long long)c->id, run_id, step,
		    (unsigned long long)offset);
	msg = jsonrpc_notification(LOOM_EVENT_RUN_OUTPUT_GAP,
	    notify_stream_params(run_id, step, item, offset));
	rpc_client_send_event(c, msg);
	json_decref(msg);
}

/* Fan out step output within each client's output limit. */
void
notify_output(struct loomd *loomd, const char *run_id, const char *step,
    long item, uint64_t offset, const void *data, size_t len)
{
	struct rpc_client *c;
	struct notify_sub **sp;
	json_t *msg = NULL, *params;
	char *text = NULL, *b64;
	size_t textlen = 0;

	TAILQ_FOREACH(c, &loomd->clients, entry) {
		if (c->no_output || !notify_wants(c, run_id))
			continue;
		sp = notify_find(c, run_id, step, item);
		if (*sp != NULL)
			continue;	/* already behind on this stream */
		if (rpc_client_queued(c) >= LOOM_MAX_CLIENT_OUTPUT ||
		    (c->live_max > 0 && offset >= c->live_max)) {
			notify_gap(c, sp, run_id, step, item, offset);
			continue;
		}
		if (text == NULL) {
			params = notify_stream_params(run_id, step, item,
			    offset);
			b64 = base64_encode(data, len);
			json_object_set_new(params, "data", json_string(b64));
			free(b64);
			msg = jsonrpc_notification(LOOM_EVENT_RUN_OUTPUT,
			    params);
			text = jsonrpc_encode(msg, &textlen);
			json_decref(msg);
			if (text == NULL)
				return;
		}
		if (rpc_client_send_event_text(c, text, textlen) == 0)
			loomd->output_event_bytes += len;
	}
	free(text);
}

/* Stop live output of one stream for client (log.open). */
void
notify_output_off(struct rpc_client *client, const char *run_id,
    const char *step, long item)
{
	struct notify_sub **sp, *off;

	sp = notify_find(client, run_id, step, item);
	if (*sp != NULL)
		return;
	off = xcalloc(1, sizeof *off);
	off->run = xstrdup(run_id);
	off->step = xstrdup(step);
	off->item = item;
	*sp = off;
}

/*
 * Forget the gap marks of a finished stream. A client that had one reads
 * the stream from its log and waits for its end: the run.step_finished
 * the runner sends next, in this loop pass, is not held.
 */
void
notify_output_end(struct loomd *loomd, const char *run_id, const char *step,
    long item)
{
	struct rpc_client *c;
	struct notify_sub **sp, *s;

	TAILQ_FOREACH(c, &loomd->clients, entry) {
		sp = notify_find(c, run_id, step, item);
		if ((s = *sp) == NULL)
			continue;
		*sp = s->next;
		free(s->run);
		free(s->step);
		free(s);
		rpc_client_flush(c);
	}
}
