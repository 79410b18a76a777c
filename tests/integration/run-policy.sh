#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The policy as real users meet it: denial without a worker, group rules, last match, reload.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 20
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
PT=pid:$TARGET_PID
# Line numbers matter: the audit names the deciding rule as FILE:LINE (line 1 is a comment).
write_policy "$POLICY" \
	"permit :$OPS on $NT ns net" \
	"permit $ALICE on $PT ns uts,ipc" \
	"deny $ALICE on $PT ns ipc"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
FDS_FIRST=$(fd_count "$D")

run_json()
{
	# A Run request for argv "true" on $1 with namespaces $2 (a JSON list).
	printf '{"method":"io.nsctl.Run","more":true,"parameters":{"target":"%s","namespaces":%s,"argv":["true"],"stdin":0,"stdout":1,"stderr":2}}' "$1" "$2"
}

# strace_start FILE: trace the daemon's forks into FILE; STRACE_PID. 1 if it cannot attach.
strace_start()
{
	strace -f -qq -e trace=clone,clone3,fork,vfork -p "$D" -o "$1" 2>"$1.err" &
	STRACE_PID=$!
	defer kill_wait "$STRACE_PID"
	wait_until 5 grep -Eq "^TracerPid:[[:space:]]*$STRACE_PID\$" "/proc/$D/status" && return 0
	diag "strace did not attach:"
	diag_file "$1.err"
	return 1
}

strace_stop()
{
	kill -INT "$STRACE_PID" 2>/dev/null
	wait_until 5 pid_gone "$STRACE_PID" || kill -KILL "$STRACE_PID" 2>/dev/null
	wait "$STRACE_PID" 2>/dev/null
}

FORKS='(clone|clone3|fork|vfork)\('

# -- a user no rule permits --------------------------------------------------------------
if command -v strace >/dev/null && strace_start "$TESTDIR/deny.strace"; then
	TRACED=1
else
	TRACED=0
fi
err=$(nsctl_as "$BOB" run "$NT" --net -- true 2>&1)
st=$?
[ "$TRACED" = 1 ] && strace_stop
check "nsctl-bob is refused with exit status 125" expect_eq "$st" 125
check "nsctl says permission denied" expect_match "$err" '[Pp]ermission[ .]?[Dd]enied'
if [ "$TRACED" = 1 ]; then
	check "the daemon forked nothing for the denied request" \
		expect_no_match "$(cat "$TESTDIR/deny.strace")" "$FORKS"
else
	skip "the daemon forked nothing for the denied request" "strace is missing or cannot attach"
fi

reply=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" --fds "$SOCK" "$(run_json "$NT" '["net"]')")
check "the raw reply to nsctl-bob is io.nsctl.PermissionDenied" \
	expect_eq "$(json_get error <<<"$reply")" io.nsctl.PermissionDenied
check "the error names the target and the namespaces" \
	expect_eq "$(json_get parameters <<<"$reply")" "{\"namespaces\":[\"net\"],\"target\":\"$NT\"}"
check "audit: a deny decision for nsctl-bob's uid by the default rule" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$BOB_UID" \
		NSCTL_DECISION=deny NSCTL_RULE=default)" '"NSCTL_TARGET":"'"$NT"'"'

# A control for the strace check: it does see the fork of a permitted request.
if [ "$TRACED" = 1 ] && strace_start "$TESTDIR/permit.strace"; then
	nsctl_as "$ALICE" run "$NT" --net -- true
	st=$?
	strace_stop
	check "control: a permitted request (exit $st) shows the daemon forking under strace" \
		expect_match "$(cat "$TESTDIR/permit.strace")" "$FORKS"
else
	skip "control: a permitted request shows the daemon forking under strace" \
		"strace is missing or cannot attach"
fi

# -- rules -------------------------------------------------------------------------------
nsctl_as "$ALICE" run "$NT" --net -- true
check "a group rule (:$OPS) permits nsctl-alice" expect_eq "$?" 0
check "audit: the permit names the group rule $POLICY:2" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$ALICE_UID" \
		NSCTL_RULE="$POLICY:2")" '"NSCTL_DECISION":"permit"'
out=$(nsctl_as "$ALICE" run "$PT" --uts -- hostname 2>&1)
check "a user rule with ns uts,ipc permits --uts" expect_eq "$out" "$TARGET_HOSTNAME"
nsctl_as "$ALICE" run "$PT" --uts --net -- true 2>/dev/null
check "--uts --net is refused when the rule lists only uts,ipc (125)" expect_eq "$?" 125
nsctl_as "$ALICE" run "$PT" --ipc -- true 2>/dev/null
check "a later deny rule wins over a permit that matches too (125)" expect_eq "$?" 125
check "audit: the deny names the deny rule $POLICY:4" \
	expect_match "$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$ALICE_UID" \
		NSCTL_RULE="$POLICY:4")" '"NSCTL_DECISION":"deny"'

# -- reload ------------------------------------------------------------------------------
write_policy "$POLICY" "permit $BOB on $NT ns net"
kill -HUP "$D"
wait_until 5 sh -c "timeout 5 runuser -u $BOB -- $NSCTL --socket $SOCK run $NT --net -- true" \
	2>/dev/null
check "after SIGHUP the new policy permits nsctl-bob" expect_eq "$?" 0
printf '# bad\npermit %s on %s ns net\nthis is not a rule\n' "$ALICE" "$NT" >"$POLICY"
kill -HUP "$D"
sleep 1
nsctl_as "$BOB" run "$NT" --net -- true
check "after SIGHUP with a bad file the last good policy stays" expect_eq "$?" 0
check "the reload error is logged as FILE:LINE" \
	expect_match "$(grep -v '^{' "$LOG")" "$POLICY:3"

# -- the daemon afterwards ---------------------------------------------------------------
check "the daemon's fd count is back to $FDS_FIRST (after its first request)" \
	expect_eq "$(fd_count "$D")" "$FDS_FIRST"
check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
check_daemon_stops "$D" "$LOG"
if [ "$_tap_failed" -gt 0 ]; then
	diag "nsctld log:"
	diag_file "$LOG"
fi
tap_done
