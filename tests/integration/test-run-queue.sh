#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One run per pipeline file at a time, with the real loomd and loomctl:
#  - two "run -d --force" of one file: the second is "queued" (run.status,
#    run.list, "loomctl status") behind the first, "loomctl run" says
#    "waiting for run ID of the same pipeline to finish", and it starts
#    only after the first has ended (its recorded start is not before the
#    first's end)
#  - --no-wait is refused (exit 1) naming the running run's id
#  - a queued run cancelled with "loomctl cancel" ends "cancelled" and
#    never runs a step
#  - a run of another pipeline runs side by side meanwhile
#  - an attached "loomctl run" that is queued says so (and its progress
#    line on a terminal: "[queued behind run ID, ...]"), then follows its
#    run once it starts (run.started and the step events arrive)
#  - -j N without --parallel runs in parallel
#  - runs of one file whose steps neither overlap nor feed each other go
#    side by side; a run of a step that consumes a running step's output
#    waits (--no-wait: refused)
#  - loomd killed (SIGKILL) with a run going and one queued: the next
#    daemon marks both interrupted, the queued one never starts, and the
#    file is free for a new run
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

OUT="$TEST_TMP/out.txt"
ERR="$TEST_TMP/err.txt"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
# Waits until the test opens the gate (a file beside the pipeline).
cat >"$EXP/tasks/gated.sh" <<'SH'
echo "waiting at the gate"
while [ ! -e gate ]; do sleep 0.02; done
echo "through the gate"
SH
printf 'echo other\n' >"$EXP/tasks/other.sh"
printf 'pipeline:\n  - name: gated\n    task: tasks/gated.sh\n' >"$EXP/q.yml"
printf 'pipeline:\n  - name: a\n    task: tasks/other.sh\n  - name: b\n    task: tasks/other.sh\n' \
    >"$EXP/other.yml"

field() { "$LOOMCTL" status "$1" --json | jq -r "$2"; }
state_is() { [ "$(field "$1" .state)" = "$2" ]; }
gated_running() { [ "$(field "$1" '.steps[0].state')" = running ]; }

note "a second run of one file waits behind the first"
a=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>"$ERR") || fail "first run: $(cat "$ERR")"
wait_for 30 gated_running "$a"
b=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>"$ERR") || fail "second run: $(cat "$ERR")"
grep -q "waiting for run $a of the same pipeline to finish" "$ERR" ||
    fail "no word of the queue: $(cat "$ERR")"
state_is "$b" queued || fail "second run is $(field "$b" .state)"
[ "$(field "$b" .queued_behind)" = "$a" ] || fail "queued_behind $(field "$b" .queued_behind)"
[ "$(field "$b" '.steps[0].state')" = pending ] || fail "a step of a queued run started"
"$LOOMCTL" status --json | jq -e --arg b "$b" '.runs[] | select(.run == $b) | .state == "queued"' \
    >/dev/null || fail "run.list: $("$LOOMCTL" status --json)"
"$LOOMCTL" status >"$OUT" || fail "status"
grep -q "^$b  *queued " "$OUT" || fail "status overview: $(cat "$OUT")"

note "--no-wait is refused, naming the running run"
"$LOOMCTL" run -d --no-wait "$EXP/q.yml" >"$OUT" 2>"$ERR" && fail "--no-wait was not refused"
grep -q "already running as run $a" "$ERR" || fail "refusal: $(cat "$ERR")"
[ ! -s "$OUT" ] || fail "a refused run printed an id: $(cat "$OUT")"

note "a queued run can be cancelled"
c=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>/dev/null) || fail "third run"
state_is "$c" queued || fail "third run is $(field "$c" .state)"
"$LOOMCTL" cancel "$c" >/dev/null || fail "cancel of a queued run"
wait_for 10 state_is "$c" cancelled
[ "$(field "$c" '.steps[0].state')" = cancelled ] || fail "its step: $(field "$c" '.steps[0].state')"
[ "$(field "$c" '.steps[0].started')" = null ] || fail "a step of a cancelled queued run started"

note "another pipeline runs side by side"
o=$("$LOOMCTL" run -d -j 2 "$EXP/other.yml") || fail "run of another pipeline"
wait_for 30 state_is "$o" succeeded
gated_running "$a" || fail "the first run is no longer running"
[ "$(field "$o" .parallel)" = true ] || fail "-j 2 alone ran sequentially"

note "the queued run starts once the first has ended"
touch "$EXP/gate"
wait_for 30 state_is "$a" succeeded
wait_for 30 state_is "$b" succeeded
a_end=$(field "$a" .finished)
b_start=$(field "$b" '.steps[0].started')
jq -en --argjson e "$a_end" --argjson s "$b_start" '$s >= $e' >/dev/null ||
    fail "the second run started at $b_start, before the first ended at $a_end"
[ "$(field "$b" .queued_behind)" = "$a" ] || fail "the record forgot the queue"

note "an attached run that is queued says so, then follows its run"
rm "$EXP/gate"
a=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>/dev/null) || fail "run"
wait_for 30 gated_running "$a"
# On a terminal (script(1)), so that the progress line shows the queue.
NO_COLOR=1 script -qfec "$LOOMCTL run --force $EXP/q.yml" "$OUT" >/dev/null 2>&1 &
att=$!
wait_for 30 grep -aq "waiting for run $a of the same pipeline to finish" "$OUT"
wait_for 30 grep -aq "\[queued behind run $a, " "$OUT"
touch "$EXP/gate"
wait "$att" || fail "attached queued run failed: $(cat "$OUT")"
grep -aq '\[SUCCESS\] gated' "$OUT" || fail "attached output: $(cat "$OUT")"
grep -aq '\[gated\] through the gate' "$OUT" || fail "attached output: $(cat "$OUT")"

note "runs of separate steps of one file go side by side"
cat >"$EXP/tasks/g1.sh" <<'SH'
while [ ! -e gate1 ]; do sleep 0.02; done
echo made >"$2"
SH
printf 'cat "$1"\n' >"$EXP/tasks/dep.sh"
cat >"$EXP/p2.yml" <<'YML'
data:
  x: {type: txt, path: out/x.txt}
pipeline:
  - name: g1
    task: tasks/g1.sh
    outputs: {-o: $x}
  - name: free
    task: tasks/other.sh
  - name: dep
    task: tasks/dep.sh
    inputs: {x: $x}
YML
g=$("$LOOMCTL" run -d --step g1 "$EXP/p2.yml" 2>"$ERR") || fail "g1: $(cat "$ERR")"
g1_running() { [ "$(field "$g" '.steps[0].state')" = running ]; }
wait_for 30 g1_running
f=$("$LOOMCTL" run -d --no-wait --step free "$EXP/p2.yml" 2>"$ERR") ||
    fail "a run of a separate step was held: $(cat "$ERR")"
wait_for 30 state_is "$f" succeeded
g1_running || fail "g1 no longer running while free ran"
"$LOOMCTL" run -d --no-wait --step dep "$EXP/p2.yml" >"$OUT" 2>"$ERR" &&
    fail "a run of a step that reads g1's output was not held"
grep -q "already running as run $g" "$ERR" || fail "refusal: $(cat "$ERR")"
d=$("$LOOMCTL" run -d --step dep "$EXP/p2.yml" 2>/dev/null) || fail "dep run"
state_is "$d" queued || fail "dep run is $(field "$d" .state)"
touch "$EXP/gate1"
wait_for 30 state_is "$d" succeeded
[ "$(field "$d" .queued_behind)" = "$g" ] || fail "dep waited for $(field "$d" .queued_behind)"

note "a daemon that dies leaves its queued run interrupted, never started"
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
wait_for 30 no_loomd
# A daemon of our own, so that it is reaped here once killed.
start_loomd
rm "$EXP/gate"
a=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>/dev/null) || fail "run"
wait_for 30 gated_running "$a"
b=$("$LOOMCTL" run -d --force "$EXP/q.yml" 2>/dev/null) || fail "queued run"
state_is "$b" queued || fail "not queued: $(field "$b" .state)"
kill -KILL "$LOOMD_PID"
wait "$LOOMD_PID" 2>/dev/null
start_loomd
state_is "$a" interrupted || fail "running run after a crash: $(field "$a" .state)"
state_is "$b" interrupted || fail "queued run after a crash: $(field "$b" .state)"
[ "$(field "$b" '.steps[0].state')" = pending ] || fail "its step: $(field "$b" '.steps[0].state')"
touch "$EXP/gate"
c=$("$LOOMCTL" run -d --no-wait "$EXP/q.yml" 2>"$ERR") ||
    fail "a run of a crashed daemon still blocks the file: $(cat "$ERR")"
wait_for 30 state_is "$c" succeeded
[ "$(field "$b" '.steps[0].started')" = null ] || fail "the queued run started on its own"
stop_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
