#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input of every kind: framing and JSON, fds and ancillary data, connection abuse,
# identity and policy, target side, the command's properties, policy file faults and
# lifecycle faults. Every case checks four things: the exact answer (error name and
# parameters, or what the connection did), that a good request is served right after, that
# the daemon's fd count and children are back to their baseline, and that no privilege was
# gained (no command ran unless the case expects it, then only as the caller; nobody
# unlisted was permitted; nothing ran as root).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout strace mkfifo
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

N_CASES=75
tap_plan $((N_CASES * 4 + 2))
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1
cp "$NSCTL_SRCDIR/tests/integration/abuse.py" "$TESTDIR/abuse.py"

# -- targets of the target-side cases -----------------------------------------------------
# A zombie: the child of a process that never reaps it.
sh -c 'sleep 0 & exec sleep 1000' &
ZPARENT=$!
defer kill_wait "$ZPARENT"
ZPID=
_zombie_ready()
{
	ZPID=$(zombie_children "$ZPARENT" | cut -d' ' -f1)
	[ -n "$ZPID" ]
}
wait_until 5 _zombie_ready || diag "no zombie target"
# A process in a user namespace that maps only root: the caller's uid is not mapped there.
unshare --user --map-root-user --net --fork --kill-child sleep 1000 &
UNS=$!
defer kill_wait "$UNS"
UPID=
wait_until 5 eval 'UPID=$(find_descendant "$UNS" sleep)' || UPID=$UNS
defer kill_wait "$UPID"
# A pid that was a process and is not any more.
sleep 0 &
GONE=$!
wait "$GONE"
# A file in /run/netns that is no network namespace.
FAKE=nsctl-fake-$$
touch "/run/netns/$FAKE"
defer rm -f "/run/netns/$FAKE"
# Directories and files the caller may not use.
mkdir -m 0700 "$TESTDIR/root-only"
printf '#!/bin/sh\necho hidden\n' >"$TESTDIR/root-only/script"
chmod 0755 "$TESTDIR/root-only/script"
printf 'not a program\n' >"$TESTDIR/noexec"
chmod 0644 "$TESTDIR/noexec"
mkdir -m 1777 "$TESTDIR/canary"
CANARY=$TESTDIR/canary/ran
CANARY_ARGV='["/bin/sh","-c","id -u >> '$CANARY'"]'

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
PT=pid:$TARGET_PID
GOOD_POLICY=(
	"permit $ALICE on $NT ns net,uts"
	"permit $ALICE as $BOB on $PT ns net,uts,ipc"
	"permit $ALICE on pid:${ZPID:-0},pid:$GONE ns net"
	"permit $ALICE on pid:$UPID ns user,net"
	"permit $ALICE on netns:nsctl-fake-* ns net"
)
write_policy "$POLICY" "${GOOD_POLICY[@]}"
MAX_SESS=3
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 --request-timeout 2 \
	--max-connections 12 --max-connections-per-user 8 --max-sessions-per-user $MAX_SESS \
	--kill-grace 1 || diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
# Under a wrapper (valgrind.sh) that cannot run the pidfd system calls, nsctld cannot start
# sessions: the cases that need one are skipped, and a Run refused at the last step
# before the fork (a directory as stdout) stands in for the good request.
SESSIONS=1
out=$(nsctl_as "$ALICE" run "$NT" --net -- true 2>&1) || {
	if [ -n "${NSCTL_DAEMON_WRAPPER:-}" ] && grep -q 'Function not implemented' <<<"$out"; then
		SESSIONS=0
		diag "no sessions under this wrapper ($out): the cases that need one are skipped"
	fi
}
FDS_BASE=$(fd_count "$D")

# -- the four checks ---------------------------------------------------------------------
CASE=0
RAN_AS=  # the uid the case's command may run as; empty: it must not run at all

# abuse USER ARGS...: abuse.py as USER on SOCK, Run calls aimed at NT with the canary argv.
abuse()
{
	local user=$1
	shift
	as_user "$user" env ABUSE_TARGET="$NT" ABUSE_ARGV="$CANARY_ARGV" \
		"$PYTHON" "$TESTDIR/abuse.py" "$SOCK" "$@"
}

_baseline_now()
{
	[ "$(fd_count "$D")" -eq "$FDS_BASE" ] && [ -z "$(children "$D")" ]
}

at_baseline()
{
	wait_until 5 _baseline_now && return 0
	diag "fds: $(fd_count "$D") (baseline $FDS_BASE); children: $(children "$D" | tr '\n' ' ')"
	diag "$(ls -l /proc/"$D"/fd 2>&1)"
	return 1
}

no_privilege()
{
	local bad=
	if [ -e "$CANARY" ]; then
		if [ -z "$RAN_AS" ]; then
			bad="a command ran (as uid $(sort -u "$CANARY" | tr '\n' ' '))"
		elif [ "$(sort -u "$CANARY")" != "$RAN_AS" ] ||
		     [ "$(stat -c %u "$CANARY")" != "$RAN_AS" ]; then
			bad="the command ran as uid $(sort -u "$CANARY" | tr '\n' ' ')not $RAN_AS"
		fi
	fi
	rm -f "$CANARY"
	[ -z "$(audit_records "$LOG" NSCTL_CALLER_UID="$BOB_UID" NSCTL_DECISION=permit)" ] ||
		bad+=" $BOB was permitted something"
	[ -z "$(audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_CALLER_UID=0)" ] ||
		bad+=" a session ran for root"
	[ -z "$bad" ] && return 0
	diag "$bad"
	return 1
}

# after_case: the three checks every case ends with.
after_case()
{
	local out
	if [ "$SESSIONS" -eq 1 ]; then
		out=$(nsctl_as "$ALICE" run "$NT" --net -- id -u 2>&1)
		check "[$CASE] then a good request is served" expect_eq "$out" "$ALICE_UID"
	else
		out=$(abuse "$ALICE" run '{}' std dir std)
		check "[$CASE] then a good request is served (up to the fork)" \
			expect_eq "$out" "$FR parameter=stdout reason=directory"
	fi
	check "[$CASE] fds ($FDS_BASE) and children (none) back to baseline" at_baseline
	check "[$CASE] no privilege gained" no_privilege
	RAN_AS=
}

# bad_case DESC EXPECTED CMD...: CMD's one line of output must be EXPECTED exactly.
bad_case()
{
	local desc=$1 expect=$2 out
	shift 2
	CASE=$((CASE + 1))
	out=$("$@" 2>"$TESTDIR/case.err")
	[ "$out" = "$expect" ] || diag_file "$TESTDIR/case.err" 10
	check "[$CASE] $desc: $expect" expect_eq "$out" "$expect"
	after_case
}

# session_case ARGS...: bad_case for a case that needs a session (a worker is forked) or a
# pidfd (a pid: target is resolved before the policy decides).
session_case()
{
	local i
	if [ "$SESSIONS" -eq 1 ]; then
		bad_case "$@"
		return
	fi
	CASE=$((CASE + 1))
	for i in 1 2 3 4; do
		skip "[$CASE] $1 ($i/4)" "no sessions under ${NSCTL_DAEMON_WRAPPER%% *}"
	done
	RAN_AS=
}

PE=io.nsctl.ProtocolError
IP=org.varlink.service.InvalidParameter
FR=io.nsctl.FileDescriptorRefused
LE=io.nsctl.LimitExceeded
DENIED="io.nsctl.PermissionDenied namespaces=[\"net\"]"

# -- framing and JSON ----------------------------------------------------------------------
bad_case "not JSON" "$PE reason=malformed JSON" abuse "$ALICE" raw "b'not json'"
bad_case "a JSON array, not an object" "$PE reason=malformed JSON" abuse "$ALICE" raw "b'[]'"
bad_case "bytes after the object" "$PE reason=malformed JSON" \
	abuse "$ALICE" raw "b'{\"method\":\"org.varlink.service.GetInfo\"} x'"
bad_case "nesting 17 deep" "$PE reason=JSON nested too deeply" \
	abuse "$ALICE" raw "b'{\"a\":' * 17 + b'1' + b'}' * 17"
bad_case "a key twice" "$PE reason=duplicate key in JSON object" \
	abuse "$ALICE" raw "b'{\"method\":\"org.varlink.service.GetInfo\",\"method\":\"io.nsctl.Run\"}'"
bad_case "\\u0000 in a string" "$PE reason=NUL or invalid UTF-8 in JSON string" \
	abuse "$ALICE" raw "b'{\"method\":\"org.varlink.service.GetInfo\\\\u0000\"}'"
bad_case "invalid UTF-8" "$PE reason=NUL or invalid UTF-8 in JSON string" \
	abuse "$ALICE" raw "b'{\"method\":\"org.varlink.service.GetInfo\",\"x\":\"\\xc0\\xaf\"}'"
bad_case "an integer beyond int64" "$PE reason=malformed JSON" \
	abuse "$ALICE" run '{"stdin": 18446744073709551616}'
bad_case "a message over 256 KiB" "$PE reason=message too large" \
	abuse "$ALICE" raw "b'{\"method\":\"' + b'x' * (300 << 10) + b'\"}'"
bad_case "an unknown key in the envelope" "$PE reason=invalid call: 'bogus'" \
	abuse "$ALICE" raw "b'{\"method\":\"org.varlink.service.GetInfo\",\"bogus\":1}'"
bad_case "a method that is no Varlink name" "$PE reason=invalid call: 'method'" \
	abuse "$ALICE" raw "b'{\"method\":\"Run\"}'"
bad_case "more and oneway together" "$PE reason=invalid call: 'oneway'" \
	abuse "$ALICE" raw "b'{\"method\":\"io.nsctl.Run\",\"more\":true,\"oneway\":true}'"
bad_case "an unknown method" "org.varlink.service.MethodNotFound method=io.nsctl.Nope" \
	abuse "$ALICE" raw "b'{\"method\":\"io.nsctl.Nope\"}'"
bad_case "an unknown interface" "org.varlink.service.InterfaceNotFound interface=org.example.x" \
	abuse "$ALICE" raw "b'{\"method\":\"org.example.x.Run\"}'"
bad_case "Run without more" "org.varlink.service.ExpectedMore" abuse "$ALICE" run '{"__more": false}'
bad_case "stdin as a string" "$IP parameter=stdin" abuse "$ALICE" run '{"stdin": "0"}'
bad_case "argv null" "$IP parameter=argv" abuse "$ALICE" run '{"argv": null}'
bad_case "4097 arguments" "$IP parameter=argv" \
	abuse "$ALICE" run "{\"argv\": [$(printf '"x",%.0s' $(seq 4096))\"x\"]}"
bad_case "an empty argv[0]" "$IP parameter=argv" abuse "$ALICE" run '{"argv": ["", "x"]}'
bad_case "a namespace twice" "$IP parameter=namespaces" \
	abuse "$ALICE" run '{"namespaces": ["net", "net"]}'
bad_case "a relative cwd" "$IP parameter=cwd" abuse "$ALICE" run '{"cwd": "tmp"}'
bad_case "half a message, then EOF" "EOF" abuse "$ALICE" half-eof 0
bad_case "20 calls in one write" "$PE reason=too many calls queued on one connection" \
	abuse "$ALICE" pipeline 20

# -- fds and ancillary data --------------------------------------------------------------
bad_case "5 fds on one message (limit 4)" "$PE reason=too many file descriptors in one message" \
	abuse "$ALICE" fds 5
bad_case "20 fds on one message (truncated by the kernel)" \
	"$PE reason=unexpected or truncated control message" abuse "$ALICE" fds 20
bad_case "3 fds on a call that uses none: closed, call served" \
	"OK interfaces=[\"org.varlink.service\",\"io.nsctl\"] product=nsctld url= vendor=nsctl version=0.1.0" \
	abuse "$ALICE" fds 3
bad_case "half a message with 3 fds, then EOF" "EOF" abuse "$ALICE" half-eof 3
bad_case "an fd index beyond the fds sent" "$IP parameter=stdin" abuse "$ALICE" run '{"stdin": 3}'
bad_case "a directory as stdout" "$FR parameter=stdout reason=directory" \
	abuse "$ALICE" run '{}' std dir std
bad_case "an O_PATH fd as stdin" "$FR parameter=stdin reason=O_PATH file descriptor" \
	abuse "$ALICE" run '{}' opath std std
bad_case "a namespace file as stdin" "$FR parameter=stdin reason=namespace file" \
	abuse "$ALICE" run '{}' nsfs std std
bad_case "an eventfd as stderr" \
	"$FR parameter=stderr reason=anonymous inode (epoll, eventfd, signalfd, timerfd, ...)" \
	abuse "$ALICE" run '{}' std std eventfd
bad_case "/dev/zero as stdin" \
	"$FR parameter=stdin reason=character device that is not a terminal or /dev/null" \
	abuse "$ALICE" run '{}' zero std std
# A rule runs nsctl-alice's commands on PT as nsctl-bob: her open files stay hers.
session_case "a regular file for a command that runs as another user" \
	"$FR parameter=stdout reason=regular file, and the command acts on files or runs as another user" \
	abuse "$ALICE" run "{\"target\": \"$PT\"}" std memfd std
bad_case "SCM_CREDENTIALS from $BOB do not make him anyone else" "$DENIED target=$NT" \
	abuse "$BOB" scm-credentials '{}'

# -- connections ---------------------------------------------------------------------------
bad_case "a connection that never sends (--request-timeout 2)" "$LE limit=request-timeout" \
	abuse "$ALICE" idle
bad_case "a byte every 0.3 s (the deadline is absolute)" "$LE limit=request-timeout" \
	abuse "$ALICE" slowloris
bad_case "9 connections of one user (limit 8)" "$LE limit=connections-per-user" \
	abuse "$ALICE" flood 9
# 8 of nsctl-alice held open, then 5 of nsctl-bob: the 13th connection is one too many.
_flood_total()
{
	local out
	coproc HOLD { abuse "$ALICE" hold 8; }
	read -r -t 5 out <&"${HOLD[0]}"
	[ "$out" = READY ] || { echo "holder: $out"; return; }
	abuse "$BOB" flood 5
	eval "exec ${HOLD[1]}>&-"
	wait "$HOLD_PID" 2>/dev/null
}
bad_case "13 connections in all (limit 12)" "$LE limit=connections" _flood_total
bad_case "a client that asks and never reads (1 MiB of replies)" "CLOSED" \
	abuse "$ALICE" noread 800
bad_case "a client that stops reading with replies pending (dropped after the deadline)" \
	"DROPPED" abuse "$ALICE" stuffed 160

# -- identity and policy -------------------------------------------------------------------
bad_case "$BOB, whom no rule names" "$DENIED target=$NT" abuse "$BOB" run '{}'
bad_case "a namespace the rule does not list (mnt)" \
	"io.nsctl.PermissionDenied namespaces=[\"mnt\"] target=$NT" \
	abuse "$ALICE" run '{"namespaces": ["mnt"]}'
bad_case "a glob as the target name" "$DENIED target=netns:*" \
	abuse "$ALICE" run '{"target": "netns:*"}'
bad_case "a path in a netns name" "io.nsctl.TargetNotFound target=netns:../../etc/passwd" \
	abuse "$ALICE" run '{"target": "netns:../../etc/passwd"}'
# pid: targets are resolved (pidfd_open) before the policy decides: no pidfds, no case.
session_case "the host's init (pid:1)" "$DENIED target=pid:1" abuse "$ALICE" run '{"target": "pid:1"}'
bad_case "an unknown kind of target" "io.nsctl.TargetNotFound target=nosuchkind:x" \
	abuse "$ALICE" run '{"target": "nosuchkind:x"}'
# nsctl-bob signals a session of nsctl-alice: it does not exist for him.
_kill_foreign()
{
	local client sid
	nsctl_as "$ALICE" run "$NT" --net -- sleep 30 &
	client=$!
	wait_until 5 eval 'sid=$(audit_records "$LOG" NSCTL_EVENT=session-start |
		json_get NSCTL_SESSION | tail -n 1); [ -n "$(find_descendant "$D" sleep)" ]'
	sid=$(audit_records "$LOG" NSCTL_EVENT=session-start | tail -n 1 | json_get NSCTL_SESSION)
	abuse "$BOB" raw "b'{\"method\":\"io.nsctl.Kill\",\"parameters\":{\"session\":$sid,\"signal\":9}}'" |
		sed "s/session=$sid\$/session=SID/"
	pid_alive "$(find_descendant "$D" sleep)" || echo "the session was killed"
	kill -TERM "$(find_descendant "$client" nsctl)" 2>/dev/null
	wait "$client" 2>/dev/null
}
session_case "Kill of another user's session" "io.nsctl.SessionNotFound session=SID" _kill_foreign
bad_case "Kill with signal 0" "$IP parameter=signal" \
	abuse "$ALICE" raw "b'{\"method\":\"io.nsctl.Kill\",\"parameters\":{\"session\":1,\"signal\":0}}'"
bad_case "Kill of a session that never was" "io.nsctl.SessionNotFound session=999999" \
	abuse "$ALICE" raw "b'{\"method\":\"io.nsctl.Kill\",\"parameters\":{\"session\":999999,\"signal\":9}}'"

# -- the target side -----------------------------------------------------------------------
session_case "a pid that has exited" "io.nsctl.TargetNotFound target=pid:$GONE" \
	abuse "$ALICE" run "{\"target\": \"pid:$GONE\"}"
# pidfd_open() takes a zombie, but it has no namespaces left: not a target.
session_case "a zombie process" "io.nsctl.TargetNotFound target=pid:$ZPID" \
	abuse "$ALICE" run "{\"target\": \"pid:$ZPID\"}"
bad_case "a file in /run/netns that is no namespace" "io.nsctl.TargetNotFound target=netns:$FAKE" \
	abuse "$ALICE" run "{\"target\": \"netns:$FAKE\"}"
bad_case "a namespace a netns target does not have (uts)" \
	"io.nsctl.NamespaceUnavailable namespace=uts target=$NT" \
	abuse "$ALICE" run '{"namespaces": ["uts"]}'
# Refused before the fork, naming the id and the namespace (identity.sh has the rest).
session_case "a user namespace that does not map the caller" \
	"io.nsctl.IdentityNotMapped id=$ALICE_UID kind=uid namespace=user:[$(stat -L -c %i "/proc/$UPID/ns/user")] target=pid:$UPID" \
	abuse "$ALICE" run "{\"target\": \"pid:$UPID\", \"namespaces\": [\"user\", \"net\"]}"
session_case "a cwd that does not exist" "io.nsctl.WorkingDirectoryFailed cwd=/nonexistent errno=2" \
	abuse "$ALICE" run '{"cwd": "/nonexistent"}'
session_case "a cwd only root may enter (chdir is done as the caller)" \
	"io.nsctl.WorkingDirectoryFailed cwd=$TESTDIR/root-only errno=13" \
	abuse "$ALICE" run "{\"cwd\": \"$TESTDIR/root-only\"}"
session_case "a command that does not exist" "io.nsctl.ExecutableNotFound executable=nsctl-nope" \
	abuse "$ALICE" run '{"argv": ["nsctl-nope"]}'
session_case "a file that is not executable" "io.nsctl.CannotExecute errno=13 executable=$TESTDIR/noexec" \
	abuse "$ALICE" run "{\"argv\": [\"$TESTDIR/noexec\"]}"
session_case "a program only root may reach (exec is done as the caller)" \
	"io.nsctl.CannotExecute errno=13 executable=$TESTDIR/root-only/script" \
	abuse "$ALICE" run "{\"argv\": [\"$TESTDIR/root-only/script\"]}"

# -- the command's properties ----------------------------------------------------------------
bad_case "LD_PRELOAD in env" "io.nsctl.EnvironmentNotPermitted name=LD_PRELOAD rule=$POLICY:2" \
	abuse "$ALICE" run '{"env": ["LD_PRELOAD=/tmp/x.so"]}'
bad_case "TERM twice in env" "$IP parameter=env" \
	abuse "$ALICE" run '{"env": ["TERM=a", "TERM=b"]}'

# -- policy file faults: SIGHUP with a bad file keeps the last good policy -------------------
# policy_fault DESC MESSAGE SETUP...: SETUP breaks the policy file, SIGHUP; the log must say
# why the policy was kept; then the good policy is put back.
_policy_fault()
{
	local before # read by the eval below
	# shellcheck disable=SC2034
	before=$(grep -c 'policy not reloaded' "$LOG")
	"$@"
	kill -HUP "$D"
	wait_until 5 eval '[ "$(grep -c "policy not reloaded" "$LOG")" -gt "$before" ]'
	grep 'policy not reloaded' "$LOG" | tail -n 1 | sed 's/.*keeping the last good one: //'
	# bob stays denied under the policy that was kept
	abuse "$BOB" run '{}' | grep -qxF "$DENIED target=$NT" || echo "bob is not denied"
	rm -rf "$POLICY"
	write_policy "$POLICY" "${GOOD_POLICY[@]}"
}
policy_fault()
{
	local desc=$1 expect=$2
	shift 2
	bad_case "policy: $desc, SIGHUP" "$expect" _policy_fault "$@"
}
policy_fault "garbage" "$POLICY:2: expected 'permit', 'deny' or 'include', got 'garbage'" \
	write_policy "$POLICY" "garbage in"
policy_fault "group-writable" "$POLICY: writable by group or others" chmod 0664 "$POLICY"
policy_fault "owned by $ALICE" "$POLICY: not owned by root" chown "$ALICE" "$POLICY"
policy_fault "a symbolic link" "$POLICY: is a symbolic link" \
	eval 'mv "$POLICY" "$POLICY.real" && ln -s "$POLICY.real" "$POLICY"'
policy_fault "a FIFO (no hang)" "$POLICY: not a regular file" \
	eval 'rm "$POLICY" && mkfifo -m 0644 "$POLICY"'
policy_fault "removed" "$POLICY: No such file or directory" rm "$POLICY"
policy_fault "over 1 MiB" "$POLICY: larger than 1048576 bytes" \
	eval 'head -c 1100000 /dev/zero | tr "\0" "#" >>"$POLICY"'
policy_fault "a deny rule for an unknown user" "$POLICY:7: unknown user 'nsctl-nobody-$$'" \
	write_policy "$POLICY" "${GOOD_POLICY[@]}" "deny nsctl-nobody-$$"

# -- lifecycle faults ------------------------------------------------------------------------
# The client is SIGKILLed while its command runs: the command is hung up and reaped.
_client_killed()
{
	local client cmd
	nsctl_as "$ALICE" run "$NT" --net -- sh -c "id -u >> $CANARY; exec sleep 30" &
	client=$!
	wait_until 5 eval 'cmd=$(find_descendant "$D" sleep)' || { echo "no session"; return; }
	kill -KILL "$(find_descendant "$client" nsctl)"
	wait "$client" 2>/dev/null
	wait_until 5 pid_gone "$cmd" || { echo "the command survived"; return; }
	audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_PID="$cmd" | json_get NSCTL_SIGNAL |
		sed 's/^/ended by signal /'
}
RAN_AS=$ALICE_UID
session_case "client SIGKILLed mid-session" "ended by signal 1" _client_killed

# sessions-per-user: the one over the limit is refused, the others keep running.
_sessions_limit()
{
	local clients=() i
	for ((i = 0; i < MAX_SESS; i++)); do
		nsctl_as "$ALICE" run "$NT" --net -- sleep 30 &
		clients+=($!)
	done
	wait_until 5 eval '[ "$(children "$D" | wc -l)" -eq $MAX_SESS ]' || echo "not started"
	abuse "$ALICE" run '{}'
	[ "$(children "$D" | wc -l)" -eq "$MAX_SESS" ] || echo "a session died"
	for i in "${clients[@]}"; do
		kill -TERM "$(find_descendant "$i" nsctl)" 2>/dev/null
		wait "$i" 2>/dev/null
	done
}
session_case "one session over --max-sessions-per-user $MAX_SESS" "$LE limit=sessions-per-user" \
	_sessions_limit

# setup_stall: strace holds the next worker's setns() for 3 s; sets STALL (strace's pid).
setup_stall()
{
	strace -f -qq -o /dev/null -e trace=setns -e inject=setns:delay_enter=3000000 -p "$D" \
		2>/dev/null &
	STALL=$!
	wait_until 5 grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/"$D"/status
}
stall_done()
{
	kill -INT "$STALL" 2>/dev/null
	wait "$STALL" 2>/dev/null
	wait_until 5 eval '! grep -q "^TracerPid:[[:space:]]*[1-9]" /proc/"$D"/status'
}
# The worker is SIGKILLed in the middle of its setup (before it could exec).
_worker_killed()
{
	local w
	setup_stall
	abuse "$ALICE" run "{\"target\": \"$PT\"}" &
	wait_until 5 eval 'w=$(children "$D" | head -n 1); [ -n "$w" ]'
	sleep 0.5
	kill -KILL "$w"
	wait $!
	stall_done
}
# The report socket closes without a report, as it does at exec: nsctld cannot tell a
# worker killed before execve() from a command killed right after it, and reports the
# session as started and then killed by that signal (docs/security.md).
session_case "worker SIGKILLed during setup" "OK signal=9" \
	_worker_killed
# The target exits after the policy check, while the worker is about to join it.
_target_dies()
{
	local t tpid out
	unshare --uts --fork --kill-child sleep 1000 &
	t=$!
	wait_until 5 eval 'tpid=$(find_descendant "$t" sleep)'
	write_policy "$POLICY" "${GOOD_POLICY[@]}" "permit $ALICE on pid:$tpid ns uts"
	kill -HUP "$D"
	wait_until 5 eval 'grep -q "policy reloaded" "$LOG"'
	setup_stall
	abuse "$ALICE" run "{\"target\": \"pid:$tpid\", \"namespaces\": [\"uts\"]}" &
	wait_until 5 eval '[ -n "$(children "$D")" ]'
	kill -KILL "$tpid" "$t"
	wait $!
	wait "$t" 2>/dev/null
	stall_done
	write_policy "$POLICY" "${GOOD_POLICY[@]}"
	kill -HUP "$D"
}
session_case "target killed between the policy check and the join" \
	"io.nsctl.JoinFailed errno=3 namespace=*" _target_dies
# A policy reload while a session runs does not disturb it.
_reload_during_session()
{
	local client
	nsctl_as "$ALICE" run "$NT" --net -- sh -c "sleep 1; id -u >> $CANARY" &
	client=$!
	wait_until 5 eval '[ -n "$(children "$D")" ]'
	kill -HUP "$D"
	wait "$client"
	echo "exit $?"
}
RAN_AS=$ALICE_UID
session_case "SIGHUP while a session runs" "exit 0" _reload_during_session

check_daemon_stops "$D" "$LOG"
if [ "$CASE" -ne "$N_CASES" ]; then
	diag "N_CASES is $N_CASES but $CASE cases ran"
fi
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG" 30
fi
tap_done
