#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a command and print its wall time and its own CPU time.

    cpu-of.py CMD [ARG...]

prints "WALL_MS OWN_CPU_MS TICKS_CPU_MS" on one line, the command's
output going to /dev/null. OWN_CPU_MS is the CPU time of the command's
own process alone, its children (the tasks that make or a shell starts)
excluded: once the process has exited it is waited for with WNOWAIT,
which leaves it a zombie whose /proc/<pid>/schedstat still holds its own
run time in nanoseconds (the children's times are only ever added to the
parent's cutime/cstime, never to these); then it is reaped. TICKS_CPU_MS
is the same from /proc/<pid>/stat (utime + stime, clock ticks): a cross
check at 1/CLK_TCK resolution.
"""
import os
import subprocess
import sys
import time


def own_cpu(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        ns = int(f.read().split()[0])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ns / 1e6, ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: cpu-of.py CMD [ARG...]")
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    wall = (time.monotonic() - t0) * 1000
    cpu, ticks = own_cpu(p.pid)
    _, status = os.waitpid(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"cpu-of.py: {sys.argv[1:]} exited {p.returncode}")
    print(f"{wall:.1f} {cpu:.3f} {ticks:.0f}")


if __name__ == "__main__":
    main()
