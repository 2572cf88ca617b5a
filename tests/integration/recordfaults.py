#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""RELIABILITY P13 driver for test-proc-record-faults.sh (stdlib only).

Crash points: for each of POINTS seeded random numbers N, a loomd runs
with LOOM_FAULT=trace,abort-before-rename:K (two thirds of the points with
"@run.json": counting run record writes only) and starts small runs one
after another until it aborts at that atomic write, between the temporary
file's write and its rename. The loomd of the next point (the last one:
trace only) first recovers from that crash and is checked once it is
ready; K is N plus the writes of that recovery, so every point crashes
while runs go on. Checked at every point:

- loomd died of SIGABRT, at write K, naming the temporary file and target;
- the temporary file holds a whole new version, the target (when it
  exists) a whole previous version; every run.json on disk parses;
- the temporary files on disk are exactly the expected ones: the one the
  crash left, plus older leftovers in folders that have had no successful
  write since (every write is traced, so the set is known exactly);
- the next loomd writes exactly one record per run left running, plus
  the index; it answers `loomctl status --json` naming the runs; a run
  that was running on disk reads "interrupted" (its running steps too,
  on disk as well, unless the run's step journal says they ended: then
  they read as they ended), a finished one keeps its state;
- after its start, no temporary file survives in a folder it wrote into,
  nor in a run folder without a record.

Write failures: for WPOINTS more numbers N, loomd runs with
LOOM_FAULT=trace,fail-write:N (every other one "@run.json") and must
stay up: the failed write is logged, leaves no temporary file, and the
target keeps a whole version; the runs finish "succeeded" with their
record on disk; a run whose final record write was the one that failed
reads "succeeded" from loomd at once (kept in memory) and on disk once
loomd has written it again (it retries every second).

Usage: recordfaults.py RPC_PY LOOMD LOOMCTL EXPERIMENT TMPDIR SEED POINTS
       WPOINTS (LOOM_SOCKET and XDG_STATE_HOME from the environment).
Prints one line per point; exits 1 with a message at the first failure.
"""
import importlib.util
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time

RPC_PY, LOOMD, LOOMCTL, EXP, TMP = sys.argv[1:6]
SEED, POINTS, WPOINTS = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
PIPELINE = os.path.join(EXP, "exp.yml")
STATE = os.path.join(os.environ["XDG_STATE_HOME"], "loom")
SOCKET = os.environ["LOOM_SOCKET"]

spec = importlib.util.spec_from_file_location("rpc", RPC_PY)
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)

TEMP_RE = re.compile(r"^\..+\.tmp-[A-Za-z0-9]{6}$")
TRACE_RE = re.compile(r"LOOM_FAULT: atomic write (\d+): (.*)$")
ABORT_RE = re.compile(r"LOOM_FAULT: aborting before renaming (.*) to (.*) "
                      r"\(atomic write (\d+)\)$")
NSTARTED = 0
# Every path written successfully so far: a file once written never
# disappears again.
WRITTEN = set()


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def start_loomd(fault):
    """Start loomd --foreground with LOOM_FAULT=fault. Returns (process,
    stderr path, True when it reported ready)."""
    global NSTARTED
    NSTARTED += 1
    errpath = os.path.join(TMP, "loomd.p%d.err" % NSTARTED)
    env = dict(os.environ, LOOM_FAULT=fault, LOOMD_IDLE_TIMEOUT="60")
    # The hook's abort is a plain SIGABRT: never a sanitizer report, even
    # where ASAN_OPTIONS would otherwise ask for one.
    if "abort" in fault and env.get("ASAN_OPTIONS"):
        env["ASAN_OPTIONS"] += ":handle_abort=0"
    r, w = os.pipe()
    with open(errpath, "w") as err:
        p = subprocess.Popen([LOOMD, "--foreground", "--ready-fd", str(w)],
                             pass_fds=(w,), stderr=err, env=env)
    os.close(w)
    got = b""
    deadline = time.monotonic() + 30
    while b"\n" not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([r], [], [], 1.0)
        if ready:
            chunk = os.read(r, 256)
            if not chunk:
                break
            got += chunk
    os.close(r)
    return p, errpath, got == b"ready\n"


def log_lines(path):
    with open(path, errors="replace") as f:
        return f.read().splitlines()


def traced_writes(lines):
    """[(n, path)] of every atomic write the log traced."""
    out = []
    for line in lines:
        m = TRACE_RE.search(line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def temps_on_disk():
    found = set()
    for top in (os.path.join(EXP, ".loom"), STATE):
        for root, _dirs, files in os.walk(top):
            for name in files:
                if TEMP_RE.match(name):
                    found.add(os.path.join(root, name))
    return found


def run_dirs():
    top = os.path.join(EXP, ".loom", "runs")
    if not os.path.isdir(top):
        return []
    return sorted(os.path.join(top, d) for d in os.listdir(top))


def read_json(path):
    with open(path) as f:
        return json.load(f)


def check_whole(path, text, what):
    """text must be a whole version of path's kind of file."""
    base = os.path.basename(path)
    if base in ("run.json", "summary.json"):
        kind = "record" if base == "run.json" else "summary"
        try:
            rec = json.loads(text)
        except ValueError as e:
            raise Failure("%s %s is not whole JSON: %s" % (what, path, e))
        check(isinstance(rec, dict) and rec.get("run") ==
              os.path.basename(os.path.dirname(path)),
              "%s %s is not this run's %s" % (what, path, kind))
    elif base == "runs.index":
        for line in text.splitlines(True):
            check(line.endswith("\n") and "\t" in line,
                  "%s %s has a torn line %r" % (what, path, line))
    else:
        check(text.startswith("loom-stamp 1\n") and text.endswith("\n"),
              "%s %s is not a whole stamp: %r" % (what, path, text[:80]))


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def run_until_dead(p, limit=12, enough=None):
    """Start runs one after another until loomd p dies, limit runs have
    finished, or enough() holds after a run. Returns the ids started."""
    ids = []
    try:
        c = rpc.Client(SOCKET, timeout=20)
        for _ in range(limit):
            if enough is not None and ids and enough():
                break
            reply = c.call("run.start", {"file": PIPELINE, "force": True,
                                         "env": dict(os.environ)})
            if "result" not in reply:
                raise Failure("run.start: %r" % (reply,))
            ids.append(reply["result"]["run"])
            # A run whose final record write failed still reads
            # "running" from disk: the daemon's count of active runs
            # says when it is over.
            deadline = time.monotonic() + 60
            while True:
                st = c.call("run.status", {"run": ids[-1]})
                if st.get("result", {}).get("state") != "running":
                    break
                st = c.call("daemon.status")
                if st.get("result", {}).get("active_runs") == 0:
                    break
                if time.monotonic() > deadline:
                    raise Failure("run %s did not finish" % ids[-1])
                time.sleep(0.01)
    except (rpc.Closed, ConnectionError, OSError):
        pass
    return ids


def cleared_by(writes, leftover):
    """Drop leftovers in the folders of successful writes."""
    dirs = {os.path.dirname(path) for _n, path in writes}
    return {t for t in leftover if os.path.dirname(t) not in dirs}


def loomctl(*args):
    r = subprocess.run([LOOMCTL] + list(args), capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0, "loomctl %s exited %d: %s" %
          (" ".join(args), r.returncode, r.stderr.strip()))
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise Failure("loomctl %s printed no JSON (%s): %r" %
                      (" ".join(args), e, r.stdout[:200]))


def stop(p):
    c = rpc.Client(SOCKET, timeout=20)
    c.call("daemon.stop")
    c.close()
    st = p.wait(timeout=60)
    check(st == 0, "fresh loomd exited with %r" % st)


def nth_of(writes, k, name):
    """Which write of files named name (all when None) write k is."""
    return sum(1 for j, path in writes if j <= k and
               (name is None or os.path.basename(path) == name))


def recovery_writes(name):
    """How many atomic writes of files named name (all when None) a loomd
    makes while it starts: one record and its summary per run left
    running by a dead daemon, a summary for an ended run without a valid
    one, then the index rewrite when the index names any run."""
    running = unsummed = 0
    for d in run_dirs():
        rf = os.path.join(d, "run.json")
        if not os.path.exists(rf):
            continue
        if read_json(rf).get("state") == "running":
            running += 1
            continue
        # An ended run whose summary is missing or stale gets one.
        try:
            sm = read_json(os.path.join(d, "summary.json"))
            ok = sm.get("state") not in (None, "running") and \
                sm.get("run") == os.path.basename(d)
        except (OSError, ValueError):
            ok = False
        unsummed += 0 if ok else 1
    idx = os.path.join(STATE, "runs.index")
    index = os.path.exists(idx) and any(
        "\t/" in line for line in read_text(idx).splitlines())
    if name == "run.json":
        return running
    if name == "summary.json":
        return running + unsummed
    return 2 * running + unsummed + (1 if index and name is None else 0)


def journal_ends(d):
    """The end state of each plain step that the run's step journal
    records (complete lines only): recovery replays them, so such a step
    reads as it ended, not "interrupted"."""
    jf = os.path.join(d, "steps.journal")
    ended = {}
    if os.path.exists(jf):
        for line in read_text(jf).split("\n")[:-1]:
            f = line.split(" ", 5)
            if len(f) == 6 and f[0] == "E" and f[1] == "-1":
                ended[f[5]] = f[4]
    return ended


def start_point(i, n, name):
    """Start the loomd of crash point i: it recovers what the previous
    one left, then aborts at write n of files named name (any when None)
    among the writes that follow. Returns (process, stderr path, ready,
    the records on disk before the start, the number of the write of
    name it will abort at)."""
    before = {}
    for d in run_dirs():
        rf = os.path.join(d, "run.json")
        if os.path.exists(rf):
            before[os.path.basename(d)] = read_json(rf)
            before[os.path.basename(d)]["_ended"] = journal_ends(d)
    k = n + recovery_writes(name) if n else 0
    fault = "trace" if not n else "trace,abort-before-rename:%d%s" % (
        k, "@" + name if name else "")
    p, errpath, ready = start_loomd(fault)
    if ready:
        got = nth_of(traced_writes(log_lines(errpath)), 1 << 30, name)
        check(got == k - n or not n, "point %d: loomd wrote %d file(s) "
              "while starting, expected %d" % (i, got, k - n))
    return p, errpath, ready, before, k


def check_recovered(i, errpath, before, leftover):
    """What a loomd that just started reports and cleans up after the
    crash of the previous one. Returns the leftovers and the number of
    runs it reports interrupted."""
    listed = {r["run"]: r for r in loomctl("status", "--json")["runs"]}
    interrupted = 0
    for rid, rec in before.items():
        if rec["state"] != "running" and rid not in listed:
            continue    # an older finished run, beyond the list's 20
        check(rid in listed, "point %d: status --json does not name run "
              "%s" % (i, rid))
        want = "interrupted" if rec["state"] == "running" else rec["state"]
        check(listed[rid]["state"] == want, "point %d: run %s is %s, "
              "expected %s" % (i, rid, listed[rid]["state"], want))
        if rec["state"] != "running":
            continue
        interrupted += 1
        c = rpc.Client(SOCKET, timeout=20)
        one = c.call("run.status", {"run": rid}).get("result", {})
        c.close()
        check(one.get("state") == "interrupted", "point %d: run.status "
              "%s: %r" % (i, rid, one.get("state")))
        for old, new in zip(rec["steps"], one["steps"]):
            if old["state"] == "running":
                want = rec["_ended"].get(old["name"], "interrupted")
                check(new["state"] == want, "point %d: step %s is %s, "
                      "expected %s" % (i, new["name"], new["state"], want))
            check(new["state"] != "running", "point %d: step %s still "
                  "running" % (i, new["name"]))
        ondisk = read_json(os.path.join(EXP, ".loom", "runs", rid,
                                        "run.json"))
        check(ondisk["state"] == "interrupted", "point %d: record of %s "
              "on disk is %s" % (i, rid, ondisk["state"]))
    fresh = traced_writes(log_lines(errpath))
    WRITTEN.update(path for _k, path in fresh)
    leftover = cleared_by(fresh, leftover)
    # Run folders without a record were swept at start-up.
    leftover = {t for t in leftover if os.path.basename(
        os.path.dirname(os.path.dirname(t))) != "runs" or os.path.exists(
        os.path.join(os.path.dirname(t), "run.json"))}
    got = temps_on_disk()
    check(got == leftover, "point %d: after the restart, temporary files "
          "%s, expected %s" % (i, sorted(got), sorted(leftover)))
    for t in got:
        check("/.loom/stamps" in t, "point %d: %s survived the restart" %
              (i, t))
    return leftover, interrupted


def crash_point(i, k, name, p, errpath, leftover):
    """Crash point i: loomd p (ready, armed for write k of name) runs
    small runs until it aborts; check what the abort left."""
    ids = run_until_dead(p)
    try:
        st = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise Failure("point %d: loomd did not abort at write %d" % (i, k))
    check(st == -signal.SIGABRT, "point %d: loomd exited with %r, not "
          "SIGABRT: %s" % (i, st, "\n".join(log_lines(errpath)[-5:])))
    lines = log_lines(errpath)
    aborts = [ABORT_RE.search(line) for line in lines]
    aborts = [m for m in aborts if m]
    check(len(aborts) == 1, "point %d: no abort line in %s" % (i, errpath))
    tmp, target, nth = aborts[0].group(1), aborts[0].group(2), \
        int(aborts[0].group(3))
    writes = traced_writes(lines)
    check(nth_of(writes, nth, name) == k, "point %d: aborted at write %d, "
          "not at write %d of %s" % (i, nth, k, name or "any file"))
    check(name is None or os.path.basename(target) == name,
          "point %d: aborted writing %s" % (i, target))
    done = [(j, path) for j, path in writes if j < nth]

    # What the crash left: a whole new version beside a whole old one.
    check(os.path.isfile(tmp), "point %d: %s is missing" % (i, tmp))
    check_whole(target, read_text(tmp), "new version")
    WRITTEN.update(path for _k, path in done)
    if os.path.exists(target):
        check_whole(target, read_text(target), "previous version")
    else:
        check(target not in WRITTEN, "point %d: %s vanished" % (i, target))
    for d in run_dirs():
        rf = os.path.join(d, "run.json")
        if os.path.exists(rf):
            check_whole(rf, read_text(rf), "record")
    leftover = cleared_by(done, leftover) | {tmp}
    got = temps_on_disk()
    check(got == leftover, "point %d: temporary files %s, expected %s" %
          (i, sorted(got), sorted(leftover)))
    return leftover, nth, target, len(ids)


def fail_point(i, n, name, leftover):
    note = ""
    p, errpath, ready = start_loomd("trace,fail-write:%d%s" %
                                    (n, "@" + name if name else ""))
    check(ready, "write point %d: loomd not ready" % i)
    ids = run_until_dead(p, limit=8, enough=lambda: nth_of(
        traced_writes(log_lines(errpath)), 1 << 30, name) >= n)
    check(p.poll() is None, "write point %d: loomd died (%r)" %
          (i, p.returncode))
    lines = log_lines(errpath)
    writes = traced_writes(lines)
    failed = [(k, path) for k, path in writes
              if (name is None or os.path.basename(path) == name) and
              nth_of(writes, k, name) == n]
    check(len(failed) == 1, "write point %d: write %d of %s not traced" %
          (i, n, name or "any file"))
    n, failed = failed[0][0], [failed[0][1]]
    check(any("cannot write" in line and "No space left on device" in line
              for line in lines),
          "write point %d: the failure was not logged" % i)
    for rid in ids:
        rf = os.path.join(EXP, ".loom", "runs", rid, "run.json")
        check_whole(rf, read_text(rf), "record")
    # A run whose last record write failed is answered from memory and
    # its record written again within a second or so; every run ends
    # "succeeded", to loomd and on disk.
    stale = failed[0] if failed[0].endswith("/run.json") and all(
        k <= n for k, path in writes if path == failed[0]) else None
    listed = {r["run"]: r for r in loomctl("status", "--json")["runs"]}
    for rid in ids:
        rf = os.path.join(EXP, ".loom", "runs", rid, "run.json")
        check(listed.get(rid, {}).get("state") == "succeeded",
              "write point %d: run %s is %r" % (i, rid, listed.get(rid)))
        if rf == stale:
            note = "the final record write failed: %s written again" % rid
            deadline = time.monotonic() + 10
            while (json.loads(read_text(rf)).get("state") != "succeeded"
                   and time.monotonic() < deadline):
                time.sleep(0.1)
        check(json.loads(read_text(rf)).get("state") == "succeeded",
              "write point %d: run %s on disk: %r" %
              (i, rid, json.loads(read_text(rf)).get("state")))
    stop(p)
    # Again: the writes made since (a record written again) count too.
    writes = traced_writes(log_lines(errpath))
    done = [w for w in writes if w[0] != n]
    WRITTEN.update(path for _k, path in done)
    leftover = cleared_by(done, leftover)
    got = temps_on_disk()
    check(got == leftover, "write point %d: temporary files %s, expected "
          "%s" % (i, sorted(got), sorted(leftover)))
    print("write point %d: write %d of %s failed, %d run(s)%s" %
          (i, n, os.path.relpath(failed[0], TMP), len(ids),
           "; " + note if stale else ""), flush=True)
    return leftover


def main():
    rng = random.Random(SEED)
    # Two of three points count run records only (about 4 per run), the
    # rest every atomic write (records, summaries, the index, and stamps
    # that are not a running marker rewritten in place). Each loomd
    # first recovers from the previous crash (checked once it is ready),
    # then runs until its own crash point.
    leftover = set()
    hit = {}
    points = []
    for i in range(1, POINTS + 1):
        if rng.random() < 2 / 3:
            points.append((rng.randint(1, 8), "run.json"))
        else:
            points.append((rng.randint(1, 30), None))
    p, errpath, ready, _before, k = start_point(1, *points[0]) if points \
        else (None, None, True, {}, 0)
    for i, (n, name) in enumerate(points, 1):
        check(ready, "point %d: loomd not ready: %s" %
              (i, "\n".join(log_lines(errpath)[-5:])))
        leftover, nth, target, nruns = crash_point(i, k, name, p, errpath,
                                                   leftover)
        nxt = points[i] if i < len(points) else (0, None)
        p, errpath, ready, before, k = start_point(i + 1, *nxt)
        check(ready, "point %d: the next loomd is not ready: %s" %
              (i, "\n".join(log_lines(errpath)[-5:])))
        leftover, interrupted = check_recovered(i, errpath, before,
                                                leftover)
        print("point %d: write %d (%d of %s): %s, %d run(s), %d "
              "interrupted, %d leftover(s)" % (
                  i, nth, n, name or "any file",
                  os.path.relpath(target, TMP), nruns, interrupted,
                  len(leftover)), flush=True)
        key = "%d%s" % (n, "@" + name if name else "")
        hit[key] = hit.get(key, 0) + 1
    if p is not None:
        stop(p)
    for i in range(1, WPOINTS + 1):
        if i % 2:
            n, name = rng.randint(1, 8), "run.json"
        else:
            n, name = rng.randint(1, 30), None
        leftover = fail_point(i, n, name, leftover)
    print("crash points per write number: %s" %
          " ".join("%s:%d" % kv for kv in sorted(hit.items())))


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
