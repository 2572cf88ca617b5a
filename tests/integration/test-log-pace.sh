#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A flood of step output is taken in turns paced by a timer, not one
# wake-up per write of the step (loomd/child.c, child_pace); the daemon
# runs under strace to see which way it went:
# - a step writing 32 MiB in 4 KiB writes (nobody attached): the daemon
#   arms its timer (timerfd_settime with a pause) and, once the flood is
#   over and the step prints a line now and then, disarms it and goes
#   back to waking up on output: that line reaches the log while the step
#   still runs (it waits for the test to see it); the log is every byte,
#   in order
# - the same step attached (`loomctl run`): the output shown is the log
#   under its prefix, byte for byte
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "strace missing"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
gate="$TEST_TMP/go"
{
	echo '#!/bin/sh'
	echo 'dd if=/dev/zero bs=4096 count=8192 status=none'
	echo 'echo after'
	echo '[ -n "${GATE:-}" ] && while [ ! -e "$GATE" ]; do sleep 0.01; done'
	echo 'echo end'
} >"$EXP/tasks/flood"
chmod +x "$EXP/tasks/flood"
printf 'pipeline:\n  - {name: flood, task: tasks/flood}\n' >"$EXP/flood.yml"
{ head -c 33554432 /dev/zero; printf 'after\nend\n'; } >"$TEST_TMP/expected"

# loomd's event loop under strace (its main thread only: the steps run
# untraced); LeakSanitizer cannot work under ptrace.
{
	echo '#!/bin/sh'
	echo 'ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"; export ASAN_OPTIONS'
	printf 'exec strace -o "%s" -e trace=timerfd_settime,splice "%s" "$@"\n' \
	    "$TEST_TMP/trace" "$LOOMD"
} >"$TEST_TMP/loomd"
chmod +x "$TEST_TMP/loomd"
LOOMD="$TEST_TMP/loomd"
export PATH="/usr/bin:$PATH"
start_loomd

log_of() { ls "$EXP"/.loom/runs/"$1"/*-flood.log; }
log_has() { grep -q '^after$' "$(log_of "$1")"; }

note "nobody attached: paced, then back to wake-ups"
run=$(GATE=$gate "$LOOMCTL" run --force -d "$EXP/flood.yml") ||
    fail "run -d failed"
# The step waits for the gate until "after" is in its log: output after
# the flood arrives without the step ending.
wait_for 60 log_has "$run"
: >"$gate"
"$LOOMCTL" wait -q "$run" || fail "the run failed"
log=$(log_of "$run")
cmp -s "$log" "$TEST_TMP/expected" ||
    fail "the log is not the step's output: $(cmp "$log" "$TEST_TMP/expected")"
armed=$(grep -c 'timerfd_settime(.*it_value={tv_sec=0, tv_nsec=[1-9]' \
    "$TEST_TMP/trace" || true)
disarmed=$(grep -c 'timerfd_settime(.*it_value={tv_sec=0, tv_nsec=0}' \
    "$TEST_TMP/trace" || true)
splices=$(grep -c '^splice(' "$TEST_TMP/trace" || true)
[ "$armed" -gt 0 ] || fail "the flood was not paced (no timer armed)"
[ "$disarmed" -gt 0 ] || fail "the timer was never disarmed after the flood"
[ "$splices" -gt 0 ] || fail "the flood was not spliced into the log"
note "timer armed $armed times, disarmed $disarmed times, $splices splices"

note "attached: the log under its prefix, byte for byte"
"$LOOMCTL" run --force --no-progress "$EXP/flood.yml" >"$TEST_TMP/run.out" ||
    fail "attached run failed"
{
	printf '[flood] '
	head -c 33554432 /dev/zero
	printf 'after\n[flood] end\n'
} >"$TEST_TMP/expected.run"
# The run's own lines ("Run: ...", the summary) around the step's output.
off=$(grep -abo -m1 '\[flood\] ' "$TEST_TMP/run.out" | head -n1 | cut -d: -f1)
[ -n "$off" ] || fail "no [flood] line in the attached output"
tail -c +$((off + 1)) "$TEST_TMP/run.out" |
    head -c "$(stat -c %s "$TEST_TMP/expected.run")" >"$TEST_TMP/run.head"
cmp -s "$TEST_TMP/run.head" "$TEST_TMP/expected.run" ||
    fail "attached output differs: $(cmp "$TEST_TMP/run.head" "$TEST_TMP/expected.run")"

stop_loomd
echo PASS
