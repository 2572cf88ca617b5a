#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl status FILE asks a daemon that runs (pipeline.freshness, from
# the model and stamps it keeps) and works alone when none runs, with the
# real loomctl and loomd:
#  - with no daemon, status FILE starts none (also for an invalid file)
#  - with a daemon, status FILE prints the same bytes and exit status as
#    with none, text and --json: fresh, stale and missing steps with their
#    reasons, a loop step with items out of date, --set, a warning of
#    the file, an invalid file (file:line:col,
#    exit 2), a file named by a path relative to another folder
#  - an unchanged file is not loaded again (daemon.status:
#    pipelines_reused), and its stamps are reused (stamps_reused)
#  - a task file's front matter edited in place, keeping its size and
#    mtime, is seen: the warning it causes is printed as with no daemon
export LOOMD_IDLE_TIMEOUT=120
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks" "$EXP/data"
cat >"$EXP/tasks/w.sh" <<'SH'
#!/bin/sh
# Write its arguments to -o.
# ---
# inputs:
#   --in: {type: text}
# outputs:
#   -o: {type: text}
# args:
#   --n: {type: int}
# ---
while [ $# -gt 0 ]; do
	case $1 in -o) out=$2; shift 2 ;; --in) shift 2 ;;
	*) v="$v $1"; shift ;; esac
done
echo "$v" >"$out"
SH
chmod +x "$EXP/tasks/w.sh"
echo raw >"$EXP/data/raw.txt"
mkdir -p "$EXP/items"
echo x >"$EXP/items/x.txt"
echo y >"$EXP/items/y.txt"
cat >"$EXP/p.yml" <<'YML'
parameters:
  n: 1
data:
  raw: {type: text, path: data/raw.txt}
  a: {type: text, path: a.txt}
  items: {path: items}
  outs: {path: outs}
pipeline:
  - name: first
    task: tasks/w.sh
    args: {--n: $n}
    inputs: {--in: $raw}
    outputs: {-o: $a}
  - name: second
    task: tasks/w.sh
    args: {--n: 2}
    inputs: {--in: $a}
    outputs: {-o: b.txt}
  - name: third
    task: tasks/w.sh
    args: {--n: 3}
    inputs: {--in: $raw}
    outputs: {-o: c.txt}
  - name: fourth
    task: tasks/w.sh
    args: {--n: 4}
    outputs: {-o: d.txt}
  - name: each
    task: tasks/w.sh
    loop: {over: $items, into: $outs}
    args: {--n: 5}
    inputs: {--in: $loop_item}
    outputs: {-o: $loop_output}
YML
cat >"$EXP/bad.yml" <<'YML'
pipeline:
  - name: w
    task: tasks/missing.sh
    after: [nosuch]
YML
cd "$EXP"

# Each case: its name, then the status arguments (run from $EXP unless
# the name starts with "up:", then from its parent folder).
CASES=(
	"plain|p.yml"
	"json|p.yml --json"
	"set|p.yml --set n=5"
	"set-json|p.yml --set n=5 --json"
	"bad-set|p.yml --set nosuch=1"
	"bad|bad.yml"
	"bad-json|bad.yml --json"
	"up:plain|exp/p.yml"
	"up:json|exp/p.yml --json"
)
# Run every case, keeping stdout, stderr and the exit status in $1/.
capture() {
	local dir=$1 c name args rc
	mkdir -p "$dir"
	for c in "${CASES[@]}"; do
		name=${c%%|*}
		args=${c#*|}
		rc=0
		if [ "${name#up:}" != "$name" ]; then
			# shellcheck disable=SC2086
			(cd .. && "$LOOMCTL" status $args) >"$dir/$name.out" \
			    2>"$dir/$name.err" || rc=$?
		else
			# shellcheck disable=SC2086
			"$LOOMCTL" status $args >"$dir/$name.out" \
			    2>"$dir/$name.err" || rc=$?
		fi
		echo "$rc" >"$dir/$name.rc"
	done
}
# The daemon's answers are those given with no daemon.
same() {
	local c name
	for c in "${CASES[@]}"; do
		name=${c%%|*}
		for k in rc out err; do
			diff "$1/$name.$k" "$2/$name.$k" >&2 ||
			    fail "status ${c#*|}: $k differs with a daemon"
		done
	done
}
counts() {
	rpc call daemon.status |
	    jq -er '.result | "\(.pipelines_loaded) \(.pipelines_reused) \(.stamps_reused)"'
}

note "every step missing; with no daemon none is started"
capture "$TEST_TMP/off1"
no_loomd || fail "status FILE started a daemon"
grep -q "^loomctl: bad.yml:3:11: error: task file tasks/missing.sh not found" \
    "$TEST_TMP/off1/bad.err" || fail "bad.yml: $(cat "$TEST_TMP/off1/bad.err")"
[ "$(cat "$TEST_TMP/off1/bad.rc")" = 2 ] || fail "bad.yml: exit not 2"
grep -q "^first  *missing  output a.txt does not exist" \
    "$TEST_TMP/off1/plain.out" || fail "plain: $(cat "$TEST_TMP/off1/plain.out")"

start_loomd
note "the same answers from a daemon"
capture "$TEST_TMP/on1"
same "$TEST_TMP/off1" "$TEST_TMP/on1"

note "fresh, stale and missing steps"
"$LOOMCTL" run p.yml >/dev/null || fail "run p.yml"
rm d.txt outs/y.txt
echo changed >>data/raw.txt
# Older than the outputs: stale by the input's stamp, not its time.
touch -d '@1000000000' data/raw.txt
stop_loomd
capture "$TEST_TMP/off2"
no_loomd || fail "status FILE started a daemon"
grep -q "^third  *stale    input data/raw.txt changed" \
    "$TEST_TMP/off2/plain.out" || fail "plain: $(cat "$TEST_TMP/off2/plain.out")"
grep -q "^fourth  *missing  output d.txt does not exist" \
    "$TEST_TMP/off2/plain.out" || fail "plain: $(cat "$TEST_TMP/off2/plain.out")"
grep -q "^second  *stale    upstream step first is stale" \
    "$TEST_TMP/off2/plain.out" || fail "plain: $(cat "$TEST_TMP/off2/plain.out")"
jq -e '.steps[] | select(.name == "each") | .items == 2 and
    .stale_items == ["y.txt"]' "$TEST_TMP/off2/json.out" >/dev/null ||
    fail "json: $(cat "$TEST_TMP/off2/json.out")"
start_loomd
capture "$TEST_TMP/on2"
same "$TEST_TMP/off2" "$TEST_TMP/on2"

note "an unchanged file is reused, its stamps too"
# The first load may be too close to the file's creation to be kept
# (plancache.h); a later one is not.
"$LOOMCTL" status p.yml >/dev/null || fail "status"
read -r l0 r0 s0 <<<"$(counts)"
"$LOOMCTL" status p.yml >"$TEST_TMP/again.out" || fail "status"
diff "$TEST_TMP/off2/plain.out" "$TEST_TMP/again.out" ||
    fail "a reused model answered otherwise"
read -r l1 r1 s1 <<<"$(counts)"
[ "$l1" = "$l0" ] && [ "$r1" = $((r0 + 1)) ] ||
    fail "unchanged file: loaded $l0 -> $l1, reused $r0 -> $r1"
[ "$s1" -gt "$s0" ] || fail "stamps not reused: $s0 -> $s1"

note "a task's front matter edited in place (same size and mtime) is seen"
stamp=$(stat -c %y tasks/w.sh)
size=$(stat -c %s tasks/w.sh)
sed 's/#   --n:/#   --k:/' tasks/w.sh >"$TEST_TMP/w.sh"
cat "$TEST_TMP/w.sh" >tasks/w.sh
touch -d "$stamp" tasks/w.sh
[ "$(stat -c %y tasks/w.sh)" = "$stamp" ] &&
    [ "$(stat -c %s tasks/w.sh)" = "$size" ] ||
    fail "the edit changed size or mtime"
capture "$TEST_TMP/on3"
read -r l2 r2 s2 <<<"$(counts)"
[ "$l2" -gt "$l1" ] || fail "task edited: not loaded again ($l1 -> $l2)"
grep -q "warning: step 'first' passes argument '--n', which tasks/w.sh does not declare" \
    "$TEST_TMP/on3/plain.err" || fail "no warning: $(cat "$TEST_TMP/on3/plain.err")"
stop_loomd
capture "$TEST_TMP/off3"
no_loomd || fail "status FILE started a daemon"
same "$TEST_TMP/off3" "$TEST_TMP/on3"
echo "PASS"
