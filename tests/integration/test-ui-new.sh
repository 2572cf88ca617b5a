#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl ui --new FILE: an empty pipeline, created on the editor's first
# save.
#  - FILE (relative) that does not exist in an existing folder: the URL is
#    printed, nothing is written; the target (ui.target) is the absolute
#    path with "new": true; task.list lists the folder's tasks/ and
#    file.preview checks paths there although the pipeline does not exist;
#    the first pipeline.save with "create": true writes it and
#    `loomctl validate` passes;
#  - without --new, a FILE not there is refused with a hint to --new;
#  - refused with exit 2 and a hint, nothing written or changed: FILE
#    exists (also a dangling symbolic link), its folder does not exist, no
#    FILE; `loomctl ui --help` documents --new.
. "$(dirname "$0")/lib.sh"

EXP="$TEST_TMP/exp"
ERR="$TEST_TMP/err.txt"
mkdir -p "$EXP/tasks" "$EXP/data" "$TEST_TMP/web"
echo '<!doctype html><title>t</title>' >"$TEST_TMP/web/index.html"
export LOOM_WEB_DIR="$TEST_TMP/web"
printf '#!/bin/sh\n# Say hello.\necho hi\n' >"$EXP/tasks/hello.sh"
chmod +x "$EXP/tasks/hello.sh"
echo words >"$EXP/data/words.txt"

note "--new on a name that does not exist"
url=$(cd "$EXP" && "$LOOMCTL" ui --new --no-browser fresh.yml 2>"$ERR") ||
    fail "ui --new: $(cat "$ERR")"
[[ $url == http://127.0.0.1:*"&target="* ]] || fail "ui printed '$url'"
[ ! -e "$EXP/fresh.yml" ] || fail "ui --new wrote the file before a save"
target=${url##*target=}
out=$(rpc call ui.target "{\"target\": $target}") || fail "ui.target: $out"
echo "$out" | grep -q "\"path\": \"$EXP/fresh.yml\"" || fail "target path: $out"
echo "$out" | grep -q '"new": true' || fail "target not new: $out"

note "task.list and file.preview before the file exists"
out=$(rpc call task.list "{\"file\": \"$EXP/fresh.yml\"}") || fail "task.list: $out"
echo "$out" | grep -q '"path": "tasks/hello.sh"' || fail "no hello.sh: $out"
echo "$out" | grep -q '"description": "Say hello."' || fail "no description: $out"
out=$(rpc call file.preview "{\"file\": \"$EXP/fresh.yml\", \"path\": \"data/words.txt\"}") ||
    fail "preview of an existing file: $out"
out=$(rpc call file.preview "{\"file\": \"$EXP/fresh.yml\", \"path\": \"data/none.txt\"}") &&
    fail "preview of a missing file answered: $out"
echo "$out" | grep -q '"errno": 2' || fail "missing file not ENOENT: $out"

note "the first save creates it"
edits='[{"op": "add", "path": "pipeline", "value": {"name": "hello", "task": "tasks/hello.sh"}}, {"op": "move", "node": "hello", "x": 10, "y": 20}]'
out=$(rpc call pipeline.save "{\"file\": \"$EXP/fresh.yml\", \"create\": true, \"edits\": $edits}") ||
    fail "save: $out"
[ -f "$EXP/fresh.yml" ] || fail "not created"
"$LOOMCTL" validate "$EXP/fresh.yml" >/dev/null 2>"$ERR" ||
    fail "created file invalid: $(cat "$ERR"; cat "$EXP/fresh.yml")"
grep -q 'task: tasks/hello.sh' "$EXP/fresh.yml" || fail "no step: $(cat "$EXP/fresh.yml")"

note "refusals"
cp "$EXP/fresh.yml" "$TEST_TMP/before.yml"
st=0
"$LOOMCTL" ui --new --no-browser "$EXP/fresh.yml" >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] || fail "an existing FILE: exit $st"
grep -q "exists already" "$ERR" && grep -q "hint: open it with 'loomctl ui" "$ERR" ||
    fail "an existing FILE: $(cat "$ERR")"
cmp -s "$EXP/fresh.yml" "$TEST_TMP/before.yml" || fail "the existing file changed"
ln -s "$EXP/nowhere.yml" "$EXP/dangling.yml"
st=0
"$LOOMCTL" ui --new --no-browser "$EXP/dangling.yml" >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] && grep -q "exists already" "$ERR" || fail "a dangling link: $st $(cat "$ERR")"
[ ! -e "$EXP/nowhere.yml" ] || fail "wrote through a dangling link"
st=0
"$LOOMCTL" ui --new --no-browser "$EXP/no/such/x.yml" >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] && grep -q "hint: the folder must exist" "$ERR" ||
    fail "a missing folder: $st $(cat "$ERR")"
st=0
"$LOOMCTL" ui --no-browser "$EXP/later.yml" >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] && grep -q "hint: 'loomctl ui --new $EXP/later.yml' starts a new pipeline" "$ERR" ||
    fail "ui of a file not there: $st $(cat "$ERR")"
[ ! -e "$EXP/later.yml" ] || fail "ui of a file not there created it"
st=0
"$LOOMCTL" ui --new --no-browser >/dev/null 2>"$ERR" || st=$?
[ "$st" = 2 ] && grep -q -- "--new needs the FILE" "$ERR" || fail "no FILE: $st $(cat "$ERR")"
out=$(rpc call ui.open "{\"path\": \"$EXP/fresh.yml\", \"new\": true}") &&
    fail "ui.open new on an existing file: $out"
echo "$out" | grep -q "exists already" || fail "ui.open new: $out"
"$LOOMCTL" ui --help | grep -q -- "--new" || fail "--help does not document --new"

"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop"
wait_for 30 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
