#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Attached output through the log file (log.open, SCM_RIGHTS): an attached
# `loomctl run` of a step printing 1,000,000 numbered lines shows every
# line exactly once and in order, to a file and through a deliberately
# slow reader; two steps in parallel keep their lines whole under their
# own prefixes; `loomctl logs` and `logs -f` of a finished step and
# `logs -f` of a running one print the log byte for byte. daemon.status
# "output" shows the path taken: the log file was passed and the bytes
# did not travel as base64 (neither log.read nor run.output carried them)
# and the daemon spliced them into the log without reading them.
# With LOOMCTL_NO_LOG_FILE=1 (a client that cannot take the file) the same
# output arrives as events and log.read, and nothing is lost either.
. "$(dirname "$0")/lib.sh"

: "${FAKE_TASK:?FAKE_TASK must name the fake-task helper}"
command -v jq >/dev/null || skip "jq missing"
OUT="$TEST_TMP/out.txt"
mkdir -p "$TEST_TMP/p"

# One counter of daemon.status "output".
output_count() {
	rpc call daemon.status | jq -r ".result.output.$1"
}

# Every "[flood] line N" exactly once, N = 1, 2, ... in order, then the
# step's last piece once; prints "LINES TAILS".
check_lines() {
	awk '
	/^\[flood\] line / {
		n++
		if ($3 != n) { print "line " n " is: " $0; exit 1 }
		next
	}
	/^\[flood\] abcdefghijklmnopqrstuvwxyz$/ { tail++; next }
	/^\[flood\]/ { print "stray output: " $0; exit 1 }
	END { print n + 0, tail + 0 }'
}

# A reader slower than the step: small reads with a pause between them.
slow_reader() {
	"$PYTHON" -c '
import os, sys, time
while True:
    b = os.read(0, 8192)
    if not b:
        break
    os.write(1, b)
    time.sleep(0.005)
'
}

start_loomd

# About 14 MB of lines, a pause while the log is followed, a last piece.
cat >"$TEST_TMP/p/flood.yml" <<YML
pipeline:
  - name: flood
    task: $FAKE_TASK
    args: {lines: 1000000, sleep: 1000, print: 26}
YML

note "attached run to a file: every line once, in order, read from the log file"
fds=$(output_count log_fds)
reads=$(output_count log_read_bytes)
events=$(output_count event_bytes)
spliced=$(output_count spliced_bytes)
"$LOOMCTL" run --force "$TEST_TMP/p/flood.yml" >"$TEST_TMP/run.out" ||
    fail "run failed: $(tail -5 "$TEST_TMP/run.out")"
got=$(check_lines <"$TEST_TMP/run.out") || fail "run output: $got"
[ "$got" = "1000000 1" ] || fail "run output: got $got lines and tails"
[ "$(output_count log_fds)" = $((fds + 1)) ] ||
    fail "the log file was not passed ($fds -> $(output_count log_fds))"
[ "$(output_count log_read_bytes)" = "$reads" ] ||
    fail "log.read carried output ($reads -> $(output_count log_read_bytes))"
ev=$(($(output_count event_bytes) - events))
[ "$ev" -le $((1024 * 1024)) ] ||
    fail "$ev bytes of output went out as run.output events"
run=$(sed -n 's/^Run: //p' "$TEST_TMP/run.out")
log=$(ls "$TEST_TMP"/p/.loom/runs/"$run"/*-flood.log)
sp=$(($(output_count spliced_bytes) - spliced))
[ "$sp" -ge $(($(stat -c %s "$log") - ev - 262144)) ] ||
    fail "only $sp of $(stat -c %s "$log") bytes were spliced into the log"

note "attached run through a slow reader: nothing lost"
fds=$(output_count log_fds)
st=0
"$LOOMCTL" run --force "$TEST_TMP/p/flood.yml" 2>"$TEST_TMP/err" |
    slow_reader | check_lines >"$OUT" || st=$?
[ "$st" = 0 ] && [ "$(cat "$OUT")" = "1000000 1" ] ||
    fail "slow reader: status $st, $(cat "$OUT"); $(head -c 500 "$TEST_TMP/err")"
[ "$(output_count log_fds)" -gt "$fds" ] || fail "slow reader: no log file passed"

note "two steps in parallel: each line whole, under its own prefix, in order"
cat >"$TEST_TMP/p/two.yml" <<YML
pipeline:
  - {name: a, task: $FAKE_TASK, args: {lines: 300000}}
  - {name: b, task: $FAKE_TASK, args: {lines: 300000}}
YML
fds=$(output_count log_fds)
"$LOOMCTL" run --force --parallel -j 2 "$TEST_TMP/p/two.yml" >"$TEST_TMP/two.out" ||
    fail "parallel run failed: $(tail -5 "$TEST_TMP/two.out")"
got=$(awk '
	/^\[[ab]\] / {
		s = substr($1, 2, 1)
		if ($2 != "line" || $3 != ++n[s] || NF != 3) {
			print "step " s " line " n[s] " is: " $0; exit 1
		}
	}
	END { print n["a"] + 0, n["b"] + 0 }' "$TEST_TMP/two.out") ||
    fail "parallel output: $got"
[ "$got" = "300000 300000" ] || fail "parallel output: got $got lines"
[ "$(output_count log_fds)" = $((fds + 2)) ] ||
    fail "parallel: $(($(output_count log_fds) - fds)) log files passed, not 2"

note "a client that cannot take the log file gets the same lines"
# (test-cli-run.sh has this client fall behind: run.output_gap, log.read)
fds=$(output_count log_fds)
LOOMCTL_NO_LOG_FILE=1 "$LOOMCTL" run --force "$TEST_TMP/p/flood.yml" \
    2>"$TEST_TMP/err" | check_lines >"$OUT" ||
    fail "fallback: $(cat "$OUT"); $(head -c 500 "$TEST_TMP/err")"
[ "$(cat "$OUT")" = "1000000 1" ] || fail "fallback: got $(cat "$OUT")"
[ "$(output_count log_fds)" = "$fds" ] || fail "fallback: a log file was passed"

note "logs (and -f) of a finished step: the log file, byte for byte"
fds=$(output_count log_fds)
reads=$(output_count log_read_bytes)
"$LOOMCTL" logs "$run" flood >"$OUT" || fail "logs failed"
cmp -s "$OUT" "$log" || fail "logs differs from $log"
[ "$(output_count log_fds)" = $((fds + 1)) ] || fail "logs: no log file passed"
"$LOOMCTL" logs -f "$run" flood >"$OUT" || fail "logs -f (finished) failed"
cmp -s "$OUT" "$log" || fail "logs -f of the finished step differs from $log"
[ "$(output_count log_fds)" = $((fds + 2)) ] || fail "logs -f: no log file passed"
[ "$(output_count log_read_bytes)" = "$reads" ] || fail "logs: log.read used"
LOOMCTL_NO_LOG_FILE=1 "$LOOMCTL" logs "$run" flood >"$OUT" ||
    fail "logs (log.read) failed"
cmp -s "$OUT" "$log" || fail "logs (log.read) differs from $log"

note "logs -f of a running step follows its log file until it ends"
# The step prints, then waits for the test to create $go, then prints
# the rest: the test sees the first part arrive while the step runs.
go="$TEST_TMP/go"
cat >"$TEST_TMP/p/gate.yml" <<YML
pipeline:
  - name: gate
    task: $FAKE_TASK
    args: {lines: 200000, wait-file: $go, print: 300000}
YML
run=$("$LOOMCTL" run -d "$TEST_TMP/p/gate.yml") || fail "run -d failed"
glog="$TEST_TMP/p/.loom/runs/$run/0-gate.log"
wait_for 60 grep -qx "line 200000" "$glog"
fds=$(output_count log_fds)
reads=$(output_count log_read_bytes)
# Emptied first: the background job truncates it only once it runs, and
# the flood's "line 200000" from above would be found before that.
: >"$OUT"
"$LOOMCTL" logs -f "$run" gate >"$OUT" 2>"$TEST_TMP/err" &
follower=$!
LIB_PIDS+=("$follower")
wait_for 60 grep -qx "line 200000" "$OUT"
kill -0 "$follower" 2>/dev/null || fail "logs -f left before the step ended"
: >"$go"
st=0
wait "$follower" || st=$?
[ "$st" = 0 ] || fail "logs -f: status $st: $(cat "$TEST_TMP/err")"
[ "$(stat -c %s "$glog")" = $(($("$FAKE_TASK" lines 200000 | wc -c) + 300000)) ] ||
    fail "the log of the step is not what it printed"
cmp -s "$OUT" "$glog" || fail "logs -f differs from $glog"
[ "$(output_count log_fds)" = $((fds + 1)) ] || fail "logs -f: no log file passed"
[ "$(output_count log_read_bytes)" = "$reads" ] || fail "logs -f: log.read used"

stop_loomd
