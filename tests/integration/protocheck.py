#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks against protocol/loom-protocol.json, the protocol as data.

    protocheck.py docs SCHEMA DOC.md...
        every method and event of the schema is described in the docs
        (a "### name" heading for a method, a row of the events table
        for an event) and the docs describe nothing the schema lacks;
        prints each difference and exits 1 on any.

    protocheck.py daemon SCHEMA SOCKET DIR
        sends every method of the schema to the daemon on SOCKET with the
        params of its "examples" (@FILE@ = DIR/experiment.yml, @DIR@ = DIR,
        @RUN@ and @STEP@ = a run started first, @PROTOCOL@ = the schema's
        version), daemon.stop last: no reply may be -32601, a result must
        match the method's "result" schema and an error must be one the
        method lists. Exits 1 on any failure.

The schema checker knows the keywords the protocol file uses: type, enum,
const, properties, required, additionalProperties, items, anyOf, $ref.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpc  # noqa: E402

NAME = r"[a-z_]+\.[a-z_]+"
TYPES = {"string": str, "boolean": bool, "object": dict, "array": list,
         "null": type(None)}


def check(schema, value, root, where="result"):
    """A list of the ways value does not match schema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check(root["$defs"][name], value, root, where)
    if "anyOf" in schema:
        for alt in schema["anyOf"]:
            if not check(alt, value, root, where):
                return []
        return ["%s: %r matches none of anyOf" % (where, value)]
    errs = []
    if "const" in schema and value != schema["const"]:
        errs.append("%s: %r is not %r" % (where, value, schema["const"]))
    if "enum" in schema and value not in schema["enum"]:
        errs.append("%s: %r not in %r" % (where, value, schema["enum"]))
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t is not None:
        ok = isinstance(value, TYPES[t]) and not (
            t != "boolean" and isinstance(value, bool))
    else:
        ok = True
    if not ok:
        return errs + ["%s: %r is not %s" % (where, value, t)]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errs.append("%s: missing %r" % (where, key))
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                errs += check(props[key], v, root, where + "." + key)
            elif extra is False:
                errs.append("%s: unexpected %r" % (where, key))
            elif isinstance(extra, dict):
                errs += check(extra, v, root, where + "." + key)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errs += check(schema["items"], v, root, "%s[%d]" % (where, i))
    return errs


def documented(paths):
    """(methods, events) the docs describe."""
    methods, events = set(), set()
    for path in paths:
        in_events = False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("## "):
                    in_events = line.startswith("## Notifications")
                m = re.match(r"### (%s(?: / %s)*)(?::.*)?$" % (NAME, NAME),
                             line.rstrip("\n"))
                if m:
                    methods.update(m.group(1).split(" / "))
                m = re.match(r"\| `(%s)` \|" % NAME, line)
                if m and in_events:
                    events.add(m.group(1))
    return methods - events, events


def docs(schema, paths):
    methods, events = documented(paths)
    bad = 0
    for kind, have, want in (("method", methods, set(schema["methods"])),
                             ("event", events, set(schema["events"]))):
        for name in sorted(want - have):
            print("FAIL %s %s is in the schema but not in the docs" %
                  (kind, name))
            bad += 1
        for name in sorted(have - want):
            print("FAIL %s %s is in the docs but not in the schema" %
                  (kind, name))
            bad += 1
    print("%d methods, %d events documented" % (len(methods), len(events)))
    return 1 if bad else 0


def fill(value, subst):
    if isinstance(value, str):
        return subst.get(value, value.replace("@DIR@", subst["@DIR@"]))
    if isinstance(value, list):
        return [fill(v, subst) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, subst) for k, v in value.items()}
    return value


def passed_log(c, result):
    """log.open: the log file came with the reply and holds the log."""
    if not result.get("fd") or not c.fds:
        return ["no log file came with the reply"]
    fd = c.fds.pop(0)
    try:
        data = os.pread(fd, 4096, 0)
    finally:
        os.close(fd)
    if not data.startswith(b"step a writes") or len(data) != result["size"]:
        return ["the passed file holds %r (size %d)" % (data,
                                                         result["size"])]
    return []


def daemon(schema, sock, folder):
    c = rpc.Client(sock, timeout=60)
    subst = {"@FILE@": folder + "/experiment.yml", "@DIR@": folder,
             "@PROTOCOL@": schema["protocol"], "@STEP@": "a"}
    r = c.call("run.start", {"file": subst["@FILE@"], "env": {},
                             "subscribe": True})
    subst["@RUN@"] = r["result"]["run"]
    while True:
        m = c.recv(30)
        if m.get("method") == "run.finished":
            break
    bad = 0
    names = sorted(schema["methods"], key=lambda n: n == "daemon.stop")
    for name in names:
        method = schema["methods"][name]
        params = fill(method["params"]["examples"][0], subst)
        errs = check(method["params"], params, schema, "params")
        reply = c.call(name, params)
        if "error" in reply:
            code = reply["error"]["code"]
            if code not in method["errors"]:
                errs.append("error %d (%s) is not one %s lists" %
                            (code, reply["error"]["message"], name))
        else:
            errs += check(method["result"], reply["result"], schema)
            if name == "log.open":
                errs += passed_log(c, reply["result"])
        for e in errs:
            print("FAIL %s: %s" % (name, e))
            bad += 1
        if not errs:
            print("ok %s%s" % (name, " (error %d)" % reply["error"]["code"]
                               if "error" in reply else ""))
    return 1 if bad else 0


def main():
    with open(sys.argv[2], encoding="utf-8") as f:
        schema = json.load(f)
    if sys.argv[1] == "docs":
        return docs(schema, sys.argv[3:])
    return daemon(schema, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    sys.exit(main())
