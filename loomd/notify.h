/* SPDX-License-Identifier: MIT */
/*
 * Events to clients: subscriptions and fan-out with bounded buffers.
 *
 * A client subscribes to one run or to all runs (run.subscribe). The
 * runner reports events with notify_event (run.started, run.step_started,
 * run.step_finished, run.step_skipped, run.finished) and step output with
 * notify_output; "file.changed" and other daemon-wide events go to every
 * client through notify_broadcast. A transport may hold events a few
 * ms to send several in one write (rpc_client_send_event_text); what a
 * client acts on at once is not held (notify.c).
 *
 * Limits (docs/protocol.md): output is only queued for a client while its
 * transport holds less than LOOM_MAX_CLIENT_OUTPUT bytes (common/
 * protocol.h). Past that, the client gets one run.output_gap for that
 * stream (run, step, item) with the offset from which it missed data, and
 * no more live output of that stream: it reads the rest from the step log
 * with log.read. The log file keeps every byte; a step never waits for a
 * client. Other events are small and are still sent, but a client whose
 * queue passes NOTIFY_HARD_LIMIT is closed, so no client can grow the
 * daemon without bound.
 */
#ifndef LOOM_LOOMD_NOTIFY_H
#define LOOM_LOOMD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/util/jsontext.h"
#include "common/util/protocol.h"

struct loomd;
struct rpc_client;

/* Queued bytes at which a client is closed ("output buffer over limit"). */
#define NOTIFY_HARD_LIMIT	LOOM_MAX_CLIENT_QUEUED

/*
 * Subscribe client to the events of run_id, or of every run when run_id
 * is NULL. Subscribing twice is harmless. Whether run_id exists is the
 * caller's business (rpc-run.c checks it).
 */
void notify_subscribe(struct rpc_client *client, const char *run_id);
/* Undo notify_subscribe; run_id NULL drops every subscription. */
void notify_unsubscribe(struct rpc_client *client, const char *run_id);
/* True when client receives the events of run_id. */
bool notify_is_subscribed(const struct rpc_client *client,
    const char *run_id);
/* Free a client's subscription state (rpc.c calls it on close). */
void notify_client_gone(struct rpc_client *client);

/*
 * True when some live client receives the events of run_id: without one,
 * a caller need not build an event's parameters at all.
 */
bool notify_wanted(struct loomd *loomd, const char *run_id);

/*
 * The steps up to date at a run's start: a client that asked for
 * "fold_fresh" (run.start, run.subscribe) gets them in one run.steps_fresh
 * (NOTIFY_FOLD_FOLDED), the others one run.step_finished per step
 * (NOTIFY_FOLD_UNFOLDED). Every other event goes to both (_ANY).
 */
enum notify_fold {
	NOTIFY_FOLD_ANY,
	NOTIFY_FOLD_FOLDED,
	NOTIFY_FOLD_UNFOLDED
};
bool notify_wanted_fold(struct loomd *loomd, const char *run_id,
    enum notify_fold fold);

/*
 * Send the notification method/params to every live client subscribed
 * to run_id (or to all runs). params is stolen. Encoded once.
 */
/*
 * An event written as text, without a jansson tree: notify_text_begin
 * opens its params object in w (add its members), notify_text_send
 * closes it and sends it as notify_event would, then frees w's text.
 */
void notify_text_begin(struct jsontext_writer *w, const char *method);
void notify_text_send(struct loomd *loomd, const char *run_id,
    struct jsontext_writer *w);
/* notify_text_send to the subscribers that fold, or to those that do not. */
void notify_text_send_fold(struct loomd *loomd, const char *run_id,
    struct jsontext_writer *w, enum notify_fold fold);
void notify_event(struct loomd *loomd, const char *run_id, const char *method,
    json_t *params);
/* notify_event to the subscribers that fold, or to those that do not. */
void notify_event_fold(struct loomd *loomd, const char *run_id,
    const char *method, json_t *params, enum notify_fold fold);

/*
 * Send run.output {"run","step","item"?,"offset","data": base64} to every
 * subscriber of run_id, subject to the limits above. item is -1 for a
 * plain step; offset is the position of data in that step's log. When a
 * stream finishes (step or item done), call notify_output_end so a later
 * stream with the same name starts with a clean slate.
 */
void notify_output(struct loomd *loomd, const char *run_id, const char *step,
    long item, uint64_t offset, const void *data, size_t len);
void notify_output_end(struct loomd *loomd, const char *run_id,
    const char *step, long item);
/*
 * True when notify_output would send the stream's bytes to anyone: a
 * subscriber that is neither behind on the stream nor reading its log
 * file. When false, the output can go to the log without being read.
 */
bool notify_output_wanted(struct loomd *loomd, const char *run_id,
    const char *step, long item);

/*
 * No more run.output of stream (run_id, step, item) for client, and no
 * run.output_gap either: it reads the stream's log file itself (log.open).
 * Lasts until notify_output_end.
 */
void notify_output_off(struct rpc_client *client, const char *run_id,
    const char *step, long item);

/* Send method/params to every live client, subscribed or not. params stolen. */
void notify_broadcast(struct loomd *loomd, const char *method, json_t *params);

#endif
