#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Start on demand through the real loomctl (docs/daemon.md):
#   S5  no daemon; 20 concurrent `loomctl daemon status`: all exit 0, one
#       loomd runs, one socket
#   S7  kill -9 leaves socket, pid file and lock behind: the next loomctl
#       command succeeds, a new pid serves, the stale socket was replaced
#   S9  the socket removed under a live daemon: within 10 s loomctl works
#       again and there is still exactly one daemon
#   S11 loomctl calls spaced around a short idle timeout: no failure (the
#       daemon exits between them and the next call starts a new one)
#   the daemon started by loomctl logs to the state folder, not stderr,
#   and `loomctl daemon stop` ends it with socket and pid file removed
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
export LOOMD_IDLE_TIMEOUT=30

status_ok() { "$LOOMCTL" daemon status >/dev/null 2>&1; }

note "S5 start race"
pids=()
for i in $(seq 20); do
	"$LOOMCTL" daemon status >"$TEST_TMP/race.$i" 2>&1 &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "loomctl #$((i + 1)) failed: $(cat "$TEST_TMP/race.$((i + 1))")"
done
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) daemons after the race"
[ "$(find "$TEST_TMP/run" -type s | wc -l)" = 1 ] || fail "socket count"
first=$(daemon_pid)
[ -n "$first" ] || fail "no pid file"
[ -s "$XDG_STATE_HOME/loom/loomd.log" ] || [ -e "$XDG_STATE_HOME/loom/loomd.log" ] ||
    fail "no log file in the state folder"

note "S9 socket removed under the daemon"
rm -f "$LOOM_SOCKET"
wait_for 10 status_ok
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) daemons after S9"
[ "$(daemon_pid)" = "$first" ] || fail "S9: the daemon was replaced"

note "S7 stale socket after kill -9"
kill -KILL "$first"
wait_gone 10 "$first"
[ -S "$LOOM_SOCKET" ] || fail "socket vanished with kill -9"
"$LOOMCTL" daemon status >/dev/null || fail "loomctl after kill -9"
second=$(daemon_pid)
[ -n "$second" ] && [ "$second" != "$first" ] || fail "no new daemon ($second)"
rpc call daemon.ping | grep -q "\"pid\": $second" ||
    fail "the socket is not served by the new daemon"
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) daemons after S7"

note "daemon stop"
"$LOOMCTL" daemon stop >/dev/null || fail "loomctl daemon stop"
wait_gone 20 "$second"
[ ! -e "$LOOM_SOCKET" ] || fail "socket left after stop"
[ ! -e "$LOOM_SOCKET.pid" ] || fail "pid file left after stop"

note "S11 calls around the idle timeout"
export LOOMD_IDLE_TIMEOUT=0.5
for i in $(seq 25); do
	"$LOOMCTL" daemon status >/dev/null 2>"$TEST_TMP/s11.err" ||
	    fail "call $i failed: $(cat "$TEST_TMP/s11.err")"
	sleep "0.$((RANDOM % 3 + 4))"
done
wait_for 20 test ! -e "$LOOM_SOCKET"
wait_for 10 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
