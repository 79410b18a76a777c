# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for nsctl(1): verbs, options, namespace flags, and the targets that
# `nsctl ls --json` lists when nsctld answers (nothing, quietly, when it does not).

# _nsctl_targets [SOCKET]: canonical and bare names of the targets you may enter.
_nsctl_targets()
{
	local json
	json=$(timeout 2 nsctl ${1:+--socket "$1"} ls --json 2>/dev/null) || return 0
	# {"targets":[{"kind":"netns","target":"netns:blue","name":"blue",...}],...}
	grep -o '"\(target\|name\)": *"[^"]*"' <<<"$json" | sed 's/.*: *"\(.*\)"$/\1/' |
		sort -u
}

_nsctl()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local verbs="run check policy ls ns"
	local global_opts="--socket --help --version"
	local ns_opts="--net --mount --uts --ipc --pid --user --cgroup --time --all"
	local run_opts="$ns_opts --wd --env --tty --no-tty --socket --help"
	local verb="" socket="" i target_seen="" dashdash=""

	# The verb, a --socket, and where we are in "TARGET [OPTION...] [--] COMMAND".
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--socket)
			socket=${words[i + 1]}
			((i++))
			continue
			;;
		--socket=*)
			socket=${words[i]#--socket=}
			continue
			;;
		--wd | --env | -w | -e)
			[ -n "$verb" ] && ((i++))
			continue
			;;
		--)
			[ -n "$verb" ] && dashdash=$i
			continue
			;;
		-*) continue ;;
		esac
		if [ -z "$verb" ]; then
			verb=${words[i]}
		elif [ -z "$target_seen" ]; then
			target_seen=$i
		elif [ -z "$dashdash" ]; then
			dashdash=$((i - 1)) # the command has started
			break
		fi
	done

	case $prev in
	--socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--wd | -w)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--env | -e)
		COMPREPLY=($(compgen -W "TERM= LANG= LANGUAGE= COLORTERM= LC_ALL=" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	esac

	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
		fi
		return
	fi

	case $verb in
	run | check)
		if [ -n "$dashdash" ]; then
			# The command, then its arguments: ours end here.
			if [ $((cword - dashdash)) -eq 1 ]; then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
		if [[ $cur == -* ]]; then
			local opts=$run_opts
			[ "$verb" = check ] && opts="$opts --json"
			COMPREPLY=($(compgen -W "$opts --" -- "$cur"))
		elif [ -z "$target_seen" ]; then
			COMPREPLY=($(compgen -W "$(_nsctl_targets "$socket")" -- "$cur"))
			declare -F __ltrim_colon_completions >/dev/null &&
				__ltrim_colon_completions "$cur"
		else
			COMPREPLY=($(compgen -c -- "$cur"))
		fi
		;;
	ns)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--json --socket --help" -- "$cur"))
		elif [ -z "$target_seen" ]; then
			COMPREPLY=($(compgen -W "$(_nsctl_targets "$socket")" -- "$cur"))
			declare -F __ltrim_colon_completions >/dev/null &&
				__ltrim_colon_completions "$cur"
		fi
		;;
	ls | policy)
		COMPREPLY=($(compgen -W "--json --socket --help" -- "$cur"))
		;;
	esac
}
complete -F _nsctl nsctl
