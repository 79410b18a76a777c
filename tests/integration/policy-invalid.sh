#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A broken or missing policy: nsctld serves anyway and refuses every call with
# io.nsctl.PolicyInvalid (what, whom to ask, where the details are), its log says
# FILE:LINE, and a good reload (SIGHUP, nsctld --reload) restores service.
# Also nsctld --check-policy --json, and the lines nsctl prints when there is no daemon,
# the socket's mode keeps a user out, a target was forgotten, or a verb mistyped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout stat
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 26
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
GOOD="permit $ALICE on $NT ns net"

# The service manager's side: what `systemctl status nsctld` would show (sd_notify STATUS=).
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
defer kill_wait $!
wait_until 5 test -S "$NOTIFY"

# -- a broken policy ------------------------------------------------------------------------
write_policy "$POLICY" "$GOOD" "permit $ALICE nonsense"
NOTIFY_SOCKET=$NOTIFY daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start with a broken policy"
D=$DAEMON_PID
check "sd_notify: READY=1 with a STATUS= that says every call is refused" \
	wait_until 5 grep -q 'READY=1 STATUS=No usable policy, refusing every call' "$TESTDIR/notify.log"
check "a broken policy: nsctld serves (GetInfo answers) and keeps running" pid_alive "$D"
check "its log says FILE:LINE and that every call is refused" \
	expect_match "$(cat "$LOG")" "^nsctld: $POLICY:3: .*every call is refused with io.nsctl.PolicyInvalid"
err=$(nsctl_as "$ALICE" run "$NT" --net -- true 2>&1)
st=$?
check "run: exit 125" expect_eq "$st" 125
check "run: one line: PolicyInvalid, broken, ask the administrators, where the details are" \
	expect_eq "$err" "nsctl: io.nsctl.PolicyInvalid: nsctld refuses every call: the policy $POLICY is broken or missing; ask the host's administrators (the details are in nsctld's log: journalctl -u nsctld)"
check "... and it does not quote the file (the rules may be private)" \
	expect_no_match "$err" "nonsense|:3:"
for verb in "ls" "ns $NT" "policy" "check $NT --net -- true"; do
	# shellcheck disable=SC2086
	e=$(nsctl_as "$ALICE" $verb 2>&1)
	check "${verb%% *}: the same line" expect_eq "$e" "$err"
done
r=$(varlink_call "$SOCK" '{"method":"io.nsctl.Kill","parameters":{"session":1,"signal":15}}' | json_get error)
check "Kill: PolicyInvalid too" expect_eq "$r" "io.nsctl.PolicyInvalid"
r=$(varlink_call "$SOCK" '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.nsctl"}}' | json_get parameters.description | grep -c '^interface io.nsctl$')
check "GetInterfaceDescription still answers" expect_eq "$r" 1
r=$(as_user "$ALICE" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" '{"method":"io.nsctl.Reload"}' | json_get error)
check "Reload by a user: refused as before (root only)" \
	expect_eq "$r" "org.varlink.service.PermissionDenied"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
st=$?
check "nsctld --reload while still broken: exit 1 with FILE:LINE" \
	expect_eq "$st:$(grep -c "$POLICY:3:" <<<"$out")" 1:1
check "... the log says it is still unusable" \
	expect_match "$(cat "$LOG")" "policy still unusable, every call is refused"

# -- a good reload restores service ----------------------------------------------------------
write_policy "$POLICY" "$GOOD"
out=$("$NSCTLD" --reload --listen "$SOCK" 2>&1)
check "nsctld --reload with the fixed file: exit 0" expect_eq "$?:$out" "0:policy reloaded: 1 rule"
out=$(nsctl_as "$ALICE" run "$NT" --net -- echo served 2>&1)
check "then run is served" expect_eq "$out" "served"
check "sd_notify: STATUS=Serving after it" expect_eq "$(tail -n 1 "$TESTDIR/notify.log")" "READY=1 STATUS=Serving"
check_daemon_stops "$D" "$LOG"

# -- a missing policy, fixed by SIGHUP --------------------------------------------------------
SOCK2=$TESTDIR/io.nsctl.2
LOG2=$TESTDIR/nsctld.2.log
daemon_start "$SOCK2" "$LOG2" --policy "$TESTDIR/missing" --idle-timeout 0 ||
	diag "nsctld does not start without its policy"
D2=$DAEMON_PID
SOCK=$SOCK2
err=$(nsctl_as "$ALICE" run "$NT" --net -- true 2>&1)
check "a missing policy: PolicyInvalid" expect_match "$err" "PolicyInvalid: .*$TESTDIR/missing is broken or missing"
write_policy "$TESTDIR/missing" "$GOOD"
kill -HUP "$D2"
wait_until 5 grep -q "policy reloaded" "$LOG2"
out=$(nsctl_as "$ALICE" run "$NT" --net -- echo served 2>&1)
check "SIGHUP after writing it: served" expect_eq "$out" "served"

# -- the daemon stops while a command runs --------------------------------------------------
nsctl_as "$ALICE" run "$NT" --net -- sleep 30 >"$TESTDIR/stop.out" 2>&1 &
C=$!
# The session's own command (other tests may run sleep as the same user meanwhile).
wait_until 10 find_descendant "$D2" sleep >/dev/null
kill -TERM "$D2"
wait_status "$C" 10
check "nsctld stopped under a session: nsctl exits 129 and says why" \
	expect_eq "$WAIT_STATUS:$(cat "$TESTDIR/stop.out")" "129:nsctl: nsctld stopped while the command ran and ended it (HUP, signal 1); run it again once nsctld is back"

# -- --check-policy --json -------------------------------------------------------------------
write_policy "$TESTDIR/bad" "$GOOD" "permit $ALICE nonsense"
out=$("$NSCTLD" --check-policy --json --policy "$TESTDIR/bad")
check "--check-policy --json: exit 1, file, line and the error as fields" \
	expect_eq "$?:$(json_get file <<<"$out"):$(json_get line <<<"$out"):$(json_get valid <<<"$out")" \
	"1:$TESTDIR/bad:3:false"

# -- what nsctl says without a daemon, or with a socket it may not use ----------------------------
out=$(nsctl_as "$ALICE" --socket "$TESTDIR/none" ls 2>&1)
check "no daemon: what to do" \
	expect_eq "$out" "nsctl: nsctld is not running at $TESTDIR/none (is nsctld.socket enabled? systemctl enable --now nsctld.socket)"
"$PYTHON" -c 'import socket,os,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o600); s.listen(); time.sleep(60)' "$TESTDIR/closed.sock" &
defer kill_wait $!
wait_until 5 test -S "$TESTDIR/closed.sock"
out=$(nsctl_as "$ALICE" --socket "$TESTDIR/closed.sock" run "$NT" --net -- true 2>&1)
check "a socket of mode 0600: not mistaken for a policy denial" \
	expect_match "$out" "the socket's permissions keep you out \\(this is not the policy\\)"
tap_done
