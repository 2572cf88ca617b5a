#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl clean (and the seed's loom FILE --clean), with no daemon:
#  - --list shows every output (present or absent) and removes nothing
#  - without a terminal and without -y: exit 2, a hint, nothing removed
#  - -y moves every output (files and a loop's output folder) into the
#    freedesktop.org trash under a temporary XDG_DATA_HOME, each with a
#    valid .trashinfo (Path= percent-encoded, DeletionDate=); source data,
#    task scripts and the pipeline file stay; stamps and the URL cache go;
#    run records stay
#  - a name already in the trash gets a new one; nothing is overwritten
#  - an output folder holding source data is refused and kept
#  - --permanent deletes instead; loom FILE --clean -y does the same as
#    loomctl clean -y
#  - no daemon was started by any of it
. "$(dirname "$0")/lib.sh"

export XDG_DATA_HOME="$TEST_TMP/data home"
TRASH="$XDG_DATA_HOME/Trash"
EXP="$TEST_TMP/my exp"
mkdir -p "$EXP/tasks" "$EXP/data/raw" "$EXP/out/upper" "$EXP/.loom/stamps" \
    "$EXP/.loom/runs/abc123" "$EXP/.loom-url-cache"
echo 'cat "$1" >"$3"' >"$EXP/tasks/copy.sh"
echo "source" >"$EXP/data/in.csv"
echo "a" >"$EXP/data/raw/a.txt"
cat >"$EXP/experiment.yml" <<'EOF'
data:
  src: {path: data/in.csv}
  mid: {path: out/mid 100%.csv}
  final: {path: out/final.csv}
  raw: {path: data/raw}
  upper: {path: out/upper}
pipeline:
  - name: first
    task: tasks/copy.sh
    inputs: {i: $src}
    outputs: {-o: $mid}
  - name: second
    task: tasks/copy.sh
    inputs: {i: $mid}
    outputs: {-o: $final}
  - name: never_ran
    task: tasks/copy.sh
    inputs: {i: $src}
    outputs: {-o: out/absent.csv}
  - name: shout
    task: tasks/copy.sh
    loop: {over: $raw, into: $upper}
    inputs: {i: $loop_item}
    outputs: {-o: $loop_output}
EOF
Y="$EXP/experiment.yml"
make_outputs() {
	echo mid >"$EXP/out/mid 100%.csv"
	echo final >"$EXP/out/final.csv"
	mkdir -p "$EXP/out/upper"
	echo A >"$EXP/out/upper/a.txt"
	echo stamp >"$EXP/.loom/stamps/first"
	echo cached >"$EXP/.loom-url-cache/0123-x.csv"
}
make_outputs
echo '{}' >"$EXP/.loom/runs/abc123/run.json"
OUT="$TEST_TMP/out.txt"

note "--list removes nothing"
"$LOOMCTL" clean "$Y" --list >"$OUT" 2>&1 || fail "--list: $(cat "$OUT")"
grep -q '^  present  out/mid 100%.csv (first)$' "$OUT" || fail "list: $(cat "$OUT")"
grep -q '^  present  out/upper (shout)$' "$OUT" || fail "list: $(cat "$OUT")"
grep -q '^  absent   out/absent.csv (never_ran)$' "$OUT" || fail "list: $(cat "$OUT")"
grep -q 'data/in.csv' "$OUT" && fail "a source is listed: $(cat "$OUT")"
[ -e "$EXP/out/final.csv" ] && [ -e "$EXP/.loom/stamps/first" ] || fail "--list removed something"

note "no terminal, no -y: refused"
st=0
"$LOOMCTL" clean "$Y" </dev/null >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "clean without -y exited $st"
grep -q 'hint: pass -y' "$OUT" || fail "no hint: $(cat "$OUT")"
[ -e "$EXP/out/final.csv" ] || fail "removed without confirmation"

note "-y moves outputs to the trash with valid .trashinfo files"
"$LOOMCTL" clean "$Y" -y </dev/null >"$OUT" 2>&1 || fail "clean -y: $(cat "$OUT")"
for f in "mid 100%.csv" final.csv upper; do
	[ -e "$EXP/out/$f" ] && fail "$f still there"
	[ -e "$TRASH/files/$f" ] || fail "$f not in the trash: $(ls -R "$TRASH")"
	info="$TRASH/info/$f.trashinfo"
	[ -f "$info" ] || fail "no $info"
	[ "$(sed -n 1p "$info")" = "[Trash Info]" ] || fail "$info header"
	# Path= percent-encoded (space %20, % %25), decodes to the original.
	path=$(sed -n 's/^Path=//p' "$info")
	case "$path" in *" "*) fail "unencoded space in $info" ;; esac
	[ "$("$PYTHON" -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$path")" = \
	    "$EXP/out/$f" ] || fail "Path= of $f: $path"
	grep -Eq '^DeletionDate=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$info" ||
	    fail "DeletionDate of $f: $(cat "$info")"
done
[ "$(cat "$TRASH/files/upper/a.txt")" = A ] || fail "folder contents"
grep -q 'Path=.*mid%20100%25.csv$' "$TRASH/info/mid 100%.csv.trashinfo" || fail "encoding"
[ "$(cat "$EXP/data/in.csv")" = source ] || fail "source data touched"
[ -e "$EXP/data/raw/a.txt" ] || fail "loop source touched"
[ -e "$EXP/tasks/copy.sh" ] && [ -e "$Y" ] || fail "scripts or pipeline touched"
[ -e "$EXP/.loom/stamps" ] && fail "stamps left"
[ -e "$EXP/.loom-url-cache" ] && fail "URL cache left"
[ -e "$EXP/.loom/runs/abc123/run.json" ] || fail "run records removed"

note "a second clean gets new trash names"
make_outputs
"$LOOMCTL" clean "$Y" -y >"$OUT" 2>&1 || fail "clean again: $(cat "$OUT")"
[ -e "$TRASH/files/final.2.csv" ] || fail "no final.2.csv: $(ls "$TRASH/files")"
[ "$(cat "$TRASH/files/final.csv")" = final ] || fail "first trashed copy overwritten"
[ -f "$TRASH/info/final.2.csv.trashinfo" ] || fail "no info for final.2.csv"

note "an output folder holding source data is kept"
cat >"$EXP/bad.yml" <<'EOF'
data:
  src: {path: data/in.csv}
pipeline:
  - name: greedy
    task: tasks/copy.sh
    inputs: {i: $src}
    outputs: {-o: data}
EOF
"$LOOMCTL" clean "$EXP/bad.yml" -y >"$OUT" 2>&1 || fail "clean bad.yml: $(cat "$OUT")"
grep -q 'kept     data (greedy): it is or holds source data' "$OUT" || fail "not refused: $(cat "$OUT")"
[ "$(cat "$EXP/data/in.csv")" = source ] || fail "source data removed"

note "--permanent and the seed's loom --clean"
make_outputs
before=$(ls "$TRASH/files" | wc -l)
"$LOOMCTL" clean "$Y" --permanent -y >"$OUT" 2>&1 || fail "--permanent: $(cat "$OUT")"
[ -e "$EXP/out/final.csv" ] || [ -e "$EXP/out/upper" ] && fail "--permanent left outputs"
[ "$(ls "$TRASH/files" | wc -l)" = "$before" ] || fail "--permanent used the trash"
make_outputs
(cd "$EXP" && "$LOOM_BIN/loom" experiment.yml --clean -y) >"$OUT" 2>&1 ||
    fail "loom --clean: $(cat "$OUT")"
[ -e "$EXP/out/final.csv" ] && fail "loom --clean left outputs"
[ -e "$TRASH/files/final.3.csv" ] || fail "loom --clean did not use the trash"
(cd "$EXP" && "$LOOM_BIN/loom" experiment.yml --clean-list) >"$OUT" 2>&1 ||
    fail "loom --clean-list: $(cat "$OUT")"
grep -q 'absent   out/final.csv' "$OUT" || fail "clean-list: $(cat "$OUT")"

[ -e "$LOOM_SOCKET" ] && fail "a daemon was started"
lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
