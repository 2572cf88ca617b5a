#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of hashing (SHA-256 and SHA-1 of 1 MiB), base64 of 1 MiB and
# the start-up of `loomctl --help` (README, "Development"). Builds
# bench-hash.c against a build folder's common library and runs it with
# that folder's loomctl. Use a release build for the figures:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF
#   cmake --build build-rel -j2
#   bench/bench-hash.sh build-rel
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
COMMON="$BUILD/common/libloomcommon.a"
LOOMCTL="$BUILD/bin/loomctl"
for f in "$COMMON" "$LOOMCTL"; do
	[ -f "$f" ] || { echo "no $f: build first" >&2; exit 2; }
done
SAN=""
if grep -q 'LOOM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	SAN="-fsanitize=address,undefined"
	echo "note: $BUILD is a sanitizer build; figures are not representative" >&2
fi
LIBS="yaml-0.1 jansson"
pkg-config --exists nettle && grep -q nettle "$BUILD/CMakeCache.txt" &&
	LIBS="$LIBS nettle"
WORK=$(mktemp -d /tmp/loom-bench-hash.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# shellcheck disable=SC2046,SC2086
cc -std=c11 -O2 -g -D_GNU_SOURCE $SAN -I"$SRC" "$SRC/bench/bench-hash.c" \
    "$COMMON" $(pkg-config --libs $LIBS) -ldl -lm -o "$WORK/bench-hash"
"$WORK/bench-hash" "$LOOMCTL"
