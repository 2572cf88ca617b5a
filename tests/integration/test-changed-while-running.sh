#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A task script or an input that changes while its step runs: the step
# read the version it found as it started, so its stamp must not make it
# fresh by the new one. The step waits for a gate file; meanwhile the
# test replaces the script (a new file moved over it, with an older
# modification time, as a checkout or an editor's save may leave) or
# appends to the input. After the run the step is stale with the reason
# `loomctl status FILE` gives for any such change, and the next run runs
# it again. A run during which nothing changed leaves the step fresh,
# and so does one whose input was written by the step before it.
. "$(dirname "$0")/lib.sh"

export PATH="/usr/bin:$PATH"
E="$TEST_TMP/exp"
GATE="$TEST_TMP/gate"
mkdir -p "$E/tasks"
# version: what the step writes, so the test can tell which one ran.
task() {
	printf '#!/bin/sh\n: >"%s/started"\nwhile [ ! -e "%s" ]; do sleep 0.02; done\nfor o; do :; done\n{ echo %s; cat "%s/in.txt"; } >"$o"\n' \
	    "$E" "$GATE" "$1" "$E" >"$2"
	chmod +x "$2"
}
task v1 "$E/tasks/s.sh"
printf '#!/bin/sh\nfor o; do :; done\necho made >"$o"\n' >"$E/tasks/make.sh"
chmod +x "$E/tasks/make.sh"
echo one >"$E/in.txt"
printf 'data:\n  in: {path: in.txt}\n  out: {path: out.txt}\n  made: {path: made.txt}\npipeline:\n  - {name: s, task: tasks/s.sh, inputs: {-i: $in}, outputs: {-o: $out}}\n  - {name: m, task: tasks/make.sh, outputs: {-o: $made}}\n  - {name: u, task: tasks/make.sh, inputs: {-i: $made}, outputs: {-o: out2.txt}}\n' \
    >"$E/exp.yml"
start_loomd

# run_with CHANGE: run s, do CHANGE once it has started, then let it end.
run_with() {
	rm -f "$GATE" "$E/started"
	id=$("$LOOMCTL" run -d --force --step s "$E/exp.yml") || fail "run -d failed"
	wait_for 30 test -e "$E/started"
	"$@"
	: >"$GATE"
	"$LOOMCTL" wait -q "$id" || fail "run $id did not succeed"
}
state_of() {
	"$LOOMCTL" status "$E/exp.yml" --json | jq -r --arg s "$1" \
	    '.steps[] | select(.name == $s) | "\(.state): \(.reason)"'
}

note "nothing changed while it ran: fresh"
"$LOOMCTL" run --step m --step u "$E/exp.yml" >/dev/null || fail "run of m, u failed"
run_with true
[ "$(state_of s)" = "fresh: null" ] || fail "s after a plain run: $(state_of s)"
[ "$(state_of u)" = "fresh: null" ] || fail "u, whose input m wrote: $(state_of u)"

note "the script replaced while it ran"
replace() {
	task v2 "$E/tasks/new.sh"
	touch -d '2001-01-01' "$E/tasks/new.sh"
	mv "$E/tasks/new.sh" "$E/tasks/s.sh"
}
run_with replace
[ "$(head -n 1 "$E/out.txt")" = v1 ] || fail "the step did not run the first version"
[ "$(state_of s)" = "stale: task script tasks/s.sh changed" ] ||
	fail "s after its script changed while it ran: $(state_of s)"
"$LOOMCTL" run "$E/exp.yml" >"$TEST_TMP/out" || fail "the run after failed"
grep -q "Completed: 1/1 steps succeeded" "$TEST_TMP/out" ||
	fail "the next run did not run s again: $(cat "$TEST_TMP/out")"
[ "$(head -n 1 "$E/out.txt")" = v2 ] || fail "the next run did not run the new version"
[ "$(state_of s)" = "fresh: null" ] || fail "s after running the new version: $(state_of s)"

note "the input appended to while it ran"
run_with sh -c "echo two >>'$E/in.txt'"
[ "$(state_of s)" = "stale: input in.txt changed" ] ||
	fail "s after its input changed while it ran: $(state_of s)"
"$LOOMCTL" run "$E/exp.yml" >/dev/null || fail "the run after failed"
[ "$(tail -n 1 "$E/out.txt")" = two ] || fail "the next run did not read the new input"
[ "$(state_of s)" = "fresh: null" ] || fail "s after reading the new input: $(state_of s)"

stop_loomd
echo "PASS"
