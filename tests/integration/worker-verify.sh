#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The worker verifies its capability drop from its own status file and refuses to execute
# when the result is not exactly the grant: here nsctld runs with a bounding set that lacks
# CAP_NET_ADMIN (as a unit's CapabilityBoundingSet= would make it), so a rule granting
# net_admin cannot be honoured and must fail closed, while sessions without capabilities
# run, their bounding set empty (the capabilities already absent are skipped, not dropped).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout setpriv
require_binaries "$NSCTLD" "$NSCTL"

tap_plan 7
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
write_policy "$TESTDIR/policy" \
	"permit $ALICE on $NT ns net" \
	"permit $BOB on $NT ns net caps net_admin"
NSCTL_DAEMON_WRAPPER="setpriv --bounding-set -net_admin" \
	daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
check "setup: nsctld runs without CAP_NET_ADMIN in its bounding set" \
	expect_eq "$(( 0x$(awk '/^CapBnd:/ { print $2 }' /proc/"$D"/status) >> 12 & 1 ))" 0

out=$(nsctl_as "$ALICE" run "$NT" --net -- grep -E '^Cap(Bnd|Amb|Prm|Eff|Inh):' /proc/self/status)
check "no capabilities granted: the session runs" expect_match "$out" 'CapBnd'
check "... with an empty bounding set and no other capability" \
	expect_eq "$(awk '$2 != "0000000000000000"' <<<"$out")" ""

marker=$TESTDIR/ran
nsctl_as "$BOB" run "$NT" --net -- touch "$marker" 2>"$TESTDIR/bob.err"
st=$?
check "net_admin granted but not in nsctld's bounding set: refused (125)" expect_eq "$st" 125
check "... with the credentials error" expect_match "$(cat "$TESTDIR/bob.err")" 'cannot switch to your identity'
check "... and the command never ran" expect_eq "$([ -e "$marker" ] && echo ran)" ""
check "the daemon is still running" pid_alive "$D"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG"
fi
tap_done
