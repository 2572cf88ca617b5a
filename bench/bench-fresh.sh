#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of the up-to-date check (issue 5): builds bench-fresh.c
# against a build folder's libloomcommon.a and runs it on a generated
# pipeline of STEPS steps whose outputs all exist, without and with
# stamps. Use a release build (no sanitizers) for the figures:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-fresh.sh build-rel [STEPS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
LIB="$BUILD/common/libloomcommon.a"
[ -f "$LIB" ] || { echo "no $LIB: build first" >&2; exit 2; }
OUT="$BUILD/bench-fresh"
SAN=""
if grep -q 'LOOM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	SAN="-fsanitize=address,undefined"
	echo "note: $BUILD is a sanitizer build; figures are not representative" >&2
fi
# shellcheck disable=SC2046
cc -std=c11 -O2 -g -D_GNU_SOURCE $SAN -I"$SRC" "$SRC/bench/bench-fresh.c" "$LIB" \
    $(pkg-config --libs yaml-0.1 jansson) -ldl -o "$OUT"
"$OUT" "$STEPS"
