#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# An attached `loomctl run` shows names and output exactly, whichever
# reader takes the daemon's events: loop items named with a quote, a
# backslash and a tab (escaped in the events: jansson reads those),
# with non-ASCII UTF-8 and plain ones (read by loomctl's own scanner),
# each printed in its RUNNING, output and SUCCESS lines, in order.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TEST_TMP/p/tasks" "$TEST_TMP/p/items" "$TEST_TMP/p/outs"
cd "$TEST_TMP/p" || fail "no $TEST_TMP/p"
printf '#!/bin/sh\nprintf "%%s\\n" "$(basename "$1")"\nfor a; do o=$a; done\necho x >"$o"\n' \
    >tasks/step.sh
chmod +x tasks/step.sh
names=(plain 'qu"ote' 'back\slash' "$(printf 'ta\tb')" 'caf'$'\xc3\xa9' $'\xe2\x82\xac-sign')
for n in "${names[@]}"; do echo x >"items/$n"; done
bench_seq_loop p.yml
start_loomd
"$LOOMCTL" run --force p.yml >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "run failed: $(cat "$TEST_TMP/err")"
for n in "${names[@]}"; do
	printf '[RUNNING] each[%s]\n[each[%s]] %s\n[SUCCESS] each[%s]\n' \
	    "$n" "$n" "$n" "$n"
done | LC_ALL=C sort >"$TEST_TMP/want"
grep -F 'each[' "$TEST_TMP/out" |
	LC_ALL=C sort >"$TEST_TMP/got"
diff "$TEST_TMP/want" "$TEST_TMP/got" >"$TEST_TMP/diff" ||
	fail "names or output differ: $(cat "$TEST_TMP/diff")"
# Each item's three lines come together, in that order.
awk '/^\[RUNNING\] / { n = substr($0, 11); s = 1; next }
	s == 1 && $0 == "[" n "] " substr(n, 6, length(n) - 6) { s = 2; next }
	s == 2 && $0 == "[SUCCESS] " n { s = 0; c++; next }
	/each\[/ { exit 1 }
	END { exit c != 6 }' "$TEST_TMP/out" ||
	fail "lines out of order: $(cat "$TEST_TMP/out")"
grep -qx '\[SUCCESS\] each' "$TEST_TMP/out" &&
    grep -q '^Completed: 1/1 steps succeeded' "$TEST_TMP/out" ||
	fail "no summary: $(cat "$TEST_TMP/out")"
