#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hashing does not hold the daemon's loop (issue 13): the stamp of a step
# that ended is taken on the loop by stat alone, and the contents of its
# files are hashed by a worker thread. Step a reads 50 inputs of 1 MiB
# (sparse files); b depends on a and sleeps. The daemon is started with
# LOOM_FAULT_HOLD_HASH (a fault hook, docs/daemon.md): the worker does
# not hash while the hold file exists, so the checks below depend on an
# order the test sets, not on how long hashing takes on a loaded machine.
#  - b starts, `loomctl status RUN` is answered and `loomctl cancel RUN`
#    is heard while a's stamp is held: the daemon's log says "hashing
#    held" and not yet "a: stamp hashed"
#  - the hold is removed: the run then ends cancelled (wait exits 130), b
#    cancelled, a succeeded, and a's stamp is on disk before the run's
#    end is told: a second run finds a up to date
# Without the worker (hashing on the loop) status is not answered while
# the hold lasts, and the first check fails.
. "$(dirname "$0")/lib.sh"
grep -q '^LOOM_FAULT_HOOKS:BOOL=ON' "$LOOM_BUILD/CMakeCache.txt" 2>/dev/null ||
    skip "built without fault hooks (configure with -DLOOM_FAULT_HOOKS=ON)"

EXP="$TEST_TMP/exp"
N=50
mkdir -p "$EXP/tasks" "$EXP/in"
cat >"$EXP/tasks/a.sh" <<'EOF2'
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && : >"$2"
	shift
done
EOF2
cat >"$EXP/tasks/b.sh" <<'EOF2'
sleep 600
EOF2
{
	echo "data:"
	echo "  a_out: {path: out/a}"
	for i in $(seq "$N"); do
		truncate -s 1M "$EXP/in/f$i"
		echo "  f$i: {path: in/f$i}"
	done
	echo "pipeline:"
	echo "  - name: a"
	echo "    task: tasks/a.sh"
	echo "    outputs: {-o: \$a_out}"
	echo "    inputs:"
	for i in $(seq "$N"); do
		echo "      --f$i: \$f$i"
	done
	echo "  - {name: b, task: tasks/b.sh, inputs: {-i: \$a_out}}"
} >"$EXP/experiment.yml"
Y="$EXP/experiment.yml"
OUT="$TEST_TMP/out.txt"
LOG="$TEST_TMP/loomd.0.err"	# the daemon's log at -v, on its stderr
HOLD="$TEST_TMP/hold-hash"
: >"$HOLD"
export LOOM_FAULT_HOLD_HASH="$HOLD"
start_loomd -v
unset LOOM_FAULT_HOLD_HASH
hashed() { grep -q ": a: stamp hashed" "$LOG"; }
b_running() {
	[ "$("$LOOMCTL" status "$1" --json |
	    jq -r '.steps[] | select(.name == "b") | .state')" = running ]
}

note "status and cancel are answered while a's stamp waits to be hashed"
run=$(timeout 60 "$LOOMCTL" run -d "$Y") || fail "run -d did not answer"
wait_for 60 b_running "$run"
state=$(timeout 10 "$LOOMCTL" status "$run" --json | jq -r .state) ||
    fail "status not answered while hashing"
[ "$state" = running ] || fail "the run is $state"
hashed && fail "the hashing ended before status answered"
timeout 10 "$LOOMCTL" cancel "$run" >"$OUT" 2>&1 ||
    fail "cancel: $(cat "$OUT")"
hashed && fail "the hashing ended before cancel answered"
wait_for 30 grep -q "LOOM_FAULT: hashing held" "$LOG"
rm -f "$HOLD"

note "the run ends cancelled once the stamp is written"
st=0
timeout 120 "$LOOMCTL" wait "$run" >/dev/null 2>&1 || st=$?
[ "$st" = 130 ] || fail "wait after cancel exited $st"
hashed || fail "the run's end was told before a's stamp was hashed"
"$LOOMCTL" status "$run" --json >"$OUT"
[ "$(jq -r .state "$OUT")" = cancelled ] || fail "run: $(cat "$OUT")"
[ "$(jq -r '.steps[] | select(.name == "a") | .state' "$OUT")" = succeeded ] ||
    fail "a: $(cat "$OUT")"
[ "$(jq -r '.steps[] | select(.name == "b") | .state' "$OUT")" = cancelled ] ||
    fail "b: $(cat "$OUT")"

note "a's stamp counts: the next run finds a up to date"
run=$(timeout 60 "$LOOMCTL" run -d "$Y") || fail "second run -d"
wait_for 60 b_running "$run"
"$LOOMCTL" status "$run" --json >"$OUT"
[ "$(jq -r '.steps[] | select(.name == "a") | .state' "$OUT")" = uptodate ] ||
    fail "a was not up to date: $(cat "$OUT")"
timeout 10 "$LOOMCTL" cancel "$run" >/dev/null 2>&1 || fail "second cancel"
timeout 120 "$LOOMCTL" wait "$run" >/dev/null 2>&1

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
