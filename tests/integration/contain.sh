#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Containment of grants with capabilities (issue 11): every attack an unprivileged user
# holding "caps net_admin" on one network namespace tried against the old code fails, and
# the legitimate uses work: ip link inside the target, a capture to a file and to a pipe.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip unshare runuser useradd flock systemd-socket-activate timeout ps findmnt
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 72
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
# A second named netns, which a deny rule names: /run/netns files are world-readable.
OTHER=nsctl-other-$$-$RANDOM
ip netns add "$OTHER" || exit 1
defer ip netns delete "$OTHER"

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
NT=netns:$NETNS
# A target with a pid namespace of its own and nothing else: --pid without the mount ns.
# (--kill-child: the sleep is pid 1 there and ignores SIGTERM; it dies with unshare.)
unshare --pid --fork --kill-child sleep 1000 >/dev/null 2>&1 &
PIDNS_PARENT=$!
defer kill_wait "$PIDNS_PARENT"
wait_until 10 find_descendant "$PIDNS_PARENT" sleep >/dev/null || exit 1
PIDNS_TARGET=$(find_descendant "$PIDNS_PARENT" sleep)
defer kill -KILL "$PIDNS_TARGET"
# A process with its own uts, net and ipc namespaces.
target_start || exit 1
# A target with its own pid, net, mount, uts and ipc namespaces, for contained sessions that
# join its pid namespace too. (Its sleep is pid 1 there, and dies with unshare.)
unshare --pid --net --mount --uts --ipc --fork --kill-child --mount-proc sleep 1000 \
	>/dev/null 2>&1 &
PIDNET_PARENT=$!
defer kill_wait "$PIDNET_PARENT"
wait_until 10 find_descendant "$PIDNET_PARENT" sleep >/dev/null || exit 1
PIDNET_TARGET=$(find_descendant "$PIDNET_PARENT" sleep)
defer kill -KILL "$PIDNET_TARGET"

write_policy "$POLICY" \
	"permit $ALICE on $NT ns net caps net_admin" \
	"permit $ALICE on $NT ns net caps net_admin,net_raw cmd /usr/bin/tcpdump" \
	"deny $ALICE on netns:$OTHER" \
	"permit exec $BOB on $NT ns net caps net_admin" \
	"permit exec $BOB on $NT ns net caps net_admin,dac_override cmd /usr/bin/seq" \
	"permit $ALICE on pid:$PIDNS_TARGET ns pid" \
	"permit $ALICE on pid:$TARGET_PID ns uts,net caps net_admin" \
	"permit $ALICE on pid:$PIDNET_TARGET ns pid,net caps net_admin" \
	"permit exec $BOB on pid:$PIDNET_TARGET ns all caps net_admin"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# Scripts the test users run inside sessions (world-readable, in TESTDIR).
cat >"$TESTDIR/unix.py" <<'PY'
# Try to get a handle in: a unix socket of our own, and an fd over stdin (SCM_RIGHTS).
import array, os, socket, sys
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    print("unix socket: made")
except OSError as e:
    print("unix socket:", e.errno)
try:
    socket.socketpair()
    print("socketpair: made")
except OSError as e:
    print("socketpair:", e.errno)
try:
    s = socket.socket(fileno=os.dup(0))
    msg, anc, flags, addr = s.recvmsg(16, socket.CMSG_SPACE(16))
    print("stdin fds received:", len(anc))
except OSError as e:
    print("stdin recvmsg:", e.errno)
PY
cat >"$TESTDIR/fork-exec.py" <<'PY'
# What tcpdump -z does: fork and exec another program.
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv("/usr/bin/id", ["id"])
    except OSError as e:
        print("second exec:", e.errno, flush=True)
        os._exit(3)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
PY
cat >"$TESTDIR/nsid.py" <<'PY'
# RTM_NEWLINK of a veth named argv[2] with IFLA_TARGET_NETNSID = argv[1]: made in the netns
# that this nsid names as seen from the target. Prints the kernel's errno (0: made).
import socket, struct, sys
def attr(t, data):
    n = 4 + len(data)
    return struct.pack("HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)
body = struct.pack("BxHiII", 0, 0, 0, 0, 0) + attr(3, sys.argv[2].encode() + b"\0")
body += attr(18, attr(1, b"veth\0")) + attr(46, struct.pack("i", int(sys.argv[1])))
hdr = struct.pack("IHHII", 16 + len(body), 16, 1 | 4 | 0x400 | 0x200, 1, 0)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(hdr + body)
print("errno", -struct.unpack("i", s.recv(65536)[16:20])[0])
PY
cat >"$TESTDIR/pass-fd.py" <<'PY'
# The caller's helper: a unix socket as nsctl's stdin, with the caller's own netns fd
# (a handle to the host's network namespace) waiting on it. argv: the nsctl command.
import os, socket, subprocess, sys
a, b = socket.socketpair()
ns = os.open("/proc/self/ns/net", os.O_RDONLY)
socket.send_fds(a, [b"x"], [ns])
p = subprocess.run(sys.argv[1:], stdin=b, stdout=subprocess.PIPE)
sys.stdout.write(p.stdout.decode())
sys.exit(p.returncode)
PY
chmod 0644 "$TESTDIR"/*.py

host_has() { ip link show "$1" >/dev/null 2>&1; }
# gone_pid PID: PID was found, and has gone.
gone_pid() { [ -n "$1" ] && wait_until 5 pid_gone "$1"; }
target_has() { ip -n "$NETNS" link show "$1" >/dev/null 2>&1; }

# -- the legitimate use ------------------------------------------------------------------
nsctl_as "$ALICE" run "$NT" --net -- ip link add c0 type veth peer name c1
check "ip link add inside the target works (exit 0)" expect_eq "$?" 0
check "... c0 and c1 are in the target" target_has c1
check "... and not on the host" eval '! host_has c0 && ! host_has c1'

# -- 1. namespaces named by pid, by path, by the caller's own process -------------------
nsctl_as "$ALICE" run "$NT" --net -- ip link add a0 type veth peer name a1 netns 1
check "'peer netns 1': pid 1 is the session's own init, in the target (exit 0)" \
	expect_eq "$?" 0
check "... a1 is in the target" target_has a1
check "... and not in the host's network namespace" eval '! host_has a1'
out=$(nsctl_as "$ALICE" run "$NT" --net -- ip link add b0 type veth peer name b1 netns "$OTHER" 2>&1)
check "'peer netns NAME' of a netns a deny rule names fails" expect_match "$out" 'Invalid "netns" value'
check "... nothing appeared in it" expect_no_match "$(ip -n "$OTHER" -br link)" b1
runuser -u "$ALICE" -- sleep 60 >/dev/null 2>&1 &
SLEEPER=$!
defer kill_wait "$SLEEPER"
wait_until 5 test "$(cat /proc/$SLEEPER/comm 2>/dev/null)" = sleep
HOSTPID=$(find_descendant "$SLEEPER" sleep || echo "$SLEEPER")
out=$(nsctl_as "$ALICE" run "$NT" --net -- ip link add d0 type veth peer name d1 netns "$HOSTPID" 2>&1)
check "'peer netns PID' of the caller's own host process fails (no such process here)" \
	expect_match "$out" 'No such process'
check "... and d1 is not on the host" eval '! host_has d1'
out=$(nsctl_as "$ALICE" run "$NT" --net -- ip link set c1 netns "$HOSTPID" 2>&1)
check "netlink IFLA_NET_NS_PID (ip link set c1 netns PID) does not reach the host" \
	eval '! host_has c1 && target_has c1'
out=$(nsctl_as "$ALICE" run "$NT" --net -- ps -e -o pid=,comm= 2>&1)
check "the session sees its own processes only (its init and ps)" \
	expect_eq "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" "1 2 "
out=$(nsctl_as "$ALICE" run "$NT" --net -- findmnt -n -o TARGET,FSTYPE -t nsfs,proc 2>&1)
check "no nsfs mount is left, and one procfs: a fresh /proc" expect_eq "$out" "/proc  proc"
out=$(nsctl_as "$ALICE" run "$NT" --net -- stat -f -c %T /run/netns/"$OTHER" 2>&1)
check "the deny rule's /run/netns file is no namespace file there" expect_no_match "$out" nsfs

out=$(nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts -- ip link add nsctl-z0 type bridge 2>&1)
check "caps net_admin without joining the target's netns (--uts only) is refused (125)" \
	expect_eq "$?" 125
check "... saying to join it" expect_match "$out" "join the target's \(--net\)"
check "... and the host has no such bridge" eval '! host_has nsctl-z0'
nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts --net -- ip link add nsctl-z0 type bridge
check "... with --net it runs there (exit 0)" expect_eq "$?" 0
check "... and the bridge is the target's, not the host's" \
	eval '! host_has nsctl-z0 && nsenter -t "$TARGET_PID" -n ip link show nsctl-z0 >/dev/null'

# -- an fd from outside: over a unix socket ------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- "$PYTHON" "$TESTDIR/unix.py" 2>&1)
check "socket(AF_UNIX) is refused (EPERM)" expect_match "$out" 'unix socket: 1$'
check "socketpair(AF_UNIX) is refused (EPERM)" expect_match "$out" 'socketpair: 1$'
out=$(as_user "$ALICE" "$PYTHON" "$TESTDIR/pass-fd.py" "$NSCTL" --socket "$SOCK" run "$NT" \
	--net -- "$PYTHON" "$TESTDIR/unix.py" 2>&1)
check "a unix socket as stdin carrying a host netns fd: the command's stdin is a pipe" \
	expect_match "$out" 'stdin recvmsg: 88$'
reply=$(as_user "$ALICE" "$PYTHON" -c '
import socket, subprocess, sys
a, b = socket.socketpair()
sys.exit(subprocess.run(sys.argv[1:], stdin=b).returncode)' "$PYTHON" "$TESTDIR/varlink.py" --fds \
	"$SOCK" "{\"method\":\"io.nsctl.Run\",\"more\":true,\"parameters\":{\"target\":\"$NT\",\"namespaces\":[\"net\"],\"argv\":[\"true\"],\"stdin\":0,\"stdout\":1,\"stderr\":2}}")
check "... sent without nsctl, nsctld refuses it (FileDescriptorRefused, socket)" \
	expect_match "$reply" 'FileDescriptorRefused.*"reason":"socket, and the command holds capabilities"'

# -- 2. no second program ----------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "$NT" --net -- sh -c 'ip -br link; echo "status $?"' 2>&1)
check "sh -c spawning ip: the second exec is refused (126), ip does not run" \
	expect_match "$out" '^status 126$'
check "... and printed nothing" expect_no_match "$out" 'LOOPBACK'
out=$(nsctl_as "$ALICE" run "$NT" --net -- "$PYTHON" "$TESTDIR/fork-exec.py" 2>&1)
check "fork + exec (what tcpdump -z does) fails with EACCES (13)" expect_match "$out" 'second exec: 13'
check "... and the session's end record says an exec was refused" expect_match \
	"$(audit_records "$LOG" NSCTL_EVENT=session-end | grep fork-exec.py)" '1 later exec refused'
out=$(nsctl_as "$BOB" run "$NT" --net -- sh -c 'ip -br link | grep -c "^nsctl-v"' 2>&1)
check "with the rule option exec, a shell runs other programs" expect_eq "$out" 2
out=$(nsctl_as "$ALICE" run "$NT" --net -- "$PYTHON" "$TESTDIR/nsid.py" 0 nsctl-x0 2>&1)
check "a netlink script (IFLA_TARGET_NETNSID without an nsid assigned) makes nothing" \
	expect_match "$out" 'errno (22|2)$'

# -- exit status and signals through the session's init ----------------------------------
nsctl_as "$ALICE" run "$NT" --net -- sh -c 'exit 7'
check "exit status 7 is passed on" expect_eq "$?" 7
nsctl_as "$ALICE" run "$NT" --net -- sh -c 'kill -KILL $$'
check "a command killed by SIGKILL: 137" expect_eq "$?" 137
nsctl_as "$ALICE" run "$NT" --net -- sleep 31 &
CLIENT=$!
wait_until 10 pgrep -u "$ALICE" -f '^sleep 31$' >/dev/null
SESSION_SLEEP=$(pgrep -u "$ALICE" -f '^sleep 31$')
CLIENT_NSCTL=$(pgrep -u "$ALICE" -f "nsctl --socket $SOCK run $NT --net -- sleep 31")
kill -TERM "$CLIENT_NSCTL"
wait_status "$CLIENT" 10
check "SIGTERM to nsctl reaches the command through its init (143)" expect_eq "$WAIT_STATUS" 143
check "... and the command is gone" wait_until 5 pid_gone "$SESSION_SLEEP"
# The final reply comes on the init's report, before its exit has torn the namespace
# down: by then the init has killed and reaped what the command left running.
nsctl_as "$BOB" run "$NT" --net -- sh -c 'sleep 37 & sleep 38 & exit 0'
check "a background child of the command is gone when nsctl returns" \
	expect_eq "$(pgrep -u "$BOB" -f 'sleep 3[78]')" ""

# -- 3. files as stdout --------------------------------------------------------------------
nsctl_as "$ALICE" run "$NT" --net -- ip -br link >"$TESTDIR/out.txt"
check "net_admin writes into the caller's regular file (exit 0)" expect_eq "$?" 0
check "... the file has the output" expect_match "$(cat "$TESTDIR/out.txt")" '^lo '
chown "$BOB" "$TESTDIR/out.txt"
nsctl_as "$BOB" run "$NT" --net -- seq 1 200000 >"$TESTDIR/out.txt"
check "dac_override: the file is refused, nsctl interposes a pipe (exit 0)" expect_eq "$?" 0
check "... every byte arrives, up to EOF" \
	expect_eq "$(wc -l <"$TESTDIR/out.txt") $(tail -n 1 "$TESTDIR/out.txt")" "200000 200000"
check "... one session ran: the refusal came before anything started" \
	expect_eq "$(grep -c '"NSCTL_EVENT":"session-start".*"seq","1","200000"' "$LOG")" 1
nsctl_as "$BOB" run "$NT" --net -- seq 1 nope >"$TESTDIR/out.txt" 2>"$TESTDIR/err.txt"
check "... the command's exit status is kept (seq: 1), stderr stays the file" \
	expect_eq "$? $(grep -c invalid "$TESTDIR/err.txt")" "1 1"
if command -v tcpdump >/dev/null; then
	ip netns exec "$NETNS" "$PYTHON" -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(600):
    s.sendto(b"x", ("127.0.0.1", 9)); time.sleep(0.05)' >/dev/null 2>&1 &
	PINGER=$!
	defer kill_wait "$PINGER"
	nsctl_as "$ALICE" run "$NT" --net -- tcpdump -i lo -c 4 -w - >"$TESTDIR/cap.pcap" 2>/dev/null
	check "tcpdump -w - > capture.pcap works (exit 0)" expect_eq "$?" 0
	check "... a pcap file" expect_match "$(od -An -tx1 -N4 "$TESTDIR/cap.pcap" | tr -d ' ')" \
		'^(d4c3b2a1|a1b2c3d4|4d3cb2a1)$'
	n=$(nsctl_as "$ALICE" run "$NT" --net -- tcpdump -i lo -c 4 -w - 2>/dev/null |
		tcpdump -r - 2>/dev/null | wc -l)
	check "... and to a pipe: 4 packets read back" expect_eq "$n" 4
	# -G 1 -W 2: a new file every second, -z run on each finished one, exit after two.
	Z=$TESTDIR/z
	mkdir -m 1777 "$Z"
	printf '#!/bin/sh\ntouch %s/post-rotate-ran\n' "$Z" >"$TESTDIR/post.sh"
	chmod 0755 "$TESTDIR/post.sh"
	nsctl_as "$ALICE" run "$NT" --net -- tcpdump -i lo -G 1 -W 2 -w "$Z/cap-%s" \
		-z "$TESTDIR/post.sh" >/dev/null 2>&1
	check "tcpdump -G 1 -W 2 -z: tcpdump rotated and ended (exit 0, two files)" \
		expect_eq "$? $(ls "$Z" | grep -c '^cap-')" "0 2"
	check "... but the post-rotate program never ran" test ! -e "$Z/post-rotate-ran"
else
	for d in "tcpdump to a file" "... pcap" "... to a pipe" "tcpdump -z" "... -z"; do
		skip "$d" "tcpdump is not installed"
	done
fi

# -- residual risk: an nsid the target already holds for the host ------------------------
# A veth pair between the host and the target, as every container has.
out=$(ip link add nsctl-h0-$$ type veth peer name nsctl-h1 netns "$NETNS" 2>&1) || diag "$out"
defer ip link delete nsctl-h0-$$
# (2>/dev/null: ip names nsids by trying every /run/netns file, other tests' stale ones too.)
ip -n "$NETNS" link show nsctl-h1 >/dev/null 2>&1 # allocates the host's nsid in the target
id=$(ip -n "$NETNS" netns list-id 2>/dev/null | awk '/nsid/ { print $2; exit }')
out=$(nsctl_as "$ALICE" run "$NT" --net -- "$PYTHON" "$TESTDIR/nsid.py" "${id:-0}" nsctl-x1 2>&1)
if host_has nsctl-x1; then
	ip link delete nsctl-x1
	echo "not ok $((_tap_n + 1)) - IFLA_TARGET_NETNSID of the host's nsid in the target reaches the host # TODO residual risk, docs/security.md"
	_tap_n=$((_tap_n + 1))
else
	ok "IFLA_TARGET_NETNSID of the host's nsid in the target does not reach the host"
fi

# -- 4. the target's /proc for a pid join without the mount namespace ---------------------
out=$(nsctl_as "$ALICE" run "pid:$PIDNS_TARGET" --pid -- ps -e -o comm= 2>&1)
check "--pid without --mount: ps shows the target's processes" expect_match "$out" '^sleep$'
check "... and none of the host's" expect_no_match "$out" 'nsctld|systemd'

# -- 5. a contained session that joins the target's pid namespace ------------------------
# The kernel makes a new pid namespace only from a process in the one its children go to:
# a helper born in the target's makes the session's init, and exits (contain.c).
PT=pid:$PIDNET_TARGET
cat >"$TESTDIR/pidns-parent.py" <<'PY'
# Is the pid namespace of process argv[1] the child of that of process argv[2]? (NS_GET_PARENT)
import fcntl, os, sys
fd = os.open("/proc/%s/ns/pid" % sys.argv[1], os.O_RDONLY)
parent = fcntl.ioctl(fd, 0xb702)
print(os.fstat(parent).st_ino == os.stat("/proc/%s/ns/pid" % sys.argv[2]).st_ino)
PY
out=$(nsctl_as "$ALICE" run "$PT" --net --pid -- ps -e -o pid=,comm= 2>&1)
check "caps and --pid: the session runs and sees its own processes only (init and ps)" \
	expect_eq "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" "1 2 "
check "... none of the target's" expect_no_match "$out" 'sleep'
nsctl_as "$ALICE" run "$PT" --net --pid -- sh -c 'exit 7'
check "... its exit status comes back (7)" expect_eq "$?" 7
nsctl_as "$ALICE" run "$PT" --net --pid -- ip link add e0 type veth peer name e1 netns 1
check "... 'peer netns 1' is the session's init, in the target (exit 0)" expect_eq "$?" 0
check "... e1 is the target's, not the host's" \
	eval '! host_has e1 && nsenter -t "$PIDNET_TARGET" -n ip link show e1 >/dev/null'
out=$(nsctl_as "$ALICE" run "$PT" --net --pid -- ip link add f0 type veth peer name f1 \
	netns "$HOSTPID" 2>&1)
check "... 'peer netns PID' of the caller's host process fails" expect_match "$out" 'No such process'
out=$(nsctl_as "$ALICE" run "$PT" --net --pid -- ip link add g0 type veth peer name g1 \
	netns "$PIDNET_TARGET" 2>&1)
check "... so does the target's pid 1 by its host pid" expect_match "$out" 'No such process'
nsctl_as "$ALICE" run "$PT" --net --pid -- sleep 42 >/dev/null 2>&1 &
CLIENT=$!
wait_until 10 pgrep -u "$ALICE" -f '^sleep 42$' >/dev/null
S42=$(pgrep -u "$ALICE" -f '^sleep 42$')
# field NAME PID: a field of /proc/PID/status, the name and its colon left out.
field() { awk -v f="$1:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$2/status" 2>/dev/null; }
INIT42=$(field PPid "$S42")
levels=$(field NSpid "$PIDNET_TARGET" | wc -w)
check "... the command is pid 2, one pid namespace below the target's processes" \
	expect_eq "$(field NSpid "$S42" | awk '{ print NF, $NF }')" "$((levels + 1)) 2"
check "... its parent is that namespace's pid 1, nsctld's child" \
	expect_eq "$(field NSpid "$INIT42" | awk '{ print $NF }') $(field PPid "$INIT42")" "1 $D"
check "... whose pid namespace is the child of the target's" \
	expect_eq "$("$PYTHON" "$TESTDIR/pidns-parent.py" "$S42" "$PIDNET_TARGET" 2>&1)" True
pid=$(nsctl_as "$ALICE" ps --json | "$PYTHON" -c '
import json, sys
print(*[s["pid"] for s in json.load(sys.stdin)["sessions"] if s["argv"] == ["sleep", "42"]])')
check "... nsctl ps shows its init's pid as the host sees it" expect_eq "$pid" "$INIT42"
# in_target_pidns: the processes whose pid namespace is the target's.
in_target_pidns()
{
	local ns p
	ns=$(readlink "/proc/$PIDNET_TARGET/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
	done
}
check "... the helper that made the init is gone: the target's pid namespace holds its own" \
	expect_eq "$(in_target_pidns | tr '\n' ' ')" "$PIDNET_TARGET "
CLIENT_NSCTL=$(pgrep -u "$ALICE" -f "nsctl --socket $SOCK run $PT --net --pid -- sleep 42")
kill -TERM "$CLIENT_NSCTL"
wait_status "$CLIENT" 10
check "... SIGTERM to nsctl reaches the command through its init (143)" expect_eq "$WAIT_STATUS" 143
check "... and the command and its init are gone" eval 'gone_pid "$S42" && gone_pid "$INIT42"'
out=$(nsctl_as "$BOB" run "$PT" --all -- sh -c 'ps -e -o pid=; exit 5' 2>&1)
check "caps and --all: the session runs, its exit status comes back (5)" expect_eq "$?" 5
check "... it sees its own processes only (init, sh, ps)" \
	expect_eq "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" "1 2 3 "
out=$(nsctl_as "$BOB" run "$PT" --all -- findmnt -n -o TARGET,FSTYPE -t nsfs,proc 2>&1)
check "... no nsfs mount is left in the target's mount namespace, and one procfs" \
	expect_eq "$out" "/proc  proc"

# -- the policy says what cannot be scoped --------------------------------------------------
out=$("$NSCTLD" --check-policy "$POLICY" 2>&1)
check "--check-policy warns that dac_override is host-wide" \
	expect_match "$out" "policy:6: cap_dac_override acts beyond the target.*host-wide"
check "... and not about net_admin" expect_no_match "$out" "policy:2:"
check "the load log says it too" expect_match "$(cat "$LOG")" "warning: .*policy:6: cap_dac_override"

check "the daemon has no zombie children" expect_eq "$(zombie_children "$D")" ""
check_daemon_stops "$D" "$LOG"

# -- nsctld killed: a contained command dies with it ---------------------------------------
SOCK=$TESTDIR/io.nsctl2
daemon_start "$SOCK" "$TESTDIR/nsctld2.log" --policy "$POLICY" --idle-timeout 0 ||
	diag "the second nsctld does not start"
nsctl_as "$ALICE" run "$NT" --net -- sleep 33 >/dev/null 2>&1 &
CLIENT=$!
wait_until 10 pgrep -u "$ALICE" -f '^sleep 33$' >/dev/null
S33=$(pgrep -u "$ALICE" -f '^sleep 33$')
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
check "nsctld SIGKILLed: the contained command dies with it (its init's PDEATHSIG)" \
	gone_pid "$S33"
wait_status "$CLIENT" 10
tap_done
