#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The known container-runtime escapes, checked from inside the running command: nothing of
# the daemon (fds, cwd, signals, umask, fd limit, capabilities, groups) reaches it, its
# /proc/self/exe is itself, nsctld is not in the target's pid namespace, and no NSS code or
# file of the target is used by the privileged worker (strace of the daemon).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout strace env
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"
env --ignore-signal=USR1 true 2>/dev/null || tap_skip_all "env has no --ignore-signal"

tap_plan 41
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

# A target like a container: its own mount, pid, uts, ipc and net namespaces, its own
# /proc, and an /etc/nsswitch.conf of its own that names a module nobody has.
EVIL_HOSTNAME=nsctl-escape
printf 'passwd: nsctlevil\ngroup: nsctlevil\n' >"$TESTDIR/evil-nsswitch.conf"
unshare --mount --pid --uts --ipc --net --fork --mount-proc sh -c "
	mount --bind '$TESTDIR/evil-nsswitch.conf' /etc/nsswitch.conf &&
	hostname $EVIL_HOSTNAME && exec sleep 1000" >/dev/null 2>&1 &
UPID=$!
defer kill_wait "$UPID"
CPID=
_container_ready()
{
	CPID=$(find_descendant "$UPID" sleep) || return 1
	[ "$(cat "/proc/$CPID/comm")" = sleep ]
}
wait_until 10 _container_ready || { diag "the container target did not start"; exit 1; }
defer kill_wait "$CPID"

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
PT=pid:$CPID
write_policy "$TESTDIR/policy" \
	"permit $ALICE on $NT ns net" \
	"permit $ALICE on $PT ns mnt,pid,uts,ipc,net"

# The daemon is started with as much to inherit as possible: a host directory as cwd, umask
# 077, signals ignored and blocked, a soft fd limit below the hard one (nsctld raises it).
mkdir -p "$TESTDIR/host-cwd"
cd "$TESTDIR/host-cwd" || exit 1
umask 077
ulimit -S -n 512
NSCTL_DAEMON_WRAPPER="env --ignore-signal=USR1,TTIN --block-signal=USR2,ALRM ${NSCTL_DAEMON_WRAPPER:-}" \
	daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
umask 022
cd / || exit 1
D=$DAEMON_PID

status_field()
{
	sed -n "s/^$1:[[:space:]]*//p" <<<"$2"
}

check "setup: nsctld itself ignores and blocks signals (so a reset shows)" \
	expect_eq "$(status_field SigIgn "$(cat /proc/"$D"/status)" | grep -c '^0*$'):$(
		status_field SigBlk "$(cat /proc/"$D"/status)" | grep -c '^0*$')" 0:0
check "setup: nsctld's cwd is a host directory" \
	expect_eq "$(readlink /proc/"$D"/cwd)" "$TESTDIR/host-cwd"

# The same properties for a plain netns target and for the container with every namespace.
for T in "$NT --net" "$PT --mount --pid --uts --ipc --net"; do
	name=${T%% *}
	name=${name%%:*}
	read -r -a flags <<<"${T#* }"
	target=${T%% *}

	st=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- cat /proc/self/status)
	check "$name: SigIgn, SigBlk, SigPnd, ShdPnd and SigCgt are all 0" \
		expect_eq "$(for f in SigIgn SigBlk SigPnd ShdPnd SigCgt; do
			status_field "$f" "$st"; done | sort -u)" 0000000000000000
	check "$name: CapInh, CapPrm, CapEff, CapBnd and CapAmb are all 0" \
		expect_eq "$(for f in CapInh CapPrm CapEff CapBnd CapAmb; do
			status_field "$f" "$st"; done | sort -u)" 0000000000000000
	check "$name: NoNewPrivs 1" expect_eq "$(status_field NoNewPrivs "$st")" 1
	check "$name: the umask is 0022, not nsctld's 0077" \
		expect_eq "$(status_field Umask "$st")" 0022
	check "$name: uid and gid are the caller's (all four of each)" \
		expect_eq "$(status_field Uid "$st" | tr -s '\t ' ' '):$(status_field Gid "$st" |
			tr -s '\t ' ' ')" \
		"$ALICE_UID $ALICE_UID $ALICE_UID $ALICE_UID:$ALICE_GID $ALICE_GID $ALICE_GID $ALICE_GID"
	groups=$(status_field Groups "$st" | tr ' ' '\n' | sed '/^$/d')
	check "$name: the supplementary groups are the caller's, none of nsctld's (no 0)" \
		expect_eq "$(printf '%s\n' $groups "$ALICE_GID" | sort -nu | tr '\n' ' ')" \
		"$(printf '%s\n' $ALICE_GROUPS | sort -nu | tr '\n' ' ')"

	lim=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- cat /proc/self/limits)
	hard=$(awk '/^Max open files/ { print $5 }' /proc/"$D"/limits)
	check "$name: RLIMIT_NOFILE is 1024 soft (not nsctld's raised one), $hard hard" \
		expect_eq "$(awk '/^Max open files/ { print $4, $5 }' <<<"$lim")" "1024 $hard"
	check "$name: every other resource limit is nsctld's (the service's)" \
		expect_eq "$(grep -v '^Max open files' <<<"$lim")" \
		"$(grep -v '^Max open files' /proc/"$D"/limits)"

	# ls is a child of sh: the listing is of sh's own fds. No pipeline inside sh: its pipe
	# would be open in sh while ls looks.
	out=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- \
		sh -c 'ls /proc/$$/fd; readlink /proc/$$/fd/1' </dev/null | tr '\n' ' ')
	check "$name: only fds 0, 1, 2, and stdout is the caller's pipe" \
		expect_match "$out" '^0 1 2 pipe:\[[0-9]+\] $'
	out=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- \
		sh -c 'readlink /proc/$$/cwd; readlink /proc/$$/root' | tr '\n' ' ')
	check "$name: cwd and root are /, not nsctld's host directory" expect_eq "$out" "/ / "
	out=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- readlink /proc/self/exe)
	check "$name: /proc/self/exe is the command (readlink), not nsctld" \
		expect_match "$out" '^(/usr)?/bin/readlink$'
	stat=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- sh -c 'cat /proc/$$/stat')
	# pid (comm) state ppid pgrp session tty_nr: comm has no blanks here.
	read -r s_pid _ _ _ _ s_sid s_tty _ <<<"$stat"
	check "$name: a session of its own (sid = pid) without a controlling terminal" \
		expect_eq "$((s_sid == s_pid)):$s_tty" 1:0
	out=$(nsctl_as "$ALICE" run "$target" "${flags[@]}" -- env | cut -d= -f1 | sort |
		tr '\n' ' ')
	check "$name: the environment is the fixed clean one" \
		expect_eq "$out" "HOME LOGNAME PATH SHELL USER "
done

# -- the container: what a process inside it could reach -------------------------------
out=$(nsctl_as "$ALICE" run "$PT" --mount --pid --uts -- hostname)
check "container: the command is in it (hostname $EVIL_HOSTNAME)" expect_eq "$out" "$EVIL_HOSTNAME"
st=$(nsctl_as "$ALICE" run "$PT" --mount --pid --uts -- cat /proc/self/status)
check "container: PPid 0 (its parent, nsctld, is outside the pid namespace)" \
	expect_eq "$(status_field PPid "$st")" 0
comms=$(nsctl_as "$ALICE" run "$PT" --mount --pid --uts -- \
	sh -c 'for p in /proc/[0-9]*; do cat $p/comm; done 2>/dev/null' | sort -u | tr '\n' ' ')
diag "processes seen inside the container: $comms"
check "container: no nsctld or worker process is visible inside (sh and sleep only)" \
	expect_eq "$comms" "sh sleep "
out=$(nsctl_as "$ALICE" run "$PT" --mount --pid --uts -- cat /etc/nsswitch.conf | head -n 1)
check "container: its own /etc/nsswitch.conf is in place (setup)" expect_eq "$out" "passwd: nsctlevil"

# A setuid-root copy of id, run through nsctl: no_new_privs keeps the caller's euid.
cp /usr/bin/id "$TESTDIR/suid-id" && chown root:root "$TESTDIR/suid-id" && chmod 4755 "$TESTDIR/suid-id"
out=$(nsctl_as "$ALICE" run "$NT" --net -- "$TESTDIR/suid-id" -u)
check "a setuid-root binary gives no root: euid stays the caller's" expect_eq "$out" "$ALICE_UID"

# -- NSS and other code of the target: strace the daemon during a --mount request --------
# Between its setns() and the execve() of the command, the worker and the child it forks
# into the pid namespace (both still root) must open nothing at all: no nsswitch.conf, no
# libnss_*.so, no passwd or group file of the target. The command itself, once executed
# as the caller, may: `id -un` does, which shows the trace would see such an open.
strace -f -qq -e trace=setns,open,openat,openat2,execve,clone,clone3,fork,vfork \
	-o "$TESTDIR/strace.out" -p "$D" &
STRACE=$!
defer kill_wait "$STRACE"
wait_until 5 grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/"$D"/status
nsctl_as "$ALICE" run "$PT" --mount --pid --uts --ipc --net -- id -un >/dev/null 2>&1
st=$?
check "strace: a request with --mount runs under strace (id -un: 1, no name in the target)" \
	expect_eq "$st" 1
kill -INT "$STRACE" 2>/dev/null
wait "$STRACE" 2>/dev/null
# Per pid: "joined" after a successful setns(), inherited by the children it clones;
# "executed" after a successful execve() (also when strace splits it into "unfinished" and
# "resumed" because the daemon did something meanwhile, such as writing an audit record).
# Prints the opens made while joined, not executed, then "EXEC PID" for every process that
# executed while joined.
_joined_opens()
{
	awk '
	/ setns\(/ && / = 0$/ { joined[$1] = 1 }
	/ (clone3?|v?fork)\(/ || /<\.\.\. (clone3?|v?fork) resumed>/ {
		if (joined[$1] && match($0, /= [0-9]+$/))
			joined[substr($0, RSTART + 2)] = 1
	}
	(/ execve\(/ || /<\.\.\. execve resumed>/) && / = 0$/ {
		if (joined[$1]) { executed[$1] = 1; print "EXEC " $1 }
	}
	/ open(at2?)?\(/ && joined[$1] && !executed[$1] { print }
	' "$TESTDIR/strace.out"
}
out=$(_joined_opens)
check "strace: a joined process executed the command" expect_match "$out" '^EXEC [0-9]+$'
check "strace: nothing opened by a joined process before it executed the command" \
	expect_eq "$(grep -v '^EXEC ' <<<"$out")" ""
cmd_pid=$(sed -n 's/^EXEC //p' <<<"$out" | tail -n 1)
check "strace: the command itself, after execve, read the target's nsswitch.conf" \
	expect_match "$(awk -v p="${cmd_pid:-none}" '$1 == p' "$TESTDIR/strace.out")" \
	'open.*"/etc/nsswitch.conf"'
if [ "$_tap_failed" -gt 0 ]; then
	diag "strace of the daemon:"
	diag_file "$TESTDIR/strace.out" 60
fi

check "the daemon is still running" pid_alive "$D"
check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
check_daemon_stops "$D" "$LOG"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG"
fi
tap_done
