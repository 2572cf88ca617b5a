# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared helpers for the integration tests (source it first). Every test
# gets a private temporary folder holding its socket (LOOM_SOCKET), state
# folder (XDG_STATE_HOME) and runtime folder, a short idle timeout and a
# short kill grace, and a trap that stops every daemon it started and
# checks their sanitizer output. Waits poll a condition under a deadline;
# nothing here sleeps a fixed time to synchronise.
#
# Environment from CTest: LOOM_BIN (loomd, loomctl, loom, loom-ui),
# LOOM_SRC, LOOM_BUILD, FAKE_TASK.
#
# Functions:
#   fail MSG...          print "FAIL: MSG" and exit 1
#   skip MSG...          print "SKIP: MSG" and exit 77 (CTest: skipped)
#   note MSG...          print a progress line
#   wait_for SECS CMD... run CMD until it succeeds, fail after SECS
#   wait_gone SECS PID   wait until PID has exited
#   start_loomd [ARGS]   start loomd --foreground in the background (as
#                        $LOOMD_USER when set, with at most $LOOMD_NOFILE
#                        descriptors when set), wait for "ready"; sets
#                        LOOMD_PID
#   stop_loomd           daemon.stop, wait for exit 0, check sanitizers
#   wait_loomd_exit PID  reap a loomd started here and check its status
#   rpc ARGS...          tests/integration/rpc.py with our socket
#   daemon_pid           the pid in <socket>.pid
#   loomd_count          number of live loomd processes using our socket
#   no_loomd             true when loomd_count is 0 (use with wait_for)
#   as_user USER CMD...  run CMD as USER (setpriv), keeping the environment
#   make_test_users      create loom_a and loom_b (root only)
#   start_http_server DIR  serve DIR with httpserver.py; sets PORT, logs
#                        requests to $TEST_TMP/requests
#   bench_seq_loop FILE  (from bench/lib.sh, shared with the benches) a
#                        pipeline of one step "each" running tasks/step.sh
#                        over items/ into outs/, one item at a time

set -u

: "${LOOM_BIN:?LOOM_BIN must name the folder holding loomd and loomctl}"
: "${LOOM_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
LOOMD="$LOOM_BIN/loomd"
LOOMCTL="$LOOM_BIN/loomctl"
RPC_PY="$LOOM_SRC/tests/integration/rpc.py"
# Pipeline generators shared with the benches; it only defines functions.
# shellcheck source=bench/lib.sh
. "$LOOM_SRC/bench/lib.sh"
# The system python, reachable by the test users too (as_user).
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# Short, private paths: a Unix socket path must fit in 107 bytes.
TEST_TMP=$(mktemp -d /tmp/loomt.XXXXXX) || exit 1
chmod 755 "$TEST_TMP"
mkdir -m 700 "$TEST_TMP/run" "$TEST_TMP/state" "$TEST_TMP/xdg"
export LOOM_SOCKET="$TEST_TMP/run/loomd.sock"
export XDG_STATE_HOME="$TEST_TMP/state"
export XDG_RUNTIME_DIR="$TEST_TMP/xdg"
export LOOMD_IDLE_TIMEOUT="${LOOMD_IDLE_TIMEOUT:-10}"
export LOOMD_KILL_GRACE="${LOOMD_KILL_GRACE:-2}"
# Sanitizer reports go to files we check, never lost in /dev/null.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:log_path=$TEST_TMP/asan}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:log_path=$TEST_TMP/ubsan}"
LOOMD_USER="${LOOMD_USER:-}"
LOOMD_NOFILE="${LOOMD_NOFILE:-}"
LOOMD_PID=""
LIB_PIDS=()
LIB_N=0

note() { echo "-- $*"; }

fail() {
	echo "FAIL: $*" >&2
	lib_dump_logs >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

lib_dump_logs() {
	local f
	for f in "$TEST_TMP"/loomd.*.err "$XDG_STATE_HOME"/loom/loomd.log; do
		[ -s "$f" ] || continue
		echo "---- $f (last 30 lines)"
		tail -n 30 "$f"
	done
}

wait_for() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -gt "$deadline" ]; then
			fail "timed out after ${secs}s waiting for: $*"
		fi
		sleep 0.02
	done
}

lib_pid_gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

wait_gone() { wait_for "$1" lib_pid_gone "$2"; }

as_user() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

rpc() { "$PYTHON" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }

start_http_server() {
	"$PYTHON" "$LOOM_SRC/tests/integration/httpserver.py" --root "$1" \
	    --port-file "$TEST_TMP/port" --log "$TEST_TMP/requests" &
	LIB_PIDS+=($!)
	wait_for 30 test -s "$TEST_TMP/port"
	PORT=$(cat "$TEST_TMP/port")
}

# make_hello_exp DIR: an experiment of one step printing "hi"
# (DIR/experiment.yml, DIR/tasks/hello.sh).
make_hello_exp() {
	mkdir -p "$1/tasks"
	printf 'pipeline:\n  - name: hello\n    task: tasks/hello.sh\n' \
	    >"$1/experiment.yml"
	printf '#!/bin/sh\necho hi\n' >"$1/tasks/hello.sh"
	chmod +x "$1/tasks/hello.sh"
}


daemon_pid() { cat "$LOOM_SOCKET.pid" 2>/dev/null; }

loomd_count() {
	local p n=0
	for p in $(pgrep -x loomd 2>/dev/null); do
		if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
		    grep -qx "LOOM_SOCKET=$LOOM_SOCKET"; then
			n=$((n + 1))
		fi
	done
	echo "$n"
}

# true once no loomd serves our socket; a daemon that has unlinked its
# socket may still be exiting (sanitizer builds take a moment), so wait for
# this rather than test it the instant the socket is gone
no_loomd() { [ "$(loomd_count)" = 0 ]; }

start_loomd() {
	local ready="$TEST_TMP/ready.$LIB_N" err="$TEST_TMP/loomd.$LIB_N.err"
	LIB_N=$((LIB_N + 1))
	local -a wrap=()
	: >"$ready"
	[ -z "$LOOMD_NOFILE" ] ||
	    wrap=(prlimit "--nofile=$LOOMD_NOFILE:$LOOMD_NOFILE" --)
	if [ -n "$LOOMD_USER" ]; then
		chown "$LOOMD_USER" "$ready"
		wrap=(setpriv "--reuid=$LOOMD_USER" "--regid=$LOOMD_USER" \
		    --init-groups -- "${wrap[@]}")
	fi
	"${wrap[@]}" "$LOOMD" --foreground --ready-fd 3 "$@" 3>"$ready" \
	    2>"$err" &
	LOOMD_PID=$!
	LIB_PIDS+=("$LOOMD_PID")
	wait_for 20 lib_ready_or_dead "$ready" "$LOOMD_PID"
	grep -qx ready "$ready" || fail "loomd did not start: $(cat "$ready")"
}

lib_ready_or_dead() { [ -s "$1" ] || lib_pid_gone "$2"; }

lib_check_sanitizers() {
	local f
	for f in "$TEST_TMP"/asan* "$TEST_TMP"/ubsan* "$TEST_TMP"/loomd.*.err; do
		[ -s "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
			echo "sanitizer report in $f:" >&2
			head -n 60 "$f" >&2
			return 1
		fi
	done
	return 0
}

# Reap a loomd started by start_loomd and require exit status $2 (0).
wait_loomd_exit() {
	local pid=$1 want=${2:-0} st=0
	wait_gone 30 "$pid"
	wait "$pid" 2>/dev/null || st=$?
	[ "$st" = "$want" ] || fail "loomd $pid exited with $st, expected $want"
	lib_check_sanitizers || fail "sanitizer errors in loomd"
}

stop_loomd() {
	local pid=${1:-$LOOMD_PID}
	rpc call daemon.stop >/dev/null || fail "daemon.stop failed"
	wait_loomd_exit "$pid" 0
}

make_test_users() {
	local u
	[ "$(id -u)" = 0 ] || skip "needs root to create loom_a and loom_b"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	for u in loom_a loom_b; do
		id "$u" >/dev/null 2>&1 || useradd -M -d /nonexistent \
		    -s /usr/sbin/nologin "$u" 2>/dev/null ||
		    id "$u" >/dev/null 2>&1 || skip "cannot create user $u"
	done
}

lib_cleanup() {
	local p
	for p in "${LIB_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${LIB_PIDS[@]}"; do
		for _ in $(seq 50); do
			lib_pid_gone "$p" && break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	# A daemon started by loomctl is not our child: stop it by its pid
	# file, after checking that the pid is a loomd using our socket.
	p=$(daemon_pid)
	if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = loomd ] &&
	    { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
	    grep -qx "LOOM_SOCKET=$LOOM_SOCKET"; then
		kill -KILL "$p" 2>/dev/null
	fi
	rm -rf "$TEST_TMP"
}
trap lib_cleanup EXIT
