#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sessions as units: a cgroup per session (nothing it started outlives it: after a normal
# exit, a client disconnect, a kill, a timeout, the daemon's SIGTERM), task limits (a
# fork bomb is bounded while another user is served), time limits (exit 124), reasons,
# nsctl ps and nsctl kill as owner, as another user, as root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout env unshare findmnt
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"
CG2=$(findmnt -t cgroup2 -n -o TARGET 2>/dev/null | head -n 1)
[ -n "$CG2" ] || tap_skip_all "no cgroup v2 hierarchy is mounted"

tap_plan 49
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
PT=pid:$TARGET_PID
GRACE=1
# A directory the sessions write their background pids to.
W=$TESTDIR/w
mkdir "$W" && chmod 1777 "$W"
write_policy "$POLICY" \
	"permit $ALICE on $NT ns net" \
	"permit tasks 20 $BOB on $NT ns net" \
	"permit timeout 2s $ALICE on $PT ns uts" \
	"permit reason $ALICE on $PT ns ipc"
# Lines: 2 alice on NT, 3 bob (tasks 20), 4 alice timeout, 5 reason required.
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 --kill-grace "$GRACE" \
	--max-tasks-per-user 30 || diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# The daemon's subtree: nsctld-PID below the cgroup it was started in (not delegated).
BASE=$CG2$(sed -n 's/^0:://p' "/proc/$D/cgroup")/nsctld-$D
BASE=${BASE//\/\//\/}
PIDS_V1=
if ! grep -qw pids "$BASE/cgroup.controllers" 2>/dev/null; then
	p=$(sed -n 's/^[0-9]*:\([^:]*,\)\{0,1\}pids\(,[^:]*\)\{0,1\}:\(.*\)$/\3/p' "/proc/$D/cgroup")
	m=$(findmnt -t cgroup -n -o TARGET,OPTIONS | awk '$2 ~ /(^|,)pids(,|$)/ { print $1; exit }')
	[ -n "$m" ] && PIDS_V1=$m$p/nsctld-$D && PIDS_V1=${PIDS_V1//\/\//\/}
fi
# pids_dir REL: where the pids controller of BASE/REL lives.
pids_dir()
{
	if [ -n "$PIDS_V1" ]; then echo "$PIDS_V1/$1"; else echo "$BASE/$1"; fi
}

# bg_pid FILE: the pid a session wrote to W/FILE, once it is there.
bg_pid()
{
	local p=''
	wait_until 10 eval "p=\$(cat '$W/$1' 2>/dev/null) && [ -n \"\$p\" ]" && echo "$p"
}

# start_bg USER FILE ARGS...: nsctl run ARGS as USER in the background; CLIENT is its job.
start_bg()
{
	local user=$1 out=$2
	shift 2
	timeout -k 5 "$CLIENT_TIMEOUT" runuser -u "$user" -- "$NSCTL" --socket "$SOCK" run "$@" \
		>"$TESTDIR/$out.out" 2>"$TESTDIR/$out.err" &
	CLIENT=$!
}

# session_of USER PATTERN: the id of USER's session whose argv matches PATTERN (ps --json).
session_of()
{
	nsctl_as "$1" ps --json | "$PYTHON" -c '
import json, re, sys
for s in json.load(sys.stdin)["sessions"]:
    if re.search(sys.argv[1], " ".join(s["argv"])):
        print(s["session"]); break' "$2"
}

# A command that leaves a child behind in a new session, immune to SIGHUP, and records it.
leave_child()
{
	echo "setsid nohup sleep $1 </dev/null >/dev/null 2>&1 & echo \$! >$W/$2"
}

# -- the session's cgroup ----------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- cat /proc/self/cgroup 2>&1)
check "the command runs in its session's cgroup uid-U/session-N below nsctl-PID" \
	expect_match "$out" "^0::.*/nsctld-$D/uid-$ALICE_UID/session-[0-9]+\$"
if [ -n "$PIDS_V1" ]; then
	check "hybrid: and in its mirror in the v1 pids hierarchy" \
		expect_match "$out" "^[0-9]+:pids:.*/nsctld-$D/uid-$ALICE_UID/session-[0-9]+\$"
else
	check "pure v2: the pids controller is enabled below nsctld's subtree" \
		expect_match "$(cat "$BASE/cgroup.subtree_control")" pids
fi
check "the session's cgroup is removed after it ended" \
	wait_until 5 eval "! ls -d $BASE/uid-$ALICE_UID/session-* 2>/dev/null | grep -q ."

# An unprivileged session cannot leave its cgroup or raise its limits.
out=$(nsctl_as "$BOB" run "$NT" --net -- sh -c "
	echo \$\$ >$CG2/cgroup.procs && echo moved-root
	echo \$\$ >$BASE/cgroup.procs && echo moved-base
	d=\$(ls -d $(pids_dir "uid-$BOB_UID")/session-* | head -n 1)
	echo max >\$d/pids.max && echo raised
	sed -n 's/^0:://p' /proc/self/cgroup" 2>&1)
check "a session cannot move itself out of its cgroup, nor raise its pids.max" \
	expect_no_match "$out" 'moved-root|moved-base|raised'
check "and stays in its session's cgroup" expect_match "$out" "^/.*nsctld-$D/uid-$BOB_UID/session-[0-9]+\$"

# -- nothing a session started outlives it ------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- sh -c "$(leave_child 4701 exit)" 2>&1)
st=$?
check "normal exit: the command's status" expect_eq "$st" 0
bg=$(bg_pid exit)
check "normal exit: its setsid nohup child is killed with the session" \
	wait_until 5 pid_gone "${bg:-0}"

start_bg "$ALICE" gone "$NT" --net -- sh -c "$(leave_child 4702 gone); sleep 1000"
bg=$(bg_pid gone)
check "disconnect: the background child runs while the session does" pid_alive "${bg:-0}"
kill -KILL "$(find_descendant "$CLIENT" nsctl)" 2>/dev/null
wait "$CLIENT" 2>/dev/null
check "disconnect: the child (immune to SIGHUP) is killed after the grace period" \
	wait_until $((GRACE + 5)) pid_gone "${bg:-0}"

start_bg "$ALICE" kill "$NT" --net -- sh -c "$(leave_child 4703 kill); sleep 1000"
bg=$(bg_pid kill)
id=$(session_of "$ALICE" "sleep 1000")
nsctl_as "$ALICE" kill "$id"
check "kill: the owner may" expect_eq "$?" 0
wait_status "$CLIENT" 10
check "kill: nsctl run exits 128+SIGTERM" expect_eq "$WAIT_STATUS" 143
check "kill: the session's child is gone" wait_until 5 pid_gone "${bg:-0}"

t0=$SECONDS
start_bg "$ALICE" timeout "$PT" --uts -- sh -c "trap '' TERM; $(leave_child 4704 timeout); sleep 1000"
wait_status "$CLIENT" 15
check "timeout: nsctl run exits 124" expect_eq "$WAIT_STATUS" 124
check "timeout: after the limit (2 s) and the grace period, not before" \
	expect_match "$((SECONDS - t0))" '^[2-9]$'
check "timeout: one line names the rule whose limit ended it" \
	expect_match "$(cat "$TESTDIR/timeout.err")" \
	"^nsctl: session [0-9]+ ended by the time limit \\(2s\\) of the rule $POLICY:4\$"
check "timeout: the child is gone" wait_until 5 pid_gone "$(bg_pid timeout || echo 0)"
check "timeout: the audit says so" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_RULE="$POLICY:4")" \
	'"NSCTL_ENDED_BY":"timeout"'
out=$(nsctl_as "$ALICE" check "$PT" --uts -- true 2>&1)
check "check shows the time limit" expect_match "$out" 'time limit: +2s'
out=$(nsctl_as "$ALICE" policy 2>&1)
check "policy shows the rule's timeout" expect_match "$out" "timeout 2s $ALICE"

# -- bounds ---------------------------------------------------------------------------------
start_bg "$BOB" bomb "$NT" --net -- bash -c 'while :; do sleep 60 & done'
sleep 2
sd=$(ls -d "$(pids_dir "uid-$BOB_UID")"/session-* 2>/dev/null | head -n 1)
check "fork bomb: bob's session has pids.max 20 (tasks 20)" \
	expect_eq "$(cat "$sd/pids.max" 2>/dev/null)" 20
n=$(cat "$sd/pids.current" 2>/dev/null || echo 999)
check "fork bomb: it holds at most 20 tasks ($n)" expect_lt "$n" 21
out=$(nsctl_as "$ALICE" run "$NT" --net -- sh -c 'sleep 0.1 & wait; echo served' 2>&1)
check "fork bomb: another user is served meanwhile" expect_eq "$out" served
start_bg "$BOB" bomb2 "$NT" --net -- bash -c 'while :; do sleep 60 & done'
sleep 2
n=$(cat "$(pids_dir "uid-$BOB_UID")/pids.current" 2>/dev/null || echo 999)
check "two bombs: all of bob's sessions hold at most 30 tasks ($n)" expect_lt "$n" 31
check "the per-user limit is 30" \
	expect_eq "$(cat "$(pids_dir "uid-$BOB_UID")/pids.max" 2>/dev/null)" 30
for s in $(nsctl_as root ps --all --json | "$PYTHON" -c '
import json, sys
print(" ".join(str(s["session"]) for s in json.load(sys.stdin)["sessions"] if s["uid"] == int(sys.argv[1])))' "$BOB_UID"); do
	"$NSCTL" --socket "$SOCK" kill -s KILL "$s"
done
check "root kills bob's bombs; nothing of bob is left" \
	wait_until 10 eval "! pgrep -u $BOB_UID -x sleep >/dev/null"
# uid-U is made once and kept a while: the next session of bob finds its limit in place.
out=$(nsctl_as "$BOB" run "$NT" --net -- cat "$(pids_dir "uid-$BOB_UID")/pids.max" 2>&1)
check "bob's next session: its uid-U still has the per-user limit" expect_eq "$out" 30

# -- reasons, ps, kill ------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$PT" --ipc -- true 2>&1)
st=$?
check "reason required: refused without one" expect_eq "$st" 125
check "reason required: the error says so" \
	expect_match "$out" "rule $POLICY:5 requires a reason"
out=$(nsctl_as "$ALICE" run "$PT" --ipc --reason "ticket 42" -- true 2>&1)
check "reason given: runs" expect_eq "$?" 0
check "reason: recorded in the audit (NSCTL_REASON)" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_RULE="$POLICY:5")" \
	'"NSCTL_REASON":"ticket 42"'
out=$(as_user "$ALICE" env NSCTL_REASON="from env" "$NSCTL" --socket "$SOCK" run "$PT" --ipc -- true 2>&1)
check "reason: NSCTL_REASON works too" expect_eq "$?" 0
out=$(nsctl_as "$ALICE" run "$PT" --ipc --reason "$(printf 'x%.0s' {1..300})" -- true 2>&1)
check "reason: longer than 256 bytes is refused" expect_eq "$?" 125
reply=$(varlink_call "$SOCK" "{\"method\":\"io.nsctl.Run\",\"more\":true,\"parameters\":{\"target\":\"$PT\",\"namespaces\":[\"ipc\"],\"argv\":[\"true\"],\"tty\":true,\"reason\":\"a\\u0007b\"}}")
check "reason: a control character is an invalid parameter" \
	expect_match "$reply" '"parameter":"reason"'

start_bg "$ALICE" ps "$NT" --net --reason "INC-7 debugging" -- sleep 1000
wait_until 10 eval '[ -n "$(session_of "$ALICE" "sleep 1000")" ]'
id=$(session_of "$ALICE" "sleep 1000")
out=$(nsctl_as "$ALICE" ps 2>&1)
check "ps as owner: the session, its reason and command" \
	expect_match "$out" "^$id +$ALICE +$NT +net +[0-9]+ .*INC-7 debugging +sleep 1000\$"
check "ps as another user: not shown" expect_no_match "$(nsctl_as "$BOB" ps --all 2>&1)" "sleep 1000"
check "ps as root without --all: only root's" expect_no_match "$("$NSCTL" --socket "$SOCK" ps)" "sleep 1000"
check "ps --all as root: shown" expect_match "$("$NSCTL" --socket "$SOCK" ps --all)" "^$id .*sleep 1000\$"
out=$(nsctl_as "$BOB" kill "$id" 2>&1)
check "kill by another user: refused" expect_eq "$?" 125
check "kill by another user: as if there were no such session" expect_match "$out" "no session $id"
check "kill by another user: the session runs on" pid_alive "$(find_descendant "$D" sleep 'sleep 1000')"
"$NSCTL" --socket "$SOCK" kill -s HUP "$id"
check "kill by root: accepted" expect_eq "$?" 0
wait_status "$CLIENT" 10
check "kill by root: nsctl run exits 128+SIGHUP" expect_eq "$WAIT_STATUS" 129
check "kill by root: the audit says who ended whose session" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_SESSION="$id")" \
	"\"NSCTL_CALLER_UID\":$ALICE_UID.*\"NSCTL_ENDED_BY\":\"kill\".*\"NSCTL_KILLED_BY_UID\":0"

# -- the daemon's SIGTERM ---------------------------------------------------------------------
start_bg "$ALICE" stop "$NT" --net -- sh -c "$(leave_child 4705 stop); sleep 1000"
bg=$(bg_pid stop)
kill -TERM "$D"
wait_status "$D" 15
check "SIGTERM: the daemon exits 0" expect_eq "$WAIT_STATUS" 0
check "SIGTERM: the session's child (immune to SIGHUP) is gone" pid_gone "${bg:-0}"
check "SIGTERM: the daemon's cgroup subtree is removed" test ! -e "$BASE"
wait "$CLIENT" 2>/dev/null

# -- a daemon killed outright: the next one cleans up after it ---------------------------------
SOCK=$TESTDIR/io.nsctl2
daemon_start "$SOCK" "$TESTDIR/nsctld2.log" --policy "$POLICY" --idle-timeout 0 ||
	diag "the second nsctld does not start"
D2=$DAEMON_PID
start_bg "$ALICE" crash "$NT" --net -- sh -c "$(leave_child 4706 crash); sleep 1000"
bg=$(bg_pid crash)
kill -KILL "$D2"
wait "$D2" 2>/dev/null
wait "$CLIENT" 2>/dev/null
check "SIGKILL: the child of a session of a killed daemon is still there" pid_alive "${bg:-0}"
SOCK=$TESTDIR/io.nsctl3
daemon_start "$SOCK" "$TESTDIR/nsctld3.log" --policy "$POLICY" --idle-timeout 0 ||
	diag "the third nsctld does not start"
check "SIGKILL: the next nsctld started there kills it" wait_until 5 pid_gone "${bg:-0}"
check "SIGKILL: and removes the dead daemon's cgroups" test ! -e "${BASE%-*}-$D2"

tap_done
