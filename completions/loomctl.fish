# SPDX-License-Identifier: MIT
# fish completion for loomctl: commands, options, pipeline files, step and
# group names of the pipeline on the command line ('loomctl list FILE
# --json') and run ids ('loomctl status --json'). Installed as
# share/fish/vendor_completions.d/loomctl.fish.

set -l loomctl_commands run status logs cancel wait validate list show ui clean daemon help

function __loomctl_file
    for w in (commandline -opc)[3..-1]
        if string match -qr '\.ya?ml$' -- $w
            echo $w
            return 0
        end
    end
    return 1
end

function __loomctl_names
    set -l f (__loomctl_file)
    test -n "$f"; or return
    loomctl list $f --json 2>/dev/null | string match -ar "\"$argv[1]\":\"[^\"]*\"" |
        string replace -r '^[^:]*:"(.*)"$' '$1' | sort -u
end

function __loomctl_runs
    loomctl status --json 2>/dev/null | string match -ar '"run":"[^"]*"' |
        string replace -r '^"run":"(.*)"$' '$1'
    echo last
end

complete -c loomctl -f
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -s v -l verbose -d 'say what loomctl does'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -s h -l help -d 'show help'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -s V -l version -d 'print the version'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a run -d 'run a pipeline'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a status -d 'recent runs, or one run'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a logs -d "a run's output"
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a cancel -d 'cancel a run'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a wait -d 'wait until runs end'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a validate -d 'check a pipeline'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a list -d 'list the steps'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a show -d 'describe one step'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a ui -d 'open the editor'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a clean -d 'remove outputs'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a daemon -d 'the daemon'
complete -c loomctl -n "not __fish_seen_subcommand_from $loomctl_commands" -a help -d 'describe a command'

# Pipeline files, until one is on the command line.
complete -c loomctl -n "__fish_seen_subcommand_from run validate list show clean status ui logs cancel wait; and not __loomctl_file >/dev/null" -k -a "(__fish_complete_suffix .yml; __fish_complete_suffix .yaml)"

# run
complete -c loomctl -n "__fish_seen_subcommand_from run" -s s -l step -x -a "(__loomctl_names name)" -d 'exactly these steps'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l from -x -a "(__loomctl_names name)" -d 'a step and what follows'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l until -x -a "(__loomctl_names name)" -d 'a step and what it needs'
complete -c loomctl -n "__fish_seen_subcommand_from run" -s g -l group -x -a "(__loomctl_names group)" -d 'the steps of a group'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l include -x -a "(__loomctl_names name)" -d 'also an optional step'
complete -c loomctl -n "__fish_seen_subcommand_from run show" -l extra -x -d 'extra arguments'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l parallel -d 'run in parallel'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l sequential -d 'one step at a time'
complete -c loomctl -n "__fish_seen_subcommand_from run" -s j -l max-workers -x -d 'at most N processes'
complete -c loomctl -n "__fish_seen_subcommand_from run" -s f -l force -d 'run even when up to date'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l executor -x -a 'local slurm' -d 'where the steps run'
complete -c loomctl -n "__fish_seen_subcommand_from run" -s n -l dry-run -d 'print the commands only'
complete -c loomctl -n "__fish_seen_subcommand_from run" -s d -l detach -d 'start and return'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l no-wait -d 'refuse instead of queueing'
complete -c loomctl -n "__fish_seen_subcommand_from run" -l no-progress -d 'no progress line'
complete -c loomctl -n "__fish_seen_subcommand_from run validate list show status clean" -l set -x -d 'override a parameter'
complete -c loomctl -n "__fish_seen_subcommand_from run validate list show status clean" -l var -x -d 'override a data path'
complete -c loomctl -n "__fish_seen_subcommand_from run validate list show status daemon" -l json -d 'JSON output'

# runs
complete -c loomctl -n "__fish_seen_subcommand_from status logs cancel wait" -a "(__loomctl_runs)" -d run
complete -c loomctl -n "__fish_seen_subcommand_from status" -s w -l watch -d 'keep the view live'
complete -c loomctl -n "__fish_seen_subcommand_from logs" -s f -l follow -d 'follow the step'
complete -c loomctl -n "__fish_seen_subcommand_from logs" -l item -x -d 'one loop item'
complete -c loomctl -n "__fish_seen_subcommand_from wait" -s q -l quiet -d 'print nothing'
complete -c loomctl -n "__fish_seen_subcommand_from show" -a "(__loomctl_names name)" -d step

# others
complete -c loomctl -n "__fish_seen_subcommand_from ui" -l no-browser -d 'print the URL only'
complete -c loomctl -n "__fish_seen_subcommand_from ui" -l port -x -d 'listen on this port'
complete -c loomctl -n "__fish_seen_subcommand_from ui" -l new -d 'start an empty pipeline, created on first save'
complete -c loomctl -n "__fish_seen_subcommand_from ui" -a "(__fish_complete_directories)"
complete -c loomctl -n "__fish_seen_subcommand_from clean" -l all -d 'also outputs recorded by stamps'
complete -c loomctl -n "__fish_seen_subcommand_from clean" -l list -d 'list only'
complete -c loomctl -n "__fish_seen_subcommand_from clean" -l dry-run -d 'list only'
complete -c loomctl -n "__fish_seen_subcommand_from clean" -l permanent -d 'delete, not trash'
complete -c loomctl -n "__fish_seen_subcommand_from clean" -s y -l yes -d 'do not ask'
complete -c loomctl -n "__fish_seen_subcommand_from daemon" -a 'status start stop'
complete -c loomctl -n "__fish_seen_subcommand_from help" -a "$loomctl_commands"
