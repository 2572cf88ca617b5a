#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interleaved comparison of two builds of the editor: bench-web.mjs on
# bundle A, then B, then A ... (ROUNDS each), so that the machine's load
# falls on both alike; prints each run's line per shape and then, per
# shape and bundle, the medians of the first frame and (with
# LOOM_BENCH_TRACE=1, the default here) of the renderer main thread's CPU
# time before it, which a busy machine disturbs less than the wall time.
#   bench/bench-web-ab.sh DIST_A DIST_B [ROUNDS] [STEPS] [SHAPES]
# DIST_*: built editor folders (index.html + assets/). Needs LOOM_BIN as
# bench-web.sh does (a release build's bin/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 DIST_A DIST_B [ROUNDS] [STEPS]" >&2; exit 2; }
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd) rounds=${3:-5} steps=${4:-500} shapes=${5:-chain,fanout,param}
: "${LOOM_BIN:=$top/build-rel/bin}"
export LOOM_BIN LOOM_BENCH_TRACE=${LOOM_BENCH_TRACE:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
	for v in A B; do
		d=$a; [ $v = B ] && d=$b
		LOOM_WEB_DIR=$d node "$top/bench/bench-web.mjs" "$steps" 1 "$shapes" >"$out/$v.$r" 2>&1 ||
			{ cat "$out/$v.$r" >&2; exit 1; }
		echo "$v round $r: $(grep -o 'load average [0-9. ]*before' "$out/$v.$r")"
		grep -E 'reference|-step' "$out/$v.$r" | sed 's/^/    /'
	done
done
# Medians over the rounds: "first frame N ms" and "main thread N ms CPU".
for v in A B; do
	for s in 1-step chain fanout param; do
		cat "$out/$v".* | grep -E "$s" | awk -v v=$v -v s=$s 'BEGIN { n = 0 }
			{ for (i = 1; i < NF; i++) {
				if ($i == "frame" && $(i - 1) == "first") f[n] = $(i + 1)
				if ($i == "thread" && $(i - 1) == "main") c[n] = $(i + 1) }
			  n++ }
			function med(a, k,  i, j, t) { for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int(k / 2)] }
			END { if (n) printf "%s %-7s first frame median %s ms, main thread CPU median %s ms (%d runs)\n", v, s, med(f, n), med(c, n), n }'
	done
done
