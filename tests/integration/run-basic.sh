#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run as a real user: targets, exit statuses, stdio, identity, cwd and environment.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 28
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
PT=pid:$TARGET_PID
write_policy "$TESTDIR/policy" \
	"permit $ALICE on $NT ns net" \
	"permit $ALICE on $PT ns net,uts,ipc"
daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 || {
	diag "nsctld does not start; the checks below will fail"
}
D=$DAEMON_PID
FDS_FIRST=$(fd_count "$D")

# -- targets -----------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- ip -br addr 2>&1)
check "netns target: ip -br addr shows the veth pair and 192.0.2.1" \
	expect_match "$out" "^$VETH0@$VETH1 +UP +192\.0\.2\.1/24"
check "netns target: the host's interfaces are not there" \
	expect_eq "$(awk '{print $1}' <<<"$out" | sed 's/@.*//' | sort | tr '\n' ' ')" \
	"lo $VETH0 $VETH1 "

out=$(nsctl_as "$ALICE" run "$PT" --uts -- hostname 2>&1)
check "pid target with --uts: hostname is the target's" expect_eq "$out" "$TARGET_HOSTNAME"

# -- exit statuses -----------------------------------------------------------------------
nsctl_as "$ALICE" run "$NT" --net -- true
check "exit status 0 (true)" expect_eq "$?" 0
nsctl_as "$ALICE" run "$NT" --net -- sh -c 'exit 3'
check "exit status 3 (sh -c 'exit 3')" expect_eq "$?" 3
err=$(nsctl_as "$ALICE" run "$NT" --net -- /etc/hostname 2>&1)
check "exit status 126 for a file that is not executable" expect_eq "$?" 126
diag "nsctl said: $err"
err=$(nsctl_as "$ALICE" run "$NT" --net -- nsctl-no-such-command 2>&1)
check "exit status 127 for a missing command" expect_eq "$?" 127
diag "nsctl said: $err"
nsctl_as "$ALICE" run "$NT" --net -- sh -c 'kill -TERM $$'
check "exit status 143 for a command killed by SIGTERM" expect_eq "$?" 143

# -- stdio -------------------------------------------------------------------------------
out=$(printf 'data\nmore\n' | nsctl_as "$ALICE" run "$NT" --net -- cat)
check "stdin reaches the command" expect_eq "$out" $'data\nmore'

r0=$(proc_io "$D" rchar) w0=$(proc_io "$D" wchar)
out=$(nsctl_as "$ALICE" run "$NT" --net -- head -c 100000000 /dev/zero | wc -c)
r1=$(proc_io "$D" rchar) w1=$(proc_io "$D" wchar)
check "100 MB through the session's stdout" expect_eq "$out" 100000000
diag "nsctld rchar +$((r1 - r0)), wchar +$((w1 - w0))"
check "the daemon carried none of it (rchar and wchar grew < 1 MB)" \
	expect_lt "$((r1 - r0 > w1 - w0 ? r1 - r0 : w1 - w0))" 1000000

# -- identity inside the command (net only: /proc is the host's) --------------------------
st=$(nsctl_as "$ALICE" run "$NT" --net -- cat /proc/self/status)
check "Uid is the caller's" expect_match "$st" \
	"^Uid:	$ALICE_UID	$ALICE_UID	$ALICE_UID	$ALICE_UID\$"
check "Gid is the caller's primary group" expect_match "$st" \
	"^Gid:	$ALICE_GID	$ALICE_GID	$ALICE_GID	$ALICE_GID\$"
groups=$(sed -n 's/^Groups:[[:space:]]*//p' <<<"$st" | tr ' ' '\n' | sed '/^$/d' | sort -n)
# The kernel list may or may not repeat the primary gid; compare with it added.
all=$(printf '%s\n' $groups "$ALICE_GID" | sort -nu | tr '\n' ' ')
check "Groups are the caller's supplementary groups (with $OPS)" \
	expect_eq "$all" "$(printf '%s\n' $ALICE_GROUPS | sort -nu | tr '\n' ' ')"
check "CapEff is 0" expect_match "$st" '^CapEff:	0000000000000000$'
check "NoNewPrivs is 1" expect_match "$st" '^NoNewPrivs:	1$'
# ls runs as a child, so the listing is the shell's own fds (a glob in the shell itself
# would show the directory fd it reads with).
out=$(nsctl_as "$ALICE" run "$NT" --net -- sh -c 'ls /proc/$$/fd; exit 0' | tr '\n' ' ')
check "only fds 0, 1, 2 are open in the command" expect_eq "$out" "0 1 2 "

# -- cwd and environment -----------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- pwd)
check "the cwd is / by default" expect_eq "$out" /
out=$(nsctl_as "$ALICE" run "$NT" --net -w /tmp -- pwd)
check "-w /tmp: the cwd is /tmp" expect_eq "$out" /tmp
out=$(nsctl_as "$ALICE" run "$NT" --net -e TERM=xterm -- printenv TERM)
check "-e TERM=xterm sets TERM" expect_eq "$out" xterm
err=$(nsctl_as "$ALICE" run "$NT" --net -e FOO=bar -- true 2>&1)
check "-e FOO=bar is refused with status 125" expect_eq "$?" 125
diag "nsctl said: $err"
out=$(NSCTL_LEAK=1 nsctl_as "$ALICE" run "$NT" --net -- env | cut -d= -f1 | sort | tr '\n' ' ')
check "the environment is clean (HOME LOGNAME PATH SHELL USER only)" \
	expect_eq "$out" "HOME LOGNAME PATH SHELL USER "

# -- the daemon afterwards ---------------------------------------------------------------
check "the daemon is still running" pid_alive "$D"
check "the daemon's fd count is back to $FDS_FIRST (after its first request)" \
	expect_eq "$(fd_count "$D")" "$FDS_FIRST"
check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
starts=$(audit_records "$LOG" NSCTL_EVENT=session-start | grep -o '"NSCTL_SESSION":[0-9]*' | sort)
ends=$(audit_records "$LOG" NSCTL_EVENT=session-end | grep -o '"NSCTL_SESSION":[0-9]*' | sort)
diag "audit: $(wc -l <<<"$starts") session-start, $(wc -l <<<"$ends") session-end records"
check "audit: 13 sessions started, each one ended" \
	expect_eq "$(wc -l <<<"$starts"):$(comm -23 <(echo "$starts") <(echo "$ends") | wc -l)" "13:0"
check_daemon_stops "$D" "$LOG"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG"
fi
tap_done
