#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A step's output pipe goes to the next step once nothing of the step is
# left (loomd/child.c, child_exited); output must never cross from one
# step into another's log:
# - a chain of quick steps and a loop, each writing its own lines to
#   stdout and stderr, sequential and with 2 workers: every log holds
#   exactly its own lines
# - steps that leave a background process behind: one in the step's
#   group and one in a new session (both killed at the step's end: their
#   late line lands nowhere), and one in a new session without the step's
#   marker (it outlives the step, which ends when it closes the pipe: its
#   late line lands in that step's log), followed by quick steps
# - a step writing more than the pipe holds and one writing nearly a
#   pipe's worth, both exiting at once: the log holds every byte
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

command -v setsid >/dev/null || skip "no setsid"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
start_run() {
	rpc call run.start "$(jq -nc --arg f "$1" '{file: $f, env: env, force: true}')" |
	    jq -r '.result.run // .'
}
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/items"
# Three lines to stdout and three to stderr, each naming the step (its
# arguments), in an order the pipe keeps.
cat >"$EXP/tasks/say.sh" <<'EOF'
for i in 1 2 3; do
	echo "$* out $i"
	echo "$* err $i" >&2
done
EOF
said() { local k; for k in 1 2 3; do echo "$1 out $k"; echo "$1 err $k"; done; }
# Of run $id: the log file of a step; that it succeeded; that quick
# steps q<N>... logged exactly their own lines (WHAT names the case).
step_log() {
	echo "$EXP/.loom/runs/$id/$(run_field "$id" ".steps[] | select(.name == \"$1\") | .log")"
}
succeeded() {
	[ "$(run_field "$id" .state)" = succeeded ] ||
	    fail "run $id: $(run_field "$id" .state)"
}
check_quick() {
	local what=$1 k
	shift
	for k; do
		said "--step q$k" >"$TEST_TMP/want"
		cmp -s "$TEST_TMP/want" "$(step_log "q$k")" ||
		    fail "log of q$k ($what): $(head -c 300 "$(step_log "q$k")")"
	done
}
for i in $(seq 1 12); do echo "$i" >"$EXP/items/f$i"; done

# A pipeline of N quick steps and a loop over items/, sequential or not.
quick_pipeline() {
	echo "data: {items: {path: items}, outs: {path: outs}}"
	echo "execution: {parallel: $2, max_workers: 2}"
	echo "pipeline:"
	for i in $(seq 1 "$1"); do
		echo "  - {name: q$i, task: tasks/say.sh, args: {--step: q$i}}"
	done
	echo "  - name: each"
	echo "    task: tasks/say.sh"
	echo "    loop: {over: \$items, into: \$outs, parallel: $2}"
	echo "    inputs: {in: \$loop_item}"
	echo "    args: {--into: \$loop_output}"
}

# check_logs N: in run $id, q1..qN and every loop item logged exactly
# their own lines.
check_logs() {
	local n item log want
	succeeded
	check_quick "run $id" $(seq 1 "$1")
	n=$(run_field "$id" '.steps[] | select(.name == "each") | .items | length')
	[ "$n" = 12 ] || fail "run $id: $n loop items"
	while read -r item log; do
		want=$(run_field "$id" ".steps[] | select(.name == \"each\") | .items[$item].argv[2:] | join(\" \")")
		said "$want" >"$TEST_TMP/want"
		cmp -s "$TEST_TMP/want" "$EXP/.loom/runs/$id/$log" ||
		    fail "log of item $item in run $id: $(cat "$EXP/.loom/runs/$id/$log")"
	done < <(run_field "$id" '.steps[] | select(.name == "each") | .items | to_entries[] | "\(.key) \(.value.log)"')
}

start_loomd

note "quick steps, sequential"
quick_pipeline 40 false >"$EXP/seq.yml"
id=$(start_run "$EXP/seq.yml")
wait_for 120 run_done "$id"
check_logs 40

note "quick steps, 2 workers"
quick_pipeline 40 true >"$EXP/par.yml"
id=$(start_run "$EXP/par.yml")
wait_for 120 run_done "$id"
check_logs 40

note "quick steps, attached client (output read, not spliced)"
"$LOOMCTL" run --force --no-progress "$EXP/par.yml" >"$TEST_TMP/attached.out" 2>&1 ||
    fail "attached run: $(cat "$TEST_TMP/attached.out")"
id=$(rpc call run.list '{}' | jq -r '.result.runs[0].run')
check_logs 40

note "steps leaving processes behind, then quick steps"
cat >"$EXP/tasks/group.sh" <<'EOF'
(sleep 5; echo late-group) &
echo group done
EOF
cat >"$EXP/tasks/session.sh" <<'EOF'
setsid sh -c 'sleep 5; echo late-session' &
echo session done
EOF
# Without the marker in its environment the sweep cannot find it: it
# outlives the step, holding the pipe, and the step waits for it. The
# step ends once the shell runs with its environment cleared (setsid and
# env still carry the marker, and would be swept).
cat >"$EXP/tasks/escaped.sh" <<'EOF'
rm -f escaped.ready
setsid env -i /bin/sh -c ': >escaped.ready; sleep 1; echo late-escaped' &
while [ ! -e escaped.ready ]; do sleep 0.01; done
echo escaped done
EOF
for par in false true; do
	{
		echo "execution: {parallel: $par, max_workers: 2}"
		echo "pipeline:"
		echo "  - {name: group, task: tasks/group.sh}"
		echo "  - {name: session, task: tasks/session.sh}"
		echo "  - {name: escaped, task: tasks/escaped.sh}"
		for i in $(seq 1 30); do
			echo "  - {name: q$i, task: tasks/say.sh, args: {--step: q$i}}"
		done
	} >"$EXP/left-$par.yml"
	id=$(start_run "$EXP/left-$par.yml")
	wait_for 120 run_done "$id"
	succeeded
	[ "$(cat "$(step_log group)")" = "group done" ] ||
	    fail "group log (parallel $par): $(cat "$(step_log group)")"
	[ "$(cat "$(step_log session)")" = "session done" ] ||
	    fail "session log (parallel $par): $(cat "$(step_log session)")"
	printf 'escaped done\nlate-escaped\n' >"$TEST_TMP/want"
	cmp -s "$TEST_TMP/want" "$(step_log escaped)" ||
	    fail "escaped log (parallel $par): $(cat "$(step_log escaped)")"
	check_quick "parallel $par" $(seq 1 30)
done
# The killed ones never wrote anywhere, not even after their steps.
if grep -rl "late-group\|late-session" "$EXP/.loom/runs"; then
	fail "a killed leftover's line was logged"
fi

note "output beyond the pipe's size, and nearly a pipe's worth"
cat >"$EXP/tasks/big.sh" <<'EOF'
head -c "$2" /dev/zero | tr '\0' "$4"
EOF
{
	echo "execution: {parallel: false}"
	echo "pipeline:"
	echo "  - {name: big, task: tasks/big.sh, args: {--bytes: 300000, --of: a}}"
	echo "  - {name: q1, task: tasks/say.sh, args: {--step: q1}}"
	echo "  - {name: full, task: tasks/big.sh, args: {--bytes: 65000, --of: b}}"
	echo "  - {name: q2, task: tasks/say.sh, args: {--step: q2}}"
	echo "  - {name: q3, task: tasks/say.sh, args: {--step: q3}}"
} >"$EXP/big.yml"
for attach in no yes; do
	if [ $attach = yes ]; then
		"$LOOMCTL" run --force --no-progress "$EXP/big.yml" \
		    >"$TEST_TMP/attached.out" 2>&1 ||
		    fail "attached run: $(tail -c 300 "$TEST_TMP/attached.out")"
		id=$(rpc call run.list '{}' | jq -r '.result.runs[0].run')
	else
		id=$(start_run "$EXP/big.yml")
		wait_for 120 run_done "$id"
	fi
	succeeded
	head -c 300000 /dev/zero | tr '\0' a >"$TEST_TMP/want"
	cmp -s "$TEST_TMP/want" "$(step_log big)" || fail "big log ($attach)"
	head -c 65000 /dev/zero | tr '\0' b >"$TEST_TMP/want"
	cmp -s "$TEST_TMP/want" "$(step_log full)" || fail "full log ($attach)"
	check_quick "after big output, attached $attach" 1 2 3
done

stop_loomd
if grep -q "output pipe of an ended step" "$TEST_TMP"/loomd.*.err 2>/dev/null; then
	fail "a pooled pipe was written to"
fi
echo PASS
