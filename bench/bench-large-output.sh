#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a step's large output costs the daemon to record: a chain of
# three steps, `make` writing BENCH_BYTES (1 GiB) of random bytes, `read`
# and `also` each naming it as an input (the tasks read nothing). Each
# step's stamp needs the file's SHA-256: `make`'s as its output, the
# others' as their input. Printed per round (BENCH_REPEAT, 3): the
# bytes the daemon hashed for the run (daemon.status "hashing"), its CPU
# (the steps' excluded) and the run's wall time. The file should be
# hashed once (the figure to compare: bytes, then CPU); a hash taken
# again for each reader shows as up to 3 times the file. Whether a
# reader finds the hash in the hash cache depends on how long after the
# file's last change its writer's stamp began to be hashed (the cache
# keeps only what changed more than 50 ms before); the ring of recent
# hashes serves it either way. BENCH_READ_SECS makes the readers take
# that long. Use a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF
#   cmake --build build-rel -j2
#   bench/bench-large-output.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 2; }
bytes=${BENCH_BYTES:-1073741824}
repeat=${BENCH_REPEAT:-3}
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl" 300

exp="$tmp/exp"
mkdir -p "$exp/tasks"
head -c "$bytes" /dev/urandom >"$tmp/random.bin"
# Written as a program writes (head: write(2) after write(2)), and its
# times set at the very end (touch), as a program that closes its output
# last: the file's change time is then always too recent for the hash
# cache when its step's stamp is hashed.
printf '#!/bin/sh\nfor o; do :; done\nhead -c %s "%s" >"$o"\ntouch "$o"\n' \
    "$bytes" "$tmp/random.bin" >"$exp/tasks/make.sh"
printf '#!/bin/sh\nfor o; do :; done\nsleep "${BENCH_READ_SECS:-0}"\necho x >"$o"\n' >"$exp/tasks/read.sh"
chmod +x "$exp/tasks/make.sh" "$exp/tasks/read.sh"
cat >"$exp/chain.yml" <<'EOF'
pipeline:
  - {name: make, task: tasks/make.sh, outputs: {-o: big.bin}}
  - {name: read, task: tasks/read.sh, inputs: {-i: big.bin}, outputs: {-o: read.txt}}
  - {name: also, task: tasks/read.sh, inputs: {-i: big.bin}, outputs: {-o: also.txt}}
EOF
"$loomctl" daemon start >/dev/null
pid=$(jq -r .pid < <("$loomctl" daemon status --json))
hashed() { "$loomctl" daemon status --json | jq .hashing.bytes; }
printf 'a step writing %s MiB, two steps reading it\n' $((bytes / 1048576))
for ((i = 1; i <= repeat; i++)); do
	h0=$(hashed)
	c0=$(bench_cpu_ms "$pid")
	s=$(date +%s%N)
	"$loomctl" run --force "$exp/chain.yml" >/dev/null
	e=$(date +%s%N)
	c1=$(bench_cpu_ms "$pid")
	h1=$(hashed)
	printf '  round %d (load %s): hashed %d MiB (%.1f times the file), daemon CPU %d ms, run %d ms\n' \
	    "$i" "$(cut -d' ' -f1 /proc/loadavg)" $(((h1 - h0) / 1048576)) \
	    "$(awk -v h=$((h1 - h0)) -v b="$bytes" 'BEGIN { print h / b }')" \
	    "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%d", b - a }')" \
	    $(((e - s) / 1000000))
done
