#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Freshness is decided off the daemon's loop, and large files get real
# content hashes, once per change (issue 13). Step a reads an input of
# 2 GiB (a sparse file: seconds of SHA-256, no disk) whose time is in
# the future, so that every check must compare its contents (a time
# that close to a stamp's is not trusted alone); s sleeps.
#  - a's stamp records a content hash of the input (once only files up
#    to 1 MiB had one)
#  - the input is changed in one byte, its size and time put back: while
#    pipeline.freshness hashes it, `loomctl status` of the sleeping run
#    and `loomctl cancel` of it are answered and the run ends cancelled;
#    the daemon's log shows both requests before the freshness answer,
#    and the client asking for freshness has not had its answer yet
#  - the answer says a is stale, naming the input (with the old 1 MiB
#    cap the change went unseen: the stamp had no hash to compare)
#  - the hash cache: a later check of the unchanged files hashes nothing
#    (daemon.status "hashing": bytes unchanged, hits counted)
#  - run.start is checked the same way: another change, and `loomctl
#    status` is answered while the run's check hashes; a re-runs
# With the check on the loop, status and cancel wait for the hash: the
# log shows the freshness answer first and the ordering check fails.
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
OUT="$TEST_TMP/out.txt"
ERR="$TEST_TMP/err.txt"
LOG="$TEST_TMP/loomd.0.err"	# the daemon's log at -v, on its stderr
N=1
export RPC_TIMEOUT=600	# a check hashes 2 GiB on a loaded machine
mkdir -p "$EXP/tasks" "$EXP/in" "$EXP/out"
cat >"$EXP/tasks/a.sh" <<'EOF2'
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && : >"$2"
	shift
done
EOF2
echo 'sleep 600' >"$EXP/tasks/s.sh"
future=$(($(date +%s) + 86400))
{
	echo "data:"
	echo "  a_out: {path: out/a}"
	for i in $(seq "$N"); do
		truncate -s 2G "$EXP/in/big$i"
		touch -d "@$future" "$EXP/in/big$i"
		echo "  big$i: {path: in/big$i}"
	done
	echo "pipeline:"
	echo "  - name: a"
	echo "    task: tasks/a.sh"
	echo "    outputs: {-o: \$a_out}"
	echo "    inputs:"
	for i in $(seq "$N"); do
		echo "      --b$i: \$big$i"
	done
} >"$EXP/big.yml"
printf 'pipeline:\n  - {name: s, task: tasks/s.sh}\n' >"$EXP/slow.yml"
BIG="$EXP/big.yml"
start_loomd -v

# Change one byte of in/big1, keeping its size and time.
change() {
	printf '%s' "$1" | dd of="$EXP/in/big1" bs=1 seek=4096 conv=notrunc \
	    2>/dev/null
	touch -d "@$future" "$EXP/in/big1"
}
hashed_bytes() { rpc call daemon.status | jq -r .result.hashing.bytes; }
logged() { grep -q "$1" "$LOG"; }
# The line number of the first log line matching $1.
line_of() { grep -n -m1 "$1" "$LOG" | cut -d: -f1; }
s_running() {
	[ "$("$LOOMCTL" status "$1" --json | jq -r '.steps[0].state')" = running ]
}

note "a's stamp records a content hash of its 2 GiB input"
timeout 600 "$LOOMCTL" run "$BIG" >"$OUT" 2>&1 || fail "run: $(cat "$OUT")"
stamp=$(find "$EXP/.loom/stamps" -type f | head -1)
[ "$(grep -c '^in f 2147483648 .* [0-9a-f]\{64\} ' "$stamp")" = "$N" ] ||
    fail "inputs without a hash: $(grep '^in ' "$stamp")"

note "status and cancel are answered while pipeline.freshness hashes"
slow=$(timeout 60 "$LOOMCTL" run -d "$EXP/slow.yml") || fail "run -d slow"
wait_for 60 s_running "$slow"
change x
rpc call pipeline.freshness "{\"file\": \"$BIG\"}" >"$TEST_TMP/fresh.json" &
fresh_pid=$!
wait_for 60 logged ": pipeline.freshness id "
state=$(timeout 30 "$LOOMCTL" status "$slow" --json | jq -r .state) ||
    fail "status not answered while hashing"
[ "$state" = running ] || fail "the slow run is $state"
timeout 30 "$LOOMCTL" cancel "$slow" >"$OUT" 2>&1 || fail "cancel: $(cat "$OUT")"
kill -0 "$fresh_pid" 2>/dev/null ||
    fail "pipeline.freshness was answered before status and cancel"
st=0
timeout 60 "$LOOMCTL" wait "$slow" >/dev/null 2>&1 || st=$?
[ "$st" = 130 ] || fail "wait after cancel exited $st"
wait "$fresh_pid" || fail "pipeline.freshness: $(cat "$TEST_TMP/fresh.json")"
answered=$(line_of ": pipeline.freshness answered")
cancel=$(line_of ": run.cancel id ")
status=$(line_of ": run.status id ")
[ -n "$answered" ] && [ -n "$cancel" ] && [ -n "$status" ] ||
    fail "log lines missing: $(grep -n 'client' "$LOG" | tail -20)"
[ "$status" -lt "$answered" ] && [ "$cancel" -lt "$answered" ] ||
    fail "status ($status) or cancel ($cancel) after the answer ($answered)"

note "a content change within size and time is seen (the cap is gone)"
jq -e '.result.steps[0] | .name == "a" and .state == "stale"' \
    "$TEST_TMP/fresh.json" >/dev/null || fail "a: $(cat "$TEST_TMP/fresh.json")"
jq -r '.result.steps[0].reason' "$TEST_TMP/fresh.json" | grep -q "big1" ||
    fail "reason: $(cat "$TEST_TMP/fresh.json")"

note "the cache: an unchanged file is not hashed again"
# The first check after the change may hash big1 once more (the change
# was too recent to remember); the one after that hashes nothing.
rpc call pipeline.freshness "{\"file\": \"$BIG\"}" >/dev/null ||
    fail "second check"
before=$(hashed_bytes)
rpc call pipeline.freshness "{\"file\": \"$BIG\"}" >"$OUT" || fail "third check"
after=$(hashed_bytes)
[ "$before" = "$after" ] || fail "hashed $((after - before)) bytes again"
jq -e '.result.steps[0].state == "stale"' "$OUT" >/dev/null ||
    fail "third check: $(cat "$OUT")"
rpc call daemon.status | jq -e '.result.hashing.hits > 0' >/dev/null ||
    fail "no cache hits: $(rpc call daemon.status)"

note "run.start is checked off the loop too"
change y
starts() { grep -c ": run.start id " "$LOG"; }
more_starts() { [ "$(starts)" -gt "$1" ]; }
n=$(starts)
timeout 600 "$LOOMCTL" run -d "$BIG" >"$TEST_TMP/run.out" 2>&1 &
run_pid=$!
wait_for 60 more_starts "$n"
"$LOOMCTL" status --json >"$OUT" || fail "daemon status while checking"
kill -0 "$run_pid" 2>/dev/null ||
    fail "run.start was answered before status"
wait "$run_pid" || fail "run -d: $(cat "$TEST_TMP/run.out")"
run=$(cat "$TEST_TMP/run.out")
timeout 600 "$LOOMCTL" wait "$run" >/dev/null 2>&1 || fail "wait $run"
"$LOOMCTL" status "$run" --json >"$OUT"
[ "$(jq -r '.steps[0].state' "$OUT")" = succeeded ] ||
    fail "a did not re-run: $(cat "$OUT")"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
