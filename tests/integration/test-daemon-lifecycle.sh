#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomd's life cycle, with the real binary:
#   S6  a second loomd while one serves: "already running (pid N)", exit 1,
#       the first one's socket inode unchanged and still answering
#   S7  kill -9 leaves socket and pid file behind: the next start replaces
#       the stale socket and serves under a new pid
#   S8  a pid file naming an unrelated live process: loomd starts normally
#       and that process is never signalled
#   S9  the socket removed under a live daemon: it binds it again within
#       a few seconds; a loomd started meanwhile does not make a second
#       daemon
#   S10 idle exit: exits 0 and removes socket and pid file; a connected
#       client keeps it up
#   SIGTERM and daemon.stop: orderly exit 0, socket and pid file removed
#   --ready-fd reports "error: ..." for a failed start; bad options exit 2
source "$(dirname "$0")/lib.sh"

sock_ino() { stat -c %i "$LOOM_SOCKET"; }
socket_gone() { [ ! -e "$LOOM_SOCKET" ]; }
pings() { rpc call daemon.ping >/dev/null; }

note "S6 double start"
start_loomd --idle-timeout 30
first=$LOOMD_PID
ino=$(sock_ino)
out=$("$LOOMD" --foreground 2>&1) && fail "second loomd succeeded"
st=0; "$LOOMD" --foreground >/dev/null 2>&1 || st=$?
[ "$st" = 1 ] || fail "second loomd exit status $st, expected 1"
echo "$out" | grep -q "already running (pid $first)" ||
    fail "second loomd said: $out"
[ "$(sock_ino)" = "$ino" ] || fail "socket inode changed"
pings || fail "first daemon stopped answering"
# Started the way loomctl starts it, the second one reports the running
# daemon as ready instead of failing.
out=$("$LOOMD" --ready-fd 3 3>&1 >/dev/null 2>&1) || fail "--ready-fd start with a running daemon failed: $out"
[ "$out" = ready ] || fail "expected ready, got: $out"
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) daemons running"

note "S7 stale socket after kill -9"
kill -KILL "$first"
wait "$first" 2>/dev/null
[ -S "$LOOM_SOCKET" ] || fail "kill -9 removed the socket?"
[ -s "$LOOM_SOCKET.pid" ] || fail "kill -9 removed the pid file?"
start_loomd --idle-timeout 30
[ "$LOOMD_PID" != "$first" ] || fail "same pid"
[ "$(daemon_pid)" = "$LOOMD_PID" ] || fail "pid file says $(daemon_pid)"
r=$(rpc call daemon.ping) || fail "new daemon does not answer"
echo "$r" | grep -q "\"pid\": $LOOMD_PID" || fail "answered by another pid: $r"
stop_loomd
socket_gone || fail "socket left after daemon.stop"
[ ! -e "$LOOM_SOCKET.pid" ] || fail "pid file left after daemon.stop"

note "S8 recycled pid"
sleep 600 &
victim=$!
echo "$victim" >"$LOOM_SOCKET.pid"
start_loomd --idle-timeout 30
kill -0 "$victim" || fail "the unrelated process is gone"
[ "$(daemon_pid)" = "$LOOMD_PID" ] || fail "pid file not rewritten"
note "SIGTERM"
kill -TERM "$LOOMD_PID"
wait_loomd_exit "$LOOMD_PID" 0
kill -0 "$victim" || fail "the unrelated process was signalled"
kill "$victim"
socket_gone || fail "socket left after SIGTERM"

note "S9 socket removed under a live daemon"
start_loomd --idle-timeout 30
rm -f "$LOOM_SOCKET"
# A loomd started now (as loomctl would) must not become a second daemon.
out=$("$LOOMD" --ready-fd 3 3>&1 >/dev/null 2>&1)
[ "$out" = ready ] || fail "start during re-bind said: $out"
wait_for 10 pings
[ "$(loomd_count)" = 1 ] || fail "$(loomd_count) daemons after S9"
r=$(rpc call daemon.ping)
echo "$r" | grep -q "\"pid\": $LOOMD_PID" || fail "socket not re-bound by the live daemon: $r"
stop_loomd

note "S10 idle exit"
start_loomd --idle-timeout 1
wait_loomd_exit "$LOOMD_PID" 0
socket_gone || fail "socket left after idle exit"
[ ! -e "$LOOM_SOCKET.pid" ] || fail "pid file left after idle exit"
grep -q "exiting: idle" "$TEST_TMP"/loomd.*.err 2>/dev/null ||
    grep -q "exiting: idle" "$XDG_STATE_HOME/loom/loomd.log" 2>/dev/null ||
    note "(idle exit not logged at this level)"

note "S10 a connected client keeps the daemon up"
# Python starts loomd itself and connects the moment it reports ready, so
# no process start-up sits between "ready" and the connection.
"$PYTHON" - "$RPC_PY" "$LOOMD" "$TEST_TMP/loomd.keep.err" <<'PY' || fail "S10 with a client failed"
import importlib.util, os, subprocess, sys, time
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
r, w = os.pipe()
err = open(sys.argv[3], "w")
p = subprocess.Popen([sys.argv[2], "--foreground", "--idle-timeout", "1",
                      "--ready-fd", str(w)], pass_fds=(w,), stderr=err)
os.close(w)
assert os.read(r, 64) == b"ready\n"
c = rpc.Client()
time.sleep(3)                      # three idle timeouts, client connected
assert p.poll() is None, "daemon exited with a client connected"
assert "result" in c.call("daemon.ping")
c.close()
st = p.wait(timeout=30)            # now idle: it must leave, with 0
assert st == 0, "exit status %r" % st
print("kept up by a client, then exited 0")
PY
socket_gone || fail "socket left after idle exit"
lib_check_sanitizers || fail "sanitizer errors in loomd"

note "LOOMD_IDLE_TIMEOUT from the environment"
LOOMD_IDLE_TIMEOUT=0.5 start_loomd
wait_loomd_exit "$LOOMD_PID" 0

note "start-up failures reach the starter"
st=0; "$LOOMD" --idle-timeout nope >/dev/null 2>&1 || st=$?
[ "$st" = 2 ] || fail "bad --idle-timeout: exit $st"
mkdir -m 755 "$TEST_TMP/open"
out=$(LOOM_SOCKET="$TEST_TMP/open/s.sock" "$LOOMD" --ready-fd 3 3>&1 >/dev/null 2>&1) && fail "unsafe folder accepted"
case $out in
"error: $TEST_TMP/open: unsafe permissions 0755"*) ;;
*) fail "ready fd said: $out" ;;
esac
[ -z "$(ls -A "$TEST_TMP/open")" ] || fail "files created in an unsafe folder"
echo PASS
