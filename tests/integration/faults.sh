#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon killed outright (SIGKILL, as a crash would) while sessions run: their commands
# die with it (PR_SET_PDEATHSIG), also the one forked into a pid namespace, and the clients
# report the lost connection.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 5
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
unshare --pid --uts --fork --kill-child sleep 1000 >/dev/null 2>&1 &
UPID=$!
defer kill_wait "$UPID"
TPID=
wait_until 10 eval 'TPID=$(find_descendant "$UPID" sleep)' || { diag "no target"; exit 1; }
defer kill_wait "$TPID"

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
write_policy "$TESTDIR/policy" "permit $ALICE on $NT ns net" "permit $ALICE on pid:$TPID ns pid,uts"
daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

nsctl_as "$ALICE" run "$NT" --net -- sleep 101 2>"$TESTDIR/c1.err" &
C1=$!
nsctl_as "$ALICE" run "pid:$TPID" --pid --uts -- sleep 102 2>"$TESTDIR/c2.err" &
C2=$!
S1='' S2=''
wait_until 10 eval 'S1=$(find_descendant "$D" sleep "sleep 101") &&
	S2=$(find_descendant "$D" sleep "sleep 102")'
check "two sessions run, one of them in the target's pid namespace" \
	expect_eq "$([ -n "$S1" ] && [ -n "$S2" ] && echo yes)" yes

kill -KILL "$D"
wait "$D" 2>/dev/null
check "the netns session's command died with the daemon" wait_until 3 pid_gone "${S1:-0}"
check "the pid-namespace session's command died with the daemon" wait_until 3 pid_gone "${S2:-0}"
wait_status "$C1" 10
st1=$WAIT_STATUS
wait_status "$C2" 10
diag "clients: $(cat "$TESTDIR/c1.err" "$TESTDIR/c2.err")"
check "both clients exit 125" expect_eq "$st1:$WAIT_STATUS" 125:125
check "they say the connection to nsctld was lost" \
	expect_eq "$(grep -c 'connection to nsctld lost' "$TESTDIR/c1.err" "$TESTDIR/c2.err" |
		cut -d: -f2 | tr '\n' ' ')" "1 1 "
tap_done
