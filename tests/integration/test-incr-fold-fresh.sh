#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The steps up to date at a run's start, folded (issue 14):
#  - loomctl run asks for "fold_fresh" and prints every up-to-date step as
#    before, in order, from one run.steps_fresh
#  - a client that asks gets one run.steps_fresh with their names, in
#    order, before the first step starts, and no run.step_finished for
#    them; a client that does not ask (the editor) gets one
#    run.step_finished per up-to-date step and no run.steps_fresh, also
#    when both follow the same run
#  - the folding client's run.start answer counts the steps
#    ("steps_total", "steps_uptodate") instead of listing them, and its
#    run.started has no step list; the other client's has
export LOOMD_IDLE_TIMEOUT="${LOOMD_IDLE_TIMEOUT:-120}"
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data"
printf 'cat "$1" >"$3"\n' >"$EXP/tasks/copy.sh"
echo raw >"$EXP/data/raw.txt"
echo 0 >"$EXP/data/d.txt"
cat >"$EXP/experiment.yml" <<'EOF'
data:
  raw: {path: data/raw.txt}
  din: {path: data/d.txt}
  oa: {path: out/a.txt}
  ob: {path: out/b.txt}
  oc: {path: out/c.txt}
  od: {path: out/d.txt}
pipeline:
  - name: a
    task: tasks/copy.sh
    inputs: {i: $raw}
    outputs: {-o: $oa}
  - name: b
    task: tasks/copy.sh
    inputs: {i: $oa}
    outputs: {-o: $ob}
  - name: c
    task: tasks/copy.sh
    inputs: {i: $ob}
    outputs: {-o: $oc}
  - name: d
    task: tasks/copy.sh
    inputs: {i: $din}
    outputs: {-o: $od}
EOF
Y="$EXP/experiment.yml"
OUT="$TEST_TMP/out.txt"

note "a first run runs every step"
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "first run failed"; }

note "loomctl prints the up-to-date steps in order, the changed one runs"
echo 1 >"$EXP/data/d.txt"
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "second run failed"; }
[ "$(grep '^\[UP-TO-DATE\]' "$OUT")" = "$(printf '[UP-TO-DATE] %s\n' a b c)" ] ||
    fail "up-to-date lines: $(cat "$OUT")"
grep -qx '\[SUCCESS\] d' "$OUT" || fail "d did not run: $(cat "$OUT")"
grep -qx 'Completed: 1/1 steps succeeded, 3 up to date' "$OUT" ||
    fail "summary: $(tail -n 1 "$OUT")"
[ "$(cat "$EXP/out/d.txt")" = 1 ] || fail "d.txt not remade"

note "events: folded for a client that asks, per step for one that does not"
# $1: "fold" when the run.start asks; $2: "watch" for a second client,
# not folding, that follows every run. Prints one line per client: the
# event methods with the step names, up to run.finished.
events() {
	"$PYTHON" - "$Y" "$@" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client

def follow(c, run):
    seen, msgs = [], list(c.notifications)
    while True:
        while msgs:
            m = msgs.pop(0)
            p = m.get("params", {})
            if p.get("run") != run or m["method"] == "run.output":
                continue
            if m["method"] == "run.started":
                seen.append("started:" + ("steps" if "steps" in p
                    else "nosteps"))
            elif m["method"] == "run.steps_fresh":
                seen.append("fresh:" + ",".join(p["steps"]))
            elif m["method"] in ("run.step_finished", "run.step_started"):
                seen.append("%s:%s:%s" % (m["method"][4:], p["step"],
                    p.get("state", "")))
            elif m["method"] == "run.finished":
                return " ".join(seen)
        msgs.append(c.recv(60))

fold = sys.argv[2] == "fold"
watcher = None
if len(sys.argv) > 3:
    watcher = Client(timeout=60)
    assert "result" in watcher.call("run.subscribe", {})
c = Client(timeout=60)
params = {"file": sys.argv[1], "env": {"PATH": os.environ["PATH"]},
          "subscribe": True}
if fold:
    params["fold_fresh"] = True
r = c.call("run.start", params)
assert "result" in r, r
res = r["result"]
run = res["run"]
if "steps" in res:
    head = "steps:%d" % len(res["steps"])
else:
    head = "counts:%d/%d" % (res["steps_total"], res["steps_uptodate"])
print(head, follow(c, run))
if watcher is not None:
    print(follow(watcher, run))
EOF
}
per_step='started:steps step_finished:a:uptodate step_finished:b:uptodate step_finished:c:uptodate step_started:d: step_finished:d:succeeded'
folded='started:nosteps fresh:a,b,c step_started:d: step_finished:d:succeeded'

echo 2 >"$EXP/data/d.txt"
got=$(events fold) || fail "fold client failed"
[ "$got" = "counts:4/3 $folded" ] || fail "folding client got: $got"

echo 3 >"$EXP/data/d.txt"
got=$(events plain) || fail "plain client failed"
[ "$got" = "steps:4 $per_step" ] || fail "client not asking got: $got"

echo 4 >"$EXP/data/d.txt"
got=$(events fold watch) || fail "two clients failed"
[ "$got" = "$(printf 'counts:4/3 %s\n%s' "$folded" "$per_step")" ] ||
    fail "one folding, one not: $got"

note "a run with every step up to date: one event with all of them"
got=$(events fold) || fail "fold client failed"
[ "$got" = "counts:4/4 started:nosteps fresh:a,b,c,d" ] ||
    fail "all up to date, folded: $got"
"$LOOMCTL" run "$Y" >"$OUT" 2>&1 || { cat "$OUT" >&2; fail "last run failed"; }
[ "$(grep '^\[UP-TO-DATE\]' "$OUT")" = "$(printf '[UP-TO-DATE] %s\n' a b c d)" ] ||
    fail "up-to-date lines: $(cat "$OUT")"
grep -qx 'Nothing to run: 4 step(s) up to date' "$OUT" ||
    fail "summary: $(tail -n 1 "$OUT")"
echo ok
