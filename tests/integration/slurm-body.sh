# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The body of test-slurm-run.sh (EXECUTOR=slurm, through the private
# test cluster of tests/slurm/start.sh) and test-slurm-local.sh
# (EXECUTOR=local): the same pipelines, the same checks, with the real
# loomd and loomctl and `loomctl run --executor $EXECUTOR`.
# - the failing example end to end: the failed step's exit code and
#   output in its log, its dependant skipped, the other steps run, the
#   run failed (exit 1); with slurm, every step was one job: a batch
#   script, an output file and an exit-status file under
#   .loom/runs/<id>/slurm/, and one sbatch call per step (counted by a
#   wrapper first on PATH)
# - the linear example succeeds (exit 0) with its outputs written
# - a 20-item loop: every item's output and log; with slurm, one sbatch
#   call, a job array of 20 with 4 (-j 4) running at once, and each
#   item's job id <array>_<index> in the record
# - cancel of a run whose step sleeps: the run is cancelled, and nothing
#   of it is left, neither a job in squeue nor a process carrying its id
# - polling: while eight jobs run at once, squeue is called at most once
#   per 2 s for the run, not once per job (counted by the wrapper); with
#   slurm, jobs waiting for a CPU show as pending with Slurm's reason
#   and their job id
# - slurm only: a submission sbatch refuses fails its step with sbatch's
#   message in the log and the record; without sbatch on PATH the step
#   fails with an error naming it
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

: "${EXECUTOR:?EXECUTOR must be local or slurm}"
. "$(dirname "$0")/slurm-lib.sh"
[ "$EXECUTOR" = local ] || slurm_need
export PATH="/usr/bin:$PATH"
# Wrappers first on PATH log every call of Slurm's commands.
slurm_wrap sbatch squeue scancel

start_loomd
step_state() { state_of "$1" ".steps[] | select(.name == \"$2\") | .state"; }

note "the failing example with --executor $EXECUTOR"
cp -r "$LOOM_SRC/examples/failing" "$TEST_TMP/failing"
st=0
"$LOOMCTL" run "$TEST_TMP/failing/experiment.yml" --executor "$EXECUTOR" \
	--no-progress >"$TEST_TMP/out" 2>&1 || st=$?
[ "$st" = 1 ] || fail "failing example: exit $st, want 1: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ -n "$run" ] || fail "no run id in: $(cat "$TEST_TMP/out")"
for s in prepare letters; do
	[ "$(step_state "$run" "$s")" = succeeded ] ||
		fail "$s: $(step_state "$run" "$s")"
done
[ "$(step_state "$run" check)" = failed ] || fail "check: $(step_state "$run" check)"
[ "$(state_of "$run" '.steps[] | select(.name == "check") | .exit_code')" = 1 ] ||
	fail "check's exit code: $("$LOOMCTL" status "$run" --json)"
[ "$(step_state "$run" merge)" = skipped ] || fail "merge: $(step_state "$run" merge)"
"$LOOMCTL" logs "$run" check >"$TEST_TMP/log"
grep -q "more than 3" "$TEST_TMP/log" || fail "check's log: $(cat "$TEST_TMP/log")"
"$LOOMCTL" logs "$run" letters | grep -q "distinct letters" ||
	fail "letters' log: $("$LOOMCTL" logs "$run" letters)"
[ -s "$TEST_TMP/failing/out/letters.json" ] || fail "letters.json not written"
jobs=$TEST_TMP/failing/.loom/runs/$run/slurm
if [ "$EXECUTOR" = slurm ]; then
	[ "$(calls sbatch "loom-$run")" = 3 ] ||
		fail "sbatch calls: $(calls sbatch "loom-$run"), want 3: $(cat "$CALLS")"
	for f in 0-prepare 1-letters 2-check; do
		[ -s "$jobs/$f.sh" ] || fail "no batch script $f.sh"
		[ -s "$jobs/$f.status" ] || fail "no status file $f.status"
		[ -e "$jobs/$f.out" ] || fail "no job output $f.out"
	done
	[ "$(cat "$jobs/2-check.status")" = "exit 1" ] ||
		fail "check's status file: $(cat "$jobs/2-check.status")"
else
	[ ! -e "$jobs" ] || fail "the local executor made $jobs"
	[ "$(calls sbatch)" = 0 ] || fail "the local executor called sbatch"
fi

note "the linear example succeeds"
cp -r "$LOOM_SRC/examples/linear" "$TEST_TMP/linear"
"$LOOMCTL" run "$TEST_TMP/linear/experiment.yml" --executor "$EXECUTOR" \
	--no-progress >"$TEST_TMP/out" 2>&1 ||
	fail "linear example: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(state_of "$run" .state)" = succeeded ] || fail "linear: $(state_of "$run" .state)"

note "a 20-item loop: one job array, per-item logs and states"
mkdir -p "$TEST_TMP/loop/in"
for i in $(seq 1 20); do echo "item $i" >"$TEST_TMP/loop/in/$i.txt"; done
cat >"$TEST_TMP/loop/up.sh" <<'EOF'
for last; do :; done
tr a-z A-Z <"$1" | tee "$last"
EOF
cat >"$TEST_TMP/loop/p.yml" <<'EOF'
execution:
  slurm: {mem: 256M}
pipeline:
  - name: up
    task: up.sh
    loop: {over: in, into: out, filter: "*.txt"}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
EOF
: >"$CALLS"
"$LOOMCTL" run "$TEST_TMP/loop/p.yml" --executor "$EXECUTOR" -j 4 \
	--no-progress >"$TEST_TMP/out" 2>&1 || fail "loop: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(state_of "$run" '.steps[0].items_succeeded')" = 20 ] ||
	fail "loop: $(state_of "$run" '.steps[0]')"
for i in 1 7 20; do
	[ "$(cat "$TEST_TMP/loop/out/$i.txt")" = "ITEM $i" ] ||
		fail "loop output $i.txt: $(cat "$TEST_TMP/loop/out/$i.txt")"
	"$LOOMCTL" logs "$run" up --item "$i.txt" | grep -qx "ITEM $i" ||
		fail "log of item $i: $("$LOOMCTL" logs "$run" up --item "$i.txt")"
done
if [ "$EXECUTOR" = slurm ]; then
	[ "$(calls sbatch)" = 1 ] || fail "sbatch calls for 20 items: $(cat "$CALLS")"
	grep -q -- "--array=0-19%4 " "$CALLS" || fail "not one array of 20, 4 at once: $(cat "$CALLS")"
	state_of "$run" '.steps[0].items[].job' | grep -qx '[0-9]*_19' ||
		fail "items' job ids: $(state_of "$run" '.steps[0].items[].job')"
fi

note "cancel leaves no job and no process"
mkdir -p "$TEST_TMP/long"
cat >"$TEST_TMP/long/sleep.sh" <<'EOF'
echo started
exec sleep 300
EOF
cat >"$TEST_TMP/long/p.yml" <<'EOF'
pipeline:
  - name: nap
    task: sleep.sh
EOF
"$LOOMCTL" run "$TEST_TMP/long/p.yml" --executor "$EXECUTOR" -d \
	>"$TEST_TMP/out" 2>&1 || fail "long run: $(cat "$TEST_TMP/out")"
run=$(head -n 1 "$TEST_TMP/out")
logged() { "$LOOMCTL" logs "$run" nap 2>/dev/null | grep -q started; }
wait_for 60 logged
"$LOOMCTL" cancel "$run" >/dev/null || fail "cancel $run"
ended() { [ "$(state_of "$run" .state)" != running ]; }
wait_for 60 ended
[ "$(state_of "$run" .state)" = cancelled ] || fail "state: $(state_of "$run" .state)"
carriers() {	# processes carrying the run's id in their environment
	grep -lsx "LOOM_RUN_ID=$run" --null-data /proc/[0-9]*/environ | wc -l
}
[ "$(carriers)" = 0 ] || fail "$(carriers) process(es) of run $run left"
if [ "$EXECUTOR" = slurm ]; then
	[ -z "$(squeue --noheader --name="loom-$run")" ] ||
		fail "jobs left: $(squeue --name="loom-$run")"
	[ "$(calls scancel)" = 1 ] || fail "scancel calls: $(cat "$CALLS")"
	[ "$(state_of "$run" '.steps[0].cancel_sent')" = scancel ] ||
		fail "the record does not say the cancel reached Slurm"
fi

note "polling: one squeue per run per tick, not one per job"
mkdir -p "$TEST_TMP/fan"
printf 'sleep 4\n' >"$TEST_TMP/fan/nap.sh"
{
	# Without mem:, a job asks for all of the node's memory, and the
	# jobs of the test cluster would run one at a time.
	printf 'execution:\n  slurm: {mem: 256M}\npipeline:\n'
	for i in 1 2 3 4 5 6 7 8; do
		printf '  - {name: n%s, task: nap.sh}\n' "$i"
	done
} >"$TEST_TMP/fan/p.yml"
t0=$(date +%s)
"$LOOMCTL" run "$TEST_TMP/fan/p.yml" --executor "$EXECUTOR" -j 8 -d \
	>"$TEST_TMP/out" 2>&1 || fail "fan-out: $(cat "$TEST_TMP/out")"
run=$(head -n 1 "$TEST_TMP/out")
if [ "$EXECUTOR" = slurm ]; then
	# Two CPUs, eight jobs: some wait in the queue, and say why.
	queued() {
		state_of "$run" '.steps[] | select(.state == "pending" and
		    .reason != null and .job != null) | .reason' | grep -q .
	}
	wait_for 30 queued
fi
"$LOOMCTL" wait "$run" >/dev/null || fail "fan-out: $(state_of "$run" .)"
elapsed=$(($(date +%s) - t0))
n=$(calls squeue "loom-$run")
note "8 jobs, ${elapsed}s, $n squeue call(s)"
if [ "$EXECUTOR" = slurm ]; then
	# At most one call per 2 s (the shortest interval), plus the first.
	[ "$n" -ge 1 ] && [ "$n" -le $((elapsed / 2 + 1)) ] ||
		fail "$n squeue calls in ${elapsed}s for 8 jobs: $(cat "$CALLS")"
else
	[ "$n" = 0 ] || fail "the local executor called squeue"
fi

if [ "$EXECUTOR" = slurm ]; then
	note "a submission Slurm refuses fails its step with sbatch's message"
	mkdir -p "$TEST_TMP/refused"
	printf 'echo never\n' >"$TEST_TMP/refused/t.sh"
	cat >"$TEST_TMP/refused/p.yml" <<'EOF'
execution:
  slurm: {extra: [--constraint=loom_no_such_feature]}
pipeline:
  - {name: t, task: t.sh}
EOF
	st=0
	"$LOOMCTL" run "$TEST_TMP/refused/p.yml" --executor slurm \
		--no-progress >"$TEST_TMP/out" 2>&1 || st=$?
	[ "$st" = 1 ] || fail "refused: exit $st: $(cat "$TEST_TMP/out")"
	run=$(run_id "$TEST_TMP/out")
	"$LOOMCTL" logs "$run" t | grep -q "sbatch refused the job.*[Ff]eature" ||
		fail "refused: log: $("$LOOMCTL" logs "$run" t)"
	state_of "$run" '.steps[0].error' | grep -q "sbatch refused" ||
		fail "refused: record: $(state_of "$run" .steps)"

	note "without sbatch on PATH, the step fails naming it"
	mkdir -p "$TEST_TMP/nobin"
	st=0
	PATH="$TEST_TMP/nobin" "$LOOMCTL" run "$TEST_TMP/refused/p.yml" \
		--executor slurm --no-progress >"$TEST_TMP/out" 2>&1 || st=$?
	[ "$st" = 1 ] || fail "no sbatch: exit $st: $(cat "$TEST_TMP/out")"
	run=$(run_id "$TEST_TMP/out")
	state_of "$run" '.steps[0].error' | grep -q "sbatch" ||
		fail "no sbatch: $(state_of "$run" .steps)"
fi

stop_loomd
echo PASS
