#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcurl is loaded only when a URL is downloaded, through the real
# binaries (a local HTTP server, httpserver.py, serves the data):
#  - neither loomctl nor loomd links libcurl or OpenSSL (ldd)
#  - a daemon that has run a pipeline without URL data has not mapped
#    libcurl; after its first download it has, and the download works
#  - when libcurl.so.4 cannot be loaded (an unloadable file first on
#    LD_LIBRARY_PATH), a run with URL data fails before any step starts,
#    naming the URL, libcurl.so.4 and the Debian package libcurl4, and
#    leaves nothing in the cache; a pipeline without URL data still runs
. "$(dirname "$0")/lib.sh"

OUT="$TEST_TMP/out.txt"
note "no libcurl, libssl or libcrypto in the binaries' link"
for b in loomctl loomd; do
	ldd "$LOOM_BIN/$b" >"$OUT" || fail "ldd $b"
	grep -E 'libcurl|libssl|libcrypto' "$OUT" && fail "$b links them"
done

WWW="$TEST_TMP/www"
mkdir -p "$WWW/sets"
printf 'x,y\n1,2\n' >"$WWW/sets/a.csv"
printf 'x,y\n5,6\n' >"$WWW/sets/b.csv"
start_http_server "$WWW"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/copy.sh" <<'EOS'
cat "$1" >"$3"
EOS
write_pipeline() {	# FILE SOURCE-PATH
	cat >"$EXP/$1" <<EOS
data:
  table:
    type: csv
    path: $2
  copy: {path: out/$1.csv}
pipeline:
  - name: fetch
    task: tasks/copy.sh
    inputs: {t: \$table}
    outputs: {-o: \$copy}
EOS
}
printf 'x,y\n7,8\n' >"$EXP/local.csv"
write_pipeline local.yml local.csv
write_pipeline a.yml "http://127.0.0.1:$PORT/sets/a.csv"
write_pipeline b.yml "http://127.0.0.1:$PORT/sets/b.csv"
maps_have() { grep -q "$1" "/proc/$(daemon_pid)/maps"; }

note "no libcurl in a daemon that has not downloaded"
"$LOOMCTL" run "$EXP/local.yml" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "local run"; }
[ -n "$(daemon_pid)" ] || fail "no daemon"
maps_have libcurl && fail "libcurl mapped before any download"
maps_have libcrypto && fail "libcrypto mapped before any download"

note "the first download loads libcurl"
"$LOOMCTL" run "$EXP/a.yml" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "URL run"; }
[ "$(cat "$EXP/out/a.yml.csv")" = "$(cat "$WWW/sets/a.csv")" ] || fail "copy differs"
maps_have 'libcurl\.so\.4' || fail "libcurl not loaded by the download"

note "libcurl that cannot be loaded: a clear error, nothing cached"
"$LOOMCTL" daemon stop >"$OUT" 2>&1 || fail "daemon stop: $(cat "$OUT")"
wait_for 30 test ! -S "$LOOM_SOCKET"
mkdir "$TEST_TMP/nolib"
: >"$TEST_TMP/nolib/libcurl.so.4"	# not an ELF file: dlopen fails
st=0
LD_LIBRARY_PATH="$TEST_TMP/nolib" "$LOOMCTL" run "$EXP/b.yml" >"$OUT" 2>&1 || st=$?
[ "$st" != 0 ] || fail "a run without libcurl succeeded"
grep -q "cannot download http://127.0.0.1:$PORT/sets/b.csv" "$OUT" || fail "URL not named: $(cat "$OUT")"
grep -q 'libcurl\.so\.4' "$OUT" || fail "library not named: $(cat "$OUT")"
grep -q 'Debian package libcurl4' "$OUT" || fail "package not named: $(cat "$OUT")"
[ -e "$EXP/out/b.yml.csv" ] && fail "the step ran"
ls -A "$EXP/.loom-url-cache" | grep -q -- '-b.csv' && fail "b.csv cached"
ls -A "$EXP/.loom-url-cache" | grep -q '\.part-' && fail "a temporary file left"
grep -q /sets/b.csv "$TEST_TMP/requests" && fail "b.csv was requested"
[ -n "$(daemon_pid)" ] || fail "no daemon"
tr '\0' '\n' <"/proc/$(daemon_pid)/environ" | grep -q "^LD_LIBRARY_PATH=$TEST_TMP/nolib" ||
    fail "the daemon does not run without libcurl"

note "without libcurl, pipelines without URL data still run"
rm -rf "$EXP/out"
LD_LIBRARY_PATH="$TEST_TMP/nolib" "$LOOMCTL" run "$EXP/local.yml" >"$OUT" 2>&1 ||
    { cat "$OUT" >&2; fail "local run without libcurl"; }
[ "$(cat "$EXP/out/local.yml.csv")" = "$(cat "$EXP/local.csv")" ] || fail "local copy differs"

"$LOOMCTL" daemon stop >/dev/null 2>&1
wait_for 30 test ! -S "$LOOM_SOCKET"
lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
