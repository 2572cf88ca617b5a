#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `loomctl logs` has the kernel copy the log file to stdout, and what it
# prints is the log byte for byte whichever way the copy goes (seen with
# strace):
# - stdout a file: copy_file_range(2), no read of the log
# - stdout a pipe: copy_file_range refused, sendfile(2)
# - stdout a file opened to append (>>): both refused, read and written
# - stdout a terminal (script): sendfile, or read where the terminal
#   refuses it; the text as the terminal shows it (\n as \r\n)
# - `logs -f` of a step still writing: the whole log, copied as it grows
# The log holds random bytes and text lines, so nothing may be changed.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || skip "strace missing"
command -v script >/dev/null || skip "script missing"
EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
go="$TEST_TMP/go"
printf '#!/bin/sh\nhead -c 3000000 /dev/urandom\nseq 1 100000\n' >"$EXP/tasks/mixed"
printf '#!/bin/sh\nseq 1 200000\n' >"$EXP/tasks/text"
# Half of its output, then the rest once $GO exists.
cat >"$EXP/tasks/slow" <<'EOF'
#!/bin/sh
head -c 2000000 /dev/urandom
while [ ! -e "$GO" ]; do sleep 0.05; done
head -c 2000000 /dev/urandom
EOF
chmod +x "$EXP/tasks/mixed" "$EXP/tasks/text" "$EXP/tasks/slow"
cat >"$EXP/p.yml" <<'EOF'
pipeline:
  - {name: mixed, task: tasks/mixed}
  - {name: text, task: tasks/text}
EOF
printf 'pipeline:\n  - {name: slow, task: tasks/slow}\n' >"$EXP/slow.yml"

export PATH="/usr/bin:$PATH"
start_loomd
# LeakSanitizer cannot work under ptrace: loomctl runs without it here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

run=$("$LOOMCTL" run --force -d "$EXP/p.yml") || fail "run -d failed"
"$LOOMCTL" wait -q "$run" || fail "the run failed"
log=$(ls "$EXP"/.loom/runs/"$run"/*-mixed.log)
text=$(ls "$EXP"/.loom/runs/"$run"/*-text.log)
calls=copy_file_range,sendfile,pread64
# How many calls of $2 in trace $1 moved bytes (returned more than 0).
moved() { grep -cE "^$2\(.* = [1-9][0-9]*\$" "$1" || true; }
refused() { grep -cE "^$2\(.* = -1 " "$1" || true; }
log_reads() { grep -cE "^pread64\([0-9]+, .*, 524288, [0-9]+\) = [1-9]" "$1" || true; }

note "stdout a file: copy_file_range"
strace -o "$TEST_TMP/t.file" -e trace="$calls" \
    "$LOOMCTL" logs "$run" mixed >"$TEST_TMP/out.file" || fail "logs failed"
cmp -s "$TEST_TMP/out.file" "$log" || fail "logs > file differs from the log"
[ "$(moved "$TEST_TMP/t.file" copy_file_range)" -ge 1 ] ||
    fail "no copy_file_range: $(grep -E 'copy|sendfile' "$TEST_TMP/t.file" | head -3)"
[ "$(log_reads "$TEST_TMP/t.file")" = 0 ] || fail "the log was read as well"

note "stdout a pipe: sendfile"
strace -o "$TEST_TMP/t.pipe" -e trace="$calls" \
    "$LOOMCTL" logs "$run" mixed | cat >"$TEST_TMP/out.pipe"
cmp -s "$TEST_TMP/out.pipe" "$log" || fail "logs | cat differs from the log"
[ "$(moved "$TEST_TMP/t.pipe" sendfile)" -ge 1 ] ||
    fail "no sendfile to a pipe: $(grep -E 'copy|sendfile' "$TEST_TMP/t.pipe" | head -3)"

note "stdout a file opened to append: read and written"
echo "before" >"$TEST_TMP/out.append"
strace -o "$TEST_TMP/t.append" -e trace="$calls" \
    "$LOOMCTL" logs "$run" mixed >>"$TEST_TMP/out.append" || fail "logs >> failed"
{ echo "before"; cat "$log"; } | cmp -s - "$TEST_TMP/out.append" ||
    fail "logs >> file differs from the log"
[ "$(refused "$TEST_TMP/t.append" copy_file_range)" -ge 1 ] &&
    [ "$(moved "$TEST_TMP/t.append" copy_file_range)" = 0 ] &&
    [ "$(log_reads "$TEST_TMP/t.append")" -ge 1 ] ||
    fail "appending: $(grep -E 'copy|sendfile|pread' "$TEST_TMP/t.append" | head -4)"

note "stdout a terminal: the text as the terminal shows it"
TERM=xterm script -qec "strace -o '$TEST_TMP/t.tty' -e trace=$calls \
    '$LOOMCTL' logs $run text" /dev/null >"$TEST_TMP/out.tty" </dev/null
tr -d '\r' <"$TEST_TMP/out.tty" | cmp -s - "$text" ||
    fail "logs on a terminal differs from the log"
[ $(($(moved "$TEST_TMP/t.tty" sendfile) + $(log_reads "$TEST_TMP/t.tty"))) -ge 1 ] ||
    fail "terminal: $(grep -E 'copy|sendfile|pread' "$TEST_TMP/t.tty" | head -4)"

note "logs -f of a step still writing: all of it, copied as it grows"
rm -f "$go"
run=$(GO="$go" "$LOOMCTL" run --force -d "$EXP/slow.yml") || fail "run -d failed"
slow_half() {
	f=$(ls "$EXP"/.loom/runs/"$run"/*-slow.log 2>/dev/null) &&
	    [ "$(stat -c %s "$f")" -ge 2000000 ]
}
wait_for 60 slow_half
strace -o "$TEST_TMP/t.follow" -e trace="$calls" \
    "$LOOMCTL" logs -f "$run" slow >"$TEST_TMP/out.follow" &
follower=$!
LIB_PIDS+=("$follower")
copied_half() { [ "$(stat -c %s "$TEST_TMP/out.follow")" -ge 2000000 ]; }
wait_for 60 copied_half
: >"$go"
st=0
wait "$follower" || st=$?
[ "$st" = 0 ] || fail "logs -f: status $st"
cmp -s "$TEST_TMP/out.follow" "$(ls "$EXP"/.loom/runs/"$run"/*-slow.log)" ||
    fail "logs -f differs from the log"
[ "$(stat -c %s "$TEST_TMP/out.follow")" = 4000000 ] || fail "logs -f: wrong size"
[ "$(moved "$TEST_TMP/t.follow" copy_file_range)" -ge 2 ] ||
    fail "logs -f: $(grep -E 'copy' "$TEST_TMP/t.follow" | head -4)"

stop_loomd
echo PASS
