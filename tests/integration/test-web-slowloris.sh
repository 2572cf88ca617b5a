#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# W13: slow and numerous clients of the editor bridge (webslow.py).
#   - 200 connections trickle a request at one byte per second: the
#     editor page, a WebSocket call and pipeline.open still work, and the
#     trickling connections are still open afterwards;
#   - editor connections past the cap (64) get 503 with a message, and so
#     do HTTP connections past theirs (256); once they are gone a request
#     works again;
#   - with a short request timeout (LOOMD_HTTP_TIMEOUT=2) every
#     half-sent request is answered 408 and closed, within a generous
#     bound; idle connections are closed without an answer; the
#     daemon still serves afterwards.
. "$(dirname "$0")/lib.sh"

# Some 600 sockets on each side: raise the soft limit when it is lower.
soft=$(ulimit -Sn)
hard=$(ulimit -Hn)
if [ "$soft" != unlimited ] && [ "$soft" -lt 2048 ]; then
	if [ "$hard" = unlimited ] || [ "$hard" -ge 2048 ]; then
		ulimit -Sn 2048
	else
		ulimit -Sn "$hard"
	fi
fi
[ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge 1024 ] ||
	skip "needs 1024 open files, the hard limit is $hard"

exp="$TEST_TMP/exp"
make_hello_exp "$exp"

stop_daemon() {
	local pid
	pid=$(daemon_pid)
	"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop failed"
	wait_gone 30 "$pid"
	lib_check_sanitizers || fail "sanitizer errors in loomd"
}

note "200 trickling connections, normal requests, the caps"
url=$(LOOMD_HTTP_TIMEOUT=120 "$LOOMCTL" ui --no-browser "$exp/experiment.yml") ||
	fail "loomctl ui failed"
"$PYTHON" "$LOOM_SRC/tests/integration/webslow.py" busy "$url" "$exp" ||
	fail "W13 checks with a long request timeout failed"
"$LOOMCTL" daemon status >/dev/null || fail "daemon not alive"
grep -q "connection refused" "$XDG_STATE_HOME/loom/loomd.log" ||
	fail "the refusals were not logged"
stop_daemon

note "a short request timeout drops half-sent requests"
url=$(LOOMD_HTTP_TIMEOUT=2 "$LOOMCTL" ui --no-browser "$exp/experiment.yml") ||
	fail "loomctl ui failed"
"$PYTHON" "$LOOM_SRC/tests/integration/webslow.py" timeout "$url" ||
	fail "W13 checks with a short request timeout failed"
grep -q "no whole request within 2 s" "$XDG_STATE_HOME/loom/loomd.log" ||
	fail "the dropped requests were not logged"
"$LOOMCTL" daemon status >/dev/null || fail "daemon not alive"
stop_daemon
echo PASS
