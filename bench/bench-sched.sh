#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of the pure scheduler (README, "Development": scheduling overhead
# per step): builds bench-sched.c against a build folder's libraries and
# runs it for STEPS steps (default 10,000; also 100,000). Use a release
# build for the figures:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-sched.sh build-rel [STEPS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
COMMON="$BUILD/common/libloomcommon.a"
SCHED="$BUILD/loomd/libloomsched.a"
for lib in "$COMMON" "$SCHED"; do
	[ -f "$lib" ] || { echo "no $lib: build first" >&2; exit 2; }
done
SAN=""
if grep -q 'LOOM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	SAN="-fsanitize=address,undefined"
	echo "note: $BUILD is a sanitizer build; figures are not representative" >&2
fi
WORK=$(mktemp -d /tmp/loom-bench-sched.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# shellcheck disable=SC2046
cc -std=c11 -O2 -g -D_GNU_SOURCE $SAN -I"$SRC" "$SRC/bench/bench-sched.c" \
    "$SCHED" "$COMMON" $(pkg-config --libs yaml-0.1 jansson) -ldl \
    -o "$WORK/bench-sched"
for n in "$STEPS" $((STEPS * 10)); do
	echo "== $n steps"
	"$WORK/bench-sched" "$n"
done
