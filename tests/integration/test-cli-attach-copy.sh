#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# An attached `loomctl run` following a log file has the kernel copy the
# bytes that need no prefix (the rest of a line begun, a long line) from
# the log to its stdout, and shows exactly what it showed before (the
# log.read path, LOOMCTL_NO_LOG_FILE=1, which writes every byte itself),
# prefixes included (seen with strace):
# - stdout a file: copy_file_range(2)
# - stdout a pipe: copy_file_range refused, sendfile(2)
# - stdout a file opened to append (>>): both refused, written
# - stdout a terminal (script): sendfile or written, the same text
# The step prints short lines, 8 MiB of NULs on one line and a 2 MiB line.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "strace missing"
command -v script >/dev/null || skip "script missing"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/flood" <<'EOF'
#!/bin/sh
printf 'first\n'
head -c 8388608 /dev/zero
printf '\nmid\n'
head -c 2097152 /dev/zero | tr '\0' x
printf '\nlast\n'
EOF
chmod +x "$EXP/tasks/flood"
printf 'pipeline:\n  - {name: flood, task: tasks/flood}\n' >"$EXP/flood.yml"

export PATH="/usr/bin:$PATH"
start_loomd
# LeakSanitizer cannot work under ptrace: loomctl runs without it here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
calls=copy_file_range,sendfile,pread64
# How many calls of $2 in trace $1 moved bytes (returned more than 0).
moved() { grep -cE "^$2\(.* = [1-9][0-9]*\$" "$1" || true; }
refused() { grep -cE "^$2\(.* = -1 " "$1" || true; }
# The step's lines of a run's output (not the run's own: ids, times).
shown() { grep -a '\[flood\]' "$1" | tr -d '\r'; }

note "the old path: every byte written by loomctl (log.read)"
LOOMCTL_NO_LOG_FILE=1 "$LOOMCTL" run --force --no-progress "$EXP/flood.yml" \
    >"$TEST_TMP/ref.out" || fail "run failed"
shown "$TEST_TMP/ref.out" >"$TEST_TMP/ref"
{
	echo '[flood] first'
	printf '[flood] '
	head -c 8388608 /dev/zero
	printf '\n[flood] mid\n[flood] '
	head -c 2097152 /dev/zero | tr '\0' x
	printf '\n[flood] last\n'
} | cmp -s - "$TEST_TMP/ref" || fail "the old path shows something else"

note "stdout a file: copy_file_range"
strace -o "$TEST_TMP/t.file" -e trace="$calls" \
    "$LOOMCTL" run --force --no-progress "$EXP/flood.yml" \
    >"$TEST_TMP/out.file" || fail "run failed"
shown "$TEST_TMP/out.file" | cmp -s - "$TEST_TMP/ref" ||
    fail "run > file differs from the old path"
[ "$(moved "$TEST_TMP/t.file" copy_file_range)" -ge 1 ] ||
    fail "no copy_file_range: $(grep -E 'copy|sendfile' "$TEST_TMP/t.file" | head -3)"

note "stdout a pipe: sendfile"
strace -o "$TEST_TMP/t.pipe" -e trace="$calls" \
    "$LOOMCTL" run --force --no-progress "$EXP/flood.yml" |
    cat >"$TEST_TMP/out.pipe"
shown "$TEST_TMP/out.pipe" | cmp -s - "$TEST_TMP/ref" ||
    fail "run | cat differs from the old path"
[ "$(moved "$TEST_TMP/t.pipe" sendfile)" -ge 1 ] ||
    fail "no sendfile to a pipe: $(grep -E 'copy|sendfile' "$TEST_TMP/t.pipe" | head -3)"

note "stdout a file opened to append: written"
echo "before" >"$TEST_TMP/out.append"
strace -o "$TEST_TMP/t.append" -e trace="$calls" \
    "$LOOMCTL" run --force --no-progress "$EXP/flood.yml" \
    >>"$TEST_TMP/out.append" || fail "run >> failed"
[ "$(head -n 1 "$TEST_TMP/out.append")" = before ] || fail "appending: lost the start"
shown "$TEST_TMP/out.append" | cmp -s - "$TEST_TMP/ref" ||
    fail "run >> file differs from the old path"
[ "$(refused "$TEST_TMP/t.append" copy_file_range)" -ge 1 ] &&
    [ "$(moved "$TEST_TMP/t.append" copy_file_range)" = 0 ] &&
    [ "$(moved "$TEST_TMP/t.append" sendfile)" = 0 ] ||
    fail "appending: $(grep -E 'copy|sendfile' "$TEST_TMP/t.append" | head -4)"

note "stdout a terminal: the same text as the old path on a terminal"
TERM=xterm LOOMCTL_NO_LOG_FILE=1 script -qec "'$LOOMCTL' run --force \
    --no-progress '$EXP/flood.yml'" /dev/null >"$TEST_TMP/ref.tty" </dev/null
TERM=xterm script -qec "strace -o '$TEST_TMP/t.tty' -e trace=$calls \
    '$LOOMCTL' run --force --no-progress '$EXP/flood.yml'" /dev/null \
    >"$TEST_TMP/out.tty" </dev/null
[ "$(shown "$TEST_TMP/ref.tty" | wc -c)" -gt 10485760 ] ||
    fail "terminal: the old path showed $(shown "$TEST_TMP/ref.tty" | wc -c) bytes"
shown "$TEST_TMP/out.tty" | cmp -s - <(shown "$TEST_TMP/ref.tty") ||
    fail "run on a terminal differs from the old path"
[ "$(moved "$TEST_TMP/t.tty" sendfile)" -ge 1 ] ||
    [ "$(refused "$TEST_TMP/t.tty" sendfile)" -ge 1 ] ||
    fail "terminal: $(grep -E 'copy|sendfile' "$TEST_TMP/t.tty" | head -4)"

for t in file pipe append tty; do
	note "$t: copy_file_range $(moved "$TEST_TMP/t.$t" copy_file_range)," \
	    "sendfile $(moved "$TEST_TMP/t.$t" sendfile) moved," \
	    "$(refused "$TEST_TMP/t.$t" copy_file_range) and" \
	    "$(refused "$TEST_TMP/t.$t" sendfile) refused"
done

stop_loomd
echo PASS
