#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Who may reach loomd, run as two ordinary users (root ignores file
# modes, so the tests create loom_a and loom_b and switch with setpriv;
# they are skipped when not run as root):
#   S1 modes: no runtime folder yet, loomd started under umask 000:
#      $XDG_RUNTIME_DIR/loom is 0700 and loomd.sock 0600, owned by loom_a;
#      the /tmp/loom-$UID fallback is made the same way
#   S2 unsafe folder: 0755; 0700 owned by loom_b; a symbolic link to a
#      0700 folder of loom_a's: loomd exits non-zero naming the folder and
#      the fault, and creates or removes nothing inside
#   S3 default modes: loom_b's connect() fails with EACCES
#   S4 peer credentials: folder 0711 and socket 0666, loom_b connects and
#      sends a valid request: zero bytes back, EOF; the log names loom_b's
#      uid; loom_a is still served
source "$(dirname "$0")/lib.sh"

make_test_users
uid_a=$(id -u loom_a)
uid_b=$(id -u loom_b)
export LOOMD_USER=loom_a
chown -R loom_a:loom_a "$TEST_TMP"
# The test folder itself must be reachable by both users.
chmod 755 "$TEST_TMP"

note "S1 modes"
rmdir "$TEST_TMP/xdg"
mkdir -m 700 "$TEST_TMP/xdg" && chown loom_a "$TEST_TMP/xdg"
unset LOOM_SOCKET
LOOM_SOCKET="$TEST_TMP/xdg/loom/loomd.sock"
(umask 000; start_loomd --idle-timeout 30)
# start_loomd ran in a subshell: find the daemon by its pid file.
wait_for 10 test -s "$LOOM_SOCKET.pid"
LOOMD_PID=$(daemon_pid)
[ "$(stat -c '%a %U' "$TEST_TMP/xdg/loom")" = "700 loom_a" ] ||
    fail "runtime folder: $(stat -c '%a %U' "$TEST_TMP/xdg/loom")"
[ "$(stat -c '%a %U' "$LOOM_SOCKET")" = "600 loom_a" ] ||
    fail "socket: $(stat -c '%a %U' "$LOOM_SOCKET")"
[ "$(stat -c '%a %U' "$LOOM_SOCKET.pid")" = "600 loom_a" ] ||
    fail "pid file: $(stat -c '%a %U' "$LOOM_SOCKET.pid")"
LOOM_SOCKET=$LOOM_SOCKET as_user loom_a "$PYTHON" "$RPC_PY" call daemon.stop >/dev/null ||
    fail "loom_a cannot stop its daemon"
wait_gone 20 "$LOOMD_PID"

note "S1 /tmp/loom-UID fallback"
fallback="/tmp/loom-$uid_a"
rm -rf "$fallback"
out=$(env -u LOOM_SOCKET -u XDG_RUNTIME_DIR LOOMD_IDLE_TIMEOUT=0.2 \
    setpriv --reuid=loom_a --regid=loom_a --init-groups -- sh -c \
    'umask 000; exec "$0" --foreground --ready-fd 3 3>&1 2>/dev/null' "$LOOMD") ||
    fail "fallback start: $out"
[ "$out" = ready ] || fail "fallback start said: $out"
[ "$(stat -c '%a %U' "$fallback")" = "700 loom_a" ] ||
    fail "fallback folder: $(stat -c '%a %U' "$fallback")"
wait_for 20 test ! -e "$fallback/loomd.sock"
rm -rf "$fallback"

note "S2 unsafe folders"
expect_refused() {
	local dir=$1 fault=$2 out before after
	before=$(ls -A "$dir" 2>/dev/null | sort | tr '\n' ' ')
	out=$(LOOM_SOCKET="$dir/loomd.sock" as_user loom_a "$LOOMD" \
	    --foreground --ready-fd 3 3>&1 >/dev/null 2>&1) &&
	    fail "loomd accepted $dir"
	case $out in
	"error: $dir: $fault"*) ;;
	*) fail "for $dir expected '$fault', got: $out" ;;
	esac
	after=$(ls -A "$dir" 2>/dev/null | sort | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "$dir changed: '$before' -> '$after'"
	if [ -x "$LOOMCTL" ]; then
		LOOM_SOCKET="$dir/loomd.sock" as_user loom_a "$LOOMCTL" \
		    daemon status >/dev/null 2>&1 &&
		    fail "loomctl accepted $dir"
	fi
	return 0
}
mkdir -m 755 "$TEST_TMP/d755" && chown loom_a "$TEST_TMP/d755"
touch "$TEST_TMP/d755/keep" && chown loom_a "$TEST_TMP/d755/keep"
expect_refused "$TEST_TMP/d755" "unsafe permissions 0755"
mkdir -m 700 "$TEST_TMP/dB" && chown loom_b "$TEST_TMP/dB"
expect_refused "$TEST_TMP/dB" "owned by uid $uid_b"
mkdir -m 700 "$TEST_TMP/dA" && chown loom_a "$TEST_TMP/dA"
ln -s "$TEST_TMP/dA" "$TEST_TMP/dlink"
expect_refused "$TEST_TMP/dlink" "is a symbolic link"
[ -z "$(ls -A "$TEST_TMP/dA")" ] || fail "files created through the link"

note "S3 file modes keep loom_b out"
export LOOM_SOCKET="$TEST_TMP/run/loomd.sock"
start_loomd --idle-timeout 60
a_pid=$LOOMD_PID
out=$(as_user loom_b "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(e.errno)
else:
    print("connected")' "$LOOM_SOCKET")
[ "$out" = 13 ] || fail "S3 loom_b connect: $out (want EACCES 13)"

note "S4 peer credentials"
chmod 711 "$TEST_TMP/run"
chmod 666 "$LOOM_SOCKET"
out=$(as_user loom_b "$PYTHON" -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
data = b""
try:
    # The daemon may close before the request is even written.
    s.sendall(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.status\"}\n")
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except (BrokenPipeError, ConnectionResetError):
    pass
print("bytes=%d" % len(data))' "$LOOM_SOCKET") || fail "S4 client failed: $out"
[ "$out" = "bytes=0" ] || fail "S4 loom_b got an answer: $out"
grep -q "refused connection from uid $uid_b" "$TEST_TMP"/loomd.*.err ||
    fail "S4 refusal not logged with uid $uid_b"
as_user loom_a "$PYTHON" "$RPC_PY" call daemon.ping >/dev/null ||
    fail "S4 loom_a no longer served"
as_user loom_a "$PYTHON" "$RPC_PY" call daemon.stop >/dev/null
wait_loomd_exit "$a_pid" 0
echo PASS
