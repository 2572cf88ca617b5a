#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A run's final record that cannot be written (the write fails, by the
# fault hook fail-write, as on a full disk) is not lost:
# - `loomctl status RUN --json` and `loomctl status --json` report the
#   run's real end at once, from the daemon's memory;
# - the daemon writes the record again a second later, so run.json ends
#   with that state on disk too;
# - a write that fails earlier in the run (not the final one) changes
#   nothing for the user either.
# Each of the first three record writes is made to fail in turn; for a
# one-step run one of them is the final write. Builds without the fault
# hooks (release) skip.
. "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
: "${LOOM_BUILD:=$(cd "$LOOM_BIN/.." && pwd)}"
grep -q '^LOOM_FAULT_HOOKS:BOOL=ON' "$LOOM_BUILD/CMakeCache.txt" 2>/dev/null ||
    skip "built without fault hooks (configure with -DLOOM_FAULT_HOOKS=ON)"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
printf '#!/bin/sh\necho done\n' >"$EXP/tasks/ok.sh"
chmod +x "$EXP/tasks/ok.sh"
printf 'pipeline:\n  - {name: a, task: tasks/ok.sh}\n' >"$EXP/p.yml"

on_disk() { jq -r .state "$EXP/.loom/runs/$1/run.json" 2>/dev/null; }
disk_says() { [ "$(on_disk "$1")" = "$2" ]; }
run_ended() { case "$("$LOOMCTL" status "$1" --json | jq -r .state)" in
	running | "") return 1 ;; esac; }

failed_final=0
for k in 1 2 3; do
	LOOM_FAULT="trace,fail-write:$k@run.json" start_loomd -v
	# --force: the step is up to date after the first loop, and a run
	# with nothing to run writes its record once only.
	id=$("$LOOMCTL" run --force -d "$EXP/p.yml") || fail "run -d failed"
	wait_for 30 run_ended "$id"
	state=$("$LOOMCTL" status "$id" --json | jq -r .state)
	[ "$state" = succeeded ] || fail "write $k failed: run.status says $state"
	listed=$("$LOOMCTL" status --json |
	    jq -r --arg id "$id" '.runs[] | select(.run == $id) | .state')
	[ "$listed" = succeeded ] || fail "write $k failed: run.list says $listed"
	# Written again within a few seconds at most.
	wait_for 10 disk_says "$id" succeeded
	if grep -q "run $id: record written" "$TEST_TMP"/loomd.*.err; then
		failed_final=$((failed_final + 1))
		note "write $k was the final one: kept, answered, written again"
	fi
	stop_loomd
done
[ "$failed_final" -ge 1 ] ||
    fail "no case made the final record write fail (the test lost its point)"
note "ok"
