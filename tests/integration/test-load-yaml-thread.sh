#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libyaml in a second thread (common/model/yamlpipe.c) gives what one
# thread gives, with the real binaries on generated files of 4,000 steps
# (~600 KB): LOOM_YAML_THREAD_MIN=0 (always two threads) against a
# threshold larger than any file (always one).
#  - loomctl validate, text and --json: the same output and exit status
#    for a valid file with warnings along the way, a syntax error near
#    its end (file:line:col and hint), a tab near its end, a second
#    document, an unknown alias near its end, a syntax error on line 3,
#    an unknown alias on line 1 (the loader stops while the producer is
#    far ahead) and a file cut in a step
#  - loomctl run --dry-run of the valid file: the same script
#  - loomd: pipeline.validate of each file answers the same with
#    LOOM_YAML_THREAD_MIN=0 as with the threshold huge, and the daemon
#    has no thread more afterwards (each producer was joined)
#  - no thread to be had (root only: a user limited to one process):
#    loomctl validate parses in its own thread and says the same
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
printf 'exit 0\n' >"$EXP/tasks/t.sh"
mkdir -p "$EXP/data"
: >"$EXP/data/d0.csv"
# gen NAME HEAD TAIL: a 4,000-step chain between HEAD and TAIL.
gen() {
	"$PYTHON" - "$EXP/$1.yml" "$2" "$3" <<'PY'
import sys
out, head, tail = sys.argv[1], sys.argv[2], sys.argv[3]
with open(out, "w") as f:
    f.write(head)
    f.write("data:\n  d0: {path: data/d0.csv}\nparameters:\n  lr: 0.1\n"
            "pipeline:\n")
    for i in range(1, 4001):
        f.write(f"  - name: s{i}\n    task: tasks/t.sh\n"
                f"    inputs: {{in: $d{i - 1}}}\n"
                f"    outputs: {{-o: $d{i}}}\n"
                f"    args: {{--lr: $lr, --n: [{i}, &a{i} x], --m: *a{i}}}\n")
        if i % 9 == 0:
            f.write("    colour: blue\n")
    f.write(tail)
PY
}
gen good "" ""
# Data entries for every output: the chain is valid.
"$PYTHON" - "$EXP/good.yml" <<'PY'
import sys
p = sys.argv[1]
text = open(p).read()
entries = "".join(f"  d{i}: {{path: data/d{i}.csv}}\n" for i in range(1, 4001))
open(p, "w").write(text.replace("data:\n  d0: {path: data/d0.csv}\n",
    "data:\n  d0: {path: data/d0.csv}\n" + entries, 1))
PY
gen syntax "" "  - name: last
    task: b: c
"
gen tab "" "  - name: last
	task: tasks/t.sh
"
gen second "" "---
other: 1
"
gen alias "" "  - name: last
    task: *nowhere
"
gen early "x: [1,
" ""
gen fatal "x: *nothing
" ""
head -c 300000 "$EXP/good.yml" >"$EXP/cut.yml"
# Many blocks of events (yamlpipe.c): the ring fills and wraps around.
[ "$(stat -c %s "$EXP/syntax.yml")" -gt 500000 ] || fail "files too small"

one() { LOOM_YAML_THREAD_MIN=999999999999 "$LOOM_BIN/loomctl" "$@"; }
two() { LOOM_YAML_THREAD_MIN=0 "$LOOM_BIN/loomctl" "$@"; }
same() {	# NAME ARGS...: the same output and status both ways
	local name=$1 a b sa sb
	shift
	a=$(one "$@" 2>&1) && sa=0 || sa=$?
	b=$(two "$@" 2>&1) && sb=0 || sb=$?
	[ "$a" = "$b" ] || fail "$name: one thread said
$a
two threads said
$b"
	[ "$sa" = "$sb" ] || fail "$name: status $sa against $sb"
	printf '%s\n' "$a"
}

cd "$EXP"
for f in good syntax tab second alias early fatal cut; do
	note "validate $f.yml"
	out=$(same "$f" validate "$f.yml")
	same "$f --json" validate --json "$f.yml" >/dev/null
	case $f in
	good)	grep -q "unknown key 'colour' in step 's3996'" <<<"$out" ||
		    fail "good: no late warning: $out" ;;
	syntax)	line=$(wc -l <syntax.yml)
		grep -q "syntax.yml:$line:12: error: mapping values are not allowed" <<<"$out" ||
		    fail "syntax: not at line $line, column 12: $out"
		grep -q "must be quoted" <<<"$out" || fail "syntax: no hint: $out" ;;
	tab)	grep -q "spaces, not tabs" <<<"$out" || fail "tab: $out" ;;
	second)	grep -q "this second one is not read" <<<"$out" ||
		    fail "second: $out" ;;
	alias)	grep -q "unknown alias \*nowhere" <<<"$out" || fail "alias: $out" ;;
	early)	grep -q " early.yml:3:5: error: did not find expected" <<<"$out" ||
		    fail "early: $out" ;;
	fatal)	grep -q " fatal.yml:1:4: error: unknown alias \*nothing" <<<"$out" ||
		    fail "fatal: $out" ;;
	esac
done

note "run --dry-run of the valid file"
out=$(same "dry run" run --dry-run good.yml)
grep -q "s4000" <<<"$out" || fail "dry run: no last step"

# ask: pipeline.validate of every file, one answer a line.
ask() {
	local f
	for f in good syntax tab second alias early fatal cut; do
		rpc call pipeline.validate "{\"file\": \"$EXP/$f.yml\"}" |
		    jq -cS .result
	done
}
note "the daemon, one thread"
LOOM_YAML_THREAD_MIN=999999999999 start_loomd
want=$(ask)
stop_loomd
note "the daemon, two threads"
LOOM_YAML_THREAD_MIN=0 start_loomd
# Counted after a first load: a sanitizer's runtime may start a thread of
# its own with the first thread created.
rpc call pipeline.validate "{\"file\": \"$EXP/good.yml\"}" >/dev/null
threads=$(ls "/proc/$LOOMD_PID/task" | wc -l)
got=$(ask)
[ "$(wc -l <<<"$got")" = 8 ] && ! grep -q '^null$' <<<"$got" ||
    fail "daemon: not 8 answers: ${got:0:400}"
[ "$got" = "$want" ] || fail "daemon: two threads said ${got:0:400}...
one thread: ${want:0:400}..."
[ "$(ls "/proc/$LOOMD_PID/task" | wc -l)" = "$threads" ] ||
    fail "loomd has $(ls "/proc/$LOOMD_PID/task" | wc -l) threads, had $threads"
stop_loomd

# No thread to be had (EAGAIN: a user allowed one process, which is this
# one): the load happens in loomctl's own thread and says the same.
if [ "$(id -u)" = 0 ] && command -v prlimit >/dev/null; then
	note "no second thread: the same answer"
	make_test_users
	chmod 711 "$TEST_TMP"
	chmod -R a+rX "$EXP"
	want=$(one validate syntax.yml 2>&1) || true
	# LeakSanitizer needs a thread of its own at exit: not here.
	got=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    LOOM_YAML_THREAD_MIN=0 as_user loom_a prlimit --nproc=1 \
	    "$LOOM_BIN/loomctl" validate syntax.yml 2>&1) || true
	[ -n "$want" ] && [ "$got" = "$want" ] ||
	    fail "no thread: ${got:0:400}
one thread: ${want:0:400}"
	if command -v strace >/dev/null; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    LOOM_YAML_THREAD_MIN=0 strace -f -e trace=clone,clone3 \
		    -o "$TEST_TMP/strace" setpriv --reuid=loom_a --regid=loom_a \
		    --init-groups -- prlimit --nproc=1 "$LOOM_BIN/loomctl" \
		    validate syntax.yml >/dev/null 2>&1 || true
		grep -q 'EAGAIN' "$TEST_TMP/strace" ||
		    fail "the thread was not refused: $(cat "$TEST_TMP/strace")"
	fi
fi
echo "PASS"
