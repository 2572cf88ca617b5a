#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Remote data through the real binaries, against a local HTTP server
# (httpserver.py, started here):
#  - a data path that is an http URL is downloaded on first use into
#    .loom-url-cache/ beside the experiment (extension kept); the step
#    receives the cached file's path, never the URL
#  - later runs reuse it: no second request, even with --force; the step
#    is up to date while the cached file is unchanged
#  - a 404 fails the run before any step starts, naming the URL and the
#    status; a connection dropped mid-body fails it too; neither leaves
#    anything in the cache
#  - clean removes the cache
. "$(dirname "$0")/lib.sh"

WWW="$TEST_TMP/www"
mkdir -p "$WWW/sets"
printf 'x,y\n1,2\n3,4\n' >"$WWW/sets/table.csv"
start_http_server "$WWW"
requests() { grep -c "$1" "$TEST_TMP/requests" 2>/dev/null || true; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/copy.sh" <<'EOF'
echo "$1" >"$3.path"
cat "$1" >"$3"
EOF
write_pipeline() {	# URL-PATH
	cat >"$EXP/experiment.yml" <<EOF
data:
  table:
    type: csv
    path: http://127.0.0.1:$PORT/$1
  copy: {path: out/copy.csv}
pipeline:
  - name: fetch
    task: tasks/copy.sh
    inputs: {t: \$table}
    outputs: {-o: \$copy}
EOF
}
Y="$EXP/experiment.yml"
OUT="$TEST_TMP/out.txt"

note "first use downloads into .loom-url-cache/, the step gets the file"
write_pipeline sets/table.csv
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "run"; }
[ "$(cat "$EXP/out/copy.csv")" = "$(cat "$WWW/sets/table.csv")" ] || fail "copy differs"
cached=$(cat "$EXP/out/copy.csv.path")
case "$cached" in
"$EXP/.loom-url-cache/"*-table.csv) ;;
*) fail "the step got $cached" ;;
esac
[ "$(requests /sets/table.csv)" = 1 ] || fail "requests: $(cat "$TEST_TMP/requests")"
ls -A "$EXP/.loom-url-cache" | grep -v -- '-table.csv$' && fail "stray files in the cache"

note "later runs reuse the cache"
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || fail "second run"
grep -q '^\[UP-TO-DATE\] fetch$' "$OUT" || { cat "$OUT" >&2; fail "not up to date"; }
"$LOOMCTL" run "$Y" --force >"$OUT" 2>&1 || fail "forced run"
grep -q '^\[SUCCESS\] fetch$' "$OUT" || fail "--force did not run"
[ "$(requests /sets/table.csv)" = 1 ] || fail "downloaded again"
"$LOOMCTL" status "$Y" --json | jq -e '.steps[0].state == "fresh"' >/dev/null ||
    fail "status: $("$LOOMCTL" status "$Y" --json)"

note "404: the run fails naming the URL and status, nothing cached"
rm -rf "$EXP/.loom-url-cache"
write_pipeline sets/missing.csv
st=0
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || st=$?
[ "$st" != 0 ] || fail "a 404 run succeeded"
grep -q "http://127.0.0.1:$PORT/sets/missing.csv" "$OUT" || fail "URL not named: $(cat "$OUT")"
grep -q "HTTP status 404" "$OUT" || fail "status not named: $(cat "$OUT")"
[ -z "$(ls -A "$EXP/.loom-url-cache" 2>/dev/null)" ] || fail "a failed download left files"

note "a connection dropped mid-body is an error, nothing cached"
write_pipeline drop/4096/big.bin
st=0
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || st=$?
[ "$st" != 0 ] || fail "a cut download succeeded"
grep -q "drop/4096/big.bin" "$OUT" || fail "URL not named: $(cat "$OUT")"
grep -q "connection closed after 4096 of 8192 bytes" "$OUT" || fail "cause not named: $(cat "$OUT")"
[ -z "$(ls -A "$EXP/.loom-url-cache" 2>/dev/null)" ] || fail "a cut download left files"

note "clean removes the cache"
write_pipeline sets/table.csv
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || fail "run again"
[ -d "$EXP/.loom-url-cache" ] || fail "no cache"
XDG_DATA_HOME="$TEST_TMP/share" "$LOOMCTL" clean "$Y" -y >"$OUT" 2>&1 || fail "clean: $(cat "$OUT")"
[ -e "$EXP/.loom-url-cache" ] && fail "cache left after clean"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
