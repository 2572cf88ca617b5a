#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY X3, a zombie daemon: loomd is killed with SIGKILL while two
# steps run (each a process group with a child of its own), and the next
# command comes while the old daemon is still a zombie (its parent here
# never reaps it). PASS: the new daemon takes over (the pid file's lock,
# not the pid, says the old one is gone), the run reads "interrupted",
# no step reads "pending", and both steps' process groups are gone. The
# kill comes as soon as the steps have started, before the daemon's
# first timed record write, so only a record written at each step's
# start tells the new daemon what ran.
export LOOMD_IDLE_TIMEOUT=120
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks"
cat >"$exp/tasks/long.sh" <<'SH'
#!/bin/sh
# A child in the step's group, then the step itself waits.
sleep 600 &
echo "$$ $!" >"$MARKS/$1.tmp" && mv "$MARKS/$1.tmp" "$MARKS/$1"
exec sleep 600
SH
for s in l1 l2; do
	printf '#!/bin/sh\nexec sh "$(dirname "$0")/long.sh" %s\n' "$s" \
	    >"$exp/tasks/$s.sh"
done
chmod +x "$exp/tasks/"*.sh
cat >"$exp/experiment.yml" <<'YML'
execution: {parallel: true, max_workers: 2}
pipeline:
  - {name: l1, task: tasks/l1.sh}
  - {name: l2, task: tasks/l2.sh}
YML
export MARKS="$TEST_TMP/marks"
# true while a process of group $1 is alive (zombies waiting for a reaper
# do not count)
group_lives() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 }
	    END { exit !f }'
}
mkdir "$MARKS"

# loomd's parent is a shell that then becomes "sleep": it never reaps,
# so the killed daemon stays a zombie for as long as the test needs.
ready="$TEST_TMP/ready"
: >"$ready"
sh -c '"$0" --foreground --ready-fd 3 3>"$1" 2>"$2" & exec sleep 600' \
    "$LOOMD" "$ready" "$TEST_TMP/loomd.0.err" &
LIB_PIDS+=($!)
wait_for 20 grep -qx ready "$ready"
old=$(daemon_pid)
[ -n "$old" ] || fail "no pid file"

id=$(rpc call run.start "$(jq -nc --arg f "$exp/experiment.yml" \
    '{file: $f, env: env, force: true}')" | jq -r '.result.run')
[ -n "$id" ] && [ "$id" != null ] || fail "run.start failed"
wait_for 30 test -s "$MARKS/l1"
wait_for 30 test -s "$MARKS/l2"

note "X3 kill -9 loomd, next command while it is a zombie"
kill -KILL "$old"
wait_for 10 grep -q '^State:.*Z' "/proc/$old/status"
LOOMD_KILL_GRACE=2 timeout 60 "$LOOMCTL" daemon status \
    >"$TEST_TMP/status.out" 2>&1 ||
    fail "next command failed: $(cat "$TEST_TMP/status.out")"
grep -q '^State:.*Z' "/proc/$old/status" ||
    fail "the old daemon was reaped too early for this test"

rec="$exp/.loom/runs/$id/run.json"
state=$(jq -r .state "$rec")
[ "$state" = interrupted ] || fail "run is $state, not interrupted"
for s in l1 l2; do
	st=$(jq -r --arg s "$s" '.steps[] | select(.name == $s) | .state' "$rec")
	[ "$st" = interrupted ] || fail "step $s reads $st, not interrupted"
	read -r pgid kid <"$MARKS/$s"
	wait_gone 10 "$pgid"
	wait_gone 10 "$kid"
	group_lives "$pgid" && fail "process group $pgid of $s lives"
done
st=$(timeout 60 "$LOOMCTL" cancel "$id" 2>&1)
echo "$st" | grep -qi "not running\|interrupted" ||
    fail "cancel of the interrupted run said: $st"
note "ok"
