# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The body of test-slurm-deps.sh (EXECUTOR=slurm, through the private
# test cluster of tests/slurm/start.sh) and test-slurm-deps-local.sh
# (EXECUTOR=local): pipelines with execution.slurm.dependencies: slurm,
# the real loomd and loomctl, `loomctl run --executor $EXECUTOR`, and
# wrappers first on PATH logging every call of Slurm's commands.
# - a diamond (a -> b, c -> d) whose first step waits for a file: with
#   slurm, all four jobs are submitted while a still waits (four sbatch
#   calls before the file exists), b's and c's with
#   --dependency=afterok:<a's job> and --kill-on-invalid-dep=yes, d's
#   with both of theirs; once the file exists the run succeeds with
#   every output; a re-run is "Nothing to run" with no sbatch call
# - with b's and d's outputs gone: only b and d are submitted, b without
#   a dependency (a and c are up to date), d after b's job alone
# - the failing example: check fails, merge (after it) ends skipped
#   with check as the reason; with slurm, merge was submitted too, Slurm
#   cancelled it (DependencyNeverSatisfied) and no job of the run is
#   left in squeue
# - with slurm, without accounting (the test cluster has none) sacct is
#   never called
# - cancel of the diamond while a waits and the others are queued: the
#   run is cancelled; with slurm, by one scancel, no job left in squeue
# - local only: --slurm-dependencies slurm is refused naming the Slurm
#   executor; the file's setting is ignored (the same checks pass)
export LOOMD_IDLE_TIMEOUT=300
. "$(dirname "$0")/lib.sh"

: "${EXECUTOR:?EXECUTOR must be local or slurm}"
. "$(dirname "$0")/slurm-lib.sh"
[ "$EXECUTOR" = local ] || slurm_need
export PATH="/usr/bin:$PATH"
slurm_wrap sbatch squeue scancel sacct

# -v: the daemon logs what Slurm told of each job (checked below).
start_loomd -v
step_of() { state_of "$1" ".steps[] | select(.name == \"$2\") | $3"; }
# The job id of a step, and the sbatch call that submitted its script.
job_of() { step_of "$1" "$2" .job; }
sbatch_of() { grep "^sbatch .*loom-$1 .*/$2.sh\$" "$CALLS"; }

note "a diamond, all submitted at once, held by Slurm"
P="$TEST_TMP/diamond"
mkdir -p "$P"
cat >"$P/first.sh" <<'TASK'
# Waits for the file the test creates, then writes its output (-o OUT).
while [ ! -e go ]; do sleep 0.2; done
echo a >"$2"
TASK
cat >"$P/next.sh" <<'TASK'
# Its inputs, then its own name (--name), into its output (-o).
out= name= ins=
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	*) ins="$ins $1"; shift ;;
	esac
done
{ cat $ins; echo "$name"; } >"$out"
TASK
cat >"$P/p.yml" <<'YML'
execution:
  slurm: {mem: 256M, dependencies: slurm}
data:
  a: {type: txt, path: out/a.txt}
  b: {type: txt, path: out/b.txt}
  c: {type: txt, path: out/c.txt}
  d: {type: txt, path: out/d.txt}
pipeline:
  - {name: a, task: first.sh, outputs: {-o: $a}}
  - {name: b, task: next.sh, args: {--name: b}, inputs: {x: $a}, outputs: {-o: $b}}
  - {name: c, task: next.sh, args: {--name: c}, inputs: {x: $a}, outputs: {-o: $c}}
  - name: d
    task: next.sh
    args: {--name: d}
    inputs: {x: $b, y: $c}
    outputs: {-o: $d}
YML
"$LOOMCTL" run "$P/p.yml" --executor "$EXECUTOR" -d >"$TEST_TMP/out" 2>&1 ||
	fail "diamond: $(cat "$TEST_TMP/out")"
run=$(head -n 1 "$TEST_TMP/out")
if [ "$EXECUTOR" = slurm ]; then
	# Every step's job is in Slurm's queue while a still waits.
	submitted() { [ "$(calls sbatch "loom-$run")" = 4 ] &&
		[ "$(step_of "$run" d .job)" != null ]; }
	wait_for 60 submitted
	[ ! -e "$P/go" ] && [ ! -e "$P/out/a.txt" ] || fail "a ended before the test let it"
	a=$(job_of "$run" a) b=$(job_of "$run" b) c=$(job_of "$run" c)
	sbatch_of "$run" 0-a | grep -q -- --dependency && fail "a has a dependency: $(cat "$CALLS")"
	for s in 1-b 2-c; do
		sbatch_of "$run" $s | grep -q -- "--dependency=afterok:$a --kill-on-invalid-dep=yes " ||
			fail "$s not after job $a: $(cat "$CALLS")"
	done
	sbatch_of "$run" 3-d | grep -Eq -- "--dependency=afterok:($b:$c|$c:$b) --kill-on-invalid-dep=yes " ||
		fail "d not after jobs $b and $c: $(cat "$CALLS")"
	squeue --noheader --name="loom-$run" --format=%i | grep -qx "$(job_of "$run" d)" ||
		fail "d's job is not in squeue: $(squeue --name="loom-$run")"
fi
touch "$P/go"
"$LOOMCTL" wait "$run" >/dev/null || fail "diamond: $(state_of "$run" .)"
[ "$(state_of "$run" .state)" = succeeded ] || fail "diamond: $(state_of "$run" .)"
[ "$(tr '\n' ' ' <"$P/out/d.txt")" = "a b a c d " ] ||
	fail "d.txt: $(cat "$P/out/d.txt")"
: >"$CALLS"
"$LOOMCTL" run "$P/p.yml" --executor "$EXECUTOR" --no-progress >"$TEST_TMP/out" 2>&1 ||
	fail "re-run: $(cat "$TEST_TMP/out")"
grep -q "^Nothing to run" "$TEST_TMP/out" || fail "re-run: $(cat "$TEST_TMP/out")"
[ "$(calls sbatch)" = 0 ] || fail "the re-run submitted: $(cat "$CALLS")"

note "up-to-date steps are neither submitted nor waited for"
rm "$P/out/b.txt" "$P/out/d.txt"
"$LOOMCTL" run "$P/p.yml" --executor "$EXECUTOR" --no-progress >"$TEST_TMP/out" 2>&1 ||
	fail "partial re-run: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(step_of "$run" a .state)" = uptodate ] && [ "$(step_of "$run" c .state)" = uptodate ] ||
	fail "a and c not up to date: $(state_of "$run" .steps)"
[ "$(tr '\n' ' ' <"$P/out/d.txt")" = "a b a c d " ] || fail "d.txt: $(cat "$P/out/d.txt")"
if [ "$EXECUTOR" = slurm ]; then
	[ "$(calls sbatch "loom-$run")" = 2 ] || fail "sbatch calls: $(cat "$CALLS")"
	sbatch_of "$run" 1-b | grep -q -- --dependency && fail "b waits for an up-to-date step: $(cat "$CALLS")"
	sbatch_of "$run" 3-d | grep -q -- "--dependency=afterok:$(job_of "$run" b) " ||
		fail "d not after b's job alone: $(cat "$CALLS")"
fi

note "a failing step: what depends on it ends skipped"
cp -r "$LOOM_SRC/examples/failing" "$TEST_TMP/failing"
F="$TEST_TMP/failing/experiment.yml"
{ printf 'execution:\n  slurm: {mem: 256M, dependencies: slurm}\n'; cat "$F"; } >"$F.new"
mv "$F.new" "$F"
: >"$CALLS"
st=0
"$LOOMCTL" run "$F" --executor "$EXECUTOR" --no-progress >"$TEST_TMP/out" 2>&1 || st=$?
[ "$st" = 1 ] || fail "failing: exit $st, want 1: $(cat "$TEST_TMP/out")"
run=$(run_id "$TEST_TMP/out")
[ "$(step_of "$run" check .state)" = failed ] || fail "check: $(state_of "$run" .steps)"
[ "$(step_of "$run" merge .state)" = skipped ] || fail "merge: $(state_of "$run" .steps)"
[ "$(step_of "$run" merge '.because | join(",")')" = check ] ||
	fail "merge's reason: $(state_of "$run" .steps)"
[ "$(step_of "$run" letters .state)" = succeeded ] || fail "letters: $(state_of "$run" .steps)"
if [ "$EXECUTOR" = slurm ]; then
	[ "$(calls sbatch "loom-$run")" = 4 ] || fail "not all submitted: $(cat "$CALLS")"
	[ "$(step_of "$run" merge .job)" != null ] || fail "merge was not submitted"
	# Slurm cancelled it: no minute waiting for a status file.
	grep -q "run $run: merge cancelled: DependencyNeverSatisfied" \
		"$TEST_TMP"/loomd.*.err ||
		fail "merge not cancelled by Slurm: $(cat "$TEST_TMP"/loomd.*.err)"
	[ -z "$(squeue --noheader --name="loom-$run" --states=PENDING,RUNNING)" ] ||
		fail "jobs left: $(squeue --name="loom-$run")"
	[ "$(calls sacct)" = 0 ] || fail "sacct called without accounting: $(cat "$CALLS")"
else
	st=0
	"$LOOMCTL" run "$P/p.yml" --executor local --slurm-dependencies slurm \
		--no-progress >"$TEST_TMP/out" 2>&1 || st=$?
	[ "$st" != 0 ] && grep -q "needs the Slurm executor" "$TEST_TMP/out" ||
		fail "--slurm-dependencies slurm locally: exit $st: $(cat "$TEST_TMP/out")"
	[ "$(calls sbatch)" = 0 ] || fail "the local executor called sbatch"
fi

note "cancel of a run submitted ahead: one scancel, nothing left"
rm -rf "$P/out" "$P/go"
: >"$CALLS"
"$LOOMCTL" run "$P/p.yml" --executor "$EXECUTOR" -d >"$TEST_TMP/out" 2>&1 ||
	fail "diamond: $(cat "$TEST_TMP/out")"
run=$(head -n 1 "$TEST_TMP/out")
if [ "$EXECUTOR" = slurm ]; then
	submitted() { [ "$(step_of "$run" d .job)" != null ]; }
	wait_for 60 submitted
fi
"$LOOMCTL" cancel "$run" >/dev/null || fail "cancel $run"
ended() { [ "$(state_of "$run" .state)" != running ]; }
wait_for 60 ended
[ "$(state_of "$run" .state)" = cancelled ] || fail "cancel: $(state_of "$run" .)"
if [ "$EXECUTOR" = slurm ]; then
	[ "$(calls scancel)" = 1 ] || fail "scancel calls: $(cat "$CALLS")"
	[ -z "$(squeue --noheader --name="loom-$run" --states=PENDING,RUNNING)" ] ||
		fail "jobs left: $(squeue --name="loom-$run")"
fi

stop_loomd
echo PASS
