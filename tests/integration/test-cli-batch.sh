#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# An attached `loomctl run` writes its output once per batch of events
# read from the daemon, before it waits again, not once per event or
# line: under strace, its write(2) calls to stdout are at most one per
# read from the socket, plus the header and the summary, both to a file
# and on a terminal (script, with the progress line). It waits for the
# daemon in recvmsg alone: not one poll(2) while no log file is followed.
# The output is the same as ever: every item's RUNNING and SUCCESS line
# once, in order.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "strace missing"
command -v script >/dev/null || skip "script missing"
N=60
mkdir -p "$TEST_TMP/p/tasks" "$TEST_TMP/p/items" "$TEST_TMP/p/outs"
cd "$TEST_TMP/p" || fail "no $TEST_TMP/p"
printf '#!/bin/sh\nfor a; do o=$a; done\necho x >"$o"\n' >tasks/step.sh
chmod +x tasks/step.sh
for i in $(seq 1 "$N"); do echo "$i" >"items/$(printf 'i%03d' "$i")"; done
bench_seq_loop p.yml
start_loomd
# LeakSanitizer cannot work under ptrace: loomctl runs without it here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

# count_calls TRACE: "WRITES READS POLLS", the writes to stdout, the
# reads from the daemon's socket (the descriptor of the first connect)
# and the polls after that connect.
count_calls() {
	awk '
	/^connect\(/ && sock == "" { sub(/^connect\(/, ""); sub(/,.*/, ""); sock = $0 }
	/^write\(1,/ { w++ }
	sock != "" && /^poll\(/ { p++ }
	sock != "" && ($0 ~ "^recvmsg\\(" sock "," || $0 ~ "^read\\(" sock ",") &&
	    $0 !~ /= -1/ { r++ }
	END { print w + 0, r + 0, p + 0 }' "$1"
}

# check_output FILE: RUNNING then SUCCESS of every item, in order.
check_output() {
	tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;]*[mK]//g' | awk -v n="$N" '
	/^\[RUNNING\] each\[i[0-9]+\]$/ { r++; if (open) exit 1; open = 1; next }
	/^\[SUCCESS\] each\[i[0-9]+\]$/ { s++; if (!open) exit 1; open = 0; next }
	END { exit !(r == n && s == n) }' ||
		fail "output of $1 is not RUNNING/SUCCESS of every item: $(head -20 "$1")"
}

note "stdout to a file"
strace -o "$TEST_TMP/trace" -e trace=connect,write,recvmsg,read,poll \
    "$LOOMCTL" run --force p.yml >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "run failed: $(cat "$TEST_TMP/err")"
check_output "$TEST_TMP/out"
read -r writes reads polls < <(count_calls "$TEST_TMP/trace")
[ "$reads" -gt 0 ] || fail "no reads from the socket found in the trace"
[ "$writes" -le $((reads + 2)) ] ||
	fail "$writes writes to stdout for $reads reads from the daemon"
[ "$polls" = 0 ] || fail "$polls polls besides $reads reads from the daemon"

note "on a terminal, with the progress line"
TERM=xterm script -qec "strace -o '$TEST_TMP/trace.tty' \
    -e trace=connect,write,recvmsg,read,poll '$LOOMCTL' run --force p.yml" \
    /dev/null >"$TEST_TMP/out.tty" 2>&1 </dev/null ||
	fail "run on a terminal failed: $(cat "$TEST_TMP/out.tty")"
sed 's/\r\x1b\[K/\n/g' "$TEST_TMP/out.tty" | grep -v '^\x1b\[2m\[[0-9]*/[0-9]* done' \
    >"$TEST_TMP/out.lines"
check_output "$TEST_TMP/out.lines"
read -r writes reads polls < <(count_calls "$TEST_TMP/trace.tty")
[ "$reads" -gt 0 ] || fail "no reads from the socket found in the tty trace"
[ "$writes" -le $((reads + 2)) ] ||
	fail "on a terminal, $writes writes to stdout for $reads reads"
[ "$polls" = 0 ] || fail "on a terminal, $polls polls besides $reads reads"
