#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signals: SIGINT forwarded by the client, Kill, and a client that dies mid-session.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout env
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 21
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
GRACE=2
write_policy "$TESTDIR/policy" "permit $ALICE on $NT ns net"
daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 --kill-grace "$GRACE" ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
FDS_FIRST=$(fd_count "$D")

# start_session COMM ERE CMD...: nsctl run CMD as nsctl-alice in the background. Sets
# CLIENT (our job: timeout -> runuser -> nsctl), NSCTL_PID, and CMD_PID: the process below
# nsctld named COMM whose command line matches ERE (make it unique). SIGINT is reset to
# its default for nsctl, as an interactive shell would leave it (bash ignores it in
# background jobs).
start_session()
{
	# shellcheck disable=SC2034 # used in the eval below
	local comm=$1 pattern=$2
	shift 2
	timeout -k 5 "$CLIENT_TIMEOUT" runuser -u "$ALICE" -- \
		env --default-signal=INT "$NSCTL" --socket "$SOCK" run "$NT" --net -- "$@" \
		2>>"$TESTDIR/client.err" &
	CLIENT=$!
	CMD_PID='' NSCTL_PID=''
	wait_until 10 eval 'CMD_PID=$(find_descendant "$D" "$comm" "$pattern")' &&
		NSCTL_PID=$(find_descendant "$CLIENT" nsctl) && return 0
	diag "the session '$*' did not start"
	return 1
}

# session_end_of PID FIELD: FIELD of the audit session-end record of the command PID.
session_end_of()
{
	audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_PID="$1" | json_get "$2"
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# -- SIGINT ------------------------------------------------------------------------------
if start_session sleep "sleep 31" sleep 31; then
	kill -INT "$NSCTL_PID"
	wait_status "$CLIENT" 10
	check "SIGINT to nsctl: it exits 130" expect_eq "$WAIT_STATUS" 130
	check "the command is gone" wait_until 5 pid_gone "$CMD_PID"
	check "audit: the command ended by SIGINT" expect_eq "$(session_end_of "$CMD_PID" NSCTL_SIGNAL)" 2
else
	for d in "SIGINT to nsctl: it exits 130" "the command is gone" \
		 "audit: the command ended by SIGINT"; do
		not_ok "$d"
	done
fi

# -- Kill from another connection --------------------------------------------------------
kill_json()
{
	printf '{"method":"io.nsctl.Kill","parameters":{"session":%s,"signal":%s}}' "$1" "$2"
}
if start_session sleep "sleep 32" sleep 32; then
	session=$(audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_PID="$CMD_PID" |
		json_get NSCTL_SESSION)
	reply=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" "$(kill_json "$session" 9)")
	check "Kill of nsctl-alice's session by nsctl-bob: io.nsctl.SessionNotFound" \
		expect_eq "$(json_get error <<<"$reply")" io.nsctl.SessionNotFound
	check "the command still runs" pid_alive "$CMD_PID"
	reply=$(as_user "$ALICE" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" "$(kill_json "$session" 15)")
	check "Kill by the owner from a second connection is answered without error" \
		expect_eq "$(json_get error <<<"$reply")" MISSING
	wait_status "$CLIENT" 10
	check "the session's client exits 143 (SIGTERM)" expect_eq "$WAIT_STATUS" 143
else
	for d in "Kill of nsctl-alice's session by nsctl-bob: io.nsctl.SessionNotFound" \
		 "the command still runs" "Kill by the owner from a second connection" \
		 "the session's client exits 143 (SIGTERM)"; do
		not_ok "$d"
	done
fi

# -- the client is SIGKILLed -------------------------------------------------------------
if start_session sleep "sleep 33" sleep 33; then
	t0=$(now_ms)
	kill -KILL "$NSCTL_PID"
	wait_until $((GRACE + 3)) pid_gone "$CMD_PID"
	ms=$(($(now_ms) - t0))
	check "client SIGKILLed: the command is gone within the grace ($ms ms)" \
		expect_lt "$ms" $((GRACE * 1000))
	check "audit: it ended by SIGHUP" expect_eq "$(session_end_of "$CMD_PID" NSCTL_SIGNAL)" 1
	check "it was reaped (no /proc entry left)" wait_until 3 test ! -e "/proc/$CMD_PID"
	wait_status "$CLIENT" 5
else
	for d in "client SIGKILLed: the command is gone within the grace" \
		 "audit: it ended by SIGHUP" "it was reaped (no /proc entry left)"; do
		not_ok "$d"
	done
fi

# A command that ignores SIGHUP gets SIGKILL when the grace is over, not before.
if start_session sleep "sleep 34" sh -c 'trap "" HUP; exec sleep 34'; then
	t0=$(now_ms)
	kill -KILL "$NSCTL_PID"
	sleep 1
	check "a command ignoring SIGHUP survives the first second of the grace" pid_alive "$CMD_PID"
	wait_until $((GRACE + 5)) pid_gone "$CMD_PID"
	ms=$(($(now_ms) - t0))
	diag "gone after $ms ms"
	check "it is gone soon after the grace of $GRACE s" \
		expect_eq "$((ms >= GRACE * 1000 - 200 && ms < GRACE * 1000 + 2000))" 1
	check "audit: it ended by SIGKILL" expect_eq "$(session_end_of "$CMD_PID" NSCTL_SIGNAL)" 9
	check "it was reaped (no /proc entry left)" wait_until 3 test ! -e "/proc/$CMD_PID"
	wait_status "$CLIENT" 5
else
	for d in "a command ignoring SIGHUP survives the first second of the grace" \
		 "it is gone soon after the grace" "audit: it ended by SIGKILL" \
		 "it was reaped (no /proc entry left)"; do
		not_ok "$d"
	done
fi

# -- the daemon afterwards ---------------------------------------------------------------
check "the daemon still serves" expect_match \
	"$(nsctl_as "$ALICE" run "$NT" --net -- echo alive 2>&1)" '^alive$'
check "the daemon's fd count is back to $FDS_FIRST (after its first request)" \
	expect_eq "$(fd_count "$D")" "$FDS_FIRST"
check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
check "no process of the sessions is left below the daemon" \
	expect_eq "$(descendants "$D")" ""
check "every session started has ended (audit)" expect_eq \
	"$(audit_records "$LOG" NSCTL_EVENT=session-start | wc -l)" \
	"$(audit_records "$LOG" NSCTL_EVENT=session-end | wc -l)"
check_daemon_stops "$D" "$LOG"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG"
fi
tap_done
