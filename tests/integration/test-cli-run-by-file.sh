#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomctl logs, wait and cancel take a pipeline file where they take a
# run id: its newest run (for cancel, its newest run still going), the
# file matched by its real path (relative, through a link). A file with
# no runs, or with none going for cancel, is a clear error (exit 2).
# `loomctl status --json FILE` is the file's freshness like
# `status FILE --json`, not an unknown run named FILE.
. "$(dirname "$0")/lib.sh"

export PATH="/usr/bin:$PATH"
P="$TEST_TMP/p"
mkdir -p "$P/tasks"
COUNT="$TEST_TMP/count"
GO="$TEST_TMP/go"
printf '#!/bin/sh\nn=$(($(cat "%s" 2>/dev/null || echo 0) + 1))\necho $n >"%s"\necho "hello $n"\nfor o; do :; done\n: >"$o"\n' \
    "$COUNT" "$COUNT" >"$P/tasks/say.sh"
printf '#!/bin/sh\nwhile [ ! -e "%s" ]; do sleep 0.05; done\nfor o; do :; done\n: >"$o"\n' \
    "$GO" >"$P/tasks/hold.sh"
chmod +x "$P/tasks/say.sh" "$P/tasks/hold.sh"
printf 'pipeline:\n  - {name: say, task: tasks/say.sh, outputs: {-o: said}}\n' >"$P/a.yml"
printf 'pipeline:\n  - {name: hold, task: tasks/hold.sh, outputs: {-o: held}}\n' >"$P/b.yml"
ln -s "$P/a.yml" "$TEST_TMP/link.yml"
OUT="$TEST_TMP/out"
start_loomd

note "a file with no runs"
rc=0
"$LOOMCTL" logs "$P/a.yml" >"$OUT" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "a.yml has no runs yet" "$OUT" ||
	fail "logs of a file never run (rc $rc): $(cat "$OUT")"

note "logs FILE: its newest run"
"$LOOMCTL" run "$P/a.yml" >/dev/null || fail "first run failed"
"$LOOMCTL" run --force "$P/a.yml" >/dev/null || fail "second run failed"
(cd "$P" && "$LOOMCTL" logs a.yml say) >"$OUT" ||
	fail "logs a.yml say failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 2" ] || fail "logs a.yml say: $(cat "$OUT")"
"$LOOMCTL" logs "$TEST_TMP/link.yml" say >"$OUT" ||
	fail "logs through a link failed: $(cat "$OUT")"
[ "$(cat "$OUT")" = "hello 2" ] || fail "logs through a link: $(cat "$OUT")"

note "status --json FILE: freshness"
"$LOOMCTL" status --json "$P/a.yml" >"$OUT" ||
	fail "status --json a.yml failed: $(cat "$OUT")"
[ "$(jq -r '.steps[0].state' "$OUT")" = fresh ] ||
	fail "status --json a.yml: $(cat "$OUT")"

note "wait and cancel FILE: the run going on"
run=$("$LOOMCTL" run -d "$P/b.yml") || fail "run -d b.yml failed"
"$LOOMCTL" wait "$P/b.yml" >"$TEST_TMP/wait.out" 2>&1 &
waiter=$!
sleep 0.3
kill -0 "$waiter" 2>/dev/null ||
	fail "wait b.yml returned while its run goes on: $(cat "$TEST_TMP/wait.out")"
"$LOOMCTL" cancel "$P/b.yml" >"$OUT" 2>&1 || fail "cancel b.yml failed: $(cat "$OUT")"
rc=0
wait "$waiter" || rc=$?
[ "$rc" = 130 ] || fail "wait b.yml exited $rc: $(cat "$TEST_TMP/wait.out")"
[ "$("$LOOMCTL" status "$run" --json | jq -r .state)" = cancelled ] ||
	fail "run $run was not the one cancelled"
rc=0
"$LOOMCTL" cancel "$P/b.yml" >"$OUT" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "no run of .*b.yml is going on" "$OUT" ||
	fail "cancel with none going (rc $rc): $(cat "$OUT")"
stop_loomd
echo PASS
