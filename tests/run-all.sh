#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what a fresh Debian 12 machine lacks,
# builds Loom with AddressSanitizer and UndefinedBehaviorSanitizer, runs
# every unit, integration and browser test with CTest, builds the
# release configuration and runs examples with it (tests/release-check.sh),
# then runs each fuzzer on a fixed number of inputs from a fixed seed (LOOM_FUZZ_RUNS,
# default 200000, at most LOOM_FUZZ_SECONDS each, default 600; 0 skips),
# so that the fuzz stage gives the same answer on every machine for the
# same code (tests/fuzz/run.sh says how).
# The Slurm tests run against a private single-node cluster started by
# tests/slurm/start.sh when this machine can (as root or with sudo that
# needs no password); otherwise they are skipped. LOOM_SLURM=1 (as in CI)
# makes a cluster that cannot start a failure; LOOM_SLURM=0 skips them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

.ci/deps

build=${LOOM_TEST_BUILD:-$top/build-test}
web=OFF
[ -f web/package-lock.json ] && web=ON
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DLOOM_SANITIZE=ON \
	-DLOOM_WEB=$web >/dev/null
cmake --build "$build" -j"$(nproc)"

# Tasks start with the caller's python3: prefer the system one, since
# version-manager shims cost most of a second per process start.
[ -x /usr/bin/python3 ] && export PATH="/usr/bin:$PATH"

slurm=${LOOM_SLURM:-auto}
if [ "$slurm" != 0 ] && [ -z "${SLURM_CONF:-}" ]; then
	sudo=
	if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then
		sudo="sudo -n"
	fi
	if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
		slurmdir=/tmp/loom-slurm-test.$$
		if $sudo tests/slurm/start.sh "$slurmdir" >"$slurmdir.env"; then
			trap '$sudo tests/slurm/stop.sh "$slurmdir"; rm -f "$slurmdir.env"' EXIT
			SLURM_CONF=$slurmdir/slurm.conf
			export SLURM_CONF LOOM_SLURM_REQUIRED=1
		elif [ "$slurm" = 1 ]; then
			echo "run-all.sh: the test cluster did not start" >&2
			exit 1
		fi
	elif [ "$slurm" = 1 ]; then
		echo "run-all.sh: LOOM_SLURM=1 needs root or sudo to start" \
			"the test cluster" >&2
		exit 1
	else
		echo "run-all.sh: Slurm tests skipped (start the test cluster" \
			"as root: tests/slurm/start.sh)" >&2
	fi
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$build" && ctest --output-on-failure -j2) | tee "$build/ctest.log"

# The release configuration (no sanitizers; mimalloc) runs examples too.
tests/release-check.sh "$top/build-release-check"

seconds=${LOOM_FUZZ_SECONDS:-600}
export LOOM_FUZZ_RUNS=${LOOM_FUZZ_RUNS:-200000}
if [ "$seconds" != 0 ] && [ -x tests/fuzz/run.sh ]; then
	fuzzbuild=$top/build-fuzz
	CC=clang cmake -S . -B "$fuzzbuild" -DLOOM_FUZZ=ON -DLOOM_TESTS=OFF \
		-DLOOM_WEB=OFF >/dev/null
	cmake --build "$fuzzbuild" -j"$(nproc)"
	fuzzed=0
	for target in "$fuzzbuild"/tests/fuzz/fuzz-*; do
		[ -x "$target" ] || continue
		tests/fuzz/run.sh "$target" "$seconds"
		fuzzed=$((fuzzed + 1))
	done
	echo "fuzz: $fuzzed target(s), $LOOM_FUZZ_RUNS inputs each, no crash"
fi

# The test summary again, last, where readers of a long log look.
grep -E "tests passed|tests failed" "$build/ctest.log" | tail -n 1
