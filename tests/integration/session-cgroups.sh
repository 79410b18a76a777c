#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Where nsctld makes the sessions' cgroups: --cgroup-root, a delegated cgroup (systemd's
# Delegate=yes, marked trusted.delegate), and a refused root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout findmnt
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"
CG2=$(findmnt -t cgroup2 -n -o TARGET 2>/dev/null | head -n 1)
[ -n "$CG2" ] || tap_skip_all "no cgroup v2 hierarchy is mounted"
OWN=$CG2$(sed -n 's/^0:://p' /proc/self/cgroup)
OWN=${OWN%/}

tap_plan 14
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
NT=netns:$NETNS
POLICY=$TESTDIR/policy
write_policy "$POLICY" "permit $ALICE on $NT ns net"

# rm_cgroup DIR: remove DIR and the cgroups below it (each empty by then).
rm_cgroup()
{
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	rmdir "$1" 2>/dev/null
	return 0
}

# -- --cgroup-root ------------------------------------------------------------------------
ROOT=$OWN/nsctl-test-root-$$
mkdir "$ROOT" && defer rm_cgroup "$ROOT"
# What a killed predecessor left there: a session's cgroup with a process in it.
mkdir -p "$ROOT/uid-4242/session-1"
sleep 1001 &
STALE=$!
defer kill_wait "$STALE"
echo "$STALE" >"$ROOT/uid-4242/session-1/cgroup.procs"
SOCK=$TESTDIR/io.nsctl
daemon_start "$SOCK" "$TESTDIR/root.log" --policy "$POLICY" --idle-timeout 0 \
	--cgroup-root "$ROOT" || diag "nsctld does not start with --cgroup-root"
D=$DAEMON_PID
check "--cgroup-root: a predecessor's session left in the root is killed at start" \
	wait_until 5 pid_gone "$STALE"
check "--cgroup-root: and its cgroups removed" test ! -e "$ROOT/uid-4242"
out=$(nsctl_as "$ALICE" run "$NT" --net -- cat /proc/self/cgroup 2>&1)
check "--cgroup-root: the session's cgroup is ROOT/uid-U/session-N" \
	expect_match "$out" "^0::${ROOT#"$CG2"}/uid-$ALICE_UID/session-[0-9]+\$"
check "--cgroup-root: no nsctld-PID is made" test ! -e "$OWN/nsctld-$D"
check "--cgroup-root: nsctld stays where it was started" \
	expect_eq "$(sed -n 's/^0:://p' "/proc/$D/cgroup")" "$(sed -n 's/^0:://p' /proc/self/cgroup)"
check_daemon_stops "$D" "$TESTDIR/root.log"
check "--cgroup-root: after the stop, the root is left and its uid-U removed" \
	eval "[ -d '$ROOT' ] && ! ls -d '$ROOT'/uid-* 2>/dev/null | grep -q ."

# -- a delegated cgroup ------------------------------------------------------------------------
DEL=$OWN/nsctl-test-delegated-$$
if mkdir "$DEL" && "$PYTHON" -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' "$DEL"; then
	defer rm_cgroup "$DEL"
	# The daemon starts in DEL, as systemd would start it in its service's cgroup.
	cat >"$TESTDIR/into-cgroup" <<EOF
#!/bin/sh
echo \$\$ >"$DEL/cgroup.procs" && exec "\$@"
EOF
	chmod 755 "$TESTDIR/into-cgroup"
	SOCK=$TESTDIR/io.nsctl2
	NSCTL_DAEMON_WRAPPER=$TESTDIR/into-cgroup daemon_start "$SOCK" "$TESTDIR/del.log" \
		--policy "$POLICY" --idle-timeout 0 || diag "nsctld does not start delegated"
	D=$DAEMON_PID
	check "delegated: nsctld moves itself into the leaf 'supervisor'" \
		expect_eq "$(sed -n 's/^0:://p' "/proc/$D/cgroup")" "${DEL#"$CG2"}/supervisor"
	out=$(nsctl_as "$ALICE" run "$NT" --net -- cat /proc/self/cgroup 2>&1)
	check "delegated: sessions go beside it, DEL/uid-U/session-N" \
		expect_match "$out" "^0::${DEL#"$CG2"}/uid-$ALICE_UID/session-[0-9]+\$"
	check_daemon_stops "$D" "$TESTDIR/del.log"
else
	skip "delegated: nsctld moves itself into the leaf 'supervisor'" "no trusted xattrs here"
	skip "delegated: sessions go beside it" "no trusted xattrs here"
	skip "SIGTERM: the daemon exits 0" "no trusted xattrs here"
	skip "no sanitizer report in the daemon's log" "no trusted xattrs here"
fi

# -- a root that is not a cgroup -------------------------------------------------------------
out=$(timeout 10 "$NSCTLD" --listen "$TESTDIR/io.nsctl3" --policy "$POLICY" \
	--cgroup-root "$TESTDIR" 2>&1)
st=$?
check "--cgroup-root that is not a cgroup v2 directory: nsctld refuses to start" \
	expect_eq "$st" 1
check "and says why" expect_match "$out" "not a cgroup v2 directory"

tap_done
