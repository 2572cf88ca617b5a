#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `loomctl run --dry-run` prints the same bytes as before, compared with
# files kept in tests/dryrun-golden/ (the folder of the pipeline written
# as @DIR@):
#  - tests/dryrun-golden/experiment.yml: whole references, references
#    inside text (${name}, chains of data entries, parameters in paths
#    and arguments), a loop over a folder with a filter, quoting of
#    spaces and quotes, an optional step left out;
#  - the same with --set NAME=VALUE twice and --include of the optional
#    step, as text and as --json;
#  - tests/dryrun-golden/aliases.yml: anchors and aliases inside steps
#    (shared names, tasks, inputs, arguments; an anchored step);
#  - a 60-step pipeline from bench/gen-pipeline.py (layers of 10, three
#    groups, every tenth step optional): every step's command and its
#    mkdir line.
. "$(dirname "$0")/lib.sh"

GOLD="$LOOM_SRC/tests/dryrun-golden"
DIR="$TEST_TMP/golden"
cp -r "$GOLD" "$DIR"
rm -f "$DIR"/*.expected

# same NAME CMD...: CMD's output, with the pipeline's folder as @DIR@,
# equals NAME.expected.
same() {
	local name=$1
	shift
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	    fail "$name: exit $?: $(cat "$TEST_TMP/err")"
	sed "s|$TEST_TMP/golden|@DIR@|g" "$TEST_TMP/out" >"$TEST_TMP/$name"
	diff -u "$GOLD/$name.expected" "$TEST_TMP/$name" ||
	    fail "$name: the dry run differs from $name.expected"
}

note "references, a loop, an optional step left out"
same plain "$LOOMCTL" run --dry-run "$DIR/experiment.yml"

note "--set twice and --include, as text and as JSON"
same set "$LOOMCTL" run --dry-run --set rate=0.5 --set "label=it's x" \
    --include report "$DIR/experiment.yml"
same set-json "$LOOMCTL" run --dry-run --json --set rate=0.5 \
    --set "label=it's x" --include report "$DIR/experiment.yml"

note "anchors and aliases inside steps"
same aliases "$LOOMCTL" run --dry-run "$DIR/aliases.yml"

note "a generated 60-step pipeline"
rm -rf "$DIR"
"$PYTHON" "$LOOM_SRC/bench/gen-pipeline.py" --steps 60 --shape layers \
    --width 10 --groups 3 "$DIR" >/dev/null || fail "gen-pipeline.py"
same generated "$LOOMCTL" run --dry-run "$DIR/experiment.yml"
echo "PASS"
