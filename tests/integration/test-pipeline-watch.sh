#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon watches the files of open pipelines (loomd/watch.c) and
# tells the clients that opened them, with the real daemon:
#  - a save by rename-over (write a temporary file, rename it onto the
#    pipeline) sends file.changed {"file"} to the client that opened it,
#    and not to a client that opened another pipeline
#  - touching an input data file, and creating an output in a folder that
#    did not exist when the pipeline was opened, send it too
#  - a swap file in the pipeline's folder sends nothing (checked once a
#    change to another watched pipeline has been delivered, so the daemon
#    has read the swap file's event by then)
#  - opening another pipeline moves the client's watch; when the client
#    closes, daemon.status "watches" drops back to 0
#  - file.preview of a folder with 2 files says size 2 (not 4: "." and
#    ".." are not entries)
. "$(dirname "$0")/lib.sh"

for e in a b; do
	mkdir -p "$TEST_TMP/$e/data" "$TEST_TMP/$e/tasks"
	printf 'echo hi\n' >"$TEST_TMP/$e/tasks/t.sh"
	printf 'x\n' >"$TEST_TMP/$e/data/in.txt"
	cat >"$TEST_TMP/$e/experiment.yml" <<'YML'
data:
  src: {type: txt, path: data/in.txt}
  res: {type: txt, path: out/res.txt}
pipeline:
  - name: one
    task: tasks/t.sh
    inputs: {x: $src}
    outputs: {-o: $res}
YML
done
touch "$TEST_TMP/a/data/other.txt"

start_loomd --idle-timeout 30

"$PYTHON" - "$RPC_PY" "$TEST_TMP" <<'PY' || fail "watch checks failed"
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
tmp = sys.argv[2]
fa = os.path.join(tmp, "a", "experiment.yml")
fb = os.path.join(tmp, "b", "experiment.yml")

def opened(path):
    c = rpc.Client()
    r = c.call("pipeline.open", {"file": path})
    assert r["result"]["ok"], r
    return c

def changed(c, path, what):
    """The next message is file.changed for path (deadline 10 s)."""
    msg = c.notifications.pop(0) if c.notifications else c.recv(10)
    assert msg.get("method") == "file.changed", (what, msg)
    assert msg["params"] == {"file": path}, (what, msg)
    print("file.changed after", what)

def watches(c):
    return c.call("daemon.status")["result"]["watches"]

a, b = opened(fa), opened(fb)

tmpfile = fa + ".tmp"
with open(tmpfile, "w") as f:
    f.write(open(fa).read().replace("name: one", "name: renamed"))
os.rename(tmpfile, fa)
changed(a, fa, "a rename-over save")

os.utime(os.path.join(tmp, "a", "data", "in.txt"))
changed(a, fa, "touching an input")

os.mkdir(os.path.join(tmp, "a", "out"))
changed(a, fa, "creating the output folder")
a.call("pipeline.open", {"file": fa})   # the editor reloads: out/ watched
with open(os.path.join(tmp, "a", "out", "res.txt"), "w") as f:
    f.write("done\n")
changed(a, fa, "writing an output")

# Neither a swap file nor an unrelated file in a data folder's parent
# concerns a; a change to b, delivered to b, comes after their events.
open(os.path.join(tmp, "a", ".experiment.yml.swp"), "w").close()
os.utime(os.path.join(tmp, "a", "data", "other.txt"))
os.utime(fb)
changed(b, fb, "touching b")
assert a.expect_silence(0.2), "a swap file sent file.changed"
assert not a.notifications, a.notifications
print("a swap file and an unrelated file send nothing")

# a now views b: a change to a's file reaches nobody, one to b reaches both.
a.call("pipeline.open", {"file": fb})
os.utime(fa)
os.utime(fb)
changed(b, fb, "touching b again")
changed(a, fb, "touching b (a moved its watch)")
assert a.expect_silence(0.2) and not a.notifications, "a still watches a"

c = rpc.Client()
assert watches(c) > 0
a.close()
b.close()
deadline = time.monotonic() + 10
while watches(c) != 0:
    assert time.monotonic() < deadline, "watches left after the clients closed"
    time.sleep(0.05)
print("no watches once no client has a pipeline open")

os.mkdir(os.path.join(tmp, "a", "two"))
for n in ("x.txt", "y.txt"):
    open(os.path.join(tmp, "a", "two", n), "w").close()
r = c.call("file.preview", {"file": fa, "path": "two"})["result"]
assert r["kind"] == "dir" and r["size"] == 2 and r["entries"] == ["x.txt", "y.txt"] \
    and not r["truncated"], r
print("a folder of 2 files previews as 2 entries")
PY

stop_loomd
echo "PASS"
