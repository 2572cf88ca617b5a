#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Where the wall time between steps goes: a chain of STEPS shell steps
# run by Loom (sequentially, --force, after one warm-up run) and the same
# command lines ("bash step.sh IN -o OUT", as Loom runs a .sh task) by a
# plain shell loop, each under `perf record -a` of the kernel's process
# tracepoints (sched_process_fork, _exec, _exit: no system call is
# slowed down, unlike strace). For every step, from the timestamps:
#   fork->exec       the runner's fork (loomd's vfork) until the program
#                    is loaded: the child's work before exec, exec itself
#                    and any wait for a CPU
#   exec->exit       the task itself
#   exit->next fork  the runner's reaction: wake-up, reap, the step's
#                    stamp, journal and events, the next step's start
# Prints median, 10th and 90th percentile and mean in ms, and the wall
# per step. Needs perf with tracepoints (root or perf_event_paranoid <= -1).
#
#   bench/step-gaps.sh build-rel/bin [STEPS]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build-rel/bin}
n=${2:-200}
[ -x "$bin/loomctl" ] && [ -x "$bin/loomd" ] ||
	{ echo "usage: $0 BIN_DIR [STEPS]" >&2; exit 2; }
command -v perf >/dev/null || { echo "$0: no perf here" >&2; exit 1; }
. "$here/lib.sh"
bench_private "$bin/loomctl" 3600
pid=
bench_cleanup() { [ -z "$pid" ] || wait "$pid" 2>/dev/null; }

exp=$tmp/exp
bench_shell_chain "$exp" "$n"
{
	echo "set -e"
	for i in $(seq 1 "$n"); do
		echo "bash $exp/tasks/step.sh $exp/d/$((i - 1)) -o $exp/d/$i"
	done
} >"$exp/chain.sh"

"$bin/loomd" --foreground 2>"$tmp/loomd.err" &
pid=$!
while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.01; done
"$bin/loomctl" run --force --no-progress "$exp/chain.yml" >/dev/null

# gaps LABEL CMD...: CMD under the tracepoints, then the gaps of the
# steps (the execs of bash) forked by the process that forked most of them.
gaps() {
	local label=$1
	shift
	perf record -q -a -o "$tmp/perf.data" -e sched:sched_process_fork \
	    -e sched:sched_process_exec -e sched:sched_process_exit \
	    -- "$@" >/dev/null 2>"$tmp/perf.err" ||
		{ cat "$tmp/perf.err" >&2; exit 1; }
	perf script -i "$tmp/perf.data" 2>/dev/null >"$tmp/perf.txt"
	python3 - "$label" "$tmp/perf.txt" <<'PY'
import collections, re, sys
fork, exe, ext = {}, {}, {}
pat = re.compile(r'\s*.+?\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+sched:(\w+):\s*(.*)')
for line in open(sys.argv[2]):
    m = pat.match(line)
    if not m:
        continue
    pid, ts, name, rest = int(m[1]), float(m[2]), m[3], m[4]
    if name == 'sched_process_fork':
        fork[int(re.search(r'child_pid=(\d+)', rest)[1])] = (ts, pid)
    elif name == 'sched_process_exec' and rest.startswith('filename=/usr/bin/bash') or \
            name == 'sched_process_exec' and rest.startswith('filename=/bin/bash'):
        exe[pid] = ts
    elif name == 'sched_process_exit':
        ext.setdefault(pid, ts)
steps = [(fork[p][0], p) for p in exe if p in fork and p in ext]
top = collections.Counter(fork[p][1] for _, p in steps).most_common(1)[0][0]
steps = sorted(s for s in steps if fork[s[1]][1] == top)
def show(what, v):
    v = sorted(v)
    print('  %-16s median %6.3f  p10 %6.3f  p90 %6.3f  mean %6.3f' % (
        what, v[len(v) // 2], v[len(v) // 10], v[len(v) * 9 // 10], sum(v) / len(v)))
print('%s: %d steps, wall %.3f ms/step' % (sys.argv[1], len(steps),
      (ext[steps[-1][1]] - steps[0][0]) * 1e3 / len(steps)))
show('fork->exec', [(exe[p] - t) * 1e3 for t, p in steps])
show('exec->exit', [(ext[p] - exe[p]) * 1e3 for t, p in steps])
show('exit->next fork', [(steps[i + 1][0] - ext[steps[i][1]]) * 1e3
                         for i in range(len(steps) - 1)])
PY
}
echo "ms per step, $n-step chain of shell steps; load average $(cut -d' ' -f1-3 /proc/loadavg)"
gaps loom "$bin/loomctl" run --force --no-progress "$exp/chain.yml"
gaps "shell loop" sh "$exp/chain.sh"
