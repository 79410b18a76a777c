#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion (completions/nsctl.bash), called as bash calls it: COMP_WORDS and
# COMP_CWORD set, _nsctl run, COMPREPLY read. Verbs, options, namespace flags, and the
# target names `nsctl ls --json` gives the user when nsctld answers; nothing, quietly,
# when it does not.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 14
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

COMPLETION=$NSCTL_SRCDIR/completions/nsctl.bash
BIN=$TESTDIR/bin
mkdir -m 0755 "$BIN" && cp "$NSCTL" "$BIN/nsctl" && chmod 0755 "$BIN/nsctl"
cp "$COMPLETION" "$TESTDIR/nsctl.bash" && chmod 0644 "$TESTDIR/nsctl.bash"

# complete_as USER WORD...: what the completion offers USER for the command line WORD...
# (the last word is the one being completed), one candidate a line, and its stderr after a
# line "--stderr--" if it wrote any.
complete_as()
{
	local user=$1
	shift
	as_user "$user" env -i PATH="$BIN:/usr/bin:/bin" NSCTL_SOCKET="${SOCK:-}" bash -c '
		. "$1"; shift
		err=$(mktemp) || exit 1
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_nsctl 2>"$err"
		printf "%s\n" "${COMPREPLY[@]}" | grep . | sort
		[ -s "$err" ] && { echo --stderr--; cat "$err"; }
		rm -f "$err"' complete "$TESTDIR/nsctl.bash" "$@"
}

check "the completion file is valid bash" bash -n "$COMPLETION"
check "verbs" expect_eq "$(complete_as "$ALICE" nsctl "" | tr '\n' ' ')" "check ls ns policy run "
check "a verb's prefix" expect_eq "$(complete_as "$ALICE" nsctl p)" "policy"
check "namespace flags of run" \
	expect_eq "$(complete_as "$ALICE" nsctl run "netns:$NETNS" --n | tr '\n' ' ')" "--net --no-tty "
check "options of ls" expect_eq "$(complete_as "$ALICE" nsctl ls --j)" "--json"
check "after --, the command: no option of ours" \
	expect_no_match "$(complete_as "$ALICE" nsctl run "netns:$NETNS" --net -- --n)" "^--net$"

# -- no daemon: nothing, quietly ----------------------------------------------------------------
SOCK=$TESTDIR/none
check "no daemon: no target offered, and not a word on stderr" \
	expect_eq "$(complete_as "$ALICE" nsctl run "")" ""

# -- a daemon that answers ------------------------------------------------------------------------
SOCK=$TESTDIR/io.nsctl
write_policy "$TESTDIR/policy" "permit $ALICE on netns:$NETNS ns net"
daemon_start "$SOCK" "$TESTDIR/nsctld.log" --policy "$TESTDIR/policy" --idle-timeout 0 \
	--backends pid,netns || diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
got=$(complete_as "$ALICE" nsctl run "")
check "run: the targets alice may enter, canonical and bare" \
	expect_eq "$(tr '\n' ' ' <<<"$got")" "netns:$NETNS $NETNS "
check "ns: completes a prefix of them" \
	expect_eq "$(complete_as "$ALICE" nsctl ns "${NETNS:0:4}")" "$NETNS"
check "--socket before the verb is the one asked" \
	expect_eq "$(SOCK=$TESTDIR/none complete_as "$ALICE" nsctl --socket "$SOCK" run "" | tr '\n' ' ')" \
	"netns:$NETNS $NETNS "
check "bob, who may enter nothing: no target" \
	expect_eq "$(complete_as "$BOB" nsctl run "")" ""

# -- zsh and fish ---------------------------------------------------------------------------------
if command -v zsh >/dev/null; then
	check "the zsh completion parses (zsh -n)" zsh -n "$NSCTL_SRCDIR/completions/_nsctl"
else
	skip "the zsh completion parses (zsh -n)" "zsh is not installed"
fi
if command -v fish >/dev/null; then
	cp "$NSCTL_SRCDIR/completions/nsctl.fish" "$TESTDIR/nsctl.fish"
	chmod 0644 "$TESTDIR/nsctl.fish"
	fish_complete() # USER LINE: fish's candidates for LINE, without descriptions
	{
		as_user "$1" env -i PATH="$BIN:/usr/bin:/bin" NSCTL_SOCKET="$SOCK" HOME=/nonexistent \
			fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
			"$TESTDIR/nsctl.fish" "$2" 2>&1 | cut -f1 | sort | tr '\n' ' '
	}
	check "fish: verbs" expect_eq "$(fish_complete "$ALICE" "nsctl ")" "check ls ns policy run "
	check "fish: the targets alice may enter" \
		expect_eq "$(fish_complete "$ALICE" "nsctl run ")" "netns:$NETNS $NETNS "
else
	skip "fish: verbs" "fish is not installed"
	skip "fish: the targets alice may enter" "fish is not installed"
fi
tap_done
