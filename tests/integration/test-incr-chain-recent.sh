#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A chain's input that the daemon hashed a moment before (the previous
# step's output, too recent for the hash cache) is taken at the next
# step's end from the hash kept then while a stat finds the file as it
# was, else hashed again. Each step's output gets a time in the future,
# so every later check compares contents (a time that close to a stamp's
# is not trusted alone) and a wrong recorded hash would show.
#  - a chain of five steps runs; each stamp records its input's SHA-256
#  - a second run runs nothing
#  - a middle file changed by hand after a run, its size and time kept:
#    the steps after it run again, not the ones before
#  - the same file changed by hand after its producer's run, before its
#    reader's (the daemon hashed it at the producer's end and keeps that
#    hash): the reader reads the new content, its stamp records that (a
#    kept hash handed out without the stat would record the old one), and
#    the next run runs nothing
#  - the same file changed by hand once its reader has started (it waits
#    before reading): the reader's stamp takes it as changed, so the next
#    run runs it again (and what follows it), then nothing
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
OUT="$TEST_TMP/out.txt"
mkdir -p "$EXP/tasks" "$EXP/data" "$EXP/out"
future=$(($(date +%s) + 86400))
cat >"$EXP/tasks/step.sh" <<EOF2
in=\$1 out=\$3 tag=\$5
echo "\$tag" >>ran.log
while [ -e "hold-\$tag" ]; do sleep 0.05; done
{ cat "\$in"; echo "\$tag"; } >"\$out"
touch -d @$future "\$out"
EOF2
echo "raw data" >"$EXP/data/in.txt"
{
	echo "data:"
	echo "  d0: {path: data/in.txt}"
	for i in 1 2 3 4 5; do echo "  d$i: {path: out/d$i}"; done
	echo "pipeline:"
	for i in 1 2 3 4 5; do
		echo "  - name: s$i"
		echo "    task: tasks/step.sh"
		echo "    inputs: {src: \$d$((i - 1))}"
		echo "    outputs: {-o: \$d$i}"
		echo "    args: {--tag: s$i}"
	done
} >"$EXP/chain.yml"
Y="$EXP/chain.yml"
start_loomd

run_ok() {
	: >"$EXP/ran.log"
	"$LOOMCTL" run --no-progress "$Y" >"$OUT" 2>&1 ||
	    fail "run failed: $(cat "$OUT")"
}
expect_ran() {
	[ "$(tr '\n' ' ' <"$EXP/ran.log")" = "${1:+$1 }" ] ||
	    fail "expected to run '$1', ran '$(tr '\n' ' ' <"$EXP/ran.log")'"
}
# The input hash s$1's stamp records, and the file's own.
recorded() {
	grep -h "^in f .* $EXP/out/d$(($1 - 1))\$" \
	    "$EXP"/.loom/stamps/s"$1"/* | awk '{ print $5 }'
}
hash_of() { sha256sum "$EXP/out/d$1" | cut -d' ' -f1; }
check_recorded() {
	local i
	for i in 2 3 4 5; do
		[ "$(recorded "$i")" = "$(hash_of $((i - 1)))" ] ||
		    fail "s$i records '$(recorded "$i")' for d$((i - 1))"
	done
}
# Change d$1 by hand: same size, its time put back (with a second
# argument, rot13 instead of upper case: content no stamp has).
change() {
	if [ -n "${2:-}" ]; then tr a-z n-za-m <"$EXP/out/d$1" >"$TEST_TMP/new"
	else tr a-z A-Z <"$EXP/out/d$1" >"$TEST_TMP/new"; fi
	cat "$TEST_TMP/new" >"$EXP/out/d$1"
	touch -d "@$future" "$EXP/out/d$1"
}

note "a chain runs; each stamp records its input's hash"
run_ok
expect_ran "s1 s2 s3 s4 s5"
check_recorded

note "a second run runs nothing"
run_ok
expect_ran ""

note "a middle file changed by hand, size and time kept: the steps after it"
change 2
run_ok
expect_ran "s3 s4 s5"
check_recorded
run_ok
expect_ran ""

note "changed after its producer's run, before its reader's: the new content recorded"
: >"$EXP/ran.log"
"$LOOMCTL" run --no-progress --force --step s1 --step s2 "$Y" >"$OUT" 2>&1 ||
    fail "run of s1, s2 failed: $(cat "$OUT")"
expect_ran "s1 s2"
before=$(hash_of 2)
change 2 rot13
[ "$(hash_of 2)" != "$before" ] || fail "d2 did not change"
run_ok
expect_ran "s3 s4 s5"
check_recorded
run_ok
expect_ran ""

note "changed once its reader has started: the reader runs again"
: >"$EXP/ran.log"
touch "$EXP/hold-s3"
"$LOOMCTL" run --no-progress --force "$Y" >"$OUT" 2>&1 &
client=$!
wait_for 60 grep -q s3 "$EXP/ran.log"
before=$(hash_of 2)
change 2
[ "$(hash_of 2)" != "$before" ] || fail "d2 did not change"
rm -f "$EXP/hold-s3"
wait "$client" || fail "run failed: $(cat "$OUT")"
expect_ran "s1 s2 s3 s4 s5"
"$LOOMCTL" status "$Y" --json | jq -r '.steps[] | select(.name == "s3") | .reason' >"$OUT"
[ "$(cat "$OUT")" = "input out/d2 changed" ] || fail "s3's reason: $(cat "$OUT")"
run_ok
expect_ran "s3 s4 s5"
check_recorded
run_ok
expect_ran ""
