#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one libFuzzer target for a bounded time:
#   tests/fuzz/run.sh TARGET SECONDS
# TARGET is the fuzzer binary (build-fuzz/tests/fuzz/fuzz-load) or its
# name, looked up in $LOOM_FUZZ_BUILD/tests/fuzz (default build-fuzz).
# First every kept regression input (tests/fuzz/regress/NAME/) is run
# once; then the target fuzzes for SECONDS with 256 MiB and 10 s per
# input, seeded from examples/ and tests/cases/ (fuzz-save: from
# tests/save-corpus/, each behind 4 seed bytes; fuzz-jsonscan: also from
# tests/fuzz/jsonscan-seeds/) (with tests/fuzz/NAME.dict
# as a dictionary when there is one). The corpus grows in
# $LOOM_FUZZ_BUILD/corpus/NAME; a crash is written there as crash-*,
# and the script exits non-zero. Copy a crasher into regress/NAME/ once
# it is fixed, so it is re-run forever.
# The random seed is LOOM_FUZZ_SEED (default 1) and LOOM_FUZZ_RUNS, when
# set, bounds the inputs tried: with both, a run of one binary tries the
# same inputs on every machine, however loaded (SECONDS is then only a
# cap), so a run that passed here passes in CI. For that, a bounded run
# turns off what makes libFuzzer depend on timing or addresses: the leak
# check after each input (the count of mallocs it compares is disturbed
# by other threads; leaks are still reported at exit), re-reading the
# corpus folder every second, and mutations from the operands of recent
# comparisons (pointers among them). A change of the code under test
# changes the coverage and so the inputs tried: it can find a bug it did
# not cause. LOOM_FUZZ_SEED=0 picks a new seed each time and leaves
# libFuzzer's defaults on, for longer hunts.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 2 ]; then
	echo "usage: $0 TARGET SECONDS" >&2
	exit 2
fi
target=$1
seconds=$2
build=${LOOM_FUZZ_BUILD:-$top/build-fuzz}
if [ ! -x "$target" ]; then
	target=$build/tests/fuzz/$target
fi
if [ ! -x "$target" ]; then
	echo "$0: no fuzzer at $1 (build with -DLOOM_FUZZ=ON)" >&2
	exit 2
fi
name=$(basename "$target")
corpus=$build/corpus/$name
artifacts=$build/artifacts/$name
mkdir -p "$corpus" "$artifacts"

# Seeds: small files of the examples and the golden cases.
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
find "$top/examples" "$top/tests/cases" -type f -size -64k 2>/dev/null |
	while read -r f; do
		# Named by the path inside the tree, so that every checkout
		# loads the seeds in the same order (the same inputs tried).
		cp "$f" "$seeds/$(echo "${f#"$top"/}" | sha1sum | cut -c1-16)"
	done
# The JSON scanner's target starts from the daemon's events.
if [ "$name" = fuzz-jsonscan ]; then
	cp "$top"/tests/fuzz/jsonscan-seeds/* "$seeds"/
fi
# The saver's target reads 4 seed bytes, then a pipeline file.
if [ "$name" = fuzz-save ]; then
	for f in "$top"/tests/save-corpus/*.yml; do
		for s in 0000 1234 abcd wxyz; do
			printf '%s' "$s" | cat - "$f" \
			    >"$seeds/$(basename "$f" .yml)-$s"
		done
	done
fi

# ASan keeps 256 MiB of freed memory by default: too close to the limit.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"
opts=(-rss_limit_mb=256 -timeout=10 -artifact_prefix="$artifacts/"
	-seed="${LOOM_FUZZ_SEED:-1}")
dict=$top/tests/fuzz/$name.dict
if [ -f "$dict" ]; then
	opts+=(-dict="$dict")
fi
regress=$top/tests/fuzz/regress/$name
if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
	echo "$name: replaying $(ls "$regress" | wc -l) regression inputs"
	"$target" "${opts[@]}" "$regress"/*
fi
echo "$name: fuzzing for ${LOOM_FUZZ_RUNS:+$LOOM_FUZZ_RUNS inputs or }$seconds s"
runs=()
if [ -n "${LOOM_FUZZ_RUNS:-}" ]; then
	runs=(-runs="$LOOM_FUZZ_RUNS")
	if [ "${LOOM_FUZZ_SEED:-1}" != 0 ]; then
		runs+=(-detect_leaks=0 -reload=0 -use_cmp=0)
	fi
fi
"$target" "${opts[@]}" "${runs[@]}" -max_total_time="$seconds" \
	-print_final_stats=1 \
	"$corpus" "$seeds"
