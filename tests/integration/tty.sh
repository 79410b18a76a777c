#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Terminal sessions, driven on real terminals by tests/pty-harness like a user at a keyboard.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PTY_HARNESS=$NSCTL_BUILDDIR/pty-harness

require_root
require_tools ip unshare mount runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL" "$PTY_HARNESS"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 39
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

# unshared_start NAME SETUP: a sleep in new namespaces (mount, pid with its /proc, uts, ipc,
# net) after the shell commands SETUP ran there; sets NAME_PID to the sleep's pid.
unshared_start()
{
	local name=$1 setup=$2 upid pid=
	unshare --mount --pid --fork --mount-proc --uts --ipc --net \
		sh -c "$setup && exec sleep 1000" >"$TESTDIR/$name.err" 2>&1 &
	upid=$!
	defer kill_wait "$upid"
	_sleeping()
	{
		pid=$(find_descendant "$upid" sleep)
	}
	if ! wait_until 10 _sleeping; then
		diag "the target $name did not start"
		diag_file "$TESTDIR/$name.err"
		return 1
	fi
	defer kill_wait "$pid"
	printf -v "${name}_PID" %s "$pid"
}

# A target with a devpts of its own, /dev/ptmx its multiplexer, as container runtimes
# mount it; and one whose /dev has no terminals at all.
unshared_start CT 'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts &&
	mount --bind /dev/pts/ptmx /dev/ptmx && hostname nsctl-ct' || exit 1
unshared_start BARE 'mount -t tmpfs tmpfs /dev' || exit 1

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
CT=pid:$CT_PID
write_policy "$TESTDIR/policy" \
	"permit $ALICE on $NT ns net" \
	"permit $ALICE on $CT,pid:$BARE_PID ns all"
daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 --kill-grace 2 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# drive NAME ROWSxCOLS NSCTL-RUN-ARGS...: nsctl run as nsctl-alice on a new terminal of
# that size, typed at by the harness script on stdin. Sets OUT (the harness's report:
# "matched: ERE", "status N", "modes same", ...) and RC (0 when every step passed).
drive()
{
	local name=$1 size=$2
	shift 2
	cat >"$TESTDIR/$name.script"
	OUT=$(timeout -k 5 90 "$PTY_HARNESS" --user "$ALICE" --size "$size" \
		--log "$TESTDIR/$name.log" "$TESTDIR/$name.script" -- \
		env TERM=xterm "$NSCTL" --socket "$SOCK" run "$@" 2>"$TESTDIR/$name.err")
	RC=$?
	if [ "$RC" -ne 0 ]; then
		diag "pty-harness $name failed ($RC); its report, stderr and the terminal:"
		diag "$OUT"
		diag_file "$TESTDIR/$name.err"
		diag_file "$TESTDIR/$name.log" 20
	fi
}

# reported LINE: the harness reported exactly LINE.
reported()
{
	grep -qxF -- "$1" <<<"$OUT" && return 0
	diag "the harness did not report '$1'; it reported:"
	diag "${OUT:-(nothing)}"
	return 1
}

# -- an interactive shell in a netns target ----------------------------------------------
drive netns 24x80 -t "$NT" --net -- /bin/sh <<'EOF'
expect [$#] $
send echo out-$((6*7))\n
expect out-42
modes
send stty size\n
expect 24 80
resize 33 101
send for i in 1 2 3 4 5 6 7 8 9; do [ "$(stty size)" = "$((32+1)) 101" ] && break; sleep 1; done\n
send echo size-$(stty size | tr ' ' x)\n
expect size-33x101
send sleep 29.7\n
run for i in $(seq 100); do pgrep -xf 'sleep 29.7' >/dev/null && exit 0; sleep 0.1; done; exit 1
send \x03
send echo alive-$((1+1))\n
expect alive-2
send sleep 31.3\n
run for i in $(seq 100); do pgrep -xf 'sleep 31.3' >/dev/null && exit 0; sleep 0.1; done; exit 1
send \x1a
expect Stopped
send kill -9 %1; echo TERM=$TERM\n
expect TERM=xterm
send tty\n
expect /dev/pts/[0-9]+
send exit 7\n
wait
modes
EOF
check "netns: the shell's prompt, and the output of a command typed at it" \
	reported 'matched: out-42'
check "netns: the caller's terminal is raw while the session runs" reported 'modes changed'
check "netns: stty size is 24 80 from the first command (size set before exec)" \
	reported 'matched: 24 80'
check "netns: after a resize to 33x101, stty size follows" reported 'matched: size-33x101'
check "netns: Ctrl-C interrupts a foreground sleep, and the shell goes on" reported 'matched: alive-2'
check "netns: Ctrl-Z stops the shell's foreground job" reported 'matched: Stopped'
check "netns: TERM is passed on" reported 'matched: TERM=xterm'
check "netns: tty names a terminal" reported 'matched: /dev/pts/[0-9]+'
check "netns: exit 7 in the shell -> nsctl exits 7" reported 'status 7'
check "netns: the caller's terminal modes are restored after the session" \
	reported 'modes same'

# -- no command: the user's shell, on a terminal of the target's own devpts --------------
drive shell 20x70 -t "$CT" --all <<EOF
expect [\$#] \$
send echo shell-\$0; echo init-\$(cat /proc/1/comm); echo host-\$(hostname)\n
expect host-nsctl-ct
send t=\$(tty); test -c "\$t" && echo tty-exists-\$t; echo pts: \$(ls /dev/pts)\n
expect pts: .*
send stat -c owner-%u "\$t"\n
expect owner-[0-9]+
send stty size\n
expect 20 70
send \x04
wait
modes
EOF
check "pid target --all, no command: the user's shell (/bin/sh) runs" \
	expect_match "$(cat "$TESTDIR/shell.log")" 'shell-/bin/sh'
check "... in the target's pid namespace (its pid 1 is the target's sleep)" \
	expect_match "$(cat "$TESTDIR/shell.log")" 'init-sleep'
check "... tty names a terminal that exists in the target" \
	expect_match "$(cat "$TESTDIR/shell.log")" 'tty-exists-/dev/pts/0'
check "... of the target's own devpts (it holds only that one)" \
	expect_match "$(cat "$TESTDIR/shell.log")" 'pts: 0 ptmx'
check "... owned by the caller" \
	expect_match "$(cat "$TESTDIR/shell.log")" "owner-$ALICE_UID"
check "... at the caller's size" reported 'matched: 20 70'
check "Ctrl-D at the prompt ends the session, status 0" reported 'status 0'
check "... and the terminal modes are restored" reported 'modes same'

# -- the client killed mid-session -------------------------------------------------------
drive killed 24x80 -t "$NT" --net -- /bin/sh <<EOF
expect [\$#] \$
send echo ready-\$((3+4))\n
expect ready-7
run cat /proc/$D/task/*/children >$TESTDIR/killed.children
signal KILL
wait
EOF
check "client killed: nsctl died of SIGKILL" reported 'signal 9'
session=$(cat "$TESTDIR/killed.children" 2>/dev/null)
check "... while its session ran below nsctld" expect_match "$session" '[0-9]'
_all_gone()
{
	local p
	for p in $session; do
		pid_gone "$p" || return 1
	done
}
wait_until 10 _all_gone
check "... the session's processes end" expect_eq "$(for p in $session; do
	pid_alive "$p" && echo "$p"; done)" ""
wait_until 5 eval '[ -z "$(zombie_children "$D")" ]'
check "... and are reaped: no zombie children of nsctld" expect_eq "$(zombie_children "$D")" ""
check "... audit: the session ended" expect_match \
	"$(audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_PID="${session%% *}")" '"session ended'

# -- a client that leaves before its terminal is delivered ------------------------------
# The started reply carrying the master is held back (strace delays nsctld's sendmsg by
# 1 s) while the client sends Run and leaves after 0.3 s: nsctld must tell the worker to
# give up instead of letting the command run on a terminal that nobody holds.
if command -v strace >/dev/null 2>&1; then
	strace -qq -o /dev/null -p "$D" -e trace=sendmsg -e inject=sendmsg:delay_enter=1000000 &
	STRACE=$!
	defer kill_wait "$STRACE"
	wait_until 5 grep -q "^TracerPid:[[:space:]]*$STRACE\$" "/proc/$D/status" ||
		diag "strace did not attach to nsctld"
	mkdir "$TESTDIR/w" && chown "$ALICE" "$TESTDIR/w"
	as_user "$ALICE" "$PYTHON" - "$SOCK" "$NT" "$TESTDIR/w/ran" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
call = {"method": "io.nsctl.Run", "more": True, "parameters": {
    "target": sys.argv[2], "namespaces": ["net"], "tty": True,
    "argv": ["/bin/sh", "-c", "touch " + sys.argv[3]]}}
s.sendall(json.dumps(call).encode() + b"\0")
time.sleep(0.3)
s.close()
EOF
	_abandoned()
	{
		audit_records "$LOG" NSCTL_EVENT=session-end \
			MESSAGE="client left before the terminal was delivered" | grep -q .
	}
	wait_until 10 _abandoned
	check "client gone before the terminal was delivered: audited as such" _abandoned
	kill_wait "$STRACE"
	wait_until 5 eval '[ -z "$(children "$D")" ]'
	check "... its worker ended and was reaped" expect_eq "$(children "$D" | tr '\n' ' ')" ""
	check "... and the command never ran" expect_eq "$(ls "$TESTDIR/w")" ""
else
	for what in "audited" "worker reaped" "command never ran"; do
		skip "client gone before the terminal was delivered: $what" "strace is not installed"
	done
fi

# -- without the harness ------------------------------------------------------------------
out=$(printf 'echo piped-$((2+3))\n' | nsctl_as "$ALICE" run -t "$NT" --net -- /bin/sh 2>&1)
rc=$?
check "-t with a pipe for stdin: the command reads it from its terminal" \
	expect_match "$out" 'piped-5'
check "... and the end of the pipe ends its input (EOF character): status 0" expect_eq "$rc" 0

out=$(nsctl_as "$ALICE" run "$NT" --net -- tty 2>&1)
check "no terminal on stdin: no terminal for the command either" expect_eq "$out" "not a tty"

err=$(nsctl_as "$ALICE" run "$NT" --net 2>&1)
rc=$?
check "no command and no terminal: an error, status 125" expect_eq "$rc" 125
diag "nsctl said: $err"

drive notty 21x77 --no-tty "$NT" --net -- /bin/sh -c 'stty size; tty' <<'EOF'
expect 21 77
modes
expect /dev/pts/[0-9]+
wait
EOF
check "--no-tty on a terminal: the command uses the caller's own (same user), not raw" \
	expect_eq "$OUT" $'matched: 21 77\nmodes same\nmatched: /dev/pts/[0-9]+\nstatus 0'

drive notfound 24x80 -t "$NT" --net -- nsctl-no-such-command <<'EOF'
wait
modes
EOF
check "a command not found on its terminal (the error comes after the start): 127" \
	reported 'status 127'
check "... said on the terminal" expect_match "$(cat "$TESTDIR/notfound.log")" \
	'^nsctl: nsctl-no-such-command: command not found'
check "... and the terminal modes are restored" reported 'modes same'

err=$(printf '' | nsctl_as "$ALICE" run -t "pid:$BARE_PID" --all -- /bin/sh 2>&1)
rc=$?
check "a target without /dev/ptmx: TerminalFailed, status 125" expect_eq "$rc" 125
check "... said clearly" expect_match "$err" \
	'TerminalFailed: cannot open a terminal in the target: No such file or directory'

reply=$(varlink_call --fds "$SOCK" '{"method":"io.nsctl.Run","more":true,"parameters":{'\
'"target":"'"$NT"'","namespaces":["net"],"tty":true,"stdin":0}}')
check "protocol: tty with a stdio index is refused (InvalidParameter stdin)" \
	expect_eq "$(json_get parameters.parameter <<<"$reply")" stdin

# -- at the end ---------------------------------------------------------------------------
wait_until 5 eval '[ -z "$(children "$D")" ]'
check "nsctld has no children left" expect_eq "$(children "$D" | tr '\n' ' ')" ""
check "no sanitizer report from nsctld or nsctl (terminals included)" \
	expect_no_match "$(cat "$LOG" "$TESTDIR"/*.err "$TESTDIR"/*.log)" \
	'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:'

tap_done
