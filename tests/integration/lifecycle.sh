#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon's life: refusing to start, --listen, readiness, idle exit, SIGTERM.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout stat
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 21
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

NT=netns:$NETNS
POLICY=$TESTDIR/policy
GRACE=2
write_policy "$POLICY" "permit $ALICE on $NT ns net"

# -- refusing to start -------------------------------------------------------------------
out=$(timeout 10 "$NSCTLD" --policy "$POLICY" --log stderr 2>&1)
st=$?
diag "without a socket: $out"
check "without --listen and without a passed socket it exits 1" expect_eq "$st" 1
write_policy "$TESTDIR/bad" "permit $ALICE on $NT ns net" "permit $ALICE nonsense"
# (A daemon with such a policy serves, refusing every call: policy-invalid.sh.)
out=$(timeout 10 "$NSCTLD" --check-policy --policy "$TESTDIR/bad" 2>&1)
st=$?
check "--check-policy, a policy with a bad line: exit 1" expect_eq "$st" 1
check "... saying nsctld: FILE:LINE: message" expect_match "$out" "^nsctld: $TESTDIR/bad:3: "
write_policy "$TESTDIR/writable" "permit $ALICE on $NT ns net"
chmod 0664 "$TESTDIR/writable"
out=$(timeout 10 "$NSCTLD" --check-policy "$TESTDIR/writable" 2>&1)
st=$?
diag "group-writable policy: $out"
check "--check-policy, a group-writable policy: exit 1 naming the file" \
	expect_eq "$st:$(grep -c "^nsctld: $TESTDIR/writable" <<<"$out")" 1:1

# -- --listen ----------------------------------------------------------------------------
LSOCK=$TESTDIR/listen.sock
"$NSCTLD" --listen "$LSOCK" --policy "$POLICY" --log stderr >"$TESTDIR/listen.log" 2>&1 &
LPID=$!
defer daemon_stop "$LPID"
wait_until 10 test -S "$LSOCK"
check "--listen: it binds the socket with mode 0666" \
	expect_eq "$(stat -c %a "$LSOCK" 2>&1)" 666
SOCK=$LSOCK
out=$(nsctl_as "$ALICE" run "$NT" --net -- echo listen 2>&1)
check "--listen: nsctl-alice is served" expect_eq "$out" listen
kill -TERM "$LPID"
wait_status "$LPID" 10
check "--listen: SIGTERM, exit status 0" expect_eq "$WAIT_STATUS" 0
check "--listen: the socket is removed at exit" test ! -e "$LSOCK"

# -- idle exit ---------------------------------------------------------------------------
daemon_start "$TESTDIR/idle.sock" "$TESTDIR/idle.log" --policy "$POLICY" --idle-timeout 1 ||
	diag "the idle daemon does not start"
IPID=$DAEMON_PID
wait_status "$IPID" 6
check "--idle-timeout 1: it exits by itself after serving a request, status 0" \
	expect_eq "$WAIT_STATUS" 0

# A running session is not idleness.
daemon_start "$TESTDIR/idle2.sock" "$TESTDIR/idle2.log" --policy "$POLICY" --idle-timeout 2 ||
	diag "the second idle daemon does not start"
IPID=$DAEMON_PID
SOCK=$TESTDIR/idle2.sock
nsctl_as "$ALICE" run "$NT" --net -- sleep 4 &
ICLIENT=$!
sleep 3.5
check "--idle-timeout 2: still running while a session of 4 s runs" pid_alive "$IPID"
wait_status "$ICLIENT" 10
check "... that session ends normally (0)" expect_eq "$WAIT_STATUS" 0
wait_status "$IPID" 6
check "... and then it exits by itself, status 0" expect_eq "$WAIT_STATUS" 0

# -- readiness and SIGTERM ---------------------------------------------------------------
NOTIFY=$TESTDIR/notify
"$PYTHON" - "$NOTIFY" "$TESTDIR/notify.log" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
        log.flush()
EOF
NOTIFY_PID=$!
defer kill_wait "$NOTIFY_PID"
wait_until 5 test -S "$NOTIFY"

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NOTIFY_SOCKET=$NOTIFY daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 \
	--kill-grace "$GRACE" || diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
check "sd_notify READY=1 when serving" wait_until 5 grep -q 'READY=1' "$TESTDIR/notify.log"

timeout -k 5 "$CLIENT_TIMEOUT" runuser -u "$ALICE" -- \
	"$NSCTL" --socket "$SOCK" run "$NT" --net -- sleep 35 2>"$TESTDIR/client.err" &
CLIENT=$!
CMD_PID=''
wait_until 10 eval 'CMD_PID=$(find_descendant "$D" sleep "sleep 35")' ||
	diag "the session did not start"
kill -TERM "$D"
wait_status "$D" $((GRACE + 5))
check "SIGTERM with a session running: nsctld exits 0" expect_eq "$WAIT_STATUS" 0
check "sd_notify STOPPING=1 on SIGTERM" grep -q 'STOPPING=1' "$TESTDIR/notify.log"
check "the session's command is gone" wait_until 3 pid_gone "${CMD_PID:-0}"
wait_status "$CLIENT" 5
diag "client said: $(cat "$TESTDIR/client.err")"
check "the client got the final reply: exit 129 (SIGHUP)" expect_eq "$WAIT_STATUS" 129
check "audit: the session ended by SIGHUP" expect_eq "$(audit_records "$LOG" \
	NSCTL_EVENT=session-end NSCTL_PID="${CMD_PID:-0}" | json_get NSCTL_SIGNAL)" 1
check "the socket is left without a listener (connection refused)" \
	expect_eq "$(varlink_call --refused "$SOCK")" REFUSED
nsctl_as "$ALICE" run "$NT" --net -- true 2>/dev/null
check "nsctl fails with 125 on that socket" expect_eq "$?" 125
check "no sanitizer report in any daemon's log" \
	expect_no_match "$(cat "$TESTDIR"/*.log)" 'Sanitizer|runtime error:'
if [ "$_tap_failed" -gt 0 ]; then
	for l in "$TESTDIR"/*.log; do
		diag "$l:"
		diag_file "$l"
	done
fi
tap_done
