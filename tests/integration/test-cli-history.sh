#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run history and waiting from the command line, with the real daemon:
#  - an attached run prints "Run: ID" first; its header counts the steps
#    that run and those up to date ("1 step(s) to run, 1 up to date");
#  - the daemon exits when idle, then "loomctl status" still lists every
#    run (id, state, succeeded/total with failures apart, start time,
#    duration, pipeline), and --json too; on a terminal a pipeline path
#    too long for the line keeps its end ("...") instead of wrapping;
#  - after "kill -9" of the daemon, the run it was running shows as
#    interrupted in "status" and "status --json", and "wait" on it exits 1;
#  - "wait RUN" exits 0 (succeeded), 1 (failed), 130 (cancelled while
#    waiting); "status RUN --watch" exits 1 for a failed run;
#  - run ids: "last", a unique prefix, an ambiguous prefix (exit 2,
#    candidates listed), a mistyped id ("did you mean");
#  - -v logs the command and how a run id resolved, on stderr;
#  - did you mean: a command, an option, a step (run --step and
#    logs RUN STEP), each a usage error (exit 2) in the one error format
#    "loomctl: error: ...".
export LOOMD_IDLE_TIMEOUT=1
. "$(dirname "$0")/lib.sh"

: "${FAKE_TASK:?FAKE_TASK must name the fake-task helper}"
OUT="$TEST_TMP/out.txt"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/make.sh" <<'SH'
#!/bin/sh
echo made >"$2"
SH
cat >"$EXP/tasks/check.sh" <<'SH'
#!/bin/sh
exit "$(cat "$1")"
SH
echo 0 >"$EXP/code"
chmod +x "$EXP"/tasks/*.sh
cat >"$EXP/p.yml" <<'YML'
data:
  made: {path: out/made.txt}
  code: {path: code}
pipeline:
  - name: make
    task: tasks/make.sh
    outputs: {-o: $made}
  - name: check
    task: tasks/check.sh
    inputs: {c: $code}
YML
cat >"$EXP/slow.yml" <<YML
pipeline:
  - name: slow
    task: $FAKE_TASK
    args: {lines: 1, sleep: 60000}
YML
P="$EXP/p.yml"

# must_fail WANT CMD...: CMD exits WANT, its output (both streams) in $OUT.
must_fail() {
	local want=$1 st=0
	shift
	"$@" >"$OUT" 2>&1 || st=$?
	[ "$st" = "$want" ] || { cat "$OUT" >&2; fail "$* exited $st, not $want"; }
}
has() { grep -q -- "$1" "$OUT" || { cat "$OUT" >&2; fail "no '$1' in the output"; }; }
json_state() { "$LOOMCTL" status --json | jq -r ".runs[] | select(.run == \"$1\") | .state"; }
step_running() { [ "$("$LOOMCTL" status "$1" --json | jq -r '.steps[0].state')" = running ]; }

note "an attached run prints its id first and counts what runs"
"$LOOMCTL" run "$P" >"$OUT" || fail "first run: $(cat "$OUT")"
r1=$(sed -n '1s/^Run: \([a-z0-9]*\)$/\1/p' "$OUT")
[ -n "$r1" ] || fail "no Run: line first: $(cat "$OUT")"
sed -n 2p "$OUT" | grep -qx 'Pipeline: 2 step(s) to run' || fail "header: $(cat "$OUT")"
echo 3 >"$EXP/code"
must_fail 1 "$LOOMCTL" run "$P"
r2=$(sed -n '1s/^Run: \([a-z0-9]*\)$/\1/p' "$OUT")
sed -n 2p "$OUT" | grep -qx 'Pipeline: 1 step(s) to run, 1 up to date' ||
    fail "header: $(cat "$OUT")"
has '^Completed: 0/1 steps succeeded, 1 up to date$'

note "history after the daemon's idle exit"
wait_for 30 no_loomd
"$LOOMCTL" status >"$OUT" || fail "status without a daemon: $(cat "$OUT")"
has '^RUN  *STATE  *SUCCEEDED  *STARTED  *DURATION  *PIPELINE$'
grep -qE "^$r2 +failed +1/2, 1 failed +[0-9:]{8} +[0-9.]+[a-z]+ +.*/p\.yml$" "$OUT" ||
    fail "row of $r2: $(cat "$OUT")"
grep -qE "^$r1 +succeeded +2/2 +[0-9:]{8} " "$OUT" || fail "row of $r1: $(cat "$OUT")"
[ "$(json_state "$r1")" = succeeded ] || fail "--json: $("$LOOMCTL" status --json)"

note "wait and --watch exit with the outcome"
must_fail 0 "$LOOMCTL" wait "$r1"
has "^Run $r1: succeeded$"
must_fail 1 "$LOOMCTL" wait "$r2"
must_fail 1 "$LOOMCTL" wait "$r1" "$r2"
must_fail 1 "$LOOMCTL" status "$r2" --watch
has "^Run $r2: failed"
slow=$("$LOOMCTL" run -d "$EXP/slow.yml") || fail "run -d"
"$LOOMCTL" wait "$slow" >"$TEST_TMP/wait.out" 2>&1 &
waiter=$!
wait_for 30 step_running "$slow"
"$LOOMCTL" cancel "$slow" >/dev/null || fail "cancel"
st=0
wait "$waiter" || st=$?
[ "$st" = 130 ] || fail "wait on a cancelled run exited $st: $(cat "$TEST_TMP/wait.out")"

note "run ids: last, a unique prefix, an ambiguous prefix, a typo"
"$LOOMCTL" status last >"$OUT" || fail "status last"
has "^Run $slow: cancelled"
"$LOOMCTL" status "${r1:0:5}" >"$OUT" || fail "status by prefix: $(cat "$OUT")"
has "^Run $r1: succeeded"
"$LOOMCTL" logs "${r1:0:4}" make >"$OUT" 2>&1 || fail "logs by prefix: $(cat "$OUT")"
# Detached runs until two ids share their first character (36 letters
# and digits: at most 37 runs).
declare -A first=()
dup=""
for i in $(seq 37); do
	for r in $("$LOOMCTL" status --json | jq -r '.runs[].run'); do
		if [ -n "${first[${r:0:1}]:-}" ] && [ "${first[${r:0:1}]}" != "$r" ]; then
			dup=${r:0:1}
		fi
		first[${r:0:1}]=$r
	done
	[ -n "$dup" ] && break
	"$LOOMCTL" run -d "$P" >/dev/null || fail "run -d $i"
done
[ -n "$dup" ] || fail "no two runs share a first character"
must_fail 2 "$LOOMCTL" status "$dup"
has "^loomctl: error: run id '$dup' is ambiguous: it starts $dup[a-z0-9]*, $dup"
typo="${r1:0:5}$([ "${r1:5:1}" = x ] && echo y || echo x)"
if ! "$LOOMCTL" status --json | jq -e ".runs[] | select(.run | startswith(\"${typo:0:5}\")) | select(.run != \"$r1\")" >/dev/null; then
	must_fail 2 "$LOOMCTL" wait "$typo"
	has "^loomctl: error: no such run: $typo (did you mean $r1?)$"
fi

note "-v says what loomctl does"
"$LOOMCTL" -v status "${r1:0:5}" >/dev/null 2>"$OUT" || fail "-v status"
has "command status"
has "run ${r1:0:5} is $r1"

note "did you mean: a command, an option, a step"
must_fail 2 "$LOOMCTL" stauts
has "^loomctl: error: unknown command: stauts (did you mean status?)$"
must_fail 2 "$LOOMCTL" run "$P" --stepp make
has "^loomctl: error: run: unknown option: --stepp (did you mean --step?)$"
must_fail 2 "$LOOMCTL" status --wacth
has "(did you mean --watch?)"
must_fail 2 "$LOOMCTL" run "$P" --step mkae
has "did you mean 'make'"
must_fail 2 "$LOOMCTL" logs "$r1" chekc
has "^loomctl: error: run $r1 has no step named 'chekc' (did you mean 'check'?)$"

note "a daemon killed with SIGKILL: its run shows as interrupted"
slow=$("$LOOMCTL" run -d "$EXP/slow.yml") || fail "run -d"
wait_for 30 step_running "$slow"
pid=$(daemon_pid)
kill -9 "$pid"
wait_gone 30 "$pid"
"$LOOMCTL" status >"$OUT" || fail "status after a crash"
grep -qE "^$slow +interrupted " "$OUT" || fail "after kill -9: $(cat "$OUT")"
[ "$(json_state "$slow")" = interrupted ] || fail "--json after kill -9"
must_fail 1 "$LOOMCTL" wait "$slow"
has "^Run $slow: interrupted$"

# On a terminal, a path too long for the line keeps its end, on one line.
if command -v script >/dev/null; then
	TERM=xterm script -qec "stty cols 72; $LOOMCTL status" /dev/null \
		| tr -d '\r' >"$OUT"
	grep -qE "^$slow +interrupted .* \.\.\.[^ ]*slow\.yml\$" "$OUT" ||
		fail "long path on a terminal: $(cat "$OUT")"
	long=$(awk 'length($0) > 72' "$OUT")
	[ -z "$long" ] || fail "lines wider than the terminal: $long"
	# Not a terminal: the whole path.
	"$LOOMCTL" status >"$OUT"
	grep -qE "^$slow +interrupted .* $EXP/slow\.yml\$" "$OUT" ||
		fail "path cut when not on a terminal: $(cat "$OUT")"
fi

"$LOOMCTL" daemon stop >/dev/null
wait_for 30 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
