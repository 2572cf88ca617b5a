#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pipeline.save through the real daemon (RELIABILITY B1-B7):
#  B1 1,000 saves alternating two versions while a reader hashes the file
#     in a loop: every read is one of the two versions, never partial
#  B2 the daemon aborted (fault hook) after writing the temporary file,
#     before the rename: the file is the old version; the temporary file
#     has the recognisable name and the next daemon's pipeline.open
#     removes it
#  B3 strace: temporary file in the same folder (unnamed with O_TMPFILE,
#     locked before it has a name, or O_EXCL), fsync of it, named by a
#     link (O_TMPFILE), rename over the file, fsync of the folder, in that
#     order
#  B4 a 0640 file stays 0640; a save through a symbolic link keeps the
#     link and changes its target; a hard link keeps the old content (the
#     name gets a new file, as documented); a link leading outside the
#     folder is refused
#  B5 a folder without write permission (not root), a full tmpfs and a
#     read-only tmpfs (root), a failing write (fault hook, ENOSPC): error
#     naming the path and errno, file untouched, no temporary file left
#  B6 a stale base_version: conflict error (-32008) with the current
#     version, file untouched
#  B7 one changed value: diff shows exactly that line; a save with no
#     edits leaves the bytes and mtime alone; create: true makes a new
#     file; an edit that cannot apply is error -32009 naming the edit;
#     task.list lists the tasks with their front matter
#  dry_run: the edited pipeline's model and diagnostics, the text with
#     "text": true, nothing written (bytes and mtime), a stale
#     base_version still refused, none given applies to the file as it is
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
mkdir -p "$EXP/tasks"
cat >"$EXP/tasks/train.py" <<'PY'
"""Train a model.
---
inputs:
  data: {type: csv, description: Training table}
args:
  --lr: {type: float, default: 0.001}
---
"""
PY
printf '#!/bin/sh\n' >"$EXP/tasks/run.sh"
printf 'notes\n' >"$EXP/tasks/README"
F="$EXP/p.yml"
cat >"$F" <<'YML'
# An experiment
data:
  table: {type: csv, path: table.csv}   # input
parameters:
  k: 1        # keep this comment
  lr: 1.0e-3
pipeline:
  - name: train
    task: tasks/train.py
    inputs: {data: $table}
    args: {--lr: $lr, -k: $k}
YML
OUT="$TEST_TMP/out.json"
SAVEPY="$LOOM_SRC/tests/integration/savecheck.py"

start_loomd --idle-timeout 60

version() {
	rpc call pipeline.open "$(jq -nc --arg f "$1" '{file: $f}')" \
	    | jq -r .result.version
}
save() {	# FILE VERSION EDITS-JSON
	rpc call pipeline.save "$(jq -nc --arg f "$1" --arg v "$2" \
	    --argjson e "$3" '{file: $f, base_version: $v, edits: $e}')"
}

note "B7 minimal diff"
cp "$F" "$TEST_TMP/orig.yml"
v=$(version "$F")
[ "$v" = "sha256:$(sha256sum "$F" | cut -d' ' -f1)" ] || fail "version $v"
save "$F" "$v" '[{"op":"set","path":"parameters.lr","text":"2.0e-3"}]' \
    >"$OUT" || fail "save: $(cat "$OUT")"
[ "$(jq -r .result.version "$OUT")" = \
    "sha256:$(sha256sum "$F" | cut -d' ' -f1)" ] || fail "reply version"
[ "$(diff "$TEST_TMP/orig.yml" "$F" | grep -c '^[<>]')" = 2 ] ||
    fail "diff: $(diff "$TEST_TMP/orig.yml" "$F")"
grep -qx '  lr: 2.0e-3' "$F" || fail "value: $(cat "$F")"
cp "$F" "$TEST_TMP/now.yml"
touch -d '2001-01-01' "$F"
save "$F" "$(version "$F")" '[]' >"$OUT" || fail "empty save"
[ "$(jq -r .result.written "$OUT")" = false ] || fail "written: $(cat "$OUT")"
cmp -s "$F" "$TEST_TMP/now.yml" || fail "an empty save changed the file"
[ "$(stat -c %Y "$F")" = "$(date -d 2001-01-01 +%s)" ] ||
    fail "an empty save rewrote the file"
save "$F" "$(version "$F")" '[{"op":"remove","path":"pipeline.nosuch"}]' \
    >"$OUT" && fail "a bad edit was accepted"
[ "$(jq -r .error.code "$OUT")" = -32009 ] || fail "code: $(cat "$OUT")"
jq -r .error.message "$OUT" | grep -q 'edit 0 (remove)' || fail "$(cat "$OUT")"
rpc call pipeline.save "$(jq -nc --arg f "$EXP/new.yml" '{file: $f,
    create: true, edits: [{op: "add", path: "pipeline",
    value: {name: "a", task: "tasks/run.sh"}}]}')" >"$OUT" ||
    fail "create: $(cat "$OUT")"
[ "$(jq -r .result.ok "$OUT")" = true ] || fail "new file: $(cat "$OUT")"
grep -q '^  - name: a$' "$EXP/new.yml" || fail "new: $(cat "$EXP/new.yml")"

note "dry_run"
cp "$F" "$TEST_TMP/dry.yml"
touch -d '2001-01-01' "$F"
v=$(version "$F")
rpc call pipeline.save "$(jq -nc --arg f "$F" --arg v "$v" '{file: $f,
    base_version: $v, dry_run: true, text: true, edits: [
    {op: "rename", kind: "step", from: "train", to: "fit"},
    {op: "add", path: "data.model", value: {type: "pkl", path: "m.pkl"}},
    {op: "set", path: "pipeline.fit.outputs", text: "{-o: $model}"},
    {op: "set", path: "pipeline.fit.inputs.data", value: "$nosuch"}]}')" \
    >"$OUT" || fail "dry run: $(cat "$OUT")"
cmp -s "$F" "$TEST_TMP/dry.yml" || fail "a dry run changed the file"
[ "$(stat -c %Y "$F")" = "$(date -d 2001-01-01 +%s)" ] ||
    fail "a dry run touched the file"
[ "$(jq -r '.result | [.dry_run, .written, .ok, .version] | join(" ")' \
    "$OUT")" = "true false false $v" ] || fail "reply: $(cat "$OUT")"
[ "$(jq -c '[.result.pipeline.steps[].name]' "$OUT")" = '["fit"]' ] ||
    fail "model steps: $(cat "$OUT")"
[ "$(jq -c '.result.pipeline.steps[0].outputs[0].data' "$OUT")" = \
    '["model"]' ] || fail "model outputs: $(cat "$OUT")"
[ "$(jq -r '.result.pipeline | [.file, .name, .version, .ok] | join(" ")' \
    "$OUT")" = "$F p.yml $v false" ] || fail "model head: $(cat "$OUT")"
jq -r '.result.diagnostics[] | "\(.line):\(.column): \(.message)"' "$OUT" |
    grep -q 'nosuch' || fail "diagnostics: $(cat "$OUT")"
[ "$(jq -r .result.base "$OUT")" = "$(cat "$F")" ] || fail "base text"
jq -r .result.text "$OUT" | grep -qx '  - name: fit' || fail "text"
jq -r .result.text "$OUT" | grep -qx '  k: 1        # keep this comment' ||
    fail "text lost a comment"
rpc call pipeline.save "$(jq -nc --arg f "$F" '{file: $f, dry_run: true,
    base_version: "sha256:00", edits: []}')" >"$OUT" &&
    fail "a stale dry run was accepted"
[ "$(jq -r .error.code "$OUT")" = -32008 ] || fail "code: $(cat "$OUT")"
rpc call pipeline.save "$(jq -nc --arg f "$F" '{file: $f, dry_run: true,
    edits: [{op: "set", path: "parameters.k", text: "2"}]}')" >"$OUT" ||
    fail "dry run without a version: $(cat "$OUT")"
[ "$(jq -r '.result.pipeline.parameters[0].value' "$OUT")" = 2 ] ||
    fail "parameter: $(cat "$OUT")"
[ "$(jq -r '.result | [.ok, has("text")] | join(" ")' "$OUT")" = \
    "true false" ] || fail "reply: $(cat "$OUT")"
rpc call pipeline.save "$(jq -nc --arg f "$F" '{file: $f, dry_run: true,
    edits: [{op: "set", path: "pipeline.train.loop",
    text: "{over: $table, into: $table, parallel: false}"}]}')" >"$OUT" ||
    fail "dry run of a loop: $(cat "$OUT")"
[ "$(jq -c '.result.pipeline.steps[0].loop' "$OUT")" = \
    '{"over":"$table","into":"$table","filter":null,"parallel":false}' ] ||
    fail "loop: $(cat "$OUT")"
cmp -s "$F" "$TEST_TMP/dry.yml" || fail "a dry run changed the file"

note "B6 stale base_version"
old=$(version "$F")
printf '# edited elsewhere\n' >>"$F"
cp "$F" "$TEST_TMP/ext.yml"
save "$F" "$old" '[{"op":"set","path":"parameters.k","text":"5"}]' \
    >"$OUT" && fail "a stale save was accepted"
[ "$(jq -r .error.code "$OUT")" = -32008 ] || fail "code: $(cat "$OUT")"
[ "$(jq -r .error.data.version "$OUT")" = "$(version "$F")" ] ||
    fail "conflict version: $(cat "$OUT")"
cmp -s "$F" "$TEST_TMP/ext.yml" || fail "the conflict changed the file"

note "B4 mode and symbolic links"
chmod 0640 "$F"
save "$F" "$(version "$F")" '[{"op":"set","path":"parameters.k","text":"3"}]' \
    >"$OUT" || fail "save: $(cat "$OUT")"
[ "$(stat -c %a "$F")" = 640 ] || fail "mode $(stat -c %a "$F")"
ln -s p.yml "$EXP/link.yml"
save "$EXP/link.yml" "$(version "$F")" \
    '[{"op":"set","path":"parameters.k","text":"4"}]' >"$OUT" ||
    fail "save through link: $(cat "$OUT")"
[ -L "$EXP/link.yml" ] || fail "the link was replaced"
grep -q '^  k: 4 ' "$F" || fail "target: $(cat "$F")"
ln "$F" "$TEST_TMP/hard.yml"
save "$F" "$(version "$F")" '[{"op":"set","path":"parameters.k","text":"5"}]' \
    >"$OUT" || fail "save: $(cat "$OUT")"
grep -q '^  k: 4 ' "$TEST_TMP/hard.yml" ||
    fail "a hard link did not keep the old content (documented)"
grep -q '^  k: 5 ' "$F" || fail "not saved: $(cat "$F")"
mkdir -p "$TEST_TMP/outside"
cp "$F" "$TEST_TMP/outside/q.yml"
ln -s ../outside/q.yml "$EXP/escape.yml"
save "$EXP/escape.yml" "$(version "$TEST_TMP/outside/q.yml")" '[]' \
    >"$OUT" && fail "a link out of the folder was followed"
[ "$(jq -r .error.data.errno "$OUT")" = 13 ] || fail "escape: $(cat "$OUT")"

note "B5 cannot write"
cp "$F" "$TEST_TMP/before.yml"
if [ "$(id -u)" != 0 ]; then
	chmod 0555 "$EXP"
	save "$F" "$(version "$F")" \
	    '[{"op":"set","path":"parameters.k","text":"9"}]' >"$OUT" &&
	    fail "a save into a read-only folder succeeded"
	chmod 0755 "$EXP"
	[ "$(jq -r .error.data.errno "$OUT")" = 13 ] || fail "$(cat "$OUT")"
	jq -r .error.data.path "$OUT" | grep -q "$F" || fail "$(cat "$OUT")"
	cmp -s "$F" "$TEST_TMP/before.yml" || fail "the file changed"
fi
# As root: a full tmpfs and a read-only one (mode bits do not stop root).
MNT="$TEST_TMP/mnt"
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k loomsave "$MNT" \
    2>/dev/null; then
	trap 'umount -l "$MNT" 2>/dev/null; lib_cleanup' EXIT
	cp "$F" "$MNT/p.yml"
	cp "$F" "$TEST_TMP/before.yml"
	head -c 1m /dev/zero >"$MNT/fill" 2>/dev/null || true
	save "$MNT/p.yml" "$(version "$MNT/p.yml")" \
	    '[{"op":"set","path":"parameters.k","text":"9"}]' >"$OUT" &&
	    fail "a save onto a full disk succeeded"
	[ "$(jq -r .error.data.errno "$OUT")" = 28 ] || fail "$(cat "$OUT")"
	cmp -s "$MNT/p.yml" "$TEST_TMP/before.yml" || fail "the file changed"
	[ -z "$(ls -A "$MNT" | grep tmp-)" ] || fail "a temporary file stayed"
	rm "$MNT/fill"
	mount -o remount,ro "$MNT" || fail "cannot remount read-only"
	save "$MNT/p.yml" "$(version "$MNT/p.yml")" \
	    '[{"op":"set","path":"parameters.k","text":"9"}]' >"$OUT" &&
	    fail "a save onto a read-only mount succeeded"
	[ "$(jq -r .error.data.errno "$OUT")" = 30 ] || fail "$(cat "$OUT")"
	jq -r .error.message "$OUT" | grep -q "$MNT" || fail "$(cat "$OUT")"
	cmp -s "$MNT/p.yml" "$TEST_TMP/before.yml" || fail "the file changed"
	umount -l "$MNT"
else
	note "not root or no tmpfs: full and read-only disks skipped"
fi
if grep -q 'abort-before-rename' "$LOOMD"; then
	stop_loomd
	LOOM_FAULT=fail-write:1@p.yml start_loomd --idle-timeout 60
	save "$F" "$(version "$F")" \
	    '[{"op":"set","path":"parameters.k","text":"9"}]' >"$OUT" &&
	    fail "a failing write succeeded"
	[ "$(jq -r .error.data.errno "$OUT")" = 28 ] || fail "$(cat "$OUT")"
	cmp -s "$F" "$TEST_TMP/before.yml" || fail "the file changed"
	[ -z "$(ls -A "$EXP" | grep tmp)" ] || fail "a temporary file stayed"

	note "B2 crash before the rename"
	stop_loomd
	LOOM_FAULT=abort-before-rename:1@p.yml start_loomd --idle-timeout 60
	save "$F" "$(version "$F")" \
	    '[{"op":"set","path":"parameters.k","text":"7"}]' >"$OUT" 2>&1 &&
	    fail "the aborted save answered"
	wait_gone 20 "$LOOMD_PID"
	cmp -s "$F" "$TEST_TMP/before.yml" || fail "the crash changed the file"
	ls -A "$EXP" | grep -q '^\.p\.yml\.tmp-' ||
	    fail "no recognisable temporary file: $(ls -A "$EXP")"
	start_loomd --idle-timeout 60
	version "$F" >/dev/null
	[ -z "$(ls -A "$EXP" | grep '\.tmp-')" ] ||
	    fail "the temporary file was not removed: $(ls -A "$EXP")"
fi

note "B3 order of operations"
if command -v strace >/dev/null; then
	stop_loomd
	strace -f -o "$TEST_TMP/strace" \
	    -e trace=openat,flock,fsync,fdatasync,linkat,rename,renameat,renameat2 \
	    "$LOOMD" --foreground --idle-timeout 60 2>/dev/null &
	LIB_PIDS+=("$!")
	wait_for 20 rpc call daemon.ping
	save "$F" "$(version "$F")" \
	    '[{"op":"set","path":"parameters.k","text":"8"}]' >"$OUT" ||
	    fail "save under strace: $(cat "$OUT")"
	grep -E 'p\.yml\.tmp-|fsync|rename|O_TMPFILE|flock|openat\(.*"'"$EXP"'", O_RDONLY' \
	    "$TEST_TMP/strace" | grep -v 'p\.yml", O_RDONLY' >"$TEST_TMP/ops"
	awk '
	    /openat.*\.p\.yml\.tmp-.*O_EXCL/ && s == 0 { s = 1; next }
	    /openat.*O_TMPFILE/ && s == 0 { s = 7; t = 1; next }
	    /flock.*LOCK_EX/ && s == 7 { s = 1; next }
	    /fsync/ && s == 1 { s = t ? 6 : 2; next }
	    /linkat.*\.p\.yml\.tmp-/ && s == 6 { s = 2; next }
	    /rename.*\.p\.yml\.tmp-.*p\.yml/ && s == 2 { s = 3; next }
	    /openat.*O_DIRECTORY|openat.*O_RDONLY/ && s == 3 { s = 4; next }
	    /fsync/ && s == 4 { s = 5 }
	    END { exit s == 5 ? 0 : 1 }' "$TEST_TMP/ops" ||
	    fail "order: $(cat "$TEST_TMP/ops")"
	rpc call daemon.stop >/dev/null
	start_loomd --idle-timeout 60
else
	note "strace is not installed: B3 skipped"
fi

note "B1 saves against a reader"
N=${LOOM_B1_SAVES:-1000}
hashes=$("$PYTHON" "$SAVEPY" alternate "$F" 2) || fail "alternate"
rm -f "$EXP/STOP"
"$PYTHON" "$SAVEPY" read "$F" $hashes >"$TEST_TMP/reads" &
reader=$!
"$PYTHON" "$SAVEPY" alternate "$F" "$N" >/dev/null || fail "saves failed"
touch "$EXP/STOP"
wait "$reader" || fail "the reader saw a partial file"
note "$N saves, $(cat "$TEST_TMP/reads") reads"

note "strays are swept at the first open of their folder, once"
stop_loomd
start_loomd --idle-timeout 60
: >"$EXP/.p.yml.tmp-AbCdEf"
version "$F" >/dev/null
[ ! -e "$EXP/.p.yml.tmp-AbCdEf" ] || fail "the first open kept a stray"
: >"$EXP/.p.yml.tmp-GhIjKl"
version "$F" >/dev/null
[ -e "$EXP/.p.yml.tmp-GhIjKl" ] || fail "a second open swept the folder again"
rm -f "$EXP/.p.yml.tmp-GhIjKl"

note "task.list"
rpc call task.list "$(jq -nc --arg f "$F" '{file: $f}')" >"$OUT" ||
    fail "task.list: $(cat "$OUT")"
[ "$(jq -c '[.result.tasks[].path]' "$OUT")" = \
    '["tasks/run.sh","tasks/train.py"]' ] || fail "tasks: $(cat "$OUT")"
[ "$(jq -r '.result.tasks[1].interface.args[0].name' "$OUT")" = --lr ] ||
    fail "front matter: $(cat "$OUT")"
[ "$(jq -r '.result.tasks[1].description' "$OUT")" = "Train a model." ] ||
    fail "description: $(cat "$OUT")"
stop_loomd
echo "PASS"
