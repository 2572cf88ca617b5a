#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Running pipelines through loomd's methods (run.start, run.status,
# run.list, log.read, run.subscribe), with the real daemon:
# - a diamond with a failing branch: the failed step's exit code, its
#   dependant skipped because of it, the independent branch still run,
#   the run failed; records and logs written under .loom/runs/<id>/
# - log.read by offset and size, eof once the step is over; unknown run
#   (-32002) and unknown step (-32003)
# - an invalid pipeline (-32001 with diagnostics) and a bad selection
#   (-32004) start nothing
# - B11: a file where an output folder must go is an error (-32005)
#   before anything runs; missing output folders are created
# - P14: the step sees the client's environment, not a variable only the
#   daemon has; its working directory is the pipeline's folder whatever
#   the caller's; LOOM_RUN_ID names the run
# - S13: a step sees no descriptor of the daemon (only 0, 1, 2 and ls's
#   own)
# - events: a subscriber gets run.started, run.step_started, run.output
#   (base64, equal to the log), run.step_finished, run.step_skipped and
#   run.finished, in that order
# Long enough that the daemon never idles out between two checks.
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

# The pyenv shim in front of python3 costs seconds per call.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rpc() { "$PY" "$RPC_PY" -s "$LOOM_SOCKET" "$@"; }

start_run() {	# FILE [EXTRA_JSON] -> the run id, or the whole error
	local extra=${2:-'{}'} out
	out=$(rpc call run.start "$(jq -nc --arg f "$1" --argjson x "$extra" \
	    '{file: $f, cwd: "/", env: env} + $x')")
	jq -r '.result.run // empty' <<<"$out" | grep . || echo "$out"
}
run_field() { rpc call run.status "{\"run\":\"$1\"}" | jq -r ".result$2"; }
run_done() { case "$(run_field "$1" .state)" in running | "") return 1 ;; esac; }
wait_run() { wait_for 60 run_done "$1"; }
step_field() { run_field "$1" ".steps[] | select(.name == \"$2\") | $3"; }

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/ok.sh" <<'EOF'
echo "ok $*"
for last; do :; done
echo done >"$last"
EOF
cat >"$EXP/tasks/bad.sh" <<'EOF'
echo "bad is failing" >&2
exit 1
EOF
cat >"$EXP/tasks/env.sh" <<'EOF'
echo "client=${LOOM_TEST_CLIENT:-unset}"
echo "daemon=${LOOM_DAEMON_ONLY:-unset}"
echo "cwd=$(pwd)"
echo "run=${LOOM_RUN_ID:-unset}"
echo "py=${PYTHONUNBUFFERED:-unset}"
EOF
cat >"$EXP/tasks/fds.sh" <<'EOF'
exec ls /proc/self/fd
EOF
cat >"$EXP/diamond.yml" <<'EOF'
variables:
  a_out: out/a.txt
  b_out: out/b.txt
  c_out: out/c.txt
  d_out: out/deep/d.txt
  e_out: out/e.txt
pipeline:
  - name: a
    task: tasks/ok.sh
    outputs: {-o: $a_out}
  - name: b
    task: tasks/bad.sh
    inputs: {x: $a_out}
    outputs: {-o: $b_out}
  - name: c
    task: tasks/ok.sh
    inputs: {x: $a_out}
    outputs: {-o: $c_out}
  - name: d
    task: tasks/ok.sh
    inputs: {x: $b_out, y: $c_out}
    outputs: {-o: $d_out}
  - name: e
    task: tasks/ok.sh
    outputs: {-o: $e_out}
EOF
cat >"$EXP/env.yml" <<'EOF'
pipeline:
  - name: env
    task: tasks/env.sh
  - name: fds
    task: tasks/fds.sh
EOF

LOOM_DAEMON_ONLY=secret start_loomd
export LOOM_TEST_CLIENT="from the client"

note "diamond with a failing branch"
id=$(start_run "$EXP/diamond.yml" '{"parallel": true}')
[[ "$id" =~ ^[a-z][a-z0-9]{5}$ ]] || fail "run.start: $id"
wait_run "$id"
[ "$(run_field "$id" .state)" = failed ] || fail "run state $(run_field "$id" .state)"
[ "$(step_field "$id" a .state)" = succeeded ] || fail "a not succeeded"
[ "$(step_field "$id" b .state)" = failed ] || fail "b not failed"
[ "$(step_field "$id" b .exit_code)" = 1 ] || fail "b exit code"
[ "$(step_field "$id" c .state)" = succeeded ] || fail "c not succeeded"
[ "$(step_field "$id" d .state)" = skipped ] || fail "d not skipped"
[ "$(step_field "$id" d '.because | join(",")')" = b ] || fail "d skipped because of the wrong step"
[ "$(step_field "$id" e .state)" = succeeded ] || fail "independent e did not run"
[ "$(run_field "$id" .steps_total)" = 5 ] || fail "steps_total"
[ "$(run_field "$id" .steps_failed)" = 1 ] || fail "steps_failed"
[ "$(run_field "$id" .steps_skipped)" = 1 ] || fail "steps_skipped"
[ -d "$EXP/out/deep" ] || fail "output folder of d not created before the run"
dir="$EXP/.loom/runs/$id"
jq -e '.state == "failed"' "$dir/run.json" >/dev/null || fail "run.json not final"
blog="$dir/$(step_field "$id" b .log)"
[ "$(cat "$blog")" = "bad is failing" ] || fail "b's log: $(cat "$blog")"
[ "$(step_field "$id" d .log)" = null ] || fail "a skipped step has a log name"
! ls "$dir" | grep -q -- '-d\.log$' || fail "a skipped step has a log"
grep -q "$id" "$XDG_STATE_HOME/loom/runs.index" || fail "run not in the index"

note "log.read by offset"
r=$(rpc call log.read "{\"run\":\"$id\",\"step\":\"b\",\"offset\":4,\"max\":5}")
[ "$(jq -r .result.data <<<"$r" | base64 -d)" = "is fa" ] || fail "log.read slice: $r"
[ "$(jq -r .result.next <<<"$r")" = 9 ] || fail "log.read next: $r"
[ "$(jq -r .result.eof <<<"$r")" = false ] || fail "log.read eof too early: $r"
r=$(rpc call log.read "{\"run\":\"$id\",\"step\":\"b\",\"offset\":9}")
[ "$(jq -r .result.eof <<<"$r")" = true ] || fail "log.read eof: $r"
[ "$(jq -r .result.data <<<"$r" | base64 -d)" = "iling" ] || fail "log.read tail: $r"
r=$(rpc call log.read '{"run":"zzzzzz","step":"b"}')
[ "$(jq -r .error.code <<<"$r")" = -32002 ] || fail "unknown run: $r"
r=$(rpc call log.read "{\"run\":\"$id\",\"step\":\"nope\"}")
[ "$(jq -r .error.code <<<"$r")" = -32003 ] || fail "unknown step: $r"
r=$(rpc call run.status '{"run":"qqqqqq"}')
[ "$(jq -r .error.code <<<"$r")" = -32002 ] || fail "unknown run status: $r"

note "P14 environment and working directory, S13 descriptors"
id2=$(cd / && start_run "$EXP/env.yml")
wait_run "$id2"
[ "$(run_field "$id2" .state)" = succeeded ] || fail "env run $(run_field "$id2" .state)"
log="$EXP/.loom/runs/$id2/$(step_field "$id2" env .log)"
grep -qx "client=from the client" "$log" || fail "client env missing: $(cat "$log")"
grep -qx "daemon=unset" "$log" || fail "daemon env leaked: $(cat "$log")"
grep -qx "cwd=$EXP" "$log" || fail "cwd: $(cat "$log")"
grep -qx "run=$id2" "$log" || fail "LOOM_RUN_ID: $(cat "$log")"
grep -qx "py=1" "$log" || fail "PYTHONUNBUFFERED: $(cat "$log")"
fds=$(tr '\n' ' ' <"$EXP/.loom/runs/$id2/$(step_field "$id2" fds .log)")
[ "$fds" = "0 1 2 3 " ] || fail "step sees descriptors: $fds"

note "run.list"
r=$(rpc call run.list '{"limit": 1}')
[ "$(jq -r '.result.runs | length' <<<"$r")" = 1 ] || fail "run.list limit: $r"
[ "$(jq -r '.result.runs[0].run' <<<"$r")" = "$id2" ] || fail "run.list order: $r"
r=$(rpc call run.list '{}')
[ "$(jq -r '[.result.runs[].run] | join(" ")' <<<"$r")" = "$id2 $id" ] || fail "run.list: $r"

note "invalid pipeline, bad selection, B11"
cat >"$EXP/broken.yml" <<'EOF'
pipeline:
  - name: a
    task: tasks/ok.sh
    inputs: {x: $nothing}
EOF
nruns=$(ls "$EXP/.loom/runs" | wc -l)
r=$(start_run "$EXP/broken.yml")
[ "$(jq -r .error.code <<<"$r")" = -32001 ] || fail "invalid pipeline: $r"
[ "$(jq -r '.error.data.diagnostics | length' <<<"$r")" -ge 1 ] || fail "no diagnostics: $r"
jq -e '.error.data.diagnostics[0] | .line == 4 and .severity == "error"' <<<"$r" >/dev/null ||
    fail "diagnostic location: $r"
r=$(start_run "$EXP/diamond.yml" '{"steps": ["nope"]}')
[ "$(jq -r .error.code <<<"$r")" = -32004 ] || fail "bad selection: $r"
rm -rf "$EXP/out"
mkdir -p "$EXP/out"
echo "in the way" >"$EXP/out/deep"
r=$(start_run "$EXP/diamond.yml")
[ "$(jq -r .error.code <<<"$r")" = -32005 ] || fail "file in the way: $r"
jq -r .error.message <<<"$r" | grep -q "out/deep" || fail "error does not name the file: $r"
[ ! -e "$EXP/out/a.txt" ] || fail "a step ran although the run was refused"
[ "$(ls "$EXP/.loom/runs" | wc -l)" = "$nruns" ] || fail "a refused run left a folder"
rm -f "$EXP/out/deep"

note "events to a subscriber"
"$PY" - "$EXP/diamond.yml" <<'EOF' || fail "events"
import base64, json, os, sys
sys.path.insert(0, os.path.join(os.environ["LOOM_SRC"], "tests/integration"))
from rpc import Client
c = Client()
r = c.call("run.start", {"file": sys.argv[1], "env": dict(os.environ),
                         "subscribe": True, "parallel": False,
                         "force": True})
run = r["result"]["run"]
events = []
while True:
    m = c.recv(30)
    if "id" in m:
        continue
    events.append(m)
    if m["method"] == "run.finished":
        break
methods = [e["method"] for e in events]
assert methods[0] == "run.started", methods
assert all(e["params"]["run"] == run for e in events)
started = [e["params"]["step"] for e in events if e["method"] == "run.step_started"]
assert started == ["a", "b", "c", "e"], started
skipped = [e["params"] for e in events if e["method"] == "run.step_skipped"]
assert skipped == [{"run": run, "step": "d", "because": ["b"]}], skipped
fin = {e["params"]["step"]: e["params"] for e in events if e["method"] == "run.step_finished"}
assert fin["b"]["state"] == "failed" and fin["b"]["exit_code"] == 1, fin["b"]
assert fin["a"]["state"] == "succeeded" and fin["a"]["exit_code"] == 0, fin["a"]
out = b"".join(base64.b64decode(e["params"]["data"]) for e in events
               if e["method"] == "run.output" and e["params"]["step"] == "a")
rdir = os.path.join(os.path.dirname(sys.argv[1]), ".loom/runs", run)
rec = json.load(open(os.path.join(rdir, "run.json")))
log = open(os.path.join(rdir, rec["steps"][0]["log"]), "rb").read()
assert out == log and out.startswith(b"ok -o "), (out, log)
last = events[-1]["params"]
assert last["state"] == "failed" and last["steps_total"] == 5, last
assert last["steps_failed"] == 1 and last["steps_skipped"] == 1, last
EOF

stop_loomd
echo PASS
