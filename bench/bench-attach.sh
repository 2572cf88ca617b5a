#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What following a flood costs: `loomctl run FILE` (attached, stdout to a
# file on the same disk) with one step writing BENCH_BYTES (1 GiB) to
# stdout, against `cat` of a file of that size into a file. Two shapes
# of output:
#   zeros   NUL bytes, no newline at all (one endless line)
#   lines   short text lines ("y\n" from yes), so every line is prefixed
#           (the output is 5 times the step's: "[lines] y\n" per line)
# Printed per round, with the load average at its start:
#   - the references: cat of a file of that size into a file, each step's
#     own command writing into a file, and each step's command piped
#     through cat into a file (`step | cat > file`: the output passes a
#     second process on its way, as it passes loomctl) (wall and CPU);
#   - each step's command writing into a file while bench/bench-follow.c
#     copies that file to another as it grows, the way loomctl follows a
#     log (woken by inotify; then paced, a pause of 250 us after each read
#     that found bytes): what a step writing its log itself would give,
#     with no daemon in between (wall, CPU and context switches of both);
#   - each shape with nobody attached (run -d + wait, the output only
#     logged): wall and the daemon's CPU;
#   - each shape attached: loomctl's wall time and the step's throughput,
#     its speed as a share of cat's, of the step writing into a file
#     itself and of the step piped through cat into a file (budget for
#     zeros: at least 80% of the step writing it to a file), the
#     CPU time of loomctl, of the daemon (the step's own excluded) and of
#     the step (the three share two cores: their sum bounds the speed), the
#     peak memory (VmHWM) of loomctl (what the kernel reports as the
#     child's maximum resident set size) and of the daemon (a fresh one per
#     shape, read from /proc before it stops), the context switches of
#     both (voluntary + involuntary: wake-ups, the figure that moves least
#     with the load) and the bytes it wrote.
# Budget: memory flat, under 32 MiB for both, not growing with the size of
# the flood. Every measurement starts with nothing left to write back
# (sync after the files of the one before are removed): otherwise the
# disk is still writing the previous 1 or 2 GiB while the next is timed,
# and whichever comes later in a round is slowed by what came before. On a shared machine wall times swing with the load: CPU time
# is the figure to compare; BENCH_REPEAT=N runs N rounds. BENCH_SHAPES
# picks shapes. BENCH_NO_LOG_FILE=1 makes loomctl read with log.read
# instead of the log file (LOOMCTL_NO_LOG_FILE), for comparison. Measure
# a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF
#   cmake --build build-rel -j2
#   bench/bench-attach.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (GNU time)" >&2; exit 2; }
bytes=${BENCH_BYTES:-1073741824}
shapes=${BENCH_SHAPES:-zeros lines}
repeat=${BENCH_REPEAT:-1}
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl" 300
[ -z "${BENCH_NO_LOG_FILE:-}" ] || export LOOMCTL_NO_LOG_FILE=1

exp="$tmp/exp"
mkdir -p "$exp/tasks"
printf '#!/bin/sh\nexec head -c %s /dev/zero\n' "$bytes" >"$exp/tasks/zeros"
printf '#!/bin/sh\nyes | head -c %s\n' "$bytes" >"$exp/tasks/lines"
chmod +x "$exp/tasks/zeros" "$exp/tasks/lines"
for shape in zeros lines; do
	printf 'pipeline:\n  - {name: %s, task: tasks/%s}\n' "$shape" "$shape" \
	    >"$exp/$shape.yml"
done
cc -std=c11 -O2 -D_GNU_SOURCE -o "$tmp/bench-follow" \
    "$(dirname "$0")/bench-follow.c"
declare -A step_ms piped_ms

# The references: cat of a file of that size into a file on the same
# disk, and the step's own command writing into a file (nothing of Loom
# in between). CPU is user+system of that process (and its children).
ref() {
	sync
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@"
	read -r secs usr sys <"$tmp/time"
	ref_ms=$(awk -v s="$secs" 'BEGIN { v = int(s * 1000); print (v > 0 ? v : 1) }')
	ref_cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}
mib=$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')
rate() { awk -v t="$1" -v m="$mib" 'BEGIN { printf "%.0f", m * 1000 / t }'; }
# The daemon's own user+system time so far (clock ticks), its children's
# (the steps') excluded.
dcpu_now() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
# The CPU of the daemon's reaped children (the steps) so far.
scpu_now() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$1/stat"
}
# The daemon's context switches so far.
dcs_now() {
	awk '/ctxt_switches:/ { n += $2 } END { print n }' "/proc/$1/status"
}

# The step writing into a file itself while bench-follow copies that
# file to another as it grows (pause: its pause after a read, 0 to wait
# for inotify after each).
followed() {
	local shape=$1 pause=$2 s e ms fusr fsys fvcs fics
	local susr ssys svcs sics
	: >"$exp/log.bin"
	sync
	s=$(date +%s%N)
	/usr/bin/time -f '%e %U %S %w %c' -o "$tmp/time.step" \
	    sh -c '"$1" >>"$2"' sh "$exp/tasks/$shape" "$exp/log.bin" &
	/usr/bin/time -f '%e %U %S %w %c' -o "$tmp/time" \
	    "$tmp/bench-follow" "$exp/log.bin" $! "$pause" >"$exp/ref.bin"
	wait
	e=$(date +%s%N)
	read -r _ fusr fsys fvcs fics <"$tmp/time"
	read -r _ susr ssys svcs sics <"$tmp/time.step"
	ms=$(((e - s) / 1000000))
	printf '  %-5s step > file, followed (pause %d us): %6d ms (%s MiB/s), %.0f%% of step > file; CPU step %.2f s, follower %.2f s; cs step %d, follower %d; copied %d bytes\n' \
	    "$shape" "$pause" "$ms" "$(rate "$ms")" \
	    "$(awk -v a="$ms" -v b="${step_ms[$shape]}" 'BEGIN { print b * 100 / a }')" \
	    "$(awk -v u="$susr" -v s="$ssys" 'BEGIN { print u + s }')" \
	    "$(awk -v u="$fusr" -v s="$fsys" 'BEGIN { print u + s }')" \
	    $((svcs + sics)) $((fvcs + fics)) "$(stat -c %s "$exp/ref.bin")"
	rm -f "$exp/log.bin" "$exp/ref.bin"
}

round() {
	head -c "$bytes" /dev/zero >"$exp/big.bin"
	sync
	ref sh -c 'cat "$1" >"$2"' sh "$exp/big.bin" "$exp/ref.bin"
	cat_ms=$ref_ms
	printf 'attached loomctl run, %s MiB to stdout (load %s)\n' "$mib" \
	    "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '  cat > file:          %6d ms (%s MiB/s), CPU %s s\n' \
	    "$ref_ms" "$(rate "$ref_ms")" "$ref_cpu"
	rm -f "$exp/ref.bin" "$exp/big.bin"
	for shape in $shapes; do
		ref sh -c '"$1" >"$2"' sh "$exp/tasks/$shape" "$exp/ref.bin"
		rm -f "$exp/ref.bin"
		step_ms[$shape]=$ref_ms
		printf '  %-5s step > file:  %6d ms (%s MiB/s), CPU %s s\n' \
		    "$shape" "$ref_ms" "$(rate "$ref_ms")" "$ref_cpu"
		ref sh -c '"$1" | cat >"$2"' sh "$exp/tasks/$shape" "$exp/ref.bin"
		rm -f "$exp/ref.bin"
		piped_ms[$shape]=$ref_ms
		printf '  %-5s step | cat > file: %6d ms (%s MiB/s), CPU %s s\n' \
		    "$shape" "$ref_ms" "$(rate "$ref_ms")" "$ref_cpu"
	done
	for shape in $shapes; do
		for pause in 0 250; do
			followed "$shape" "$pause"
		done
	done

	# The floor: each step with nobody attached (run -d, then wait), its
	# output only logged by the daemon.
	for shape in $shapes; do
		"$loomctl" daemon start >/dev/null 2>&1 || true
		dpid=$(cat "$LOOM_SOCKET.pid")
		d0=$(dcpu_now "$dpid")
		c0=$(dcs_now "$dpid")
		sync
		s=$(date +%s%N)
		id=$("$loomctl" run --force -d "$exp/$shape.yml")
		"$loomctl" wait -q "$id"
		e=$(date +%s%N)
		d1=$(dcpu_now "$dpid")
		c1=$(dcs_now "$dpid")
		dhwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$dpid/status")
		rm -f "$exp"/.loom/runs/*/*-"$shape".log
		"$loomctl" daemon stop >/dev/null 2>&1 || true
		ms=$(((e - s) / 1000000))
		printf '  %-5s unattached:   %6d ms (%s MiB/s), %.0f%% of cat; CPU loomd %.2f s; VmHWM loomd %d kB; cs loomd %d\n' \
		    "$shape" "$ms" "$(rate "$ms")" \
		    "$(awk -v a="$ms" -v b="$cat_ms" 'BEGIN { print b * 100 / a }')" \
		    "$(awk -v a="$d0" -v b="$d1" 'BEGIN { print b - a }')" "$dhwm_kb" \
		    $((c1 - c0))
	done

	for shape in $shapes; do
		"$loomctl" daemon start >/dev/null 2>&1 || true
		dpid=$(cat "$LOOM_SOCKET.pid")
		d0=$(dcpu_now "$dpid")
		s0=$(scpu_now "$dpid")
		c0=$(dcs_now "$dpid")
		out="$exp/$shape.out"
		sync
		/usr/bin/time -f '%e %M %U %S %w %c' -o "$tmp/time" \
		    "$loomctl" run --force --no-progress "$exp/$shape.yml" >"$out"
		read -r secs hwm_kb usr sys vcs ics <"$tmp/time"
		dhwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$dpid/status")
		d1=$(dcpu_now "$dpid")
		s1=$(scpu_now "$dpid")
		c1=$(dcs_now "$dpid")
		"$loomctl" daemon stop >/dev/null 2>&1 || true
		ms=$(awk -v s="$secs" 'BEGIN { v = int(s * 1000); print (v > 0 ? v : 1) }')
		size=$(stat -c %s "$out")
		# Logs are named <step index>-<step name>.log (docs/running.md).
		rm -f "$out" "$exp"/.loom/runs/*/*-"$shape".log
		printf '  %-5s attached:     %6d ms (%s MiB/s), %.0f%% of cat, %.0f%% of step > file, %.0f%% of step | cat > file; CPU loomctl %.2f s, loomd %.2f s, step %.2f s; VmHWM loomctl %d kB, loomd %d kB; cs loomctl %d, loomd %d; wrote %d bytes\n' \
		    "$shape" "$ms" "$(rate "$ms")" \
		    "$(awk -v a="$ms" -v b="$cat_ms" 'BEGIN { print b * 100 / a }')" \
		    "$(awk -v a="$ms" -v b="${step_ms[$shape]}" 'BEGIN { print b * 100 / a }')" \
		    "$(awk -v a="$ms" -v b="${piped_ms[$shape]}" 'BEGIN { print b * 100 / a }')" \
		    "$(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }')" \
		    "$(awk -v a="$d0" -v b="$d1" 'BEGIN { print b - a }')" \
		    "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" \
		    "$hwm_kb" "$dhwm_kb" $((vcs + ics)) $((c1 - c0)) "$size"
	done
}

for r in $(seq "$repeat"); do
	round
done
