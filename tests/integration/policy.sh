#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The policy's grants as real users meet them: as, caps, cmd, setenv, cgroup, nolog, the
# audit fields, nsctl check and nsctl policy, and reloading (nsctld --reload, includes).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout stat
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 79
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
PT=pid:$TARGET_PID

# The rule's command: a root-owned copy of id under a name of this run. Another copy of
# touch under the same name in /usr/local/bin, which the fixed PATH searches first.
T=nsctl-tool-$$
BIN=$TESTDIR/bin
mkdir -m 0755 "$BIN"
cp /usr/bin/id "$BIN/$T" && cp /usr/bin/id "$BIN/other" && chmod 0755 "$BIN/$T" "$BIN/other"
BOBDIR=$TESTDIR/bob
mkdir -m 0755 "$BOBDIR" && chown "$BOB" "$BOBDIR"

# Line numbers matter: the audit and check name the rule as FILE:LINE (line 1 is a comment).
POLICY_LINES=(
	"permit setenv { TZ=UTC PAGER } $ALICE on $PT ns uts"
	"permit $BOB as $ALICE on $PT ns ipc"
	"permit :$OPS on $NT ns net"
	"permit $ALICE on $NT ns net caps net_admin"
	"permit notty $BOB on $NT ns net"
	"permit $BOB on $PT ns uts cmd $BIN/$T"
	"permit cgroup $ALICE on $PT ns ipc"
	"permit nolog $ALICE on $PT ns net"
	"deny $ALICE on $PT ns uts cmd /bin/sh"
)
write_policy "$POLICY" "${POLICY_LINES[@]}"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# session_record RULE FIELD: FIELD of the last session-start record of rule RULE.
session_record()
{
	audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_RULE="$1" | tail -n 1 | json_get "$2"
}

# -- run-as: the caller by default, the rule's user with "as" ------------------------------
out=$(nsctl_as "$ALICE" run "$PT" --uts -- id -u 2>&1)
check "without 'as' the command runs as the caller (uid $ALICE_UID)" expect_eq "$out" "$ALICE_UID"
out=$(nsctl_as "$ALICE" run "$PT" --uts -- id -G 2>&1)
check "... with the caller's groups" \
	expect_eq "$(tr ' ' '\n' <<<"$out" | sort -n | tr '\n' ' ')" "$ALICE_GROUPS"
out=$(nsctl_as "$BOB" run "$PT" --ipc -- id -u 2>&1)
check "'as $ALICE': nsctl-bob's command runs as nsctl-alice" expect_eq "$out" "$ALICE_UID"
out=$(nsctl_as "$BOB" run "$PT" --ipc -- id -G 2>&1)
check "... with nsctl-alice's groups from the host's database" \
	expect_eq "$(tr ' ' '\n' <<<"$out" | sort -n | tr '\n' ' ')" "$ALICE_GROUPS"
out=$(nsctl_as "$BOB" run "$PT" --ipc -- printenv USER HOME 2>&1)
check "... and nsctl-alice's USER and HOME" \
	expect_eq "$out" "$ALICE"$'\n'"$(getent passwd "$ALICE" | cut -d: -f6)"
check "audit: the session records the caller (bob) and the run-as uid (alice)" \
	expect_eq "$(session_record "$POLICY:3" NSCTL_CALLER_UID)/$(session_record "$POLICY:3" \
		NSCTL_RUN_AS_UID)" "$BOB_UID/$ALICE_UID"

# -- caps: ambient capabilities for the operator ----------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- ip link add nsctl-br0 type bridge 2>&1)
check "caps net_admin: nsctl-alice creates a bridge in the netns (exit 0)" expect_eq "$?" 0
[ -n "$out" ] && diag "$out"
check "... the bridge exists there" expect_match "$(ip -n "$NETNS" -br link)" '^nsctl-br0 '
out=$(nsctl_as "$BOB" run "$NT" --net -- ip link add nsctl-br1 type bridge 2>&1)
check "without caps the same request fails (ip exits 2)" expect_eq "$?" 2
check "... with 'Operation not permitted'" expect_match "$out" 'Operation not permitted'
check "... and there is no such bridge" expect_no_match "$(ip -n "$NETNS" -br link)" nsctl-br1
# 2>&1: a command with capabilities is never handed a regular file (the fd rule), and the
# test's stderr is its log file.
out=$(nsctl_as "$ALICE" run "$NT" --net -- grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status 2>&1)
check "CapInh, CapPrm, CapEff, CapBnd and CapAmb are exactly CAP_NET_ADMIN (bit 12)" \
	expect_eq "$(awk '{print $2}' <<<"$out" | sort -u)" 0000000000001000
out=$(nsctl_as "$ALICE" run "$NT" --net -- grep -E '^NoNewPrivs' /proc/self/status 2>&1)
check "... with no_new_privs" expect_match "$out" 'NoNewPrivs:[[:space:]]+1'
out=$(nsctl_as "$BOB" run "$NT" --net -- grep -E '^CapEff|^CapBnd' /proc/self/status)
check "without caps: no capability at all" \
	expect_eq "$(awk '{print $2}' <<<"$out" | sort -u)" 0000000000000000
check "audit: NSCTL_CAPS, NSCTL_RUN_AS_UID and NSCTL_NS_NET (the netns inode)" \
	expect_eq "$(session_record "$POLICY:5" NSCTL_CAPS) $(session_record "$POLICY:5" \
		NSCTL_RUN_AS_UID) $(session_record "$POLICY:5" NSCTL_NS_NET)" \
	"cap_net_admin $ALICE_UID $(stat -L -c %i "/run/netns/$NETNS")"

# -- cmd: only the rule's file, and exactly the file checked -----------------------------
out=$(nsctl_as "$BOB" run "$PT" --uts -- "$BIN/$T" -u 2>&1)
check "cmd: the rule's command runs (as nsctl-bob)" expect_eq "$out" "$BOB_UID"
check "audit: NSCTL_NS_UTS is the target's uts namespace inode" \
	expect_eq "$(session_record "$POLICY:7" NSCTL_NS_UTS)" \
	"$(stat -L -c %i "/proc/$TARGET_PID/ns/uts")"
nsctl_as "$BOB" run "$PT" --uts -- id -u >/dev/null 2>&1
check "cmd: another command is refused (125)" expect_eq "$?" 125
nsctl_as "$BOB" run "$PT" --uts -- "$BIN/other" -u >/dev/null 2>&1
check "cmd: a copy of the binary at another path is refused (125)" expect_eq "$?" 125
runuser -u "$BOB" -- ln -s "$BIN/$T" "$BOBDIR/$T"
nsctl_as "$BOB" run "$PT" --uts -- "$BOBDIR/$T" -u >/dev/null 2>&1
check "cmd: a symlink to the rule's file from elsewhere is refused (125)" expect_eq "$?" 125
# The bare name is accepted by the policy, but resolves to another file on the fixed PATH.
if [ -d /usr/local/bin ] && cp /usr/bin/touch "/usr/local/bin/$T"; then
	defer rm -f "/usr/local/bin/$T"
	err=$(nsctl_as "$BOB" run "$PT" --uts -- "$T" "$TESTDIR/marker" 2>&1)
	st=$?
	check "cmd: a bare name that resolves to another file fails with 126" expect_eq "$st" 126
	check "... saying it is not the command the policy permits" \
		expect_match "$err" 'not the command the policy permits'
	check "... and that file did not run" test ! -e "$TESTDIR/marker"
	check "audit: the session failed with io.nsctl.CommandNotPermitted" \
		expect_match "$(audit_records "$LOG" NSCTL_EVENT=session-end \
			NSCTL_ERROR=io.nsctl.CommandNotPermitted)" "\"NSCTL_RULE\":\"$POLICY:7\""
	rm -f "/usr/local/bin/$T"
else
	for d in "bare name elsewhere: 126" "... message" "... did not run" "... audit"; do
		skip "cmd: $d" "/usr/local/bin is not writable"
	done
fi

# A swap after the check: strace holds the worker at the entry of execveat() while the
# rule's file is replaced; what runs is the file that was opened and checked (id), not the
# new one (echo), and the exec is execveat(fd, "", ..., AT_EMPTY_PATH).
EXECVEAT_NR=$(printf '#include <sys/syscall.h>\nSYS_execveat\n' | cpp -P 2>/dev/null | tail -n 1)
worker_in_execveat()
{
	local p nr
	for p in $(descendants "$D"); do
		read -r nr _ <"/proc/$p/syscall" 2>/dev/null || continue
		[ "$nr" = "$EXECVEAT_NR" ] && return 0
	done
	return 1
}
if command -v strace >/dev/null && [[ "$EXECVEAT_NR" =~ ^[0-9]+$ ]]; then
	strace -f -qq -p "$D" -e trace=execveat -e inject=execveat:delay_enter=3000000 \
		-o "$TESTDIR/swap.strace" 2>"$TESTDIR/swap.err" &
	STRACE_PID=$!
	defer kill_wait "$STRACE_PID"
	wait_until 5 grep -Eq "^TracerPid:[[:space:]]*$STRACE_PID\$" "/proc/$D/status"
	nsctl_as "$BOB" run "$PT" --uts -- "$BIN/$T" -u >"$TESTDIR/swap.out" 2>&1 &
	CLIENT=$!
	if wait_until 10 worker_in_execveat; then
		cp /usr/bin/echo "$BIN/$T.new" && chmod 0755 "$BIN/$T.new" &&
			mv -f "$BIN/$T.new" "$BIN/$T"
		swapped=yes
	else
		swapped=no
	fi
	wait_status "$CLIENT" 20
	kill -INT "$STRACE_PID" 2>/dev/null
	wait_until 5 pid_gone "$STRACE_PID"
	check "swap: the worker was held in execveat() and the file replaced" \
		expect_eq "$swapped" yes
	check "swap: the file opened and checked ran (id), not its replacement" \
		expect_eq "$(cat "$TESTDIR/swap.out")/$WAIT_STATUS" "$BOB_UID/0"
	check "swap: the exec was execveat(fd, \"\", ..., AT_EMPTY_PATH)" \
		expect_match "$(cat "$TESTDIR/swap.strace")" 'execveat\([0-9]+, "", \[.*AT_EMPTY_PATH'
	out=$(nsctl_as "$BOB" run "$PT" --uts -- "$BIN/$T" -u 2>&1)
	check "control: the next run executes the new file at the path (echo -u)" \
		expect_eq "$out" "-u"
else
	for d in "held and replaced" "the checked file ran" "execveat(AT_EMPTY_PATH)" "control"; do
		skip "swap: $d" "strace or the execveat syscall number is not available"
	done
fi

# -- environment --------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$PT" --uts -e PAGER=less -- printenv TZ PAGER 2>&1)
check "setenv: TZ is set and PAGER is passed on from the caller" expect_eq "$out" $'UTC\nless'
err=$(nsctl_as "$ALICE" run "$PT" --uts -e FOO=1 -- true 2>&1)
check "a variable the rule does not pass on is refused (125)" expect_eq "$?" 125
check "... with io.nsctl.EnvironmentNotPermitted naming it and the rule" \
	expect_match "$err" "EnvironmentNotPermitted: the variable FOO .*$POLICY:2"
check "audit: that request is recorded as a denial" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_DECISION=deny \
		NSCTL_RULE="$POLICY:2")" '"NSCTL_ERROR":"io.nsctl.EnvironmentNotPermitted"'

# -- cgroup ---------------------------------------------------------------------------------
CG2=$(findmnt -t cgroup2 -n -o TARGET 2>/dev/null | head -n 1)
CGNAME=nsctl-test-$$
# cgroup_cleanup DIR: move what is left to the parent, remove DIR.
cgroup_cleanup()
{
	local p
	for p in $(cat "$1/cgroup.procs" 2>/dev/null); do
		echo "$p" >"$(dirname "$1")/cgroup.procs"
	done
	rmdir "$1"
}
if [ -n "$CG2" ] && mkdir "$CG2/$CGNAME" && echo "$TARGET_PID" >"$CG2/$CGNAME/cgroup.procs"; then
	defer cgroup_cleanup "$CG2/$CGNAME"
	out=$(nsctl_as "$ALICE" run "$PT" --ipc -- cat /proc/self/cgroup 2>&1)
	check "cgroup: the command is in a session cgroup below the target's unified cgroup" \
		expect_match "$out" "^0::/$CGNAME/nsctl-$D-session-[0-9]+\$"
	bg=$(nsctl_as "$ALICE" run "$PT" --ipc -- \
		sh -c 'setsid nohup sleep 4799 </dev/null >/dev/null 2>&1 & echo $!' 2>&1)
	check "cgroup: a child the session left in the target's cgroup is killed with it" \
		wait_until 5 pid_gone "${bg:-0}"
	check "cgroup: and the session's cgroup below the target's is removed" \
		wait_until 5 eval "! ls -d '$CG2/$CGNAME'/nsctl-* 2>/dev/null | grep -q ."
	out=$(nsctl_as "$ALICE" run "$PT" --uts -- cat /proc/self/cgroup 2>&1)
	nsctld_cg=$(sed -n 's/^0:://p' "/proc/$D/cgroup")
	check "without cgroup: its session's own cgroup below nsctld's" \
		expect_match "$out" "^0::${nsctld_cg%/}/nsctld-$D/uid-$ALICE_UID/session-[0-9]+\$"
	MEM=/sys/fs/cgroup/memory
	if [ "$(stat -f -c %T "$MEM" 2>/dev/null)" = cgroupfs ] && mkdir "$MEM/$CGNAME" &&
	   echo "$TARGET_PID" >"$MEM/$CGNAME/cgroup.procs"; then
		defer cgroup_cleanup "$MEM/$CGNAME"
		out=$(nsctl_as "$ALICE" run "$PT" --ipc -- cat /proc/self/cgroup 2>&1)
		check "cgroup (hybrid): the command is in the target's v1 memory cgroup" \
			expect_match "$out" "^[0-9]+:memory:/$CGNAME\$"
	else
		skip "cgroup (hybrid): the target's v1 memory cgroup" "no v1 memory hierarchy"
	fi
else
	skip "cgroup: the target's unified cgroup" "no cgroup2 hierarchy to make a cgroup in"
	skip "cgroup: a child the session left is killed" "no cgroup2 hierarchy"
	skip "cgroup: the session's cgroup is removed" "no cgroup2 hierarchy"
	skip "without cgroup: its session's own cgroup below nsctld's" "no cgroup2 hierarchy to make a cgroup in"
	skip "cgroup (hybrid): the target's v1 memory cgroup" "no cgroup2 hierarchy"
fi

# -- nolog ------------------------------------------------------------------------------------
nsctl_as "$ALICE" run "$PT" --net -- true
check "nolog: the session runs (exit 0)" expect_eq "$?" 0
check "nolog: no decision or session record names its rule" \
	expect_eq "$(audit_records "$LOG" NSCTL_RULE="$POLICY:9")" ""

# -- nsctl check -----------------------------------------------------------------------------
DECISIONS=$(audit_records "$LOG" NSCTL_EVENT=decision | wc -l)
out=$(nsctl_as "$ALICE" check "$NT" --net -- ip link add nsctl-br2 type bridge 2>&1)
check "check: permitted, exit 0" expect_eq "$?" 0
check "check: names the deciding rule" expect_match "$out" "^permitted by $POLICY:5\$"
check "check: the run-as identity" \
	expect_match "$out" "run as: +$ALICE \\(uid $ALICE_UID, gid $ALICE_GID,"
check "check: the capabilities" expect_match "$out" "capabilities: +cap_net_admin\$"
check "check: the environment" expect_match "$out" "^    USER=$ALICE\$"
json=$(nsctl_as "$ALICE" check --json "$NT" --net -- ip link 2>&1)
check "check --json: allowed, rule, caps, run_as.uid" \
	expect_eq "$(json_get allowed <<<"$json") $(json_get rule <<<"$json") $(json_get caps \
		<<<"$json") $(json_get run_as.uid <<<"$json")" \
	"true $POLICY:5 [\"cap_net_admin\"] $ALICE_UID"
out=$(nsctl_as "$BOB" check "$NT" --mount -- true 2>&1)
check "check: denied, exit 1" expect_eq "$?" 1
check "check: says no rule permits it" expect_match "$out" 'no rule permits it \(default deny\)'
json=$(nsctl_as "$BOB" check --json "$PT" --ipc -- id 2>&1)
check "check --json: the rule's 'as' user" \
	expect_eq "$(json_get run_as.user <<<"$json")/$(json_get rule <<<"$json")" \
	"$ALICE/$POLICY:3"
json=$(nsctl_as "$BOB" check --json "$PT" --uts -- "$BIN/$T" 2>&1)
check "check --json: the command the rule names" \
	expect_eq "$(json_get command <<<"$json")" "$BIN/$T"
out=$(nsctl_as "$ALICE" check "$PT" --uts -e FOO=1 -- true 2>&1)
check "check: a refused variable is a denial (exit 1) that names it" \
	expect_eq "$?/$(grep -c 'does not pass on the variable FOO' <<<"$out")" "1/1"
check "check writes no audit record" \
	expect_eq "$(audit_records "$LOG" NSCTL_EVENT=decision | wc -l)" "$DECISIONS"

# -- nsctl policy ------------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" policy 2>&1)
check "policy: nsctl-alice's rules (user and group), in order" \
	expect_eq "$(grep -Eo "$POLICY:[0-9]+" <<<"$out" | tr '\n' ' ')" \
	"$POLICY:2 $POLICY:4 $POLICY:5 $POLICY:8 $POLICY:9 $POLICY:10 "
check "policy: each with its text" \
	expect_match "$out" "^  $POLICY:5  permit $ALICE on $NT ns net caps net_admin\$"
json=$(nsctl_as "$BOB" policy --json 2>&1)
check "policy --json: nsctl-bob's uid and rules, not nsctl-alice's" \
	expect_eq "$(json_get uid <<<"$json") $(json_get rules <<<"$json" |
		grep -Eo "$POLICY:[0-9]+" | tr '\n' ' ')" \
	"$BOB_UID $POLICY:3 $POLICY:6 $POLICY:7 "
check "policy --json: a rule's parts" \
	expect_eq "$(json_get rules.0.run_as.user <<<"$json") $(json_get rules.2.command \
		<<<"$json")" "$ALICE $BIN/$T"

# -- terminals ---------------------------------------------------------------------------
PTY_HARNESS=$NSCTL_BUILDDIR/pty-harness
json=$(nsctl_as "$BOB" check --json --tty "$NT" --net -- true 2>&1)
check "notty: check --tty is denied, naming the reason" \
	expect_eq "$(json_get allowed <<<"$json")/$(json_get reason <<<"$json")" \
	"false/the rule permits no terminal"
reply=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" \
	"{\"method\":\"io.nsctl.Run\",\"more\":true,\"parameters\":{\"target\":\"$NT\",\"namespaces\":[\"net\"],\"argv\":[\"true\"],\"tty\":true}}")
check "notty: Run with tty is PermissionDenied with that reason" \
	expect_eq "$(json_get error <<<"$reply")/$(json_get parameters.reason <<<"$reply")" \
	"io.nsctl.PermissionDenied/the rule permits no terminal"
json=$(nsctl_as "$ALICE" check --json --tty "$PT" --ipc 2>&1)
check "a terminal session without a command: the run-as user's shell" \
	expect_eq "$(json_get allowed <<<"$json") $(json_get argv <<<"$json")" \
	"true [\"$(getent passwd "$ALICE" | cut -d: -f7)\"]"
json=$(nsctl_as "$ALICE" check --json --tty "$PT" --uts 2>&1)
check "... which a later 'deny ... cmd /bin/sh' refuses" \
	expect_eq "$(json_get allowed <<<"$json")/$(json_get reason <<<"$json")" \
	"false/the rule that permits a terminal session does not permit the shell"
if [ -x "$PTY_HARNESS" ]; then
	printf 'wait\n' >"$TESTDIR/wait.script"
	out=$(timeout -k 5 60 "$PTY_HARNESS" --user "$BOB" --log "$TESTDIR/handoff.log" \
		"$TESTDIR/wait.script" -- \
		"$NSCTL" --socket "$SOCK" run --no-tty "$PT" --ipc -- id -u 2>&1)
	check "'as': nsctl-bob's own terminal is not handed to nsctl-alice's command (125)" \
		expect_match "$out" '^status 125$'
	check "... PermissionDenied says why" \
		expect_match "$(cat "$TESTDIR/handoff.log")" 'PermissionDenied.*runs as another user'
	out=$(timeout -k 5 60 "$PTY_HARNESS" --user "$BOB" --log "$TESTDIR/as-tty.log" \
		"$TESTDIR/wait.script" -- \
		"$NSCTL" --socket "$SOCK" run --tty "$PT" --ipc -- id -u 2>&1)
	check "'as' with a terminal session of its own: runs as nsctl-alice" \
		expect_eq "$(grep -c '^status 0$' <<<"$out")/$(tr -d '\r' <"$TESTDIR/as-tty.log")" \
		"1/$ALICE_UID"
else
	for d in "handoff refused" "... why" "a terminal session of its own"; do
		skip "'as' and terminals: $d" "pty-harness is not built"
	done
fi

# -- reload ------------------------------------------------------------------------------------
nsctl_as "$BOB" run "$PT" --net -- true 2>/dev/null
check "before the reload nsctl-bob may not enter the target's net namespace" expect_eq "$?" 125
write_policy "$POLICY" "${POLICY_LINES[@]}" "permit $BOB on $PT ns net"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "nsctld --reload with a good file: exit 0, says how many rules" \
	expect_eq "$?/$out" "0/policy reloaded: 10 rules"
nsctl_as "$BOB" run "$PT" --net -- true
check "... and the new rule is in force" expect_eq "$?" 0

write_policy "$POLICY" "${POLICY_LINES[@]}" "permit $BOB on $PT ns net" "permit $BOB ns net extra"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "nsctld --reload with a broken file: exit 1, error with FILE:LINE" \
	expect_eq "$?/$(grep -c "$POLICY:12: unknown keyword 'extra'" <<<"$out")" "1/1"
check "... the daemon logs it with FILE:LINE too" \
	expect_match "$(grep -v '^{' "$LOG")" "keeping the last good one: $POLICY:12:"
nsctl_as "$BOB" run "$PT" --net -- true
check "... and the last good policy stays" expect_eq "$?" 0

write_policy "$POLICY" "${POLICY_LINES[@]}"
chmod 0664 "$POLICY"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "nsctld --reload with a group-writable file: exit 1, says so" \
	expect_eq "$?/$(grep -c "$POLICY: writable by group or others" <<<"$out")" "1/1"
nsctl_as "$BOB" run "$PT" --net -- true
check "... and the last good policy stays" expect_eq "$?" 0
chmod 0644 "$POLICY"

# An include: its rules count, an error in it names the included file and line.
mkdir -m 0755 "$TESTDIR/policy.d"
write_policy "$TESTDIR/policy.d/10-deny.conf" "deny $BOB on $PT"
write_policy "$POLICY" "${POLICY_LINES[@]}" "permit $BOB on $PT ns net" \
	"include policy.d/*.conf"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "reload with an include: exit 0, the included rule counts" \
	expect_eq "$?/$out" "0/policy reloaded: 11 rules"
nsctl_as "$BOB" run "$PT" --net -- true 2>/dev/null
check "... the included deny (the last rule) decides" \
	expect_eq "$?/$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$BOB_UID" |
		tail -n 1 | json_get NSCTL_RULE)" "125/$TESTDIR/policy.d/10-deny.conf:2"
write_policy "$TESTDIR/policy.d/20-bad.conf" "permit $BOB as nsctl-no-such-user"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "an error in an included file names that file and line" \
	expect_eq "$?/$(grep -c "policy.d/20-bad.conf:2: unknown user 'nsctl-no-such-user'" \
		<<<"$out")" "1/1"
check "nsctld --check-policy follows the include and exits 1" \
	expect_eq "$("$NSCTLD" --check-policy "$POLICY" >/dev/null 2>&1; echo $?)" 1
rm -f "$TESTDIR/policy.d/20-bad.conf"
check "nsctld --check-policy: exit 0 once the included file is gone" \
	expect_eq "$("$NSCTLD" --check-policy "$POLICY" 2>&1; echo $?)" \
	"$POLICY: 11 rules, OK"$'\n'"0"

reply=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" '{"method":"io.nsctl.Reload"}')
check "io.nsctl.Reload by a user other than root: PermissionDenied" \
	expect_eq "$(json_get error <<<"$reply")" org.varlink.service.PermissionDenied

# -- the daemon afterwards ---------------------------------------------------------------------
check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
check_daemon_stops "$D" "$LOG"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG" 60
fi
tap_done
