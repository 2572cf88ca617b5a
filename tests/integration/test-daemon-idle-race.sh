#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# RELIABILITY S11 in full, the idle race: 300 `loomctl daemon status`
# calls, each started 0.8-1.2 s (uniformly random, seeded) after the
# previous one started, against a daemon with a 1 s idle timeout. A call
# is connected for a few milliseconds only, so the daemon has been idle
# for about that spacing when the next call connects: every call lands
# just before, at or just after the moment the daemon decides to exit:
# it finds the daemon up, or exiting (a refused or reset connection that
# loomctl retries, tmux-style), or gone (loomctl starts a new one).
# PASS: every call exits 0 with the daemon's status as JSON; afterwards
# each daemon exits by itself (socket and pid file gone) and no
# sanitizer reported anything.
#
# The 300 calls run in 5 lanes of 60, each lane with its own socket,
# state folder and daemons, so the test takes about 75 s instead of 5
# minutes; each lane is the same sequential experiment. LOOM_S11_LANES,
# LOOM_S11_CALLS (per lane) and LOOM_S11_SEED override the defaults; the
# seed is printed.
source "$(dirname "$0")/lib.sh"

[ -x "$LOOMCTL" ] || skip "loomctl not built"
# Daemons started by loomctl have stderr on /dev/null: sanitizer reports
# must go to files that lib_check_sanitizers reads.
case ${ASAN_OPTIONS:-} in
*log_path=*) ;;
*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TEST_TMP/asan" ;;
esac
case ${UBSAN_OPTIONS:-} in
*log_path=*) ;;
*) export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TEST_TMP/ubsan" ;;
esac
LANES=${LOOM_S11_LANES:-5}
CALLS=${LOOM_S11_CALLS:-60}
SEED=${LOOM_S11_SEED:-$((RANDOM * 32768 + RANDOM))}
note "seed $SEED (LOOM_S11_SEED=$SEED repeats it): $LANES lanes of $CALLS calls, idle timeout 1 s"

lane_dir() { echo "$TEST_TMP/lane$1"; }

# A lane's daemon is not our child (loomctl starts it): stop it by its
# pid file, after checking the pid is a loomd on that lane's socket.
lane_kill() {
	local sock p
	sock="$(lane_dir "$1")/run/loomd.sock"
	p=$(cat "$sock.pid" 2>/dev/null)
	if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = loomd ] &&
	    { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
	    grep -qx "LOOM_SOCKET=$sock"; then
		kill -KILL "$p" 2>/dev/null
	fi
}
lanes_cleanup() {
	local k
	for k in $(seq "$LANES"); do lane_kill "$k"; done
	lib_cleanup
}
trap lanes_cleanup EXIT

# One lane: CALLS calls, each started 800-1200 ms after the previous one.
# Writes one line per call to calls (number, exit status, daemon pid) and
# the output of every failed call to failures.
lane() {
	local k=$1 dir i ms rc out pid t0 us
	dir=$(lane_dir "$k")
	mkdir -m 700 "$dir" "$dir/run" "$dir/state" "$dir/xdg"
	export LOOM_SOCKET="$dir/run/loomd.sock" XDG_STATE_HOME="$dir/state"
	export XDG_RUNTIME_DIR="$dir/xdg" LOOMD_IDLE_TIMEOUT=1
	RANDOM=$((SEED + k))
	: >"$dir/calls"
	for i in $(seq "$CALLS"); do
		t0=${EPOCHREALTIME/./}
		rc=0
		out=$("$LOOMCTL" daemon status --json 2>&1) || rc=$?
		pid=$(jq -r .pid <<<"$out" 2>/dev/null) || pid=
		case $pid in
		'' | *[!0-9]*)
			[ "$rc" != 0 ] || rc=no-json
			pid=- ;;
		esac
		echo "$i $rc $pid" >>"$dir/calls"
		[ "$rc" = 0 ] || printf 'lane %s call %s: exit %s: %s\n' \
		    "$k" "$i" "$rc" "$out" >>"$dir/failures"
		# The next start is 800-1200 ms after this one.
		us=$(((800 + RANDOM % 401) * 1000 - (${EPOCHREALTIME/./} - t0)))
		[ "$us" -le 0 ] ||
		    sleep "$((us / 1000000)).$(printf %06d $((us % 1000000)))"
	done
}

pids=()
for k in $(seq "$LANES"); do
	lane "$k" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || fail "lane $p ended with status $?"
done

total=0 failed=0 daemons=0
for k in $(seq "$LANES"); do
	dir=$(lane_dir "$k")
	n=$(wc -l <"$dir/calls")
	total=$((total + n))
	failed=$((failed + $(awk '$2 != "0"' "$dir/calls" | wc -l)))
	d=$(awk '$3 != "-" { print $3 }' "$dir/calls" | uniq | wc -l)
	daemons=$((daemons + d))
	note "lane $k: $n calls served by $d daemon start(s)"
done
[ "$total" = $((LANES * CALLS)) ] || fail "$total calls recorded, expected $((LANES * CALLS))"
if [ "$failed" != 0 ]; then
	cat "$TEST_TMP"/lane*/failures >&2
	fail "$failed of $total calls failed"
fi
# Consecutive calls answered by different daemons: the idle exit really
# happened between them, so the race was run.
[ "$daemons" -gt "$LANES" ] || fail "no idle exit in $total calls: $daemons daemon(s)"
note "$total calls, 0 failures, $daemons daemons started"

note "every lane's daemon exits by itself"
for k in $(seq "$LANES"); do
	sock="$(lane_dir "$k")/run/loomd.sock"
	wait_for 30 test ! -e "$sock"
	wait_for 10 test ! -e "$sock.pid"
done
for k in $(seq "$LANES"); do
	n=0
	for p in $(pgrep -x loomd 2>/dev/null); do
		{ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null |
		    grep -qx "LOOM_SOCKET=$(lane_dir "$k")/run/loomd.sock" &&
		    n=$((n + 1))
	done
	[ "$n" = 0 ] || fail "lane $k: $n daemon(s) still running"
done
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
