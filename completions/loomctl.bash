# SPDX-License-Identifier: MIT
# bash completion for loomctl: commands, options, pipeline files, the
# step and group names of the pipeline on the command line (from
# 'loomctl list FILE --json') and run ids (from 'loomctl status --json').
# Installed as share/bash-completion/completions/loomctl.

_loomctl_commands="run status logs cancel wait validate list show ui clean daemon help"

# _loomctl_options COMMAND: the options COMMAND takes (as its --help lists).
_loomctl_options() {
	local over="--set --var"
	case $1 in
	run) echo "--step -s --from --until --group -g --include $over --extra" \
	    "--parallel --sequential --max-workers -j --force -f --executor" \
	    "--slurm-dependencies --dry-run -n" \
	    "--detach -d --no-wait --no-progress --json --help" ;;
	status) echo "--watch -w --json --help $over" ;;
	logs) echo "--follow -f --item --help" ;;
	cancel) echo "--help" ;;
	wait) echo "--quiet -q --help" ;;
	validate|list) echo "$over --json --help" ;;
	show) echo "$over --extra --json --help" ;;
	ui) echo "--no-browser --port --new --help" ;;
	clean) echo "--all --list --dry-run --permanent --outside --yes -y $over --help" ;;
	daemon) echo "--json --help" ;;
	esac
}

# _loomctl_names FILE KEY: the step ("name") or group names of FILE.
_loomctl_names() {
	loomctl list "$1" --json 2>/dev/null |
	    grep -o "\"$2\":\"[^\"]*\"" | sed 's/^[^:]*:"//; s/"$//' | sort -u
}

# _loomctl_pipelines CUR: pipeline files and folders starting with CUR;
# hidden folders (.loom) only when CUR starts with a dot.
_loomctl_pipelines() {
	compgen -f -X '!*.y*ml' -- "$1"
	if [[ $1 == .* ]]; then
		compgen -d -- "$1"
	else
		compgen -d -X '.*' -- "$1"
	fi
}

# _loomctl_runs: the ids of recent runs.
_loomctl_runs() {
	loomctl status --json 2>/dev/null |
	    grep -o '"run":"[^"]*"' | sed 's/^"run":"//; s/"$//'
	echo last
}

# _loomctl_run_steps RUN: the step names of a run.
_loomctl_run_steps() {
	loomctl status "$1" --json 2>/dev/null |
	    grep -o '"name":"[^"]*"' | sed 's/^"name":"//; s/"$//' | sort -u
}

_loomctl() {
	local cur prev cmd="" file="" i w n=0 first=""
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $w in -*) ;; *) cmd=$w ;; esac
			continue
		fi
		case $w in
		-*) ;;
		*.yml|*.yaml) [ -z "$file" ] && file=$w; n=$((n + 1)) ;;
		*) n=$((n + 1)); [ -z "$first" ] && first=$w ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--verbose -v --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_loomctl_commands" -- "$cur"))
		fi
		return 0
	fi
	case $prev in
	--step|-s|--from|--until|--include)
		[ -n "$file" ] && COMPREPLY=($(compgen -W "$(_loomctl_names "$file" name)" -- "$cur"))
		return 0 ;;
	--group|-g)
		[ -n "$file" ] && COMPREPLY=($(compgen -W "$(_loomctl_names "$file" group)" -- "$cur"))
		return 0 ;;
	--set|--var|--extra|--max-workers|-j|--item|--port)
		return 0 ;;
	--executor)
		COMPREPLY=($(compgen -W "local slurm" -- "$cur"))
		return 0 ;;
	--slurm-dependencies)
		COMPREPLY=($(compgen -W "loom slurm" -- "$cur"))
		return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_loomctl_options "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	status|logs|cancel|wait)
		# A pipeline file stands for its newest run (status FILE: its
		# freshness).
		if [ "$cmd" = logs ] && [ -n "$first" ]; then
			COMPREPLY=($(compgen -W "$(_loomctl_run_steps "$first")" -- "$cur"))
		elif [ "$cmd" = logs ] && [ -n "$file" ]; then
			COMPREPLY=($(compgen -W "$(_loomctl_names "$file" name)" -- "$cur"))
		elif [ "$cmd" = wait ] || [ -z "$first$file" ]; then
			COMPREPLY=($(compgen -W "$(_loomctl_runs)" -- "$cur"))
			COMPREPLY+=($(_loomctl_pipelines "$cur"))
		fi ;;
	show)
		if [ -n "$file" ]; then
			COMPREPLY=($(compgen -W "$(_loomctl_names "$file" name)" -- "$cur"))
		else
			COMPREPLY=($(_loomctl_pipelines "$cur"))
		fi ;;
	daemon)
		[ "$n" = 0 ] && COMPREPLY=($(compgen -W "status start stop" -- "$cur")) ;;
	help)
		[ "$n" = 0 ] && COMPREPLY=($(compgen -W "$_loomctl_commands" -- "$cur")) ;;
	ui)
		COMPREPLY=($(_loomctl_pipelines "$cur")) ;;
	*)
		[ -z "$file" ] &&
		    COMPREPLY=($(_loomctl_pipelines "$cur")) ;;
	esac
	return 0
}
complete -F _loomctl loomctl
