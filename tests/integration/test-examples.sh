#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every example of examples/, twice, each in a private copy:
#  1. "loomctl run --dry-run", then every printed command run with bash in
#     order from the pipeline's folder: the expected outputs appear (so
#     the printed commands are pasteable and complete);
#  2. "loomctl run" through the daemon (the seed example through the
#     seed's own "loom FILE"): exit status 0 (1 for examples/failing),
#     the same outputs, and every step's argument vector in the run
#     record equal to the one the dry run printed (--json), so the
#     printed command is exactly what runs.
# examples/failing: the check command fails with status 1, merge is
# skipped, and no output of the failed branch appears.
. "$(dirname "$0")/lib.sh"

EX="$TEST_TMP/examples"
cp -r "$LOOM_SRC/examples" "$EX"
rm -rf "$EX"/*/out "$EX"/*/.loom "$EX"/seed/data/processed "$EX"/seed/models
# A second copy for the runs through the daemon, so both parts can run
# at the same time.
EX2="$TEST_TMP/examples2"
cp -r "$EX" "$EX2"

# The outputs each example must produce, and ones it must not.
declare -A OUTPUTS=(
	[linear]="out/clean.csv out/stats.json out/report.txt"
	[diamond]="out/words.txt out/letters.json out/lengths.json out/summary.txt"
	[parallel]="out/part1.txt out/part2.txt out/part3.txt out/part4.txt out/all.txt"
	[loop]="out/upper/a.txt out/upper/b.txt out/upper/c.txt out/index.txt"
	[optional]="out/numbers.txt"
	[groups]="out/a.txt out/b.txt out/sum.txt out/product.txt out/report.txt"
	[parameters]="out/lr_0.001_decay_1e-5/config.json out/lr_0.001_decay_1e-5/model.txt"
	[seed]="data/processed/features.csv models/classifier.pt"
	[failing]="out/words.txt out/letters.json"
)
declare -A ABSENT=(
	[loop]="out/upper/notes.md"
	[optional]="out/chart.txt out/receipt.txt"
	[failing]="out/checked.txt out/summary.txt"
)

# check_outputs NAME DIR: the expected files exist, the others do not,
# and a few contents are right.
check_outputs() {
	local name=$1 dir=$2 f
	for f in ${OUTPUTS[$name]}; do
		[ -s "$dir/$f" ] || fail "$name: $f missing"
	done
	for f in ${ABSENT[$name]:-}; do
		[ ! -e "$dir/$f" ] || fail "$name: $f should not exist"
	done
	case $name in
	linear) grep -q "temperature: mean 21.52" "$dir/out/report.txt" ||
		fail "linear report: $(cat "$dir/out/report.txt")" ;;
	loop) [ "$(cat "$dir/out/upper/a.txt")" = "THE FIRST FILE" ] ||
		fail "loop item a" ;;
	groups) [ "$(cat "$dir/out/sum.txt")" = 13 ] &&
		[ "$(cat "$dir/out/product.txt")" = 42 ] || fail "groups sums" ;;
	parameters) grep -q "^lr 0.001 decay 1e-5 epochs 3 label baseline run" \
		"$dir/out/lr_0.001_decay_1e-5/model.txt" ||
		fail "parameters model: $(cat "$dir"/out/*/model.txt)" ;;
	seed) [ "$(wc -l <"$dir/data/processed/features.csv")" = 5 ] ||
		fail "seed features" ;;
	esac
}

names=()
for f in "$EX"/*/experiment.yml; do
	names+=("$(basename "$(dirname "$f")")")
done
for name in "${!OUTPUTS[@]}"; do
	[ -f "$EX/$name/experiment.yml" ] || fail "examples/$name is missing"
done
[ "${#names[@]}" -ge 9 ] || fail "only ${#names[@]} examples"

# part1 NAME: dry run, then each printed command with bash from the
# pipeline's folder; prints "ok" or the problem into $TEST_TMP/NAME.p1.
part1() {
	local name=$1 dir="$EX/$1" line st failures=()
	"$LOOMCTL" run --dry-run "$dir/experiment.yml" >"$TEST_TMP/$name.cmds" ||
	    { echo "dry run failed" >"$TEST_TMP/$name.p1"; return; }
	grep -qxF "# working directory: $dir" "$TEST_TMP/$name.cmds" ||
	    { echo "no working directory line" >"$TEST_TMP/$name.p1"; return; }
	while IFS= read -r line; do
		case $line in '#'*) continue ;; esac
		st=0
		(cd "$dir" && bash -c "$line") </dev/null \
		    >>"$TEST_TMP/$name.log" 2>&1 || st=$?
		[ "$st" = 0 ] || failures+=("$st $line")
	done <"$TEST_TMP/$name.cmds"
	if [ "$name" = failing ]; then
		case ${failures[0]:-} in
		"1 bash $dir/tasks/check.sh "*) ;;
		*) echo "first failure is not check: ${failures[0]:-none}" \
		    >"$TEST_TMP/$name.p1"; return ;;
		esac
		rm -f "$dir/out/summary.txt"
	elif [ "${#failures[@]}" != 0 ]; then
		echo "${failures[*]}" >"$TEST_TMP/$name.p1"
		return
	fi
	echo ok >"$TEST_TMP/$name.p1"
}

# part2 NAME: the run through the daemon; its exit status goes to
# $TEST_TMP/NAME.st.
part2() {
	local name=$1 dir="$EX2/$1" st=0
	if [ "$name" = seed ]; then
		(cd "$dir" && "$LOOM_BIN/loom" experiment.yml) \
		    >"$TEST_TMP/$name.run" 2>&1 || st=$?
	else
		"$LOOMCTL" run "$dir/experiment.yml" >"$TEST_TMP/$name.run" 2>&1 ||
		    st=$?
	fi
	echo "$st" >"$TEST_TMP/$name.st"
}

# The examples are independent, and so are the two copies: everything
# runs at once, then the results are checked.
pids=()
for name in "${names[@]}"; do
	[ -n "${OUTPUTS[$name]:-}" ] || fail "no expectations for examples/$name"
	part1 "$name" &
	pids+=($!)
	part2 "$name" &
	pids+=($!)
done
wait "${pids[@]}"

note "1. dry run, then the printed commands with bash"
for name in "${names[@]}"; do
	[ "$(cat "$TEST_TMP/$name.p1")" = ok ] ||
	    fail "$name: $(cat "$TEST_TMP/$name.p1")"
	check_outputs "$name" "$EX/$name"
	note "$name: $(grep -vc '^#' "$TEST_TMP/$name.cmds") command(s) ok"
done

note "2. loomctl run through the daemon; argv equals the dry run's"
# The daemon may have gone idle meanwhile: run records outlive it.
"$LOOMCTL" daemon start >/dev/null || fail "daemon start"
"$LOOMCTL" status --json >"$TEST_TMP/runs.json" || fail "status --json"
for name in "${names[@]}"; do
	dir="$EX2/$name"
	want=0
	[ "$name" = failing ] && want=1
	st=$(cat "$TEST_TMP/$name.st")
	[ "$st" = "$want" ] || {
		cat "$TEST_TMP/$name.run" >&2
		fail "$name: run exited $st, expected $want"
	}
	check_outputs "$name" "$dir"
	run=$(jq -r --arg f "$dir/experiment.yml" \
	    '[.runs[] | select(.file == $f)][0].run // empty' "$TEST_TMP/runs.json")
	[ -n "$run" ] || fail "$name: no run of $dir/experiment.yml listed"
	"$LOOMCTL" status "$run" --json >"$TEST_TMP/$name.record" ||
	    fail "$name: status $run"
	"$LOOMCTL" run --dry-run --json "$dir/experiment.yml" >"$TEST_TMP/$name.dry"
	# Plain steps: the recorded argv; loop steps: each item's argv.
	jq -c '[.steps[] | select(.argv != null and (.argv | length) > 0) |
	    {step: .name, argv}]' "$TEST_TMP/$name.record" >"$TEST_TMP/$name.ran"
	jq -c '[.steps[] | select(.item == null and .pending == null) |
	    {step, argv}]' "$TEST_TMP/$name.dry" >"$TEST_TMP/$name.planned"
	if [ "$name" != loop ]; then
		if [ "$name" = failing ]; then
			# merge never ran: compare the steps that did.
			jq -c '[.[] | select(.step != "merge")]' \
			    "$TEST_TMP/$name.planned" >"$TEST_TMP/$name.p2"
			mv "$TEST_TMP/$name.p2" "$TEST_TMP/$name.planned"
		fi
		diff "$TEST_TMP/$name.planned" "$TEST_TMP/$name.ran" >&2 ||
		    fail "$name: the daemon ran other commands than the dry run printed"
	else
		jq -c '[.steps[] | select(.item != null) | .argv]' \
		    "$TEST_TMP/$name.dry" >"$TEST_TMP/$name.planned"
		jq -c '[.steps[] | select(.name == "shout") | .items[]? | .argv]' \
		    "$TEST_TMP/$name.record" >"$TEST_TMP/$name.ran"
		[ "$(jq length "$TEST_TMP/$name.ran")" = 3 ] ||
		    fail "loop: $(cat "$TEST_TMP/$name.ran")"
		diff "$TEST_TMP/$name.planned" "$TEST_TMP/$name.ran" >&2 ||
		    fail "loop: item commands differ from the dry run"
	fi
	grep -qE "^(Completed|Nothing to run): " "$TEST_TMP/$name.run" || fail "$name: no summary"
	note "$name: $(tail -n 1 "$TEST_TMP/$name.run")"
done
lib_check_sanitizers || fail "sanitizer errors"
echo "PASS"
