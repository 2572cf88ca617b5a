#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# URL downloads do not hold the daemon's loop (issue 13), against a local
# server that trickles a body one byte every 50 ms (httpserver.py
# /trickle/N: 4000 bytes take 200 s):
#  - run.start answers at once: the run is queued while its URL data
#    downloads (`loomctl run -d` returns its id)
#  - meanwhile `loomctl status RUN` is answered and another pipeline's
#    run starts and succeeds, while the download is still under way (its
#    temporary file is there, the cached file is not)
#  - `loomctl cancel` ends the run at once: when cancel returns, the
#    temporary file is gone, the run is cancelled (wait exits 130), the
#    server sees the connection closed before the body's end, nothing is
#    cached
#  - a download that ends starts the run: a short trickle runs the step
#    with the cached file
. "$(dirname "$0")/lib.sh"

WWW="$TEST_TMP/www"
mkdir -p "$WWW"
start_http_server "$WWW"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/copy.sh" <<'EOF2'
cat "$1" >"$3"
EOF2
write_pipeline() {	# URL-PATH
	cat >"$EXP/experiment.yml" <<EOF2
data:
  big: {path: "http://127.0.0.1:$PORT/$1"}
  copy: {path: out/copy.bin}
pipeline:
  - name: fetch
    task: tasks/copy.sh
    inputs: {b: \$big}
    outputs: {-o: \$copy}
EOF2
}
Y="$EXP/experiment.yml"
OTHER="$TEST_TMP/other"
make_hello_exp "$OTHER"
OUT="$TEST_TMP/out.txt"
CACHE="$EXP/.loom-url-cache"
partial() { ls -A "$CACHE" 2>/dev/null | grep -q '\.part-'; }
cached() { ls "$CACHE" 2>/dev/null | grep -q -- '-big\.bin$'; }

note "run.start answers while the download goes on"
write_pipeline trickle/4000/big.bin
run=$(timeout 30 "$LOOMCTL" run -d "$Y") || fail "run -d did not answer"
wait_for 30 grep -q '^/trickle/4000/big.bin$' "$TEST_TMP/requests"
wait_for 30 partial
state=$(timeout 10 "$LOOMCTL" status "$run" --json | jq -r .state) ||
    fail "status not answered during the download"
[ "$state" = queued ] || fail "a downloading run is $state"
partial || fail "the download ended before status answered"
cached && fail "the download ended before status answered"

note "another pipeline runs meanwhile"
timeout 60 "$LOOMCTL" run "$OTHER/experiment.yml" >"$OUT" 2>&1 ||
    { cat "$OUT" >&2; fail "another run did not succeed during the download"; }
grep -q '^\[SUCCESS\] hello$' "$OUT" || fail "other run: $(cat "$OUT")"
partial || fail "the download ended before the other run"

note "cancel aborts the download at once"
timeout 10 "$LOOMCTL" cancel "$run" >"$OUT" 2>&1 || fail "cancel: $(cat "$OUT")"
partial && fail "the temporary file outlived the cancel"
st=0
timeout 30 "$LOOMCTL" wait "$run" >/dev/null 2>&1 || st=$?
[ "$st" = 130 ] || fail "wait after cancel exited $st"
[ "$("$LOOMCTL" status "$run" --json | jq -r .state)" = cancelled ] || fail "run not cancelled"
wait_for 30 grep -q '^/trickle-cut /trickle/4000/big.bin$' "$TEST_TMP/requests"
cached && fail "a cancelled download was cached"
[ -e "$EXP/out/copy.bin" ] && fail "the step ran"

note "a download that ends starts the run"
write_pipeline trickle/10/small.bin
timeout 60 "$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "run with a short trickle"; }
[ "$(cat "$EXP/out/copy.bin")" = tttttttttt ] || fail "copy: $(cat "$EXP/out/copy.bin")"

lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
