#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `loomctl status FILE` (pipeline.freshness) never waits behind a run's
# hashing. A step leaves a 1 MiB output, more than the loop hashes
# itself, so its stamp goes to the daemon's worker for runs, which
# LOOM_FAULT_HOLD_HASH (a fault hook, docs/daemon.md) holds while a file
# exists. Meanwhile status of another pipeline answers, and status of the
# same one says the step's files are being hashed (its marker alone
# says "running now"), with "hashing": true in the JSON; the run still
# waits for its stamp after both. Status queued behind the stamp before, for as long as the
# hashing took. Once the hold ends, the run ends and the step is fresh.
. "$(dirname "$0")/lib.sh"

grep -q '^LOOM_FAULT_HOOKS:BOOL=ON' "$LOOM_BUILD/CMakeCache.txt" 2>/dev/null ||
    skip "built without fault hooks (configure with -DLOOM_FAULT_HOOKS=ON)"

export PATH="/usr/bin:$PATH"
P="$TEST_TMP/p"
mkdir -p "$P/tasks"
printf '#!/bin/sh\nhead -c 1048576 /dev/zero >"$2"\n' >"$P/tasks/big.sh"
printf '#!/bin/sh\necho x >"$2"\n' >"$P/tasks/small.sh"
chmod +x "$P/tasks/big.sh" "$P/tasks/small.sh"
for n in big small; do
	printf 'pipeline:\n  - {name: %s, task: tasks/%s.sh, outputs: {-o: %s.out}}\n' \
	    "$n" "$n" "$n" >"$P/$n.yml"
done

LOG="$TEST_TMP/loomd.0.err"	# the daemon's log at -v, on its stderr
HOLD="$TEST_TMP/hold-hash"
export LOOM_FAULT_HOLD_HASH="$HOLD"
start_loomd -v
unset LOOM_FAULT_HOLD_HASH
"$LOOMCTL" run "$P/small.yml" >/dev/null || fail "run of small.yml failed"

: >"$HOLD"
run=$("$LOOMCTL" run -d "$P/big.yml") || fail "run -d big.yml failed"
wait_for 60 grep -q "LOOM_FAULT: hashing held" "$LOG"
timeout 30 "$LOOMCTL" status "$P/small.yml" >"$TEST_TMP/small.out" ||
	fail "status small.yml not answered: $(cat "$TEST_TMP/small.out")"
grep -q '^small *fresh' "$TEST_TMP/small.out" ||
	fail "status small.yml: $(cat "$TEST_TMP/small.out")"
timeout 30 "$LOOMCTL" status "$P/big.yml" >"$TEST_TMP/big.out"
grep -q '^big .*its files are being hashed' "$TEST_TMP/big.out" ||
	fail "status big.yml while hashing: $(cat "$TEST_TMP/big.out")"
timeout 30 "$LOOMCTL" status "$P/big.yml" --json >"$TEST_TMP/big.json"
[ "$(jq -c '.steps[0] | [.state, .hashing]' "$TEST_TMP/big.json")" = '["stale",true]' ] ||
	fail "status big.yml --json while hashing: $(cat "$TEST_TMP/big.json")"
[ "$("$LOOMCTL" status "$run" --json | jq -r .state)" = running ] ||
	fail "the run was over before status answered"
rm -f "$HOLD"

"$LOOMCTL" wait "$run" >/dev/null || fail "run $run did not succeed"
"$LOOMCTL" status "$P/big.yml" >"$TEST_TMP/big.out"
grep -q '^big *fresh' "$TEST_TMP/big.out" ||
	fail "status big.yml after the run: $(cat "$TEST_TMP/big.out")"
[ "$("$LOOMCTL" status "$P/big.yml" --json | jq '.steps[0].hashing')" = null ] ||
	fail "status big.yml --json after the run still says hashing"
stop_loomd
echo PASS
