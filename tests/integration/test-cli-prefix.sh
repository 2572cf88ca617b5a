#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The per-line prefixes of an attached `loomctl run`, line shape by line
# shape: a step writes lines of every length around the sizes where
# loomctl changes how it copies (empty, 1, 15-17 and 31-33 bytes, lines
# around 16 KiB, around the 64 KiB an unfinished line is held, 200 KB),
# in writes that end mid-line, and ends without a newline. PASS: the
# output is exactly "[shape] LINE" for every line, in order, the last
# one ended by loomctl; the same through the log file (log.open) and
# through JSON events and log.read (LOOMCTL_NO_LOG_FILE=1).
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
# Deterministic lines; "expect" prints what loomctl should show.
cat >"$EXP/tasks/shape.py" <<'EOF'
import os, random, sys
SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 16383, 16384, 16385, 65535, 65536,
         65537, 200000]
def lines():
    r = random.Random(7)
    for i in range(6000):
        if i % 50 == 0:
            n = SIZES[(i // 50) % len(SIZES)]
        else:
            n = r.choice([0, 1, 2, 7, 20, 31, 32, 33, 80, 500])
        yield (b"%d:" % i + b"abcdefghij" * (n // 10 + 1))[:max(n, 1)]
data = b"\n".join(lines())  # no newline at the very end
if sys.argv[1] == "expect":
    out = sys.stdout.buffer
    for line in data.split(b"\n"):
        out.write(b"[shape] " + line + b"\n")
    sys.exit(0)
r = random.Random(11)
view = memoryview(data)
while view:
    n = os.write(1, view[:r.randint(1, 300000)])
    view = view[n:]
EOF
printf 'pipeline:\n  - {name: shape, task: tasks/shape.py, args: {run: 1}}\n' \
    >"$EXP/shape.yml"
"$PYTHON" "$EXP/tasks/shape.py" expect >"$TEST_TMP/expected"

# The prefixed lines of loomctl's output (the step's own lines only).
prefixed() { grep -a '^\[shape\] ' "$1"; }

start_loomd

note "through the log file"
"$LOOMCTL" run --force "$EXP/shape.yml" >"$TEST_TMP/out" ||
    fail "run failed: $(tail -c 300 "$TEST_TMP/out")"
prefixed "$TEST_TMP/out" >"$TEST_TMP/got"
cmp "$TEST_TMP/got" "$TEST_TMP/expected" ||
    fail "prefixed output differs from what the step wrote"

note "through events and log.read"
LOOMCTL_NO_LOG_FILE=1 "$LOOMCTL" run --force "$EXP/shape.yml" \
    >"$TEST_TMP/out" || fail "run failed: $(tail -c 300 "$TEST_TMP/out")"
prefixed "$TEST_TMP/out" >"$TEST_TMP/got"
cmp "$TEST_TMP/got" "$TEST_TMP/expected" ||
    fail "prefixed output (events) differs from what the step wrote"

stop_loomd
echo PASS
