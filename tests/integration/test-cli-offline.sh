#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# loomctl's offline commands (no daemon may be started by any of them):
#  - validate: every example is valid (exit 0); a broken file gives
#    exit 2 and exact "loomctl: file:line:col: error: message" lines
#    with hints;
#    --json diagnostics
#  - list: execution order, groups, optional/disabled marks, consumes and
#    produces; --json
#  - show: the front-matter interface and the shell-quoted command; an
#    unknown step is exit 2 with a "did you mean" hint
#  - run --dry-run with every selection option: --step (repeatable and
#    multi-word), --from, --until, --group, --include, --set typing and
#    spelling, --var relative to the pipeline's folder, --extra, and the
#    disabled-step usage error
#  - usage errors exit 2: no command, unknown command, a prefix of a
#    command, unknown option, missing file, bad --max-workers
#  - --help on every command and on loomctl itself exits 0; --version
#  - colours: none when piped, some on a terminal, none with NO_COLOR
#  - the seed's entry points: loom FILE --list / --dry-run / --investigate
#    with --set a=1 b=2, loom --help
. "$(dirname "$0")/lib.sh"

LOOM="$LOOM_BIN/loom"
EX="$TEST_TMP/examples"
cp -r "$LOOM_SRC/examples" "$EX"
rm -rf "$EX"/*/out "$EX"/*/.loom "$EX"/seed/data/processed "$EX"/seed/models
OUT="$TEST_TMP/out.txt"

# expect_rc WANT CMD...: run CMD (stdout+stderr to $OUT), check status.
expect_rc() {
	local want=$1 st=0
	shift
	"$@" >"$OUT" 2>&1 || st=$?
	[ "$st" = "$want" ] || {
		cat "$OUT" >&2
		fail "'$*' exited $st, expected $want"
	}
}

# has TEXT: $OUT holds the line TEXT exactly.
has() { grep -qxF -- "$1" "$OUT" || { cat "$OUT" >&2; fail "missing line: $1"; }; }
# contains TEXT: $OUT holds TEXT somewhere.
contains() { grep -qF -- "$1" "$OUT" || { cat "$OUT" >&2; fail "missing: $1"; }; }
lacks() { ! grep -qF -- "$1" "$OUT" || { cat "$OUT" >&2; fail "unexpected: $1"; }; }

note "validate"
for f in "$EX"/*/experiment.yml; do
	expect_rc 0 "$LOOMCTL" validate "$f"
	has "$f: valid, $(grep -c '^ *- name:' "$f") step(s)"
done

cd "$TEST_TMP"
cat >broken.yml <<'YML'
variables:
  video: data/raw.mp4

pipeline:
  - name: extract
    task: tasks/nope.py
    inputs:
      video: $vidoe
    outputs:
      -o: $features
YML
expect_rc 2 "$LOOMCTL" validate broken.yml
has "loomctl: broken.yml:6:11: error: task file tasks/nope.py not found"
has "loomctl: broken.yml:8:14: error: unknown reference \$vidoe"
has "loomctl: broken.yml:10:11: error: unknown reference \$features"
has "loomctl: 3 error(s) in broken.yml"
grep -q '^  hint: ' "$OUT" || fail "no hint printed"
expect_rc 2 "$LOOMCTL" validate broken.yml --json
jq -e '.ok == false and (.diagnostics | length) == 3 and
    .diagnostics[0].line == 6 and .diagnostics[0].column == 11' "$OUT" \
    >/dev/null || fail "validate --json: $(cat "$OUT")"
expect_rc 2 "$LOOMCTL" validate "$TEST_TMP/does-not-exist.yml"
contains "does-not-exist.yml"

note "list"
expect_rc 0 "$LOOMCTL" list "$EX/groups/experiment.yml"
has "  1. make_a  [group: prepare]"
has "  3. add  [group: analyse]"
has "       consumes: \$a, \$b"
has "       produces: \$sum"
has "       after:    add, multiply"
expect_rc 0 "$LOOMCTL" list "$EX/optional/experiment.yml"
contains "plot  (optional: runs with --include plot or --step plot)"
contains "upload  (disabled: never runs)"
expect_rc 0 "$LOOMCTL" list --json "$EX/diamond/experiment.yml"
[ "$(jq -c '[.steps[].name]' "$OUT")" = '["prepare","letters","lengths","merge"]' ] ||
    fail "list --json order: $(cat "$OUT")"
[ "$(jq -c '.steps[3].depends_on' "$OUT")" = '["letters","lengths"]' ] ||
    fail "list --json deps: $(cat "$OUT")"

note "show"
expect_rc 0 "$LOOMCTL" show "$EX/seed/experiment.yml" train
has "  --lr             \$learning_rate = 0.001   # float: Learning rate"
has "  data             \$features = $EX/seed/data/processed/features.csv   # csv: Features"
has "    --epochs         int default 10 - Passes over the data"
has "  python3 $EX/seed/tasks/train_model.py $EX/seed/data/processed/features.csv -o $EX/seed/models/classifier.pt --lr 0.001 --epochs 100"
expect_rc 2 "$LOOMCTL" show "$EX/seed/experiment.yml" trian
contains "no step named 'trian'"
contains "did you mean 'train'?"
expect_rc 0 "$LOOMCTL" show --json "$EX/parameters/experiment.yml" configure
[ "$(jq -r '.argv[-1]' "$OUT")" = "baseline run" ] || fail "show --json: $(cat "$OUT")"
jq -r .command "$OUT" | grep -qF -- "--label 'baseline run'" ||
    fail "show --json command not quoted: $(cat "$OUT")"

note "dry run and selection"
D="$EX/diamond"
steps_of() { grep '^# ' "$OUT" | sed -n 's/^# \([a-z_0-9]*\)$/\1/p' | tr '\n' ' '; }
expect_rc 0 "$LOOMCTL" run --dry-run "$D/experiment.yml"
[ "$(steps_of)" = "prepare letters lengths merge " ] || fail "order: $(steps_of)"
has "# Pipeline: 4 step(s) to run"
has "# working directory: $D"
has "python3 $D/tasks/count.py $D/out/words.txt -o $D/out/letters.json --what letters"
expect_rc 0 "$LOOMCTL" run --dry-run "$D/experiment.yml" --step merge letters
[ "$(steps_of)" = "letters merge " ] || fail "--step: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$D/experiment.yml" --step merge --step prepare
[ "$(steps_of)" = "prepare merge " ] || fail "--step twice: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$D/experiment.yml" --from letters
[ "$(steps_of)" = "letters merge " ] || fail "--from: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$D/experiment.yml" --until lengths
[ "$(steps_of)" = "prepare lengths " ] || fail "--until: $(steps_of)"
expect_rc 0 "$LOOMCTL" run -n "$EX/groups/experiment.yml" --group analyse
[ "$(steps_of)" = "add multiply " ] || fail "--group: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$EX/optional/experiment.yml"
[ "$(steps_of)" = "measure " ] || fail "optional left out: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$EX/optional/experiment.yml" --include plot
[ "$(steps_of)" = "measure plot " ] || fail "--include: $(steps_of)"
expect_rc 0 "$LOOMCTL" run --dry-run "$EX/optional/experiment.yml" --step plot
[ "$(steps_of)" = "plot " ] || fail "--step optional: $(steps_of)"
expect_rc 2 "$LOOMCTL" run --dry-run "$EX/optional/experiment.yml" --step upload
contains "upload"
expect_rc 2 "$LOOMCTL" run --dry-run "$D/experiment.yml" --step nosuch

P="$EX/parameters"
expect_rc 0 "$LOOMCTL" run --dry-run "$P/experiment.yml"
has "python3 $P/tasks/configure.py -o $P/out/lr_0.001_decay_1e-5/config.json --lr 0.001 --decay 1e-5 --label 'baseline run'"
has "python3 $P/tasks/train.py $P/out/lr_0.001_decay_1e-5/config.json --model $P/out/lr_0.001_decay_1e-5/model.txt --epochs 3 --lr 0.001 --verbose"
expect_rc 0 "$LOOMCTL" run --dry-run "$P/experiment.yml" --set learning_rate=0.0100 \
    --set verbose=false --set "label=it's new" --step train --extra "--seed 7 'a b'"
has "python3 $P/tasks/train.py $P/out/lr_0.0100_decay_1e-5/config.json --model $P/out/lr_0.0100_decay_1e-5/model.txt --epochs 3 --lr 0.0100 --seed 7 'a b'"
expect_rc 0 "$LOOMCTL" run --dry-run "$P/experiment.yml" --set "label=it's new" --step configure
has "python3 $P/tasks/configure.py -o $P/out/lr_0.001_decay_1e-5/config.json --lr 0.001 --decay 1e-5 --label 'it'\\''s new'"
expect_rc 2 "$LOOMCTL" run --dry-run "$P/experiment.yml" --set nosuch=1
expect_rc 2 "$LOOMCTL" run --dry-run "$P/experiment.yml" --set broken
# A source input must exist (test-run-sources.sh covers a missing one).
mkdir -p "$EX/seed/elsewhere" && : >"$EX/seed/elsewhere/clip.mp4"
expect_rc 0 "$LOOMCTL" run --dry-run "$EX/seed/experiment.yml" --var video=elsewhere/clip.mp4 --step extract
has "python3 $EX/seed/tasks/extract_features.py $EX/seed/elsewhere/clip.mp4 -o $EX/seed/data/processed/features.csv"
expect_rc 0 "$LOOMCTL" run --dry-run --json "$D/experiment.yml" --step merge
[ "$(jq -c '.steps[0].argv[-1]' "$OUT")" = "\"$D/out/summary.txt\"" ] ||
    fail "dry-run --json: $(cat "$OUT")"

note "usage errors exit 2"
expect_rc 2 "$LOOMCTL"
expect_rc 2 "$LOOMCTL" nosuch
contains "unknown command: nosuch"
expect_rc 2 "$LOOMCTL" stat
expect_rc 2 "$LOOMCTL" val "$D/experiment.yml"
expect_rc 2 "$LOOMCTL" --bogus
expect_rc 2 "$LOOMCTL" run
contains "a pipeline file is needed"
expect_rc 2 "$LOOMCTL" run "$D/experiment.yml" merge
contains "unexpected argument: merge (steps are chosen with --step, --from or --until)"
expect_rc 2 "$LOOMCTL" run "$D/experiment.yml" --bogus
contains "unknown option: --bogus"
expect_rc 2 "$LOOMCTL" run "$D/experiment.yml" --max-workers many
expect_rc 2 "$LOOMCTL" run "$D/experiment.yml" --step
expect_rc 2 "$LOOMCTL" run "$D/experiment.yml" --dry-run --detach
expect_rc 2 "$LOOMCTL" validate
expect_rc 2 "$LOOMCTL" list
expect_rc 2 "$LOOMCTL" show "$D/experiment.yml"
contains "which step of $D/experiment.yml? ('loomctl list $D/experiment.yml' shows them)"
expect_rc 2 "$LOOMCTL" logs
expect_rc 2 "$LOOMCTL" cancel
expect_rc 2 "$LOOMCTL" daemon
expect_rc 2 "$LOOMCTL" daemon restart-everything
expect_rc 2 "$LOOMCTL" status a b

note "--help everywhere"
expect_rc 0 "$LOOMCTL" --help
contains "usage: loomctl"
for cmd in run status logs cancel validate list show ui clean daemon; do
	contains "  $cmd "
done
for cmd in run status logs cancel validate list show ui clean daemon; do
	expect_rc 0 "$LOOMCTL" "$cmd" --help
	head -n 1 "$OUT" | grep -q "^usage: loomctl $cmd" ||
	    fail "$cmd --help: $(head -n 1 "$OUT")"
	expect_rc 0 "$LOOMCTL" help "$cmd"
	head -n 1 "$OUT" | grep -q "^usage: loomctl $cmd" || fail "help $cmd"
done
expect_rc 0 "$LOOMCTL" --version
grep -qE '^loomctl [0-9]+\.[0-9]+\.[0-9]+$' "$OUT" || fail "--version: $(cat "$OUT")"

note "colours"
expect_rc 2 "$LOOMCTL" validate broken.yml
! grep -q $'\033' "$OUT" || fail "colour codes on a pipe"
# script(1) gives the command a terminal.
if command -v script >/dev/null; then
	TERM=xterm script -qec "$LOOMCTL validate broken.yml" /dev/null >"$OUT" 2>&1 || true
	grep -q $'\033\[' "$OUT" || fail "no colours on a terminal: $(cat -v "$OUT")"
	NO_COLOR=1 TERM=xterm script -qec "$LOOMCTL validate broken.yml" /dev/null >"$OUT" 2>&1 || true
	! grep -q $'\033\[' "$OUT" || fail "colours despite NO_COLOR: $(cat -v "$OUT")"
	contains "broken.yml:8:14: error: unknown reference"
else
	note "script(1) missing: terminal colour checks skipped"
fi

note "the seed's loom command"
expect_rc 0 "$LOOM" --help
contains "usage: loom FILE"
expect_rc 0 "$LOOM" "$EX/seed/experiment.yml" --list
has "  2. train"
expect_rc 0 "$LOOM" "$EX/seed/experiment.yml" --dry-run --step train --set learning_rate=0.01 epochs=5
has "python3 $EX/seed/tasks/train_model.py $EX/seed/data/processed/features.csv -o $EX/seed/models/classifier.pt --lr 0.01 --epochs 5"
expect_rc 0 "$LOOM" "$EX/seed/experiment.yml" --investigate
contains "[1/2] extract"
contains "exists   $EX/seed/data/raw/recording.mp4"
contains "missing  $EX/seed/data/processed/features.csv"
contains "command  python3 $EX/seed/tasks/extract_features.py"
expect_rc 2 "$LOOM"
expect_rc 2 "$LOOM" "$EX/seed/experiment.yml" -y
expect_rc 2 "$LOOM" "$EX/seed/experiment.yml" --step nosuch --dry-run

note "no daemon was started"
[ ! -e "$LOOM_SOCKET" ] || fail "an offline command created $LOOM_SOCKET"
[ "$(loomd_count)" = 0 ] || fail "an offline command started loomd"
[ -z "$(ls -A "$EX"/*/out 2>/dev/null)" ] || fail "a dry run wrote outputs"
lib_check_sanitizers || fail "sanitizer errors (leaks) in loomctl"
echo "PASS"
