#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The wire as a raw client sees it: bad messages, the service interface, Run's demands.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 21
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
NT=netns:$NETNS
write_policy "$TESTDIR/policy" "permit $ALICE on $NT ns net"
daemon_start "$SOCK" "$LOG" --policy "$TESTDIR/policy" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
FDS_FIRST=$(fd_count "$D")

raw()
{
	varlink_call "$SOCK" "$@"
}

# raw_alice MSG: MSG from nsctl-alice with fds 0, 1, 2 attached.
raw_alice()
{
	as_user "$ALICE" "$PYTHON" "$TESTDIR/varlink.py" --fds "$SOCK" "$@"
}

error_of()
{
	json_get error <<<"$1"
}

# -- malformed messages ------------------------------------------------------------------
reply=$(raw '{"method": 1}' '{"method":"org.varlink.service.GetInfo"}')
first=$(head -n 1 <<<"$reply")
diag "reply to {\"method\": 1}: $reply"
check '{"method": 1} gets an error reply' expect_match "$(error_of "$first")" '^[a-z.]+\.[A-Z][A-Za-z]+$'
reply=$(raw 'not json')
diag "reply to 'not json': $reply"
check "'not json' gets io.nsctl.ProtocolError" \
	expect_eq "$(error_of "$(head -n 1 <<<"$reply")")" io.nsctl.ProtocolError
check "after a ProtocolError the connection is closed" \
	expect_match "$(raw 'not json' '{"method":"org.varlink.service.GetInfo"}' | tail -n 1)" \
	'^(EOF|EPIPE|RESET)$'
reply=$(raw '{"method":"org.varlink.service.GetInfo","parameters":{},"bogus":true}')
check "an unknown top-level key gets an error" expect_match "$(error_of "$reply")" '\.'
reply=$(raw '{"method":"io.nsctl.Nope"}')
check "an unknown method: org.varlink.service.MethodNotFound" \
	expect_eq "$(error_of "$reply")" org.varlink.service.MethodNotFound
# 2 MiB without a NUL: more than any message may be.
reply=$("$PYTHON" - "$SOCK" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"method":"' + b"x" * (2 << 20))
    r = s.recv(65536)
    print(r.split(b"\0")[0].decode(errors="replace") if r else "EOF")
except (BrokenPipeError, ConnectionResetError):
    print("RESET")
except socket.timeout:
    print("TIMEOUT")
EOF
)
diag "reply to 2 MiB without a NUL: $reply"
check "an oversized message is refused (error reply or closed), no hang" \
	expect_match "$reply" '^(EOF|RESET|\{.*"error")'
"$PYTHON" - "$SOCK" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()
EOF
nsctl_as "$ALICE" run "$NT" --net -- true
check "after all that, a good request from nsctl still works" expect_eq "$?" 0

# -- org.varlink.service -----------------------------------------------------------------
reply=$(raw '{"method":"org.varlink.service.GetInfo"}')
diag "GetInfo: $reply"
check "GetInfo lists io.nsctl and org.varlink.service" \
	expect_eq "$(json_get parameters.interfaces <<<"$reply" | tr -d '[]"' | tr , '\n' | sort |
		tr '\n' ' ')" "io.nsctl org.varlink.service "
check "GetInfo names product and version" \
	expect_match "$(json_get parameters <<<"$reply")" '"product":"nsctld?".*"version":"[0-9]'
reply=$(raw '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.nsctl"}}')
check "GetInterfaceDescription(io.nsctl) is protocol/io.nsctl.varlink" \
	expect_eq "$(json_get parameters.description <<<"$reply")" \
	"$(cat "$NSCTL_SRCDIR/protocol/io.nsctl.varlink")"
reply=$(raw '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"org.example.nope"}}')
check "an unknown interface: org.varlink.service.InterfaceNotFound" \
	expect_eq "$(error_of "$reply")" org.varlink.service.InterfaceNotFound

# -- io.nsctl.Run demands ----------------------------------------------------------------
run_json()
{
	# $1: extra top-level members; $2: the parameters.
	printf '{"method":"io.nsctl.Run"%s,"parameters":{%s}}' "$1" "$2"
}
GOOD='"target":"'"$NT"'","namespaces":["net"],"argv":["true"],"stdin":0,"stdout":1,"stderr":2'
reply=$(raw_alice "$(run_json ',"more":true' "$GOOD")")
diag "raw Run: $reply"
check 'a raw Run with "more": a reply with session and pid, then one with exit_code 0' \
	expect_eq "$(head -n 1 <<<"$reply" | json_get continues):$(head -n 1 <<<"$reply" |
		json_get parameters | grep -Ec '"pid":[0-9]+.*"session":[0-9]+'):$(tail -n 1 <<<"$reply" |
		json_get parameters.exit_code):$(wc -l <<<"$reply")" "true:1:0:2"
reply=$(raw_alice "$(run_json '' "$GOOD")")
check 'Run without "more": org.varlink.service.ExpectedMore' \
	expect_eq "$(error_of "$reply")" org.varlink.service.ExpectedMore
reply=$(raw_alice "$(run_json ',"more":true' "${GOOD/\"argv\":\[\"true\"\],/}")")
check "Run without argv: InvalidParameter naming argv" \
	expect_eq "$(error_of "$reply"):$(json_get parameters.parameter <<<"$reply")" \
	org.varlink.service.InvalidParameter:argv
reply=$(raw_alice "$(run_json ',"more":true' "${GOOD/\"stdin\":0/\"stdin\":7}")")
check "Run with an fd index beyond the attached fds: InvalidParameter" \
	expect_eq "$(error_of "$reply")" org.varlink.service.InvalidParameter
reply=$(raw "$(run_json ',"more":true' "$GOOD")")
diag "Run without fds attached: $reply"
check "Run without fds attached is an error" expect_match "$(error_of "$reply")" '\.'
reply=$(raw_alice "$(run_json ',"more":true' "${GOOD/$NT/netns:nsctl-no-such-netns-$$}")")
check "an unknown netns: io.nsctl.TargetNotFound (or PermissionDenied)" \
	expect_match "$(error_of "$reply")" '^io\.nsctl\.(TargetNotFound|PermissionDenied)$'

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
