#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of planning (README, "Development": load, validate and order a
# 10,000-step pipeline in under 100 ms, tens of MiB). Generates pipelines
# with bench/gen-pipeline.py, builds bench-plan.c against a build
# folder's libloomcommon.a and runs it on each shape; then times the
# whole "loomctl run --dry-run" process with hyperfine when present.
# Use a release build for the figures:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-plan.sh build-rel [STEPS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
LIB="$BUILD/common/libloomcommon.a"
[ -f "$LIB" ] || { echo "no $LIB: build first" >&2; exit 2; }
SAN=""
if grep -q 'LOOM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	SAN="-fsanitize=address,undefined"
	echo "note: $BUILD is a sanitizer build; figures are not representative" >&2
fi
WORK=$(mktemp -d /tmp/loom-bench-plan.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/bench-plan"
# shellcheck disable=SC2046
cc -std=c11 -O2 -g -D_GNU_SOURCE $SAN -I"$SRC" "$SRC/bench/bench-plan.c" \
    "$LIB" $(pkg-config --libs yaml-0.1 jansson) -ldl -o "$OUT"

for shape in layers chain fanout; do
	python3 "$SRC/bench/gen-pipeline.py" --steps "$STEPS" --shape "$shape" \
	    "$WORK/$shape"
	echo "== $STEPS steps, shape $shape"
	"$OUT" "$WORK/$shape/experiment.yml"
done
python3 "$SRC/bench/gen-pipeline.py" --steps "$STEPS" --groups 50 "$WORK/groups"
echo "== $STEPS steps in 50 groups"
"$OUT" "$WORK/groups/experiment.yml"

if command -v hyperfine >/dev/null && [ -x "$BUILD/bin/loomctl" ]; then
	echo "== whole process: loomctl validate / run --dry-run (layers)"
	hyperfine -N --warmup 2 --runs 10 \
	    "$BUILD/bin/loomctl validate $WORK/layers/experiment.yml" \
	    "$BUILD/bin/loomctl run --dry-run $WORK/layers/experiment.yml" \
	    2>&1 | grep -E 'Time|±|loomctl' || true
fi
