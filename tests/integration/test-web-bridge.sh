#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The editor bridge against the real daemon, started by `loomctl ui`
# exactly as a user would. Covers:
#   W1  the listener is bound to 127.0.0.1 only
#   W4  token: >= 128 bits, absent from the logs, a previous daemon's
#       token refused; with BROWSER recording its argv, `loomctl ui`
#       passes no token on any command line (a 0600 redirect page in the
#       0700 runtime folder instead)
#   and, through webbridge.py (raw sockets): W2 Host, W3 malformed
#   headers, W4/W5/W6 token and Origin on requests and upgrades, W8 no
#   CORS, W9 no form POSTs, W10 confinement of previews (.., %2e%2e,
#   absolute, symlinks out, a folder, a FIFO, a NUL byte), W11 sandboxed
#   previews, W14 message cap (1009), W15 a subscriber that never reads
#   while a step writes 48 MB (the step finishes, others are answered,
#   that subscriber gets run.output_gap or is closed), W16 cookie and
#   referrer hygiene,
#   F2 handshake checks, F3 unmasked frames (1002), 1007/1003, the
#   JSON-RPC bridge with events and verbatim base64 output, and runs
#   started from the editor (alone or in a JSON-RPC batch) using the
#   environment of `loomctl ui`.
. "$(dirname "$0")/lib.sh"

exp="$TEST_TMP/exp"
mkdir -p "$exp/tasks" "$exp/data"
echo OUTSIDE >"$TEST_TMP/outside.txt"
cat >"$exp/experiment.yml" <<'YML'
data:
  table: {type: csv, path: data/table.csv}
  result: {type: txt, path: out/result.txt}
pipeline:
  - name: hello
    task: tasks/hello.sh
    inputs: {table: $table}
    outputs: {-o: $result}
YML
cat >"$exp/tasks/hello.sh" <<'SH'
#!/bin/bash
printf 'hello \xff\xfe\033[31mred\033[0m\r50%%\r100%%\n'
echo "mark=$LOOM_WEB_MARK"
echo done >"$3"
SH
chmod +x "$exp/tasks/hello.sh"
# W15: a step writing 48 MB while a subscriber never reads (webbridge.py
# runs it when flood.yml is there).
cat >"$exp/flood.yml" <<'YML'
pipeline:
  - name: flood
    task: tasks/flood.sh
YML
cat >"$exp/tasks/flood.sh" <<'SH'
#!/bin/sh
yes 'flood: a line of output that nobody reads in time' | head -c 48000000
SH
chmod +x "$exp/tasks/flood.sh"
printf 'name,score\nada,3\n' >"$exp/data/table.csv"
echo '<script>new WebSocket("ws://127.0.0.1/ws")</script>' >"$exp/data/page.html"
echo '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' >"$exp/data/pic.svg"
mkfifo "$exp/data/fifo"
ln -s ../../outside.txt "$exp/data/link-out"
ln -s /etc/passwd "$exp/data/link-etc"

note "W4 loomctl ui with BROWSER recording its argv"
cat >"$TEST_TMP/browser.sh" <<SH
#!/bin/sh
printf '%s\n' "\$0" "\$@" >"$TEST_TMP/browser.argv"
SH
chmod +x "$TEST_TMP/browser.sh"
url=$(BROWSER="$TEST_TMP/browser.sh" LOOM_WEB_MARK=m4711 \
    "$LOOMCTL" ui "$exp/experiment.yml") || fail "loomctl ui failed"
echo "$url" | grep -Eq '^http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{32,}&target=0$' ||
    fail "unexpected URL: $url"
port=$(echo "$url" | sed -E 's|^http://127\.0\.0\.1:([0-9]+)/.*|\1|')
token=$(echo "$url" | sed -E 's|.*token=([0-9a-f]+).*|\1|')
wait_for 10 test -s "$TEST_TMP/browser.argv"
grep -q "$token" "$TEST_TMP/browser.argv" && fail "the token reached the browser's command line"
page=$(sed -n 2p "$TEST_TMP/browser.argv")
page=${page#file://}
rundir=$(dirname "$LOOM_SOCKET")
[ "$(dirname "$page")" = "$rundir" ] || fail "redirect page $page is not in $rundir"
[ "$(stat -c %a "$page")" = 600 ] || fail "redirect page mode $(stat -c %a "$page")"
[ "$(stat -c %a "$rundir")" = 700 ] || fail "runtime dir mode $(stat -c %a "$rundir")"
grep -qF "$url" "$page" || fail "redirect page does not lead to the URL"

note "W1 bound to 127.0.0.1 only"
if command -v ss >/dev/null; then
	ss -ltnH "sport = :$port" | awk '{print $4}' >"$TEST_TMP/ss"
	grep -qx "127.0.0.1:$port" "$TEST_TMP/ss" || fail "not listening on 127.0.0.1:$port: $(cat "$TEST_TMP/ss")"
	[ "$(wc -l <"$TEST_TMP/ss")" = 1 ] || fail "more listeners on $port: $(cat "$TEST_TMP/ss")"
else
	note "ss missing (iproute2): W1 checked through /proc/net"
	hex=$(printf '%04X' "$port")
	grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp || fail "no 127.0.0.1:$port listener"
	grep -q "00000000:$hex 00000000:0000 0A" /proc/net/tcp && fail "listening on 0.0.0.0:$port"
fi

note "raw-socket checks (webbridge.py)"
python3 "$LOOM_SRC/tests/integration/webbridge.py" "$url" "$exp" --mark m4711 ||
    fail "bridge checks failed"

note "alive"
"$LOOMCTL" daemon status >/dev/null || fail "daemon status failed after the checks"

note "W4 the token never reaches the logs"
for f in "$XDG_STATE_HOME"/loom/loomd.log "$TEST_TMP"/loomd.*.err; do
	[ -f "$f" ] || continue
	grep -q "$token" "$f" && fail "token found in $f"
done

note "W4 a previous daemon's token is refused"
pid=$(daemon_pid)
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop failed"
wait_gone 20 "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
url2=$("$LOOMCTL" ui --no-browser --port "$port" "$exp/experiment.yml") ||
    fail "loomctl ui --port $port failed"
case "$url2" in
http://127.0.0.1:$port/*) ;;
*) fail "--port $port not honoured: $url2" ;;
esac
[ "$url2" != "$url" ] || fail "same token after a restart"
st=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/?token=$token")
[ "$st" = 403 ] || fail "old token gave $st"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "loom_token_$port=$token" "http://127.0.0.1:$port/")
[ "$st" = 403 ] || fail "old token cookie gave $st"
st=$(curl -s -o /dev/null -w '%{http_code}' "$url2")
[ "$st" = 302 ] || fail "new token gave $st"

note "a second ui.open on another port is refused with the port in use"
out=$("$LOOMCTL" ui --no-browser --port $((port + 1)) "$exp" 2>&1) &&
    fail "a second port was accepted: $out"
echo "$out" | grep -q "already listens on port $port" || fail "message: $out"

pid=$(daemon_pid)
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop failed"
wait_gone 20 "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
