#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `loomctl run --dry-run` prints a script that runs as printed, and that
# nothing in a pipeline file can inject a command into (X6):
#  - examples/diamond (a private copy): `--dry-run | bash`, started from
#    another folder, makes every output, equal byte for byte to the
#    outputs of a real run of a second copy;
#  - a line break (or CR, DEL, NUL) in a step name, a data path, a data
#    entry or parameter name, an output path: `validate` and `--dry-run`
#    refuse it at FILE:LINE:COL naming the character, exit 2, and piping
#    the dry run to bash creates no marker file;
#  - an argument holding a line break, quotes and $(...) reaches the task
#    intact through `--dry-run | bash` started from /, the task running
#    in the pipeline's folder (cd) and writing into out/, which did not
#    exist (mkdir -p); once the step is up to date
#    its command, printed as a comment, still runs nothing;
#  - a failing step stops the script (set -e): the next step's output is
#    never made;
#  - a step's mkdir -p line names each folder of its outputs once, the
#    same whether the plan judged the step (its output list reused) or
#    --force skipped judging (the outputs listed for the line).
. "$(dirname "$0")/lib.sh"

OUT="$TEST_TMP/out"
cp -r "$LOOM_SRC/examples/diamond" "$TEST_TMP/d1"
cp -r "$LOOM_SRC/examples/diamond" "$TEST_TMP/d2"
rm -rf "$TEST_TMP"/d[12]/out "$TEST_TMP"/d[12]/.loom

note "examples/diamond: --dry-run | bash equals a real run"
(cd / && "$LOOMCTL" run --dry-run "$TEST_TMP/d1/experiment.yml" | bash) \
    >"$OUT" 2>&1 || fail "dry run piped to bash: $(cat "$OUT")"
"$LOOMCTL" run "$TEST_TMP/d2/experiment.yml" >"$OUT" 2>&1 ||
    fail "real run: $(cat "$OUT")"
for f in words.txt letters.json lengths.json summary.txt; do
	[ -s "$TEST_TMP/d1/out/$f" ] || fail "the script made no out/$f"
	cmp "$TEST_TMP/d1/out/$f" "$TEST_TMP/d2/out/$f" ||
	    fail "out/$f differs from the real run's"
done

note "control characters in names and paths are refused"
X="$TEST_TMP/x"
mkdir -p "$X/tasks"
cat >"$X/tasks/t.sh" <<'SH'
#!/bin/sh
# Writes its arguments, one per line, to the file after -o, and the
# folder it runs in to that file's name plus .cwd.
out=
for a; do [ "$prev" = -o ] && out=$a; prev=$a; done
printf '%s\n' "$@" >"$out"
pwd >"$out.cwd"
SH
chmod +x "$X/tasks/t.sh"
M="$TEST_TMP/pwned"
cat >"$X/inject.yml" <<YML
parameters:
  "p\ntouch $M-param": 1
data:
  src: "data/ok\ntouch $M-data"
pipeline:
  - name: "ok\ntouch $M-step"
    task: tasks/t.sh
    inputs: {in: \$src}
    outputs: {-o: "out/a\rb\u007f.txt"}
YML
st=0
"$LOOMCTL" validate "$X/inject.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] || fail "validate exited $st: $(cat "$OUT")"
for want in \
    "inject.yml:2:3: error: parameter name 'p\\ntouch $M-param' holds the control character 0x0a" \
    "inject.yml:4:8: error: data path 'data/ok\\ntouch $M-data' holds the control character 0x0a" \
    "inject.yml:6:11: error: step name 'ok\\ntouch $M-step' holds the control character 0x0a" \
    "inject.yml:9:19: error: output path 'out/a\\rb\\x7f.txt' holds the control character 0x0d"; do
	grep -qF -- "$want" "$OUT" || fail "validate lacks: $want
$(cat "$OUT")"
done
st=0
(cd "$X" && "$LOOMCTL" run --dry-run inject.yml 2>"$OUT" | bash) || st=$?
grep -q "step name 'ok\\\\ntouch" "$OUT" || fail "dry run said: $(cat "$OUT")"
printf 'pipeline:\n  - name: "a\\0b"\n    task: tasks/t.sh\n' >"$X/nul.yml"
st=0
"$LOOMCTL" validate "$X/nul.yml" >"$OUT" 2>&1 || st=$?
[ "$st" = 2 ] && grep -qF 'nul.yml:2:11: error: a NUL character (\0) is not allowed in a value' \
    "$OUT" || fail "NUL: $st $(cat "$OUT")"
ls "$TEST_TMP" | grep -q pwned && fail "an injected command ran"

note "an argument with a line break, quotes and \$(...) stays one argument"
cat >"$X/args.yml" <<YML
data:
  result: {path: out/args.txt}
pipeline:
  - name: echo
    task: tasks/t.sh
    outputs: {-o: \$result}
    args: {--msg: "line one\ntouch $M-arg\nit's \$(touch $M-subst) \`touch $M-tick\`"}
YML
(cd / && "$LOOMCTL" run --dry-run "$X/args.yml" | bash) >"$OUT" 2>&1 ||
    fail "args: $(cat "$OUT")"
[ "$(cat "$X/out/args.txt.cwd")" = "$X" ] ||
    fail "the script ran the task in $(cat "$X/out/args.txt.cwd")"
printf '%s\n' -o "$X/out/args.txt" --msg "line one
touch $M-arg
it's \$(touch $M-subst) \`touch $M-tick\`" | diff - "$X/out/args.txt" ||
    fail "the task got other arguments"
"$LOOMCTL" run "$X/args.yml" >"$OUT" 2>&1 || fail "real run: $(cat "$OUT")"
"$LOOMCTL" run --dry-run "$X/args.yml" >"$OUT" 2>&1 || fail "dry run: $(cat "$OUT")"
grep -q "^#   up to date, not run" "$OUT" || fail "not up to date: $(cat "$OUT")"
grep -v '^#' "$OUT" | grep -q "t.sh" && fail "an up-to-date command is not a comment"
bash <"$OUT" >/dev/null 2>&1 || fail "the up-to-date script failed"
ls "$TEST_TMP" | grep -q pwned && fail "an injected command ran"

note "set -e: a failing step stops the script"
cat >"$X/fail.yml" <<'YML'
data:
  a: {path: out/a.txt}
  b: {path: out/b.txt}
pipeline:
  - name: first
    task: tasks/no.sh
    outputs: {-o: $a}
  - name: second
    task: tasks/t.sh
    inputs: {in: $a}
    outputs: {-o: $b}
YML
printf '#!/bin/sh\nexit 3\n' >"$X/tasks/no.sh"
st=0
"$LOOMCTL" run --dry-run "$X/fail.yml" | bash >/dev/null 2>&1 || st=$?
[ "$st" = 3 ] || fail "the script exited $st, not 3"
[ ! -e "$X/out/b.txt" ] || fail "the step after a failure ran"

note "mkdir -p: one folder each, judged or forced"
cat >"$X/dirs.yml" <<'YML'
pipeline:
  - name: two
    task: tasks/t.sh
    outputs: {-o: out/p/a.txt, --b: out/p/b.txt, --c: "out/q r/c.txt"}
YML
for force in "" --force; do
	"$LOOMCTL" run --dry-run $force "$X/dirs.yml" >"$OUT" 2>&1 ||
	    fail "dry run $force: $(cat "$OUT")"
	[ "$(grep -c '^mkdir -p -- ' "$OUT")" = 1 ] &&
	    grep -qxF "mkdir -p -- $X/out/p '$X/out/q r'" "$OUT" ||
	    fail "dry run $force: mkdir line wrong: $(cat "$OUT")"
done
"$LOOMCTL" daemon stop >"$OUT" || fail "daemon stop: $(cat "$OUT")"
