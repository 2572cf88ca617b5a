#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# X2, reference-expansion bombs, with the real binaries:
#  - data paths each referring to the next ten times, 15 levels deep
#    (under 1 KB, 10^15 bytes expanded): `loomctl validate` (text and
#    --json) and `loomctl run --dry-run` refuse it with FILE:LINE:COL
#    errors naming the limit, exit 2;
#  - the daemon: pipeline.open, pipeline.validate and pipeline.freshness
#    answer with those diagnostics, run.start with -32001, while a second
#    client, whose request was sent after the bomb's, is answered too;
#  - the same shape 7 levels deep (10 MB expanded) is refused as well;
#  - a step whose values pass 2 MiB in all is refused by --dry-run at the
#    value that goes past the limit;
#  - pipeline.open of 200 entries of 60 KB each (12 MB resolved) is an
#    error instead of a 12 MB reply; the daemon stays up.
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
printf '#!/bin/sh\n' >"$EXP/tasks/t.sh"
chmod +x "$EXP/tasks/t.sh"
OUT="$TEST_TMP/out"

# bomb FILE LEVELS: entry n refers to entry n+1 ten times.
bomb() {
	local i
	{
		echo "data:"
		for ((i = 0; i < $2; i++)); do
			printf '  d%d: ' "$i"
			printf '${d%d}' $((i + 1)) $((i + 1)) $((i + 1)) \
			    $((i + 1)) $((i + 1)) $((i + 1)) $((i + 1)) \
			    $((i + 1)) $((i + 1)) $((i + 1))
			echo
		done
		echo "  d$2: x"
		printf 'pipeline:\n  - name: s\n    task: tasks/t.sh\n'
		printf '    outputs: {-o: $d0}\n'
	} >"$1"
}
bomb "$EXP/bomb.yml" 15
bomb "$EXP/bomb7.yml" 7
[ "$(wc -c <"$EXP/bomb.yml")" -lt 1024 ] || fail "the bomb is not small"

note "loomctl validate and --dry-run refuse the bomb"
st=0
timeout 60 "$LOOMCTL" validate "$EXP/bomb.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "validate exited $st: $(head -c 2000 "$OUT")"
grep -q "bomb.yml:2:7: error: references expand to at least [0-9]* bytes here, more than the limit of 65536 bytes" \
    "$OUT" || fail "validate said: $(head -c 2000 "$OUT")"
grep -q "bomb.yml:21:19: error: .*more than the limit of 1048576 bytes" \
    "$OUT" || fail "validate, the step: $(head -c 2000 "$OUT")"
st=0
timeout 60 "$LOOMCTL" validate --json "$EXP/bomb.yml" >"$OUT" || st=$?
[ "$st" = 2 ] || fail "validate --json exited $st"
[ "$(jq -r '.ok' "$OUT")" = false ] || fail "validate --json: $(head -c 2000 "$OUT")"
jq -S .diagnostics "$OUT" >"$TEST_TMP/cli.json"
st=0
timeout 60 "$LOOMCTL" run --dry-run "$EXP/bomb.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "dry run exited $st: $(head -c 2000 "$OUT")"
grep -q "bomb.yml:2:7: error: references expand to" "$OUT" ||
    fail "dry run said: $(head -c 2000 "$OUT")"
st=0
timeout 60 "$LOOMCTL" validate "$EXP/bomb7.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] && grep -q "bomb7.yml:2:7: error: references expand to 10000000 bytes" \
    "$OUT" || fail "7 levels: $st $(head -c 2000 "$OUT")"

note "the daemon refuses it and answers another client meanwhile"
start_loomd --idle-timeout 30
timeout 120 "$PYTHON" - "$RPC_PY" "$EXP" "$TEST_TMP/daemon.json" <<'PY' ||
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
exp = sys.argv[2]
a, b = rpc.Client(timeout=30), rpc.Client(timeout=30)
a.send({"jsonrpc": "2.0", "id": 1, "method": "pipeline.open",
        "params": {"file": exp + "/bomb.yml"}})
a.send({"jsonrpc": "2.0", "id": 2, "method": "pipeline.open",
        "params": {"file": exp + "/bomb7.yml"}})
pong = b.call("daemon.ping")
assert "result" in pong, pong
opened = a.reply_for(1)
opened7 = a.reply_for(2)
for r in (opened, opened7):
    assert r["result"]["ok"] is False, r
    assert any("references expand to" in d["message"]
               for d in r["result"]["diagnostics"]), r
    assert len(json.dumps(r)) < 100000, len(json.dumps(r))
checked = a.call("pipeline.validate", {"file": exp + "/bomb.yml"})
assert checked["result"]["ok"] is False, checked
fresh = a.call("pipeline.freshness", {"file": exp + "/bomb.yml"})
assert fresh["error"]["code"] == -32001, fresh
start = a.call("run.start", {"file": exp + "/bomb.yml", "env": {}})
assert start["error"]["code"] == -32001, start
json.dump(checked["result"]["diagnostics"], open(sys.argv[3], "w"))
PY
    fail "the daemon's answers on the bomb (see above)"
# pipeline.validate says what `loomctl validate --json` says.
jq -S '[.[] | .file |= sub(".*/"; "")]' "$TEST_TMP/daemon.json" >"$TEST_TMP/d.json"
jq -S '[.[] | .file |= sub(".*/"; "")]' "$TEST_TMP/cli.json" >"$TEST_TMP/c.json"
diff "$TEST_TMP/c.json" "$TEST_TMP/d.json" || fail "pipeline.validate differs from validate --json"

note "a command over 2 MiB in all"
long=$(head -c 60000 /dev/zero | tr '\0' x)
{
	printf 'data:\n  big: %s\npipeline:\n  - name: s\n    task: tasks/t.sh\n    args:\n' "$long"
	for ((i = 0; i < 40; i++)); do printf '      --a%d: $big\n' "$i"; done
} >"$EXP/long.yml"
st=0
"$LOOMCTL" run --dry-run "$EXP/long.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "long command: exit $st"
grep -q "long.yml:41:14: error: the command passes 2097152 bytes here" "$OUT" ||
    fail "long command said: $(head -c 500 "$OUT")"

note "pipeline.open of 12 MB of resolved paths"
{
	printf 'data:\n  big: %s\n' "$long"
	for ((i = 0; i < 200; i++)); do printf '  d%d: ${big}\n' "$i"; done
	printf 'pipeline:\n  - name: s\n    task: tasks/t.sh\n'
} >"$EXP/wide.yml"
st=0
rpc call pipeline.open "$(jq -nc --arg f "$EXP/wide.yml" '{file: $f}')" \
    >"$OUT" || st=$?
[ "$st" = 1 ] || fail "pipeline.open of wide.yml: $st $(head -c 500 "$OUT")"
jq -e '.error.code == -32001 and (.error.message | test("too many to send"))' \
    "$OUT" >/dev/null || fail "pipeline.open of wide.yml: $(head -c 500 "$OUT")"
rpc call daemon.ping >/dev/null || fail "the daemon did not survive"
stop_loomd
