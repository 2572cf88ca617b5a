#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stops the test cluster that tests/slurm/start.sh started in DIR
# (default /tmp/loom-slurm): slurmd, slurmctld and munged, each by its
# pid file, waiting until each is gone. The folder is left for reading
# the logs; start.sh clears it.
set -uo pipefail
dir=${1:-/tmp/loom-slurm}

stop_pidfile() {
	local file=$1 pid i
	[ -s "$file" ] || return 0
	pid=$(cat "$file")
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

stop_pidfile "$dir/slurmd.pid"
stop_pidfile "$dir/slurmctld.pid"
stop_pidfile "$dir/munge/munged.pid"
exit 0
