#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The system calls of `loomctl run --dry-run` do not grow with the steps
# where they need not (issue 14, planning 10,000 steps in under 100 ms;
# needs strace):
#  - before a first run, the outputs of 300 steps all lie in out/, which
#    does not exist: the plan stats at most 3 paths under out/ (an output
#    and the missing folders above it), not one per step, and still says
#    of every step "output out/dN.txt does not exist";
#  - once out/ exists with every other output in it, the outputs that
#    are there are not called missing, the others are (a folder that
#    exists is no shortcut);
#  - the ~57 KB script goes out in at most 2 writes (one 64 KiB buffer),
#    not one per 4 KiB;
#  - listing a loop's 300 files takes what the folder says of each entry:
#    no stat per item beyond the one that judges it as an input.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip "strace missing"

N=300
P="$TEST_TMP/p"
OUT="$TEST_TMP/out"
mkdir -p "$P/tasks"
printf '#!/bin/sh\ncp "$1" "$3"\n' >"$P/tasks/t.sh"
chmod +x "$P/tasks/t.sh"
: >"$P/in.txt"
{
	echo "data:"
	echo "  d0: {type: txt, path: in.txt}"
	for i in $(seq 1 $N); do
		echo "  d$i: {type: txt, path: out/d$i.txt}"
	done
	echo "pipeline:"
	for i in $(seq 1 $N); do
		echo "  - name: s$i"
		echo "    task: tasks/t.sh"
		echo "    inputs: {in: \$d$((i - 1))}"
		echo "    outputs: {-o: \$d$i}"
	done
} >"$P/experiment.yml"

# dry_run NAME: the dry run under strace into $OUT, its calls into
# $TEST_TMP/NAME.trace (LeakSanitizer cannot work under ptrace).
dry_run() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -o "$TEST_TMP/$1.trace" -e trace=%%stat,write \
	    "$LOOMCTL" run --dry-run "$P/experiment.yml" >"$OUT" \
	    2>"$TEST_TMP/$1.err" ||
	    fail "dry run ($1): $(cat "$TEST_TMP/$1.err")"
}

note "no out/ folder yet: a few stats, every output missing"
dry_run first
n=$(grep -c "\"$P/out" "$TEST_TMP/first.trace" || true)
[ "$n" -le 3 ] || fail "$n stats under out/ for $N missing outputs"
n=$(grep -c '^#   runs: output out/d[0-9]*\.txt does not exist$' "$OUT" ||
    true)
[ "$n" = "$N" ] || fail "$n of $N steps said missing: $(head -20 "$OUT")"
n=$(grep -c ' write(1, ' "$TEST_TMP/first.trace" || true)
bytes=$(wc -c <"$OUT")
[ "$bytes" -gt 32768 ] || fail "a script of only $bytes bytes"
[ "$n" -le 2 ] || fail "$n writes for a script of $bytes bytes"

note "out/ with every other output: only the others are missing"
mkdir "$P/out"
for i in $(seq 2 2 $N); do : >"$P/out/d$i.txt"; done
dry_run second
for i in 1 2 3 $N; do
	line=$(grep -A1 "^# s$i\$" "$OUT" | tail -n 1)
	if [ $((i % 2)) = 1 ]; then
		[ "$line" = "#   runs: output out/d$i.txt does not exist" ] ||
		    fail "s$i: '$line'"
	else
		case $line in
		*"output out/d$i.txt does not exist"*)
			fail "s$i: its output is there: '$line'" ;;
		esac
	fi
done
n=$(grep -c '^#   runs: output out/d[0-9]*\.txt does not exist$' "$OUT" ||
    true)
[ "$n" = $((N / 2)) ] || fail "$n outputs said missing, not $((N / 2))"

note "a loop over $N files: one stat per item, not two"
L="$TEST_TMP/l"
mkdir -p "$L/tasks" "$L/items"
cp "$P/tasks/t.sh" "$L/tasks/step.sh"
for i in $(seq 1 $N); do echo "$i" >"$L/items/$i"; done
bench_seq_loop "$L/experiment.yml"
P=$L dry_run loop
n=$(grep -c "\"$L/items/[0-9]" "$TEST_TMP/loop.trace" || true)
[ "$n" -le $((N + 3)) ] || fail "$n stats of the $N loop items"
n=$(grep -c "^bash $L/tasks/step.sh $L/items/" "$OUT" || true)
[ "$n" = "$N" ] || fail "$n of $N items planned: $(head -20 "$OUT")"
exit 0
