#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of the editor (issue 4): time to first render of a 500-step
# pipeline in headless Chromium, against a 1-step reference. Needs a
# build with the editor and, for meaningful figures, no sanitizers:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   LOOM_BIN=build-rel/bin bench/bench-web.sh [STEPS] [RUNS]
# The editor bundle is taken from LOOM_WEB_DIR (default: the build's
# web/dist, else web/dist).
# LOOM_BENCH_TRACE=1 also reports the renderer main thread's CPU time
# until the first frame, from a Chromium trace (see bench-web.mjs).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${LOOM_BIN:=$top/build-rel/bin}"
if [ -z "${LOOM_WEB_DIR:-}" ]; then
	for d in "$LOOM_BIN/../web/dist" "$top/web/dist"; do
		[ -f "$d/index.html" ] && LOOM_WEB_DIR=$(cd "$d" && pwd) && break
	done
fi
[ -n "${LOOM_WEB_DIR:-}" ] || { echo "no built editor (build with -DLOOM_WEB=ON)" >&2; exit 2; }
[ -d "$top/web/node_modules/playwright-core" ] || (cd "$top/web" && npm ci --no-audit --no-fund)
export LOOM_BIN LOOM_WEB_DIR
exec node "$top/bench/bench-web.mjs" "$@"
