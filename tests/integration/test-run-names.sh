#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Names of logs and loop items, with the real loomd and loomctl:
#  - X7: steps "x/y" and "x_y", item 0 of loop "conv" and a step
#    "conv.0" each get their own log file (recorded as "log" in the
#    record); "logs RUN STEP" shows each its own output
#  - loop items are named by their file: "[RUNNING] conv[b.txt]" and
#    "[FAILED] conv[b.txt] (exit code 3)" in run output, "logs RUN conv
#    --item b.txt" (a number still works), "==> conv[a.txt] <==" headers,
#    the record's items carry "name", a loop step "items_total",
#    "items_succeeded", "items_failed" and "failed_item"; "status RUN"
#    says "2/3 items succeeded, failed: b.txt (exit 3)"
#  - records of older versions (logs "<step>.log", named or implied)
#    still read
#  - the progress line (on a terminal) counts running items and items
#    done ("[0/4 done, 3 running, 0/3 items, ...")
#  - an item whose file name is not UTF-8 (JSON cannot carry it) is
#    named by its index, and its events and the loop's still arrive
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

OUT="$TEST_TMP/out.txt"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/in"
printf 'for last; do :; done\necho "this is $last"\n' >"$EXP/tasks/say.sh"
# A loop item: prints its file's content; b.txt fails with status 3.
cat >"$EXP/tasks/item.sh" <<'SH'
echo "item says $(cat "$1")"
case "$1" in */b.txt) exit 3 ;; esac
SH
for f in a b c; do echo "content of $f" >"$EXP/in/$f.txt"; done
cat >"$EXP/p.yml" <<'YML'
variables:
  in: in
  out: out
pipeline:
  - name: x/y
    task: tasks/say.sh
    args: {who: x/y}
  - name: x_y
    task: tasks/say.sh
    args: {who: x_y}
  - name: conv
    task: tasks/item.sh
    loop: {over: $in, into: $out}
    inputs: {src: $loop_item}
  - name: conv.0
    task: tasks/say.sh
    args: {who: conv.0}
YML

note "attached run: items named by their file"
"$LOOMCTL" run "$EXP/p.yml" >"$OUT" 2>&1 && fail "a failing item, yet exit 0"
grep -qx '\[RUNNING\] conv\[b.txt\]' "$OUT" || fail "no item name: $(cat "$OUT")"
grep -qx '\[conv\[a.txt\]\] item says content of a' "$OUT" ||
    fail "item output prefix: $(cat "$OUT")"
grep -qx '\[FAILED\] conv\[b.txt\] (exit code 3)' "$OUT" ||
    fail "failed item line: $(cat "$OUT")"
grep -qx '\[FAILED\] conv (2/3 items succeeded; first failed: b.txt, exit code 3)' \
    "$OUT" || fail "failed loop line: $(cat "$OUT")"
run=$("$LOOMCTL" status --json | jq -r '.runs[0].run')
[ -n "$run" ] || fail "no run listed"

note "X7: four units, four log files"
rec="$EXP/.loom/runs/$run/run.json"
logs=$(jq -r '[.steps[] | (.log // empty), (.items[]?.log)] | .[]' "$rec" | sort)
[ "$(wc -l <<<"$logs")" = 6 ] || fail "log names: $logs"
[ "$(uniq <<<"$logs" | wc -l)" = 6 ] || fail "log names collide: $logs"
for l in $logs; do
	[ -s "$EXP/.loom/runs/$run/$l" ] || fail "log $l missing"
done
for s in x/y x_y conv.0; do
	"$LOOMCTL" logs "$run" "$s" >"$OUT" || fail "logs $s"
	[ "$(cat "$OUT")" = "this is $s" ] || fail "logs $s shows: $(cat "$OUT")"
done
"$LOOMCTL" logs "$run" conv --item a.txt >"$OUT" || fail "logs --item a.txt"
[ "$(cat "$OUT")" = "item says content of a" ] || fail "item a.txt: $(cat "$OUT")"
"$LOOMCTL" logs "$run" conv --item 0 >"$OUT" || fail "logs --item 0"
[ "$(cat "$OUT")" = "item says content of a" ] || fail "item 0: $(cat "$OUT")"
"$LOOMCTL" logs "$run" conv --item nope.txt >"$OUT" 2>&1 && fail "an unknown item"
grep -q "no item 'nope.txt'" "$OUT" || fail "unknown item: $(cat "$OUT")"
"$LOOMCTL" logs "$run" >"$OUT" || fail "logs RUN"
grep -qx '==> conv\[c.txt\] <==' "$OUT" || fail "item header: $(cat "$OUT")"
grep -qx '==> x/y <==' "$OUT" || fail "step header: $(cat "$OUT")"

note "records and status name the items"
[ "$(jq -r '.steps[] | select(.name == "conv") | [.items[].name] | join(",")' "$rec")" = \
    "a.txt,b.txt,c.txt" ] || fail "item names in the record"
[ "$(jq -c '.steps[] | select(.name == "conv") |
    [.items_total, .items_succeeded, .items_failed, .failed_item, .exit_code]' "$rec")" = \
    '[3,2,1,"b.txt",3]' ] || fail "loop counts: $(jq -c '.steps[2]' "$rec")"
"$LOOMCTL" status "$run" >"$OUT" || fail "status RUN"
grep -q '2/3 items succeeded, failed: b.txt (exit 3)' "$OUT" ||
    fail "status RUN: $(cat "$OUT")"

note "records of older versions, with the old log names, still read"
# Such a record names its logs "<step>.log" (or names none: then the
# old names are implied); rewrite this run's record that way.
dir="$EXP/.loom/runs/$run"
mv "$dir/$(jq -r '.steps[] | select(.name == "x_y") | .log' "$rec")" "$dir/x_y.log"
mv "$dir/$(jq -r '.steps[] | select(.name == "conv") | .items[0].log' "$rec")" "$dir/conv.0.log"
jq '(.steps[] | select(.name == "x_y") | .log) = "x_y.log" |
    del(.steps[] | select(.name == "conv") | .items[0].log)' "$rec" >"$rec.new" &&
    mv "$rec.new" "$rec"
"$LOOMCTL" logs "$run" x_y >"$OUT" || fail "logs x_y of an old record"
[ "$(cat "$OUT")" = "this is x_y" ] || fail "old record, x_y: $(cat "$OUT")"
"$LOOMCTL" logs "$run" conv --item a.txt >"$OUT" || fail "logs of an old item"
[ "$(cat "$OUT")" = "item says content of a" ] || fail "old record, item: $(cat "$OUT")"

note "the progress line counts items"
# The items wait for a file the test creates once the count is on the
# terminal: a loop that ends within one batch of events (loomd writes to
# a client at most once per 20 ms) never shows a progress line in
# between, so nothing may depend on how fast the items are.
mkdir -p "$EXP/in3"
for f in a c; do echo "content of $f" >"$EXP/in3/$f.txt"; done
cat >"$EXP/tasks/wait.sh" <<SH
echo "item says \$(cat "\$1")"
while [ ! -e "$EXP/go" ]; do sleep 0.05; done
SH
cat >"$EXP/p3.yml" <<'YML'
pipeline:
  - name: conv
    task: tasks/wait.sh
    loop: {over: in3, into: out3}
    inputs: {src: $loop_item}
YML
script -qfec "$LOOMCTL run --parallel -j 4 $EXP/p3.yml" "$TEST_TMP/tty.out" \
    >/dev/null 2>&1 &
tty_pid=$!
counted() { grep -aq ' running, 0/2 items, ' "$TEST_TMP/tty.out"; }
wait_for 60 counted
touch "$EXP/go"
wait "$tty_pid" || fail "run on a terminal: $(tr '\r' '\n' <"$TEST_TMP/tty.out")"
grep -aq 'Completed: 1/1 steps succeeded' "$TEST_TMP/tty.out" ||
    fail "the run on a terminal: $(tr '\r' '\n' <"$TEST_TMP/tty.out")"

note "a file name that is not UTF-8: events arrive, the item named by number"
mkdir -p "$EXP/in2"
echo "content of a" >"$EXP/in2/a.txt"
echo "content of e" >"$EXP/in2/caf$(printf '\351').txt"
cat >"$EXP/tasks/item2.sh" <<'SH'
echo "item says $(cat "$1")"
case "$1" in */caf*) exit 4 ;; esac
SH
cat >"$EXP/p2.yml" <<'YML'
pipeline:
  - name: latin
    task: tasks/item2.sh
    loop: {over: in2, into: out2}
    inputs: {src: $loop_item}
YML
"$LOOMCTL" run "$EXP/p2.yml" >"$OUT" 2>&1 && fail "a failing item, yet exit 0"
grep -qx '\[RUNNING\] latin:1' "$OUT" || fail "no start of item 1: $(cat "$OUT")"
grep -qx '\[latin:1\] item says content of e' "$OUT" ||
    fail "item 1 output: $(cat "$OUT")"
grep -qx '\[FAILED\] latin:1 (exit code 4)' "$OUT" ||
    fail "no end of item 1: $(cat "$OUT")"
grep -q '^\[FAILED\] latin (1/2 items succeeded' "$OUT" ||
    fail "no end of the loop: $(cat "$OUT")"

"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
wait_for 30 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
