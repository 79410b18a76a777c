#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Deny before look-up: a caller whom no rule could permit a request gets PermissionDenied
# without nsctld asking anyone (a fake container engine records every connection; strace
# shows no /proc, pidfd or /run/netns access), the same answer for existing and absent
# names; the name cache is partitioned per caller.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout unshare strace
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 35
setup_tmpdir
setup_users || exit 1
target_start || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
chmod 755 "$TESTDIR"
NOBODY=nobody
id -u "$NOBODY" >/dev/null 2>&1 || tap_skip_all "no user nobody"

# --- a fake Docker engine: answers for "web" (TARGET_PID), 404 otherwise; logs each
# connection's request line to ENGINE_LOG ------------------------------------------------
ENGINE=$TESTDIR/engine.sock
ENGINE_LOG=$TESTDIR/engine.log
: >"$ENGINE_LOG"
WEB_ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"$PYTHON" - "$ENGINE" "$ENGINE_LOG" "$TARGET_PID" "$WEB_ID" <<'EOF' &
import json, socket, sys
path, log, pid, cid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(64)
web = {"Id": cid, "Name": "/web", "State": {"Running": True, "Pid": pid, "Status": "running"}}
while True:
    c, _ = s.accept()
    data = b""
    c.settimeout(5)
    try:
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    with open(log, "a") as f:
        f.write(line + "\n")
    parts = line.split()
    target = parts[1] if len(parts) > 1 else ""
    status, body = 404, {"message": "no such container"}
    if target.startswith("/containers/json"):
        status, body = 200, [{"Id": cid, "Names": ["/web"], "State": "running"}]
    elif target.startswith("/containers/"):
        name = target.split("/")[2]
        if name == "web" or (len(name) >= 3 and cid.startswith(name)):
            status, body = 200, web
    b = json.dumps(body).encode()
    head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" \
           "Connection: close\r\n\r\n" % (status, len(b))
    try:
        c.sendall(head.encode() + b)
    except OSError:
        pass
    c.close()
EOF
defer kill_wait $!
wait_until 10 test -S "$ENGINE"
engine_count() { wc -l <"$ENGINE_LOG"; }

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
# bob has a rule, but none that could name a container; nobody has none at all.
write_policy "$POLICY" \
	"permit $ALICE on docker:web,netns:$NETNS ns net,uts" \
	"permit root on docker:web ns uts" \
	"permit $BOB on netns:bob-only ns net"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 \
	--backends pid,netns,docker --docker-socket "$ENGINE" --target-cache 60 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# raw_run USER TARGET [NS]: the Run reply as it comes (compact JSON), without the client.
raw_run()
{
	as_user "$1" "$PYTHON" "$TESTDIR/varlink.py" --fds "$SOCK" \
		"{\"method\":\"io.nsctl.Run\",\"more\":true,\"parameters\":{\"target\":\"$2\",\"namespaces\":[\"${3:-uts}\"],\"argv\":[\"true\"],\"stdin\":0,\"stdout\":1,\"stderr\":2}}"
}
raw_describe()
{
	as_user "$1" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" \
		"{\"method\":\"io.nsctl.DescribeTarget\",\"parameters\":{\"target\":\"$2\"}}"
}

# --- the engine works: a permitted caller's look-up reaches it ------------------------
out=$(nsctl_as "$ALICE" run docker:web --uts -- hostname 2>&1)
check "alice (permitted): docker:web runs in the fake engine's container" \
	expect_eq "$out" "$TARGET_HOSTNAME"
n_alice=$(engine_count)
check "... and the engine saw her look-up" expect_lt 0 "$n_alice"

# --- a caller whom no rule could permit: nothing reaches the engine ------------------------
# strace the daemon meanwhile: no /proc/PID, pidfd, /run/netns, or connect() either.
STRACE=$TESTDIR/strace
strace -f -qq -p "$D" -e trace=openat,pidfd_open,newfstatat,statx,connect,stat,accept4 \
	-o "$STRACE" &
st_pid=$!
defer kill_wait "$st_pid"
wait_until 10 test -s "$STRACE"
sleep 1
before=$(engine_count)
r_web=$(raw_run "$BOB" docker:web)
r_absent=$(raw_run "$BOB" docker:absent)
r_bare=$(raw_run "$BOB" web)
r_bare_absent=$(raw_run "$BOB" absent)
r_pid=$(raw_run "$BOB" "pid:$TARGET_PID")
r_pid_absent=$(raw_run "$BOB" pid:999999999)
r_netns=$(raw_run "$BOB" "netns:$NETNS" net)
r_netns_absent=$(raw_run "$BOB" netns:absent net)
d_web=$(raw_describe "$BOB" docker:web)
d_absent=$(raw_describe "$BOB" docker:absent)
d_bare=$(raw_describe "$BOB" web)
l_nobody=$(as_user "$NOBODY" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" \
	'{"method":"io.nsctl.ListTargets","parameters":{}}')
sleep 1
kill "$st_pid" 2>/dev/null
wait "$st_pid" 2>/dev/null

check "bob, docker:web: PermissionDenied" \
	expect_match "$r_web" '"error":"io.nsctl.PermissionDenied"'
check "bob: the engine saw no connection at all" expect_eq "$(engine_count)" "$before"
check "docker:absent: the same answer as docker:web" \
	expect_eq "${r_absent//absent/X}" "${r_web//web/X}"
check "bare web: PermissionDenied" expect_match "$r_bare" '"error":"io.nsctl.PermissionDenied"'
check "bare absent: the same answer as bare web" \
	expect_eq "${r_bare_absent//absent/X}" "${r_bare//web/X}"
check "pid: an existing process and a missing one: the same answer" \
	expect_eq "${r_pid_absent//999999999/X}" "${r_pid//$TARGET_PID/X}"
check "... PermissionDenied" expect_match "$r_pid" '"error":"io.nsctl.PermissionDenied"'
check "netns: an existing one and a missing one: the same answer" \
	expect_eq "${r_netns_absent//absent/X}" "${r_netns//$NETNS/X}"
check "DescribeTarget docker:web: PermissionDenied" \
	expect_match "$d_web" '"error":"io.nsctl.PermissionDenied"'
check "DescribeTarget: the same for an absent name and a bare one" \
	expect_eq "${d_absent//absent/X}|${d_bare//web/X}" "${d_web//web/X}|${d_web//docker:web/X}"
check "nobody (no rule at all): ListTargets is empty, no backend reported" \
	expect_eq "$(json_get parameters <<<"$l_nobody")" '{"targets":[],"unavailable":[]}'
check "nobody: the engine saw no listing either" expect_eq "$(engine_count)" "$before"
check "strace saw the daemon accept those connections" \
	expect_match "$(cat "$STRACE")" 'accept4\('
check "strace: no connect() by nsctld for these callers" \
	expect_no_match "$(cat "$STRACE")" 'connect\('
check "strace: no pidfd_open, no /proc/$TARGET_PID, no /proc/999999999" \
	expect_no_match "$(cat "$STRACE")" "pidfd_open|/proc/($TARGET_PID|999999999)"
check "strace: no /run/netns access" expect_no_match "$(cat "$STRACE")" '/run/netns'
recs=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$BOB_UID" NSCTL_DECISION=deny)
check "each of bob's Runs is audited as a denial (8)" expect_eq "$(grep -c . <<<"$recs")" 8

# bob's only rule names a netns: listing asks the netns backend, not the engine.
n0=$(engine_count)
l_bob=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" \
	'{"method":"io.nsctl.ListTargets","parameters":{}}')
check "bob: ListTargets answers (no target of his exists)" \
	expect_eq "$(json_get parameters <<<"$l_bob")" '{"targets":[],"unavailable":[]}'
check "bob: ListTargets did not ask the engine (no rule of his could name a container)" \
	expect_eq "$(engine_count)" "$n0"
l_alice=$(as_user "$ALICE" "$PYTHON" "$TESTDIR/varlink.py" "$SOCK" \
	'{"method":"io.nsctl.ListTargets","parameters":{}}')
check "alice: ListTargets asks the engine and lists docker:web" \
	expect_match "$(json_get parameters.targets <<<"$l_alice")" '"target":"docker:web"'

# --- resolve-then-decide stays for a caller a rule might permit ---------------------------
# An ID prefix may turn out to be docker:web: only the engine can tell, so it is asked.
n0=$(engine_count)
out=$(nsctl_as "$ALICE" run "docker:${WEB_ID:0:12}" --uts -- hostname 2>&1)
check "alice, docker:ID-PREFIX: looked up, it is docker:web, it runs" \
	expect_eq "$out" "$TARGET_HOSTNAME"
check "... the engine was asked" expect_lt "$n0" "$(engine_count)"
out=$(nsctl_as "$ALICE" run docker:absent --uts -- true 2>&1)
check "alice, docker:absent: PermissionDenied, as for a container she may not enter" \
	expect_match "$out" 'PermissionDenied'
out=$(nsctl_as "$BOB" run "netns:$NETNS" --net -- true 2>&1)
check "bob, a netns his rule does not name: denied" expect_match "$out" 'denied|Denied'

# --- the cache: one caller's look-up is not served to another ---------------------------------
n0=$(engine_count)
out=$(nsctl_as "$ALICE" run docker:web --uts -- hostname 2>&1)
check "alice again: served from her cache entry (no engine request)" \
	expect_eq "$(engine_count)" "$n0"
out=$(nsctl_as root run docker:web --uts -- hostname 2>&1)
check "root, the same name: works" expect_eq "$out" "$TARGET_HOSTNAME"
n1=$(engine_count)
check "root's look-up went to the engine: alice's entry is not his" expect_lt "$n0" "$n1"
out=$(nsctl_as root run docker:web --uts -- hostname 2>&1)
check "root again: his own entry serves him" expect_eq "$(engine_count)" "$n1"

check_daemon_stops "$D" "$LOG"

# --- a bare name asks only the backends of kinds the caller could be permitted -------------
# podman's socket accepts and never answers: asked, it would fail the bare name after the
# backend timeout with BackendUnavailable. Alice has no rule that could name a podman target.
HANG=$TESTDIR/hang.sock
"$PYTHON" - "$HANG" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
EOF
defer kill_wait $!
wait_until 10 test -S "$HANG"
SOCK=$TESTDIR/io.nsctl.2
LOG2=$TESTDIR/nsctld.2.log
daemon_start "$SOCK" "$LOG2" --policy "$POLICY" --idle-timeout 0 \
	--backends pid,netns,docker,podman --docker-socket "$ENGINE" --podman-socket "$HANG" \
	--backend-timeout 3 || diag "the second nsctld does not start"
D2=$DAEMON_PID
out=$(nsctl_as "$ALICE" run web --uts -- hostname 2>&1)
check "alice, bare web: docker's answer, podman (no rule of hers could name it) not asked" \
	expect_eq "$out" "$TARGET_HOSTNAME"
check_daemon_stops "$D2" "$LOG2"
tap_done
