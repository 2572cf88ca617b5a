#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shell completion: completions/loomctl.bash sourced in bash, the
# candidates listed as bash would (COMP_WORDS and COMP_CWORD set, the
# function called, COMPREPLY read), with the real loomctl on PATH:
#  - command names, global options, a command's options (from its
#    --help, so every option --help lists is offered);
#  - step and group names of the pipeline on the command line (run
#    --step, --group, show FILE STEP);
#  - run ids (and "last") from 'loomctl status --json' for logs, wait,
#    status, with pipeline files beside them; a run's step names for
#    logs RUN STEP, a pipeline's for logs FILE STEP; daemon actions.
# With zsh: its script's helpers give the same steps, groups, run ids
# and commands; with fish: the same candidates (each when installed).
. "$(dirname "$0")/lib.sh"

COMP="$LOOM_SRC/completions"
PATH="$LOOM_BIN:$PATH"
mkdir -p "$TEST_TMP/exp/tasks"
cd "$TEST_TMP/exp" || fail "cd"
cat >p.yml <<'YML'
pipeline:
  - name: prepare
    task: tasks/t.sh
  - group: training
    steps:
      - name: train
        task: tasks/t.sh
      - name: tune
        task: tasks/t.sh
YML
printf '#!/bin/sh\necho ok\n' >tasks/t.sh
chmod +x tasks/t.sh

# shellcheck source=/dev/null
. "$COMP/loomctl.bash"

# complete WORDS...: the candidates for the last word (may be "").
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_loomctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
	local want got
	want=$(printf '%s\n' $1 | sort | tr '\n' ' ' | sed 's/ $//')
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
}

note "commands and options"
expect "status" loomctl st
expect "wait" loomctl wa
expect "--verbose --version" loomctl --ver
expect "--step" loomctl run p.yml --st
expect "--watch" loomctl status --wa
expect "--max-workers" loomctl run p.yml --max
# every option 'run --help' lists is offered
for opt in $(loomctl run --help | grep -o -- '--[a-z-]*' | sort -u); do
	complete_words loomctl run p.yml "$opt" | grep -qw -- "$opt" ||
	    fail "run option $opt is not completed"
done

note "steps and groups of the pipeline on the command line"
expect "prepare train tune" loomctl run p.yml --step ""
expect "train tune" loomctl run p.yml -s t
expect "training" loomctl run p.yml --group ""
expect "train tune" loomctl show p.yml t
expect "p.yml" loomctl validate p

note "run ids and a run's steps"
loomctl run p.yml >/dev/null || fail "run"
id=$(loomctl status --json | jq -r '.runs[0].run')
expect "$id last p.yml tasks" loomctl wait ""
expect "$id" loomctl logs "${id:0:2}"
expect "prepare train tune" loomctl logs "$id" ""
# a pipeline file stands for its newest run
expect "p.yml" loomctl logs p.
expect "p.yml" loomctl cancel p.
expect "prepare train tune" loomctl logs p.yml ""
expect "start status stop" loomctl daemon ""

if command -v zsh >/dev/null; then
	zsh -n "$COMP/_loomctl" || fail "zsh completion syntax"
	note "zsh: the helpers give steps, groups, run ids and commands"
	# Outside zsh's completion system: compadd and _describe print what
	# they are given, so the script's own helpers can be called.
	cat >"$TEST_TMP/zsh-harness" <<'ZSH'
compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; shift; print -l -- "$@"; }
_describe() { local -a arr; arr=("${(@P)${@[-1]}}"); print -l -- ${arr%%:*}; }
_arguments() { :; }
_files() { :; }
source "$1" >/dev/null
words=(loomctl run p.yml --step ''); CURRENT=5
print -- "steps: $(_loomctl_steps | sort | tr '\n' ' ')"
print -- "groups: $(_loomctl_groups | tr '\n' ' ')"
print -- "runs: $(_loomctl_runs | tr '\n' ' ')"
words=(loomctl st); CURRENT=2; PREFIX=st
print -- "commands: $(_loomctl | tr '\n' ' ')"
ZSH
	zsh -f "$TEST_TMP/zsh-harness" "$COMP/_loomctl" >"$TEST_TMP/zsh.out" 2>&1 ||
	    fail "zsh harness: $(cat "$TEST_TMP/zsh.out")"
	grep -qx "steps: prepare train tune " "$TEST_TMP/zsh.out" &&
	    grep -qx "groups: training " "$TEST_TMP/zsh.out" &&
	    grep -q "^runs: last .*$id" "$TEST_TMP/zsh.out" &&
	    grep -q "^commands: run status logs cancel wait " "$TEST_TMP/zsh.out" ||
	    fail "zsh candidates: $(cat "$TEST_TMP/zsh.out")"
fi
if command -v fish >/dev/null; then
	fish -n "$COMP/loomctl.fish" || fail "fish completion syntax"
	note "fish: the same candidates"
	fish_complete() {
		fish --no-config -c "source '$COMP/loomctl.fish'; complete -C '$1'" |
		    cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
	}
	for c in "loomctl st|status" "loomctl run p.yml --ste|--step" \
	    "loomctl run p.yml --step |prepare train tune" \
	    "loomctl run p.yml --group |training" "loomctl show p.yml t|train tune"; do
		got=$(fish_complete "${c%%|*}")
		[ "$got" = "${c#*|}" ] || fail "fish '${c%%|*}': got '$got', want '${c#*|}'"
	done
	fish_complete "loomctl wait " | grep -qw "$id" || fail "fish: no run id"
fi
loomctl daemon stop >/dev/null
wait_for 30 no_loomd
lib_check_sanitizers || fail "sanitizer errors"
echo PASS
