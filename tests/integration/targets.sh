#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Targets by name: real Podman containers behind the Docker API, named netns, the bus;
# resolution, pinning, the cache, slow or absent services, ls and ns under the policy.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout podman runc busybox stat
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 55
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
target_start || exit 1

PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
PFX=nsctl-t$$
C1=$PFX-c1
C2=$PFX-c2
C3=$PFX-c3

# --- containers and the API -------------------------------------------------------------

# A root file system of busybox and its applets (relative links: they resolve inside).
ROOTFS=$TESTDIR/rootfs
mkdir -p "$ROOTFS/bin"
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for a in $(busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$ROOTFS/bin/$a"
done

# container_run NAME: a container running sleep, no network but its own lo.
container_run()
{
	"${PODMAN[@]}" run -d --name "$1" --network none --ulimit nofile=10000:10000 \
		--ulimit nproc=1000:1000 --rootfs "$ROOTFS" /bin/sleep 1000 >/dev/null || return 1
}
container_pid() { "${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$1"; }
container_id() { "${PODMAN[@]}" inspect -f '{{.Id}}' "$1"; }
container_hostname() { "${PODMAN[@]}" inspect -f '{{.Config.Hostname}}' "$1"; }
for c in "$C1" "$C2" "$C3"; do
	defer "${PODMAN[@]}" rm -f -t 0 "$c"
	container_run "$c" || { diag "podman cannot start a container here"; exit 1; }
done

# api_start SOCK: podman serving the Docker Engine API on SOCK; API_PID.
api_start()
{
	"${PODMAN[@]}" system service --time=0 "unix://$1" >"$1.log" 2>&1 &
	API_PID=$!
	defer kill_wait "$API_PID"
	wait_until 20 api_answers "$1" || { diag "podman system service does not answer"; return 1; }
}
api_answers()
{
	"$PYTHON" - "$1" 2>/dev/null <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: x\r\n\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.") else 1)
EOF
}
API=$TESTDIR/docker.sock
api_start "$API" || exit 1
API_FIRST=$API_PID

# A unix socket that accepts and never answers.
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

# --- the daemon -------------------------------------------------------------------------

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
write_policy "$POLICY" \
	"permit $ALICE on docker:$PFX-*,podman:$PFX-*,netns:$PFX-*,netns:$NETNS,pid:$TARGET_PID ns net,uts,ipc" \
	"permit $BOB on netns:$C1 ns net"
# Docker only (the same API as podman: with both, every bare container name would be
# ambiguous); a long cache, so that what drops an entry is the process's exit.
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 --backends pid,netns,docker \
	--docker-socket "$API" --target-cache 60 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

ID1=$(container_id "$C1")
HOST1=$(container_hostname "$C1")

# -- resolution ---------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run "docker:$C1" --uts -- hostname 2>&1)
check "docker:NAME: the command sees the container's hostname" expect_eq "$out" "$HOST1"
out=$(nsctl_as "$ALICE" run "$C1" --uts -- hostname 2>&1)
check "a bare NAME resolves to the container" expect_eq "$out" "$HOST1"
out=$(nsctl_as "$ALICE" run "docker:${ID1:0:12}" --uts -- hostname 2>&1)
check "docker:ID-PREFIX resolves to the container" expect_eq "$out" "$HOST1"
out=$(nsctl_as "$ALICE" run "docker:$ID1" --uts -- hostname 2>&1)
check "docker:FULL-ID resolves to the container" expect_eq "$out" "$HOST1"
n=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_TARGET="docker:$C1" NSCTL_DECISION=permit |
	wc -l)
check "the policy decided all four on the canonical name docker:$C1" expect_eq "$n" 4
n=$(audit_records "$LOG" NSCTL_EVENT=decision | grep -c "${ID1:0:12}")
check "no decision names the ID" expect_eq "$n" 0

# The host's ip, joining only the net namespace (busybox has no ip; /proc stays the host's).
out=$(nsctl_as "$ALICE" run "$C1" --net -- ip -br link 2>&1)
check "--net: the command sees the container's interfaces (lo only, --network none)" \
	expect_eq "$(awk '{print $1}' <<<"$out")" lo
out=$(nsctl_as "$ALICE" run "$C1" --net -- readlink /proc/self/ns/net 2>&1)
check "--net: its net namespace is the container's" \
	expect_eq "$out" "$(readlink "/proc/$(container_pid "$C1")/ns/net")"

# -- not found, and not permitted ---------------------------------------------------------
err=$(nsctl_as "$ALICE" run "docker:$PFX-nope" --net -- true 2>&1)
st=$?
check "a permitted name that no container has: TargetNotFound, status 125" \
	expect_eq "$st:$(grep -c TargetNotFound <<<"$err")" 125:1
err_exists=$(nsctl_as "$BOB" run "docker:$C1" --net -- true 2>&1)
err_missing=$(nsctl_as "$BOB" run "docker:$PFX-nope" --net -- true 2>&1)
check "bob, not permitted: PermissionDenied for an existing container" \
	expect_match "$err_exists" 'PermissionDenied'
check "bob gets the same answer for a container that does not exist" \
	expect_eq "${err_missing//$PFX-nope/X}" "${err_exists//$C1/X}"
err=$(nsctl_as "$ALICE" run "docker:$C1" --mount -- true 2>&1)
check "alice, for a namespace her rule does not list: PermissionDenied" \
	expect_match "$err" "PermissionDenied: .*mnt of docker:$C1"

# -- the cache: a resolved name needs no API call until its process exits ------------------
nsctl_as "$ALICE" run "docker:$C1" --uts -- true
kill_wait "$API_PID"
out=$(nsctl_as "$ALICE" run "docker:$C1" --uts -- hostname 2>&1)
check "with the API gone, a name resolved before still resolves (cache)" \
	expect_eq "$out" "$HOST1"
err=$(nsctl_as "$ALICE" run "docker:$C2" --uts -- true 2>&1)
check "... and a name not cached gets BackendUnavailable" \
	expect_match "$err" "BackendUnavailable: the docker backend is unavailable: cannot connect to $API"
api_start "$API" || exit 1

# -- stopped, removed and re-created ------------------------------------------------------
out=$(nsctl_as "$ALICE" run "docker:$C2" --uts -- hostname 2>&1)
check "docker:$C2 runs" expect_eq "$out" "$(container_hostname "$C2")"
"${PODMAN[@]}" stop -t 0 "$C2" >/dev/null
err=$(nsctl_as "$ALICE" run "docker:$C2" --uts -- true 2>&1)
check "a stopped container: TargetNotFound" expect_match "$err" "TargetNotFound: no such target: docker:$C2"

old_pid=$(nsctl_as "$ALICE" ns "docker:$C3" --json | json_get pid)
check "ns --json reports the container's pid" expect_eq "$old_pid" "$(container_pid "$C3")"
"${PODMAN[@]}" rm -f -t 0 "$C3" >/dev/null
container_run "$C3"
new_pid=$(container_pid "$C3")
got=$(nsctl_as "$ALICE" ns "docker:$C3" --json | json_get pid)
check "re-created under the same name: the new container (pid $old_pid -> $new_pid)" \
	expect_eq "$got" "$new_pid"
out=$(nsctl_as "$ALICE" run "docker:$C3" --uts -- hostname 2>&1)
check "... and the command runs in the new one" expect_eq "$out" "$(container_hostname "$C3")"

# -- ambiguity and what the caller may see -----------------------------------------------
ip netns add "$C1"
defer ip netns delete "$C1"
got=$(nsctl_as "$ALICE" ns "$C1" --json | json_get target)
check "a bare name that a netns and a container have: the netns (a container cannot shadow it)" \
	expect_eq "$got" "netns:$C1"
got=$(nsctl_as "$BOB" ns "$C1" --json | json_get target)
check "bob may see only the netns: for him the bare name means netns:$C1" \
	expect_eq "$got" "netns:$C1"

# -- listing ------------------------------------------------------------------------------
ls_alice=$(nsctl_as "$ALICE" ls --json)
names=$("$PYTHON" -c 'import json,sys; print(" ".join(sorted(t["target"] for t in json.load(sys.stdin)["targets"])))' <<<"$ls_alice")
check "ls (alice): exactly her containers and netns, nothing else of the host" \
	expect_eq "$names" "$(printf '%s\n' "docker:$C1" "docker:$C2" "docker:$C3" "netns:$C1" \
		"netns:$NETNS" | sort | tr '\n' ' ' | sed 's/ $//')"
got=$("$PYTHON" -c 'import json,sys; t=[x for x in json.load(sys.stdin)["targets"] if x["target"]==sys.argv[1]][0]; print(t["kind"], t["pid"], t["state"])' "docker:$C1" <<<"$ls_alice")
check "ls: kind, pid and state of a running container" \
	expect_eq "$got" "docker $(container_pid "$C1") running"
got=$("$PYTHON" -c 'import json,sys; t=[x for x in json.load(sys.stdin)["targets"] if x["target"]==sys.argv[1]][0]; print(t["kind"], t.get("pid", "-"), t["state"])' "docker:$C2" <<<"$ls_alice")
check "ls: a stopped container is listed without a pid" expect_eq "$got" "docker - exited"
out=$(nsctl_as "$BOB" ls)
check "ls (bob): the table has only the netns he may enter" \
	expect_eq "$(tail -n +2 <<<"$out" | awk '{print $1, $2, $3, $4}')" "netns netns:$C1 - present"
out=$(nsctl_as nobody ls --json)
check "ls (a user without rules): nothing" \
	expect_eq "$out" '{"targets":[],"unavailable":[]}'

# -- describing ---------------------------------------------------------------------------
P1=$(container_pid "$C1")
desc=$(nsctl_as "$ALICE" ns "docker:$C1" --json)
row() { "$PYTHON" -c 'import json,sys; n=[x for x in json.load(sys.stdin)["namespaces"] if x["type"]==sys.argv[1]][0]; print(n["inode"], n["host"], n["may_enter"])' "$1" <<<"$desc"; }
check "ns: net has the container's inode, is not the host's, may be entered" \
	expect_eq "$(row net)" "$(stat -L -c %i "/proc/$P1/ns/net") False True"
check "ns: mnt may not be entered (the rule lists net,uts,ipc)" \
	expect_eq "$(row mnt)" "$(stat -L -c %i "/proc/$P1/ns/mnt") False False"
check "ns: user is the host's (rootful podman, no user namespace)" \
	expect_eq "$(row user)" "$(stat -L -c %i /proc/self/ns/user) True False"
err_exists=$(nsctl_as "$BOB" ns "docker:$C1" 2>&1)
err_missing=$(nsctl_as "$BOB" ns "docker:$PFX-nope" 2>&1)
check "ns (bob): PermissionDenied for a container he may not see" \
	expect_match "$err_exists" "PermissionDenied"
check "... the same as for one that does not exist" \
	expect_eq "${err_missing//$PFX-nope/X}" "${err_exists//$C1/X}"

check "the daemon is still running" pid_alive "$D"
check_daemon_stops "$D" "$LOG"

# --- podman: and the same container through both backends ---------------------------------
SOCK2=$TESTDIR/io.nsctl.2
LOG2=$TESTDIR/nsctld.2.log
# netns:$NETNS too: only a caller whom a rule could permit is told of a backend's state.
write_policy "$TESTDIR/policy2" "permit $ALICE on docker:$PFX-*,podman:$PFX-*,netns:$NETNS ns uts,net"
daemon_start "$SOCK2" "$LOG2" --policy "$TESTDIR/policy2" --idle-timeout 0 \
	--backends docker,podman --docker-socket "$API" --podman-socket "$API" ||
	diag "the second nsctld does not start"
D2=$DAEMON_PID
SOCK=$SOCK2
out=$(nsctl_as "$ALICE" run "podman:$C1" --uts -- hostname 2>&1)
check "podman:NAME resolves through the podman backend" expect_eq "$out" "$HOST1"
err=$(nsctl_as "$ALICE" run "$C1" --uts -- true 2>&1)
check "a name known to the docker and the podman backend: AmbiguousTarget" \
	expect_match "$err" "it names docker:$C1 and podman:$C1"
err=$(nsctl_as "$ALICE" run "netns:$NETNS" --net -- true 2>&1)
check "a backend not enabled (--backends): BackendUnavailable" \
	expect_match "$err" "the netns backend is unavailable: not enabled"
out=$(nsctl_as "$ALICE" ls --json)
check "ls lists the container through both backends" \
	expect_eq "$("$PYTHON" -c 'import json,sys; print(sorted(t["target"] for t in json.load(sys.stdin)["targets"] if t["name"]==sys.argv[1]))' "$C1" <<<"$out")" \
	"['docker:$C1', 'podman:$C1']"
check_daemon_stops "$D2" "$LOG2"

# --- absent and hanging services ---------------------------------------------------------
SOCK3=$TESTDIR/io.nsctl.3
LOG3=$TESTDIR/nsctld.3.log
daemon_start "$SOCK3" "$LOG3" --policy "$POLICY" --idle-timeout 0 \
	--backends pid,netns,docker,podman --docker-socket "$HANG" \
	--podman-socket "$TESTDIR/missing.sock" --backend-timeout 3 ||
	diag "the third nsctld does not start"
D3=$DAEMON_PID
SOCK=$SOCK3
err=$(nsctl_as "$ALICE" run "podman:$C1" --uts -- true 2>&1)
check "a missing API socket: BackendUnavailable naming it" \
	expect_match "$err" "podman backend is unavailable: cannot connect to $TESTDIR/missing.sock: No such file"

FDS0=$(fd_count "$D3")
t0=$(date +%s%N)
nsctl_as "$ALICE" run "docker:$C1" --uts -- true >"$TESTDIR/hang.out" 2>&1 &
HUNG=$!
sleep 0.3
out=$(nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts -- hostname 2>&1)
t1=$(date +%s%N)
check "while a docker: request hangs, a pid: request is served" \
	expect_eq "$out" "$TARGET_HOSTNAME"
check "... in well under the backend timeout ($(( (t1 - t0) / 1000000 )) ms, request pending)" \
	expect_eq "$( [ $(( (t1 - t0) / 1000000 )) -lt 1500 ] && pid_alive "$HUNG" && echo yes)" yes
wait_status "$HUNG" 10
t2=$(date +%s%N)
check "the hanging request ends with status 125 after the timeout (~$(( (t2 - t0) / 1000000 )) ms)" \
	expect_eq "$WAIT_STATUS" 125
check "... as BackendUnavailable: no complete answer within 3000 ms" \
	expect_match "$(cat "$TESTDIR/hang.out")" "no complete answer from $HANG within 3000 ms"
t0=$(date +%s%N)
out=$(nsctl_as "$ALICE" run "$NETNS" --net -- echo served 2>&1)
t1=$(date +%s%N)
check "a bare name that is a netns, while docker hangs and podman is missing: served at once ($(( (t1 - t0) / 1000000 )) ms)" \
	expect_eq "$out:$( [ $(( (t1 - t0) / 1000000 )) -lt 1500 ] && echo fast)" "served:fast"

# A client that leaves while its target is being resolved: the resolution is cancelled at
# once (its connection to the API closed), not left to run into the timeout.
nsctl_as "$ALICE" run "docker:$C1" --uts -- true >/dev/null 2>&1 &
HUNG=$!
fds_below() { [ "$(fd_count "$D3")" -lt "$1" ]; }
wait_until 2 eval '[ "$(fd_count "$D3")" -ge $((FDS0 + 2)) ]'
FDS_PENDING=$(fd_count "$D3")
t0=$(date +%s%N)
kill -KILL "$(find_descendant "$HUNG" nsctl)" 2>/dev/null
wait_status "$HUNG" 5
wait_until 2 fds_below "$FDS_PENDING"
t1=$(date +%s%N)
check "a client gone mid-resolution: its fds ($FDS_PENDING -> $(fd_count "$D3")) go within $(( (t1 - t0) / 1000000 )) ms, before the timeout" \
	expect_eq "$( [ "$FDS_PENDING" -ge $((FDS0 + 2)) ] && [ "$(fd_count "$D3")" -le "$FDS0" ] &&
		[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] && pid_alive "$D3" && echo yes)" yes
out=$(nsctl_as "$ALICE" ls --json)
check "ls with a hanging backend: the others listed, the hanging one named as unavailable" \
	expect_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(any(t["target"]=="netns:"+sys.argv[1] for t in d["targets"]), [u["backend"] for u in d["unavailable"]])' "$NETNS" <<<"$out")" \
	"True ['docker']"

# --- machines and units, through the system bus --------------------------------------------
# A private dbus-daemon stands for a system bus without machined and systemd on it (and
# without service activation, which would try to start them).
if command -v dbus-daemon >/dev/null; then
BUS=$TESTDIR/bus
cat >"$TESTDIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$TESTDIR/bus.conf" --nofork --nopidfile >/dev/null 2>&1 &
defer kill_wait $!
wait_until 10 test -S "$BUS"
SOCK4=$TESTDIR/io.nsctl.4
write_policy "$TESTDIR/policy4" "permit $ALICE ns net"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS" "$NSCTLD" --listen "$SOCK4" \
	--policy "$TESTDIR/policy4" --log stderr >"$TESTDIR/nsctld.4.log" 2>&1 &
defer daemon_stop $!
wait_until 10 test -S "$SOCK4"
SOCK=$SOCK4
err=$(nsctl_as "$ALICE" run machine:nsctl-none --net -- true 2>&1)
check "machine: with machined not on the bus: BackendUnavailable" \
	expect_match "$err" "machine backend is unavailable: org.freedesktop.machine1 is not on the system bus"
err=$(nsctl_as "$ALICE" run unit:nsctl-none.service --net -- true 2>&1)
check "unit: with systemd not on the bus: BackendUnavailable" \
	expect_match "$err" "unit backend is unavailable: org.freedesktop.systemd1 is not on the system bus"
else
	skip "machine: with machined not on the bus: BackendUnavailable" "dbus-daemon is not installed"
	skip "unit: with systemd not on the bus: BackendUnavailable" "dbus-daemon is not installed"
fi

if busctl --system status org.freedesktop.systemd1 >/dev/null 2>&1 &&
   command -v systemd-run >/dev/null; then
	UNIT=nsctl-test-$$
	systemd-run --quiet --unit "$UNIT" -p PrivateNetwork=yes sleep 1000 &&
		defer systemctl stop "$UNIT"
	SOCK=$TESTDIR/io.nsctl.5
	write_policy "$TESTDIR/policy5" "permit $ALICE on unit:$UNIT.service ns net"
	"$NSCTLD" --listen "$SOCK" --policy "$TESTDIR/policy5" --log stderr \
		>"$TESTDIR/nsctld.5.log" 2>&1 &
	defer daemon_stop $!
	wait_until 10 test -S "$SOCK"
	mainpid=$(systemctl show -P MainPID "$UNIT")
	out=$(nsctl_as "$ALICE" run "unit:$UNIT.service" --net -- readlink /proc/self/ns/net 2>&1)
	check "unit:NAME.service: the command is in the main process's net namespace" \
		expect_eq "$out" "$(readlink "/proc/$mainpid/ns/net")"
else
	skip "unit:NAME.service resolves to the main process" \
		"no systemd on the system bus (systemd is not PID 1 here)"
fi
if busctl --system status org.freedesktop.machine1 >/dev/null 2>&1 &&
   command -v systemd-nspawn >/dev/null; then
	MACHINE=nsctl-m$$
	systemd-run --quiet --unit "$MACHINE" systemd-nspawn --quiet --register=yes \
		-M "$MACHINE" -D "$ROOTFS" /bin/sleep 1000 && defer systemctl stop "$MACHINE"
	wait_until 10 busctl --system call org.freedesktop.machine1 /org/freedesktop/machine1 \
		org.freedesktop.machine1.Manager GetMachine s "$MACHINE" >/dev/null 2>&1
	SOCK=$TESTDIR/io.nsctl.6
	write_policy "$TESTDIR/policy6" "permit $ALICE on machine:$MACHINE ns uts"
	"$NSCTLD" --listen "$SOCK" --policy "$TESTDIR/policy6" --log stderr \
		>"$TESTDIR/nsctld.6.log" 2>&1 &
	defer daemon_stop $!
	wait_until 10 test -S "$SOCK"
	out=$(nsctl_as "$ALICE" run "machine:$MACHINE" --uts -- hostname 2>&1)
	check "machine:NAME: the command sees the machine's hostname" expect_eq "$out" "$MACHINE"
else
	skip "machine:NAME resolves to the machine's leader" \
		"no systemd-machined on the system bus (systemd is not PID 1 here)"
fi

# SIGTERM while a call waits for its target: it is answered at once, and starts nothing.
SOCK=$SOCK3
nsctl_as "$ALICE" run "docker:$C1" --uts -- true >"$TESTDIR/stop.out" 2>&1 &
HUNG=$!
wait_until 2 eval '[ "$(fd_count "$D3")" -ge $((FDS0 + 2)) ]'
check_daemon_stops "$D3" "$LOG3"
wait_status "$HUNG" 2
check "SIGTERM: a call waiting for its target gets ShuttingDown at once" \
	expect_eq "$WAIT_STATUS:$(grep -c 'ShuttingDown' "$TESTDIR/stop.out")" 125:1
tap_done
