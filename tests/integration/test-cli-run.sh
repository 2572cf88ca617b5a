#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl against the real daemon, started on demand by loomctl itself:
#  - report-only commands start nothing ("daemon stop", "cancel"); an
#    invalid pipeline exits 2 before any daemon starts;
#  - no loomd beside loomctl nor on PATH: "loomd could not start: ..."
#    names the reason, exit 1;
#  - S5: 20 concurrent "loomctl daemon status" with no daemon: all exit
#    0 and exactly one loomd serves the socket;
#  - the diamond failure (examples/failing), attached: the exact lines
#    (Run: ID first, [FAILED] ... (exit code 1), [SKIPPED] X
#    (dependencies failed: Y), Completed: 2/4) and exit status 1;
#  - -d/--detach prints the run id; status (overview, one run, --json);
#    logs RUN STEP, logs RUN (every step), logs -f until the step ends;
#    a step that prints nothing has no log file and reads as empty
#    (logs, logs -f) while it runs and after;
#    cancel RUN ends in state "cancelled"; logs/cancel of an unknown run
#    exit 2;
#  - Ctrl-C (SIGINT to an attached loomctl) cancels the run: exit 130,
#    run cancelled, the running step reported before the pending one;
#  - the client killed (SIGKILL) or its terminal lost (SIGHUP) while
#    attached: the run goes on and succeeds;
#  - status --watch on one run ends when the run ends, with its exit
#    status (130 cancelled, 0 succeeded);
#  - an attached client that reads slowly (stdout into a stalled pipe)
#    still prints every line of a 14 MB step output, in order;
#  - daemon stop, then no loomd;
#  - S14: a daemon answering daemon.hello with -32000 gives "protocol
#    version mismatch (loomctl 1, loomd 99)" and a hint, exit 1.
. "$(dirname "$0")/lib.sh"

: "${FAKE_TASK:?FAKE_TASK must name the fake-task helper}"
OUT="$TEST_TMP/out.txt"
EX="$TEST_TMP/examples"
cp -r "$LOOM_SRC/examples" "$EX"
rm -rf "$EX"/*/out "$EX"/*/.loom "$EX"/seed/data/processed "$EX"/seed/models

# A pipeline of fake tasks: "slow" prints two lines, sleeps, prints two.
mkdir -p "$TEST_TMP/p"
P="$TEST_TMP/p/slow.yml"
cat >"$P" <<YML
parameters:
  ms: 60000
pipeline:
  - name: slow
    task: $FAKE_TASK
    args: {lines: 2, sleep: \$ms, print: 0}
  - name: quick
    task: $FAKE_TASK
    args: {lines: 1}
YML

state_of() { "$LOOMCTL" status "$1" --json | jq -r "$2"; }
step_running() { [ "$(state_of "$1" '.steps[0].state')" = running ]; }
run_state_is() { [ "$(state_of "$1" .state)" = "$2" ]; }
newest_run() { "$LOOMCTL" status --json | jq -r '.runs[0].run // empty'; }
# newest_step_running [OLD]: the newest run is not OLD and its first
# step runs.
newest_step_running() {
	local r
	r=$(newest_run) && [ -n "$r" ] && [ "$r" != "${1:-}" ] &&
	    step_running "$r"
}
# wait_new_run OLD: wait for a run other than OLD to have its step running.
wait_new_run() {
	local deadline=$(($(date +%s) + 60))
	until newest_step_running "$1"; do
		if [ "$(date +%s)" -gt "$deadline" ]; then
			"$LOOMCTL" status >&2
			cat "$OUT" >&2
			fail "no new run started (newest: $(newest_run))"
		fi
		sleep 0.05
	done
}

note "report-only commands start no daemon"
"$LOOMCTL" daemon stop >"$OUT" || fail "daemon stop without a daemon"
grep -qx "no daemon running" "$OUT" || fail "daemon stop said: $(cat "$OUT")"
st=0
"$LOOMCTL" cancel abc123 >"$OUT" 2>&1 || st=$?
[ "$st" = 1 ] || fail "cancel without a daemon exited $st"
printf 'pipeline:\n  - name: a\n    task: missing.py\n' >"$TEST_TMP/p/bad.yml"
st=0
"$LOOMCTL" run "$TEST_TMP/p/bad.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "invalid pipeline exited $st"
grep -q "bad.yml:3:11: error: task file missing.py not found" "$OUT" ||
    fail "invalid pipeline said: $(cat "$OUT")"
[ "$(loomd_count)" = 0 ] && [ ! -e "$LOOM_SOCKET" ] ||
    fail "a report-only command started loomd"

note "a daemon that cannot start: the reason reaches the person"
mkdir -p "$TEST_TMP/lonely"
cp "$LOOMCTL" "$TEST_TMP/lonely/loomctl"
st=0
PATH="$TEST_TMP/lonely:/usr/bin:/bin" "$TEST_TMP/lonely/loomctl" daemon status \
    >"$OUT" 2>&1 || st=$?
[ "$st" = 1 ] || fail "loomctl without loomd exited $st"
grep -q "loomd could not start: cannot run loomd: No such file or directory" "$OUT" ||
    fail "no start error shown: $(cat "$OUT")"

note "S5: 20 racing 'loomctl daemon status' start one loomd"
pids=()
for i in $(seq 20); do
	"$LOOMCTL" daemon status >"$TEST_TMP/race.$i" 2>&1 &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "racer $i: $(cat "$TEST_TMP/race.$((i + 1))")"
done
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) loomd processes"
grep -h "pid:" "$TEST_TMP"/race.* | sort -u | wc -l | grep -qx 1 ||
    fail "racers saw different daemons"
"$LOOMCTL" daemon status --json | jq -e '.pid > 0' >/dev/null ||
    fail "daemon status --json"

note "the diamond failure, attached"
st=0
"$LOOMCTL" run "$EX/failing/experiment.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 1 ] || { cat "$OUT"; fail "failing example exited $st"; }
cat >"$TEST_TMP/expected" <<'TXT'
Run: ID
Pipeline: 4 step(s) to run
----------------------------------------
[RUNNING] prepare
[prepare] 10 words
[SUCCESS] prepare
[RUNNING] letters
[letters] 15 distinct letters
[SUCCESS] letters
[RUNNING] check
[check] check: 10 words, more than 3
[FAILED] check (exit code 1)
[SKIPPED] merge (dependencies failed: check)
----------------------------------------
Completed: 2/4 steps succeeded
TXT
run=$(newest_run)
sed -i "1s/^Run: $run\$/Run: ID/" "$OUT"
diff "$TEST_TMP/expected" "$OUT" || fail "failure output differs"
run=$(newest_run)
"$LOOMCTL" status "$run" >"$OUT" || fail "status $run"
grep -qE '^check +failed +[^ ]+ +exit code 1$' "$OUT" || fail "status: $(cat "$OUT")"
grep -qE '^merge +skipped +- +dependencies failed: check$' "$OUT" ||
    fail "status: $(cat "$OUT")"

note "detach, status, logs, cancel"
run=$("$LOOMCTL" run -d --force "$P")
[[ $run =~ ^[a-z0-9]+$ ]] || fail "run -d printed '$run'"
wait_for 30 step_running "$run"
"$LOOMCTL" status >"$OUT"
grep -qE "^$run +running +[0-9]+/2 " "$OUT" || fail "overview: $(cat "$OUT")"
wait_for 10 sh -c "'$LOOMCTL' logs $run slow | grep -qx 'line 2'"
"$LOOMCTL" logs "$run" slow >"$OUT"
printf 'line 1\nline 2\n' | diff - "$OUT" || fail "logs RUN STEP"
"$LOOMCTL" cancel "$run" >"$OUT" || fail "cancel"
grep -qx "cancelling run $run" "$OUT" || fail "cancel said: $(cat "$OUT")"
wait_for 30 run_state_is "$run" cancelled
[ "$(state_of "$run" '.steps[0].state')" = cancelled ] || fail "step not cancelled"
st=0
"$LOOMCTL" status "$run" --watch >"$OUT" || st=$?
[ "$st" = 130 ] || fail "status --watch of a cancelled run exited $st"
grep -q "^Run $run: cancelled" "$OUT" || fail "watch: $(cat "$OUT")"
st=0
"$LOOMCTL" logs nosuch1 >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "logs of an unknown run exited $st"
st=0
"$LOOMCTL" cancel nosuch1 >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "cancel of an unknown run exited $st"

note "logs -f follows a step to its end; status --watch ends with the run"
run=$("$LOOMCTL" run -d --force "$P" --set ms=1500)
"$LOOMCTL" logs -f "$run" slow >"$OUT" || fail "logs -f"
printf 'line 1\nline 2\n' | diff - "$OUT" || fail "logs -f output"
"$LOOMCTL" status "$run" --watch >"$OUT" || fail "status --watch"
grep -q "^Run $run: succeeded" "$OUT" || fail "watch end: $(tail -n 5 "$OUT")"
"$LOOMCTL" logs "$run" >"$OUT"
grep -qx "==> slow <==" "$OUT" && grep -qx "==> quick <==" "$OUT" ||
    fail "logs RUN: $(cat "$OUT")"

note "a step that prints nothing has no log file, and an empty log"
Q="$TEST_TMP/p/quiet.yml"
GO="$TEST_TMP/p/quiet.go"
rm -f "$GO"
cat >"$Q" <<YML
pipeline:
  - name: quiet
    task: $FAKE_TASK
    args: {wait-file: $GO}
YML
run=$("$LOOMCTL" run -d --force "$Q")
# The step waits for GO: it is running, however slow the machine.
wait_for 10 step_running "$run"
"$LOOMCTL" logs "$run" quiet >"$OUT" 2>&1 || fail "logs of a silent running step"
[ ! -s "$OUT" ] || fail "a silent step's log read: $(cat "$OUT")"
"$LOOMCTL" logs -f "$run" quiet >"$OUT" 2>&1 &
follow=$!
touch "$GO"
wait "$follow" || fail "logs -f of a silent step"
[ ! -s "$OUT" ] || fail "logs -f of a silent step printed: $(cat "$OUT")"
run_state_is "$run" succeeded || fail "logs -f returned before the run ended"
! ls "$TEST_TMP/p/.loom/runs/$run" | grep -q 'quiet\.log$' ||
    fail "a log file for a step that printed nothing"
"$LOOMCTL" logs "$run" >"$OUT" || fail "logs RUN of a silent run"
grep -qx "==> quiet <==" "$OUT" || fail "logs RUN: $(cat "$OUT")"

note "Ctrl-C cancels an attached run"
old=$(newest_run)
"$LOOMCTL" run --force "$P" >"$OUT" 2>&1 &
client=$!
wait_new_run "$old"
run=$(newest_run)
kill -INT "$client"
st=0
wait "$client" || st=$?
[ "$st" = 130 ] || { cat "$OUT"; fail "loomctl after Ctrl-C exited $st"; }
# The running step ends first, the one that never started after it.
grep -E '^\[CANCELLED\]|^\[FAILED\]' "$OUT" | tr '\n' ' ' |
    grep -Eq '^\[(CANCELLED|FAILED)\] slow .*\[CANCELLED\] quick $' ||
    fail "cancelled steps out of order: $(cat "$OUT")"

grep -q "cancelling run $run" "$OUT" || fail "no cancel notice: $(cat "$OUT")"
grep -q "^Completed: .* (cancelled)$" "$OUT" || fail "no summary: $(cat "$OUT")"
run_state_is "$run" cancelled || fail "run $run is $(state_of "$run" .state)"

note "a killed client or a lost terminal leaves the run going"
for sig in KILL HUP; do
	note "SIG$sig"
	old=$(newest_run)
	# A file of its own: the background job truncates a reused one only
	# once it runs, and a grep before that found the last client's line.
	out="$TEST_TMP/sig$sig.out"
	"$LOOMCTL" run --force "$P" --set ms=3000 >"$out" 2>&1 &
	client=$!
	# The client printed that the step started: the run is ours.
	wait_for 60 grep -qx "\[RUNNING\] slow" "$out"
	run=$(newest_run)
	[ "$run" != "$old" ] || fail "SIG$sig: no new run"
	kill -"$sig" "$client"
	wait "$client" 2>/dev/null
	# Not cancelled with its client: the run ends on its own, succeeded.
	wait_for 60 sh -c "'$LOOMCTL' status $run --json |
	    jq -e '.state != \"running\"'"
	run_state_is "$run" succeeded ||
	    fail "SIG$sig: run $run ended $(state_of "$run" .state)"
done

note "a slow reader of an attached run loses nothing (output gap, log.read)"
# About 14 MB: more than the daemon buffers for one client (8 MiB), so
# the client gets run.output_gap and must read the rest from the log.
# LOOMCTL_NO_LOG_FILE: by log.read, as a client that cannot take the log
# file does (test-cli-attach-stream.sh follows the file itself).
# The step then pauses (its last lines still in its stdio buffer) and
# ends with "abc...z": the client catches up while the step runs, waits
# with the gap open, and must still print what comes after the pause.
cat >"$TEST_TMP/p/flood.yml" <<YML
pipeline:
  - name: flood
    task: $FAKE_TASK
    args: {lines: 1000000, sleep: 4000, print: 26}
YML
LOOMCTL_NO_LOG_FILE=1 "$LOOMCTL" run --force "$TEST_TMP/p/flood.yml" | { sleep 3; awk '
	/^\[flood\] line / { n++; if ($3 != n) { print "out of order at " n; exit 1 } }
	/^\[flood\] abcdefghijklmnopqrstuvwxyz$/ { tail++ }
	END { print n, tail }'; } >"$OUT" || fail "flood: $(cat "$OUT")"
[ "$(cat "$OUT")" = "1000000 1" ] || fail "flood: got $(cat "$OUT") lines and tails"

note "daemon stop"
"$LOOMCTL" daemon stop >"$OUT" || fail "daemon stop: $(cat "$OUT")"
grep -qx "loomd stopped" "$OUT" || fail "daemon stop said: $(cat "$OUT")"
wait_for 10 no_loomd
note "S14: a daemon of another protocol version gets a clear message"
mkdir -m 700 "$TEST_TMP/skew"
SKEW="$TEST_TMP/skew/loomd.sock"
python3 - "$SKEW" <<'PY' &
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1] + ".tmp")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.listen(4)
s.settimeout(60)
c, _ = s.accept()
req = json.loads(c.makefile().readline())
c.sendall((json.dumps({"jsonrpc": "2.0", "id": req["id"], "error": {
    "code": -32000, "message": "protocol version mismatch",
    "data": {"daemon": 99, "client": 1}}}) + "\n").encode())
c.close()
PY
fake=$!
wait_for 20 test -S "$SKEW"
st=0
LOOM_SOCKET="$SKEW" "$LOOMCTL" daemon status >"$OUT" 2>&1 || st=$?
wait "$fake"
[ "$st" = 1 ] || fail "version skew exited $st"
grep -q "protocol version mismatch (loomctl 1, loomd 99)" "$OUT" ||
    fail "version skew said: $(cat "$OUT")"
grep -q "hint: .*loomctl daemon stop" "$OUT" || fail "no hint: $(cat "$OUT")"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
