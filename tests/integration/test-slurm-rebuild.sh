#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A daemon killed (SIGKILL) while a Slurm run's first step is a job, and
# a new daemon started by loomctl: the run is rebuilt and finished as if
# the daemon had not died (docs/slurm.md, "A daemon restart").
# - chain: steps one -> two -> three, one waits for a file. After the
#   restart the run is running with two and three pending; the file is
#   created; the run succeeds with all three steps succeeded, two and
#   three submitted by the new daemon (their own job ids), one's output
#   in its log once, and the stamps written: a second `loomctl run`
#   says "Nothing to run"
# - cancel: the same after the restart, `loomctl cancel RUN` reaches the
#   rebuilt run: it ends cancelled, one's job leaves squeue, and two and
#   three are never submitted
# - loop: a 3-item loop (one job array) whose items wait for a file,
#   then a step using its outputs: after the restart the items end
#   succeeded, items_succeeded is 3 and the step after it runs
# - fallback: the pipeline file edited before the restart so that step
#   one would run another command: the run is not rebuilt; the record
#   says why ("rebuild_error"), one's job is still followed to its end,
#   and the steps never submitted end interrupted
# Through the private test cluster (SLURM_CONF; skipped without it
# unless LOOM_SLURM_REQUIRED=1). Daemons are started by loomctl, as
# users start them.
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/slurm-lib.sh"
slurm_need
export PATH="/usr/bin:$PATH"
# Daemons started by loomctl have stderr on /dev/null: sanitizer reports
# must go to files that lib_check_sanitizers reads.
case ${ASAN_OPTIONS:-} in
*log_path=*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TEST_TMP/asan" ;;
esac
case ${UBSAN_OPTIONS:-} in
*log_path=*) ;;
*) export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TEST_TMP/ubsan" ;;
esac
command -v jq >/dev/null || fail "jq not found"
queued() { squeue --noheader --name="loom-$1" --states=PENDING,RUNNING,COMPLETING; }
not_queued() { [ -z "$(queued "$1")" ]; }

# A step: prints "start TAG", waits for the file named by --wait (if
# any), copies its inputs (files, or the files of a folder) and TAG to
# -o and prints "end TAG".
make_pipeline() {
	local d=$1
	mkdir -p "$d/tasks" "$d/data" "$d/in"
	cat >"$d/tasks/step.sh" <<'EOF'
out= tag= wait= ins=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--tag) tag=$2; shift 2 ;;
	--wait) wait=$2; shift 2 ;;
	*) ins+=("$1"); shift ;;
	esac
done
echo "start $tag"
while [ -n "$wait" ] && [ ! -e "$wait" ]; do sleep 0.1; done
mkdir -p "$(dirname "$out")"
for f in "${ins[@]}"; do
	if [ -d "$f" ]; then cat "$f"/*; else cat "$f"; fi
done >"$out"
echo "$tag" >>"$out"
echo "end $tag"
EOF
	echo raw >"$d/data/raw.txt"
	for i in a b c; do echo "item $i" >"$d/in/$i.txt"; done
}

chain_yml() {
	cat <<'EOF'
execution:
  executor: slurm
  slurm: {mem: 256M}
data:
  raw: {path: data/raw.txt}
  a: {path: out/a.txt}
  b: {path: out/b.txt}
  c: {path: out/c.txt}
pipeline:
  - name: one
    task: tasks/step.sh
    inputs: {src: $raw}
    outputs: {-o: $a}
    args: {--tag: one, --wait: go}
  - name: two
    task: tasks/step.sh
    inputs: {src: $a}
    outputs: {-o: $b}
    args: {--tag: two}
  - name: three
    task: tasks/step.sh
    inputs: {src: $b}
    outputs: {-o: $c}
    args: {--tag: three}
EOF
}

# Kill the daemon with SIGKILL once step STEP of run RUN has printed
# "start": its job runs.
kill_while_running() {
	local run=$1 step=$2 item=${3:-} pid
	started() { "$LOOMCTL" logs "$run" "$step" ${item:+--item "$item"} \
	    2>/dev/null | grep -q '^start'; }
	wait_for 120 started
	pid=$(daemon_pid)
	[ -n "$pid" ] || fail "no daemon pid"
	note "kill -9 the daemon ($pid) while $step runs"
	kill -9 "$pid"
	wait_for 30 lib_pid_gone "$pid"
	OLD_PID=$pid
}

ended() { [ "$(state_of "$1" .state)" != running ]; }

# Jobs of a run whose daemon a failure left dead would wait for their
# file forever on the shared cluster: cancel them at exit.
RUNS=()
cleanup() {
	local r
	for r in "${RUNS[@]}"; do
		scancel --name="loom-$r" 2>/dev/null
	done
	lib_cleanup
}
trap cleanup EXIT
start_run() {
	RUN=$("$LOOMCTL" run -d "$1") || fail "run -d: $RUN"
	RUNS+=("$RUN")
}

note "chain: the run is rebuilt and finished after the restart"
P="$TEST_TMP/chain"
make_pipeline "$P"
chain_yml >"$P/p.yml"
start_run "$P/p.yml"
run=$RUN
kill_while_running "$run" one
job1=$(jq -r '.steps[0].job // empty' "$P/.loom/runs/$run/run.json" \
    2>/dev/null)
# loomctl starts a new daemon, which rebuilds the run.
[ "$(state_of "$run" .state)" = running ] ||
	fail "after the restart: $(state_of "$run" .)"
[ "$(daemon_pid)" != "$OLD_PID" ] || fail "no new daemon"
# One may read pending until the new daemon's first squeue (its record
# was written before Slurm said it runs); two and three wait for it.
steps_are() { [ "$(state_of "$1" '[.steps[].state] | join(" ")')" = "$2" ]; }
wait_for 30 steps_are "$run" "running pending pending"
job1=$(state_of "$run" '.steps[0].job')
[ -n "$job1" ] && [ "$job1" != null ] || fail "no job id for one"
"$LOOMCTL" status | grep -q "$run.*running" ||
	fail "not listed as running: $("$LOOMCTL" status)"
touch "$P/go"
wait_for 90 ended "$run"
[ "$(state_of "$run" .state)" = succeeded ] ||
	fail "run: $(state_of "$run" .)"
[ "$(state_of "$run" '[.steps[].state] | join(" ")')" = \
    "succeeded succeeded succeeded" ] ||
	fail "steps: $(state_of "$run" '.steps')"
[ "$(state_of "$run" '.steps[0].job')" = "$job1" ] ||
	fail "one's job: $(state_of "$run" '.steps[0]')"
for i in 1 2; do
	j=$(state_of "$run" ".steps[$i].job")
	[ -n "$j" ] && [ "$j" != null ] && [ "$j" != "$job1" ] ||
		fail "step $i was not submitted after the restart: $(state_of "$run" ".steps[$i]")"
done
[ "$(cat "$P/out/c.txt")" = "$(printf 'raw\none\ntwo\nthree')" ] ||
	fail "c.txt: $(cat "$P/out/c.txt")"
"$LOOMCTL" logs "$run" one >"$TEST_TMP/log1"
[ "$(grep -cx 'start one' "$TEST_TMP/log1")" = 1 ] &&
	[ "$(grep -cx 'end one' "$TEST_TMP/log1")" = 1 ] ||
	fail "one's output not logged once: $(cat "$TEST_TMP/log1")"
"$LOOMCTL" status "$P/p.yml" >"$TEST_TMP/fresh" 2>&1
out=$("$LOOMCTL" run "$P/p.yml" 2>&1) || fail "second run: $out"
echo "$out" | grep -q "Nothing to run" ||
	fail "stamps not written after the restart: $out
$(cat "$TEST_TMP/fresh")"

note "cancel: loomctl cancel reaches the rebuilt run"
P="$TEST_TMP/cancel"
make_pipeline "$P"
chain_yml >"$P/p.yml"
start_run "$P/p.yml"
run=$RUN
kill_while_running "$run" one
# cancel does not start a daemon; status does, which rebuilds the run.
[ "$(state_of "$run" .state)" = running ] ||
	fail "after the restart: $(state_of "$run" .)"
"$LOOMCTL" cancel "$run" >"$TEST_TMP/cancel.out" 2>&1 ||
	fail "cancel: $(cat "$TEST_TMP/cancel.out")"
wait_for 90 ended "$run"
[ "$(state_of "$run" .state)" = cancelled ] ||
	fail "run: $(state_of "$run" .)"
[ "$(state_of "$run" '.steps[0].state')" = cancelled ] ||
	fail "one: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '[.steps[1:][] | .job // empty] | length')" = 0 ] ||
	fail "two or three submitted: $(state_of "$run" '.steps')"
wait_for 60 not_queued "$run"

note "loop: a job array's items are taken over and counted"
P="$TEST_TMP/loop"
make_pipeline "$P"
cat >"$P/p.yml" <<'EOF'
execution:
  executor: slurm
  slurm: {mem: 256M}
data:
  in: {path: in}
  up: {path: out/up}
  all: {path: out/all.txt}
pipeline:
  - name: each
    task: tasks/step.sh
    loop: {over: $in, into: $up}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
    args: {--tag: each, --wait: go}
  - name: sum
    task: tasks/step.sh
    inputs: {src: $up}
    outputs: {-o: $all}
    args: {--tag: sum}
EOF
start_run "$P/p.yml"
run=$RUN
kill_while_running "$run" each 0
[ "$(state_of "$run" .state)" = running ] ||
	fail "after the restart: $(state_of "$run" .)"
touch "$P/go"
wait_for 90 ended "$run"
[ "$(state_of "$run" .state)" = succeeded ] ||
	fail "run: $(state_of "$run" .)"
[ "$(state_of "$run" '.steps[0].items_succeeded')" = 3 ] &&
	[ "$(state_of "$run" '.steps[0].items_failed')" = 0 ] ||
	fail "item counts: $(state_of "$run" '.steps[0]')"
[ "$(state_of "$run" '.steps[1].state')" = succeeded ] ||
	fail "sum: $(state_of "$run" '.steps[1]')"
for i in 0 1 2; do
	"$LOOMCTL" logs "$run" each --item "$i" >"$TEST_TMP/logi"
	[ "$(grep -c '^start' "$TEST_TMP/logi")" = 1 ] ||
		fail "item $i's output not logged once: $(cat "$TEST_TMP/logi")"
done

note "fallback: a pipeline changed under the run is followed only"
P="$TEST_TMP/changed"
make_pipeline "$P"
chain_yml >"$P/p.yml"
start_run "$P/p.yml"
run=$RUN
kill_while_running "$run" one
sed -i 's/--tag: one,/--tag: uno,/' "$P/p.yml"
[ "$(state_of "$run" .state)" = running ] ||
	fail "after the restart: $(state_of "$run" .)"
state_of "$run" .rebuild_error | grep -q "step one would run another command" ||
	fail "no reason recorded: $(state_of "$run" .)"
touch "$P/go"
wait_for 90 ended "$run"
[ "$(state_of "$run" '[.steps[].state] | join(" ")')" = \
    "succeeded interrupted interrupted" ] ||
	fail "steps: $(state_of "$run" '.steps')"

pid=$(daemon_pid)
rpc call daemon.stop >/dev/null || fail "daemon.stop failed"
wait_for 30 lib_pid_gone "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
