#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY P11, disk full: the experiment (and so its step logs) sits
# on a 16 MiB tmpfs and a step writes 64 MiB. The documented policy: the
# step goes on undisturbed, its log keeps what fitted (less a reserve
# given back so the record can still be written), the rest is read and
# dropped. PASS: the daemon is alive and serving; the step succeeded; the
# record (valid JSON) says how many bytes were kept and dropped and why.
# With nobody subscribed the output is spliced into the log, so the full
# disk meets splice(2), not write(2), and the rest is read and dropped.
# Needs root for the mount; skipped otherwise.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }

[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP"
mount -t tmpfs -o size=16m loomtest "$EXP" 2>/dev/null || skip "cannot mount a tmpfs"
trap 'umount -l "$EXP" 2>/dev/null; lib_cleanup' EXIT
mkdir -p "$EXP/tasks"
ln -s "$FAKE_TASK" "$EXP/tasks/flood"
printf 'pipeline:\n  - {name: flood, task: tasks/flood, args: {print: %d}}\n' \
    $((64 << 20)) >"$EXP/full.yml"

start_loomd
id=$(rpc call run.start "$(jq -nc --arg f "$EXP/full.yml" \
    '{file: $f, env: env, force: true}')" | jq -r '.result.run // .')
[[ "$id" =~ ^[a-z][a-z0-9]{5}$ ]] || fail "run.start: $id"
wait_for 120 run_done "$id"
rpc call daemon.ping >/dev/null || fail "daemon not alive"
[ "$(run_field "$id" .state)" = succeeded ] || fail "run $(run_field "$id" .state)"
rec="$EXP/.loom/runs/$id/run.json"
jq -e . "$rec" >/dev/null || fail "record is not valid JSON"
kept=$(jq -r '.steps[0].log_bytes' "$rec")
dropped=$(jq -r '.steps[0].log_dropped' "$rec")
[ "$(jq -r '.steps[0].log_error' "$rec")" = "No space left on device" ] ||
    fail "log_error: $(jq -c '.steps[0]' "$rec")"
[ $((kept + dropped)) = $((64 << 20)) ] || fail "kept $kept + dropped $dropped"
[ "$kept" -gt 0 ] && [ "$kept" -lt $((16 << 20)) ] || fail "kept $kept"
[ "$(stat -c %s "$EXP/.loom/runs/$id/$(jq -r '.steps[0].log' "$rec")")" = "$kept" ] || fail "log size differs from log_bytes"
spliced=$(rpc call daemon.status | jq -r .result.output.spliced_bytes)
[ "$spliced" -ge "$kept" ] && [ "$spliced" -lt $((16 << 20)) ] ||
    fail "spliced $spliced bytes (kept $kept)"

stop_loomd
echo PASS
