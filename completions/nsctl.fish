# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for nsctl(1): verbs, options, namespace flags, and the targets that
# `nsctl ls --json` lists when nsctld answers (nothing, quietly, when it does not).

function __nsctl_targets
    set -l json (timeout 2 nsctl ls --json 2>/dev/null); or return 0
    printf '%s\n' $json | grep -o '"\(target\|name\)": *"[^"]*"' | sed 's/.*: *"\(.*\)"$/\1/' | sort -u
end

# True while no target has been given to run, check or ns.
function __nsctl_needs_target
    set -l tokens (commandline -opc)
    set -l verb_seen 0
    for t in $tokens[2..-1]
        switch $t
            case '-*'
                continue
        end
        if test $verb_seen -eq 0
            contains -- $t run check ns; or return 1
            set verb_seen 1
        else
            return 1
        end
    end
    test $verb_seen -eq 1
end

set -l verbs run check policy ls ns
complete -c nsctl -f
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -a run -d 'run a command in namespaces of a target'
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -a check -d 'would run be permitted?'
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -a policy -d 'the rules that apply to you'
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -a ls -d 'list the targets you may enter'
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -a ns -d "show a target's namespaces"
complete -c nsctl -l socket -r -F -d 'talk to nsctld at PATH'
complete -c nsctl -s h -l help -d 'show the help'
complete -c nsctl -n "not __fish_seen_subcommand_from $verbs" -s V -l version -d 'show the version'

complete -c nsctl -n '__nsctl_needs_target' -a '(__nsctl_targets)' -d target
set -l runlike '__fish_seen_subcommand_from run check'
complete -c nsctl -n $runlike -s n -l net -d 'the network namespace'
complete -c nsctl -n $runlike -s m -l mount -d 'the mount namespace'
complete -c nsctl -n $runlike -s u -l uts -d 'the UTS namespace'
complete -c nsctl -n $runlike -s i -l ipc -d 'the IPC namespace'
complete -c nsctl -n $runlike -s p -l pid -d 'the PID namespace'
complete -c nsctl -n $runlike -s U -l user -d 'the user namespace'
complete -c nsctl -n $runlike -s C -l cgroup -d 'the cgroup namespace'
complete -c nsctl -n $runlike -s T -l time -d 'the time namespace'
complete -c nsctl -n $runlike -s a -l all -d 'all eight namespaces'
complete -c nsctl -n $runlike -s w -l wd -x -a '(__fish_complete_directories)' -d 'working directory'
complete -c nsctl -n $runlike -s e -l env -x -d 'pass NAME=VALUE'
complete -c nsctl -n $runlike -s t -l tty -d 'run on a new terminal'
complete -c nsctl -n $runlike -l no-tty -d 'never a terminal'
complete -c nsctl -n '__fish_seen_subcommand_from check ls ns policy' -l json -d 'print JSON'
