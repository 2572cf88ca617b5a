#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A loop step's items are judged up to date or not off the daemon's loop
# (issue 13). The loop goes over two files: a 2 GiB sparse one whose time
# is in the future (every check must hash it) and a small one; it comes
# after a step "gate" that waits for a file. In a second run, the big
# file changes in one byte (size and time put back) while gate waits, so
# that only the listing of the loop's items can see it (run.start's check
# came before). While the hashing worker judges the items, `loomctl
# status` is answered: the daemon's log shows the request between
# "judging 2 item(s)" and "1 of 2 item(s) up to date". Then only the big
# item re-runs. With the items judged on the loop, the status request
# waits for the hash and the log order check fails.
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
OUT="$TEST_TMP/out.txt"
LOG="$TEST_TMP/loomd.0.err"	# the daemon's log at -v, on its stderr
export RPC_TIMEOUT=600
mkdir -p "$EXP/tasks" "$EXP/in/items"
cat >"$EXP/tasks/l.sh" <<'EOF2'
while [ $# -gt 0 ]; do
	[ "$1" = -o ] && echo "$(date +%s%N)" >"$2"
	shift
done
EOF2
# gate: waits for $EXP/go; leaves its output as it is once made.
cat >"$EXP/tasks/gate.sh" <<EOF2
while [ ! -e "$EXP/go" ]; do sleep 0.05; done
while [ \$# -gt 0 ]; do
	[ "\$1" = -o ] && [ ! -e "\$2" ] && echo ok >"\$2"
	shift
done
EOF2
echo 1 >"$EXP/tick"
future=$(($(date +%s) + 86400))
truncate -s 2G "$EXP/in/items/big"
touch -d "@$future" "$EXP/in/items/big"
echo small >"$EXP/in/items/small"
cat >"$EXP/p.yml" <<'YML'
data:
  tick: {path: tick}
  gated: {path: out/gated}
  items: {path: in/items}
  outs: {path: out/items}
pipeline:
  - name: gate
    task: tasks/gate.sh
    inputs: {--tick: $tick}
    outputs: {-o: $gated}
  - name: l
    task: tasks/l.sh
    loop: {over: $items, into: $outs}
    inputs: {--src: $loop_item, --gate: $gated}
    outputs: {-o: $loop_output}
YML
start_loomd -v

note "first run: both items"
touch "$EXP/go"
timeout 600 "$LOOMCTL" run "$EXP/p.yml" >"$OUT" 2>&1 || fail "run: $(cat "$OUT")"
[ -s "$EXP/out/items/big" ] && [ -s "$EXP/out/items/small" ] ||
	fail "outputs: $(ls -l "$EXP/out/items")"
small_before=$(cat "$EXP/out/items/small")
big_before=$(cat "$EXP/out/items/big")

note "the big item changes; status is answered while the items are judged"
rm "$EXP/go"
echo 2 >"$EXP/tick"
base=$(wc -l <"$LOG")
# The first matching line of the daemon's log after line $base.
after() { awk -v b="$base" -v re="$1" 'NR > b && $0 ~ re { print NR; exit }' "$LOG"; }
judging_logged() { [ -n "$(after "step l: judging 2 item")" ]; }
gate_running() {
	[ "$("$LOOMCTL" status "$run" --json | jq -r '.steps[0].state')" = running ]
}
run=$(timeout 600 "$LOOMCTL" run -d "$EXP/p.yml") || fail "run -d: $run"
wait_for 120 gate_running
printf x | dd of="$EXP/in/items/big" bs=1 seek=4096 conv=notrunc 2>/dev/null
touch -d "@$future" "$EXP/in/items/big"
touch "$EXP/go"
wait_for 120 judging_logged
"$LOOMCTL" status --json >"$OUT" || fail "daemon status while judging"
timeout 600 "$LOOMCTL" wait "$run" >/dev/null 2>&1 || fail "wait $run"
judging=$(after "step l: judging 2 item")
judged=$(after "step l: 1 of 2 item\\(s\\) up to date")
status=$(awk -v j="$judging" 'NR > j && /: (run[.]list|daemon[.]hello) id / { print NR; exit }' "$LOG")
[ -n "$judged" ] || fail "the small item was not judged up to date: $(grep 'step l' "$LOG")"
[ -n "$status" ] && [ "$status" -lt "$judged" ] ||
	fail "status ($status) not answered before the items were judged ($judged)"
[ "$(cat "$EXP/out/items/small")" = "$small_before" ] || fail "small re-ran"
[ "$(cat "$EXP/out/items/big")" != "$big_before" ] || fail "big did not re-run"
"$LOOMCTL" status "$run" --json >"$OUT"
[ "$(jq -r .state "$OUT")" = succeeded ] || fail "run: $(cat "$OUT")"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
