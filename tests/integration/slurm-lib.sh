# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# For the tests through the private Slurm test cluster, sourced after
# lib.sh. slurm_need: skip (exit 77) without SLURM_CONF unless
# LOOM_SLURM_REQUIRED=1, which makes it a failure; sbatch must be found.
# slurm_wrap CMD...: wrappers first on PATH log every call of each CMD
# as "CMD ARGS" to $CALLS; calls CMD [PATTERN] counts them.
# state_of RUN FILTER: jq's FILTER (raw) of `loomctl status RUN --json`;
# run_id FILE: the run id of the "Run: ID" line a run printed to FILE.

slurm_need() {
	if [ -z "${SLURM_CONF:-}" ]; then
		[ "${LOOM_SLURM_REQUIRED:-0}" = 1 ] &&
			fail "LOOM_SLURM_REQUIRED=1 but SLURM_CONF is not set"
		skip "no test cluster (tests/slurm/start.sh; export SLURM_CONF)"
	fi
	command -v sbatch >/dev/null || fail "sbatch not found"
}

CALLS="$TEST_TMP/calls"
slurm_wrap() {
	local cmd real wrap="$TEST_TMP/wrap"
	mkdir -p "$wrap"
	: >"$CALLS"
	for cmd; do
		real=$(command -v "$cmd" || echo "/usr/bin/$cmd")
		cat >"$wrap/$cmd" <<WRAPPER
#!/bin/sh
echo "$cmd \$*" >>'$CALLS'
exec '$real' "\$@"
WRAPPER
		chmod +x "$wrap/$cmd"
	done
	export PATH="$wrap:$PATH"
}
calls() { grep -c "^$1 .*${2:-}" "$CALLS" || true; }
state_of() { "$LOOMCTL" status "$1" --json | jq -r "$2"; }
run_id() { sed -n 's/^Run: \([a-z0-9]*\).*/\1/p' "$1" | head -n 1; }
