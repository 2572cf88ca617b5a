#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# X5: `loomctl clean` resolves every output before removing it, with the
# trash and with --permanent, and keeps (saying why):
#  - source data reached through a linked folder (link -> data, output
#    link/words.txt): data/words.txt stays;
#  - a task script declared as an output, even as tasks/../tasks/w.sh;
#  - the pipeline file declared as an output;
#  - .loom declared as an output, and .loom/runs: the run records stay;
#  - an output outside the pipeline's folder, written as ../x or through
#    a link to a folder outside, unless --outside is given;
# while a plain output is still removed. `loomctl validate` warns about
# outputs that are a task script, the pipeline file or .loom.
. "$(dirname "$0")/lib.sh"

export XDG_DATA_HOME="$TEST_TMP/share"
OUT="$TEST_TMP/out"
E="$TEST_TMP/e"
setup() {
	rm -rf "$E" "$TEST_TMP/outside"
	mkdir -p "$E/tasks" "$E/data" "$E/out" "$E/.loom/runs/r1" \
	    "$TEST_TMP/outside"
	echo words >"$E/data/words.txt"
	ln -s data "$E/link"
	ln -s ../outside "$E/away"
	printf 'cat "$1" >"$3"\n' >"$E/tasks/w.sh"
	echo record >"$E/.loom/runs/r1/run.json"
	echo far >"$TEST_TMP/outside/o.txt"
	echo far >"$TEST_TMP/outside/p.txt"
	echo made >"$E/out/made.txt"
	cat >"$E/exp.yml" <<'YML'
data:
  words: data/words.txt
pipeline:
  - name: a
    task: tasks/w.sh
    inputs: {in: $words}
    outputs: {-o: link/words.txt}
  - name: b
    task: tasks/w.sh
    outputs:
      -t: tasks/../tasks/w.sh
      -p: exp.yml
      -l: .loom
      -r: .loom/runs
      -x: ../outside/o.txt
      -y: away/p.txt
      -m: out/made.txt
YML
}
# intact: everything that must survive did.
intact() {
	[ "$(cat "$E/data/words.txt")" = words ] || fail "$1: source data removed"
	[ -f "$E/tasks/w.sh" ] || fail "$1: task script removed"
	[ -f "$E/exp.yml" ] || fail "$1: pipeline file removed"
	[ -f "$E/.loom/runs/r1/run.json" ] || fail "$1: run records removed"
	[ -L "$E/link" ] || fail "$1: the link removed"
}

for mode in trash --permanent; do
	note "clean -y ${mode/trash/}"
	setup
	args=(-y)
	[ "$mode" = trash ] || args+=("$mode")
	"$LOOMCTL" clean "$E/exp.yml" "${args[@]}" >"$OUT" 2>&1 ||
	    fail "$mode: $(cat "$OUT")"
	intact "$mode"
	for want in \
	    "  kept     link/words.txt (a): it is or holds source data $E/data/words.txt" \
	    "  kept     tasks/../tasks/w.sh (b): it is or holds the task script $E/tasks/w.sh" \
	    "  kept     exp.yml (b): it is or holds the pipeline file $E/exp.yml" \
	    "  kept     .loom (b): it is or holds Loom's state folder $E/.loom" \
	    "  kept     .loom/runs (b): it is inside $E/.loom, Loom's state folder" \
	    "  kept     ../outside/o.txt (b): it is outside the pipeline's folder $E (--outside allows it)" \
	    "  kept     away/p.txt (b): it is outside the pipeline's folder $E (--outside allows it)"; do
		grep -qxF -- "$want" "$OUT" || fail "$mode: no line '$want' in
$(cat "$OUT")"
	done
	[ -f "$TEST_TMP/outside/o.txt" ] && [ -f "$TEST_TMP/outside/p.txt" ] ||
	    fail "$mode: a file outside removed"
	[ ! -e "$E/out/made.txt" ] || fail "$mode: the plain output stayed"
	grep -q "1 item(s)" "$OUT" || fail "$mode: $(cat "$OUT")"
done

note "--outside removes outputs outside the folder, nothing else"
setup
"$LOOMCTL" clean "$E/exp.yml" -y --permanent --outside >"$OUT" 2>&1 ||
    fail "--outside: $(cat "$OUT")"
intact --outside
[ ! -e "$TEST_TMP/outside/o.txt" ] && [ ! -e "$TEST_TMP/outside/p.txt" ] ||
    fail "--outside kept the outside outputs: $(cat "$OUT")"
[ -d "$TEST_TMP/outside" ] || fail "--outside removed the folder"

note "validate warns about outputs that are sources"
"$LOOMCTL" validate "$E/exp.yml" >"$OUT" 2>&1 || fail "validate: $(cat "$OUT")"
for want in \
    "exp.yml:11:11: warning: output -t of step 'b' is the task script $E/tasks/w.sh" \
    "exp.yml:12:11: warning: output -p of step 'b' is the pipeline file $E/exp.yml" \
    "exp.yml:13:11: warning: output -l of step 'b' is Loom's state folder $E/.loom" \
    "exp.yml:14:11: warning: output -r of step 'b' is inside Loom's state folder $E/.loom"; do
	grep -qF -- "$want" "$OUT" || fail "validate lacks '$want':
$(cat "$OUT")"
done
