#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Kubernetes nodes: k8s:, containerd: and crio: targets against a real containerd (pods
# made with ctr and exactly the CRI plugin's annotations), and CRI-O's state laid out as
# CRI-O lays it out; the policy by Kubernetes namespace; stopped, unsafe and stale state.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout containerd ctr runc \
	busybox stat sha256sum
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"
[ -d /sys/fs/cgroup/unified ] || [ -f /sys/fs/cgroup/cgroup.procs ] ||
	tap_skip_all "no cgroup v2 hierarchy to put CRI-O's processes in"

tap_plan 38
setup_tmpdir
setup_users || exit 1
target_start || exit 1

# The state must be under directories only root may write (the reader refuses /tmp).
ST=$(mktemp -d /run/nsctl-k8s.XXXXXX) || exit 1
defer rm -rf "$ST"
chmod 0711 "$ST"

# --- a local containerd -----------------------------------------------------------------

# Only unix sockets under $ST: the CRI plugin (CNI, streaming server) and tracing are off,
# no TCP, no metrics or debug listener, nothing under /run/containerd or /opt.
CSOCK=$ST/containerd.sock
cat >"$ST/containerd.toml" <<EOF
version = 2
root = "$ST/root"
state = "$ST/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.tracing.processor.v1.otlp",
		    "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CSOCK"
  tcp_address = ""
[ttrpc]
  address = "$CSOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$ST/opt"
EOF
containerd --config "$ST/containerd.toml" --root "$ST/root" --state "$ST/state" \
	--address "$CSOCK" >"$ST/containerd.log" 2>&1 &
CTRD_PID=$!
defer kill_wait "$CTRD_PID"
CTR=(ctr --address "$CSOCK" -n k8s.io)
if ! wait_until 20 "${CTR[@]}" version >/dev/null 2>&1; then
	diag "containerd does not start"
	diag_file "$ST/containerd.log"
	exit 1
fi

ROOTFS=$ST/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS/www"
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for a in sh sleep httpd hostname; do
	ln -s busybox "$ROOTFS/bin/$a"
done
echo "hello from staging/web" >"$ROOTFS/www/index.html"

# IDs as the CRI plugin makes them: 64 hex digits. Two share a prefix with a third.
id() { printf '%s%s' "$1" "$(head -c 32 /dev/urandom | sha256sum | cut -c $((${#1} + 1))-64)"; }
S1=$(id d1)   # sandbox of staging/web
A1=$(id d2)   # staging/web/app: httpd on 127.0.0.1 in the pod's net namespace
O1=$(id d3)   # staging/web/old: stopped
S2=$(id e1)   # sandbox of prod/db
A2=$(id e2)   # prod/db/db

# pod_run ID NAMESPACE POD TYPE [CONTAINER SANDBOX-ID SANDBOX-PID] -- CMD...: a task with
# the annotations the CRI plugin writes; a container joins its sandbox's net namespace.
ctr_run()
{
	local id=$1 ns=$2 pod=$3 type=$4 extra=()
	shift 4
	if [ "$type" = container ]; then
		extra=(--annotation "io.kubernetes.cri.container-name=$1"
		       --annotation "io.kubernetes.cri.sandbox-id=$2"
		       --with-ns "network:/proc/$3/ns/net")
		shift 3
	else
		extra=(--annotation "io.kubernetes.cri.sandbox-id=$id")
	fi
	shift # --
	defer "${CTR[@]}" container rm "$id"
	defer "${CTR[@]}" task rm -f "$id"
	"${CTR[@]}" run -d --rootfs \
		--annotation "io.kubernetes.cri.container-type=$type" \
		--annotation "io.kubernetes.cri.sandbox-name=$pod" \
		--annotation "io.kubernetes.cri.sandbox-namespace=$ns" \
		"${extra[@]}" "$ROOTFS" "$id" "$@" >/dev/null
}
task_pid() { cat "$ST/state/io.containerd.runtime.v2.task/k8s.io/$1/init.pid"; }

ctr_run "$S1" staging web sandbox -- /bin/sleep 1000 || { diag "ctr cannot run a task"; exit 1; }
S1P=$(task_pid "$S1")
ctr_run "$A1" staging web container app "$S1" "$S1P" -- /bin/httpd -f -p 127.0.0.1:8080 -h /www
ctr_run "$O1" staging web container old "$S1" "$S1P" -- /bin/sleep 1000
ctr_run "$S2" prod db sandbox -- /bin/sleep 1000
S2P=$(task_pid "$S2")
ctr_run "$A2" prod db container db "$S2" "$S2P" -- /bin/sleep 1000
A1P=$(task_pid "$A1")
A2P=$(task_pid "$A2")
"${CTR[@]}" task kill -s KILL "$O1"
wait_until 10 sh -c "${CTR[*]} task ls | grep -q '^$O1 .*STOPPED'" || diag "$O1 did not stop"

# --- CRI-O's state, as CRI-O writes it --------------------------------------------------

# STATE/overlay-containers/ID/userdata/{config.json,pidfile} (containers/storage's run
# directory is CRI-O's bundle), the annotations of server/sandbox_run_linux.go and
# internal/factory/container/container.go, processes in crio-ID.scope cgroups.
CRIO=$ST/crio
CG=/sys/fs/cgroup/unified
[ -f "$CG/cgroup.procs" ] || CG=/sys/fs/cgroup
CG=$CG/nsctl-k8s-$$
mkdir "$CG"
# cg_cleanup: after the processes' own cleanup (deferred later, so run earlier).
# shellcheck disable=SC2317 # called through defer
cg_cleanup()
{
	local d
	for d in "$CG"/*/; do
		[ -d "$d" ] || continue
		# shellcheck disable=SC2046
		kill -KILL $(cat "$d/cgroup.procs") 2>/dev/null
		wait_until 5 sh -c "[ ! -s '$d/cgroup.procs' ]"
		rmdir "$d"
	done
	rmdir "$CG"
}
defer cg_cleanup
CS=$(id f1)   # sandbox of batch/job
CA=$(id f2)   # batch/job/worker
crio_bundle()
{
	local id=$1 config=$2 pid=$3 d=$CRIO/overlay-containers/$1/userdata
	mkdir -p "$d"
	chmod 0700 "$CRIO/overlay-containers/$id" "$d"
	printf '%s' "$config" >"$d/config.json"
	printf '%s' "$pid" >"$d/pidfile"
	mkdir "$CG/crio-$id.scope"
	echo "$pid" >"$CG/crio-$id.scope/cgroup.procs"
}
unshare --net --uts sleep 1000 &
CSP=$!
defer kill_wait "$CSP"
nsenter -t "$CSP" -n sleep 1000 &
CAP=$!
defer kill_wait "$CAP"
mkdir -p "$CRIO"
crio_bundle "$CS" '{"ociVersion":"1.0.2","annotations":{"io.container.manager":"cri-o",
"io.kubernetes.cri-o.ContainerType":"sandbox","io.kubernetes.cri-o.KubeName":"job",
"io.kubernetes.cri-o.Namespace":"batch","io.kubernetes.cri-o.SandboxID":"'"$CS"'",
"io.kubernetes.cri-o.Labels":"{\"io.kubernetes.pod.name\":\"job\",\"io.kubernetes.pod.namespace\":\"batch\",\"io.kubernetes.container.name\":\"POD\"}"}}' "$CSP"
crio_bundle "$CA" '{"ociVersion":"1.0.2","annotations":{"io.container.manager":"cri-o",
"io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.cri-o.SandboxID":"'"$CS"'",
"io.kubernetes.cri-o.Labels":"{\"io.kubernetes.container.name\":\"worker\",\"io.kubernetes.pod.name\":\"job\",\"io.kubernetes.pod.namespace\":\"batch\"}"}}' "$CAP"

# --- the daemon -------------------------------------------------------------------------

# No cache: each check reads the state afresh (a cached name is kept while its process
# lives, see target-cache.c, and would hide the state changed under it below).

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
write_policy "$POLICY" \
	"permit $ALICE on k8s:staging/*,k8s:batch/* ns net,uts,ipc" \
	"permit $BOB on containerd:*,crio:* ns net"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 --target-cache 0 \
	--backends pid,k8s,containerd,crio --containerd-state "$ST/state" --crio-state "$CRIO" ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
netns_of() { readlink "/proc/$1/ns/net"; }

# -- by Kubernetes name --------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run k8s:staging/web --net -- readlink /proc/self/ns/net 2>&1)
check "k8s:NS/POD: the pod's sandbox's net namespace" expect_eq "$out" "$(netns_of "$S1P")"
out=$(nsctl_as "$ALICE" run k8s:staging/web --net -- busybox wget -q -O - \
	http://127.0.0.1:8080/index.html 2>&1)
check "... where the app container serves on the pod's loopback" \
	expect_eq "$out" "hello from staging/web"
got=$(nsctl_as "$ALICE" ns k8s:staging/web/app --json | json_get pid)
check "k8s:NS/POD/CONTAINER: the container's process" expect_eq "$got" "$A1P"
out=$(nsctl_as "$ALICE" run k8s:staging/web/app --uts -- hostname 2>&1)
check "... and its uts namespace" expect_eq "$out" "$(nsenter -t "$A1P" -u hostname)"
err=$(nsctl_as "$ALICE" run k8s:prod/db --net -- true 2>&1)
check "alice may enter staging, not prod: PermissionDenied" \
	expect_match "$err" "PermissionDenied: .*net of k8s:prod/db"
err2=$(nsctl_as "$ALICE" run k8s:prod/nope --net -- true 2>&1)
check "... the same answer for a pod that does not exist" \
	expect_eq "${err2//nope/X}" "${err//db/X}"
err=$(nsctl_as "$ALICE" run k8s:staging/web/old --net -- true 2>&1)
check "a stopped container: TargetNotFound" \
	expect_match "$err" "TargetNotFound: no such target: k8s:staging/web/old"
err=$(nsctl_as "$ALICE" run k8s:staging/Web --net -- true 2>&1)
check "not a Kubernetes name: TargetNotFound" expect_match "$err" "TargetNotFound"
err=$(nsctl_as "$ALICE" run staging/web --net -- true 2>&1)
check "k8s names are not bare names" expect_match "$err" "TargetNotFound"

# -- by containerd ID ----------------------------------------------------------------------
out=$(nsctl_as "$BOB" run "containerd:k8s.io/$A2" --net -- readlink /proc/self/ns/net 2>&1)
check "containerd:NS/ID" expect_eq "$out" "$(netns_of "$A2P")"
got=$(nsctl_as "$BOB" ns "containerd:${A2:0:6}" --json | json_get target)
check "containerd:ID-PREFIX, default namespace k8s.io: the canonical name has the whole ID" \
	expect_eq "$got" "containerd:k8s.io/$A2"
err=$(nsctl_as "$BOB" run containerd:d --net -- true 2>&1)
check "an ambiguous prefix: AmbiguousTarget" expect_match "$err" "AmbiguousTarget"
err=$(nsctl_as "$BOB" run "containerd:default/$A2" --net -- true 2>&1)
check "another containerd namespace: TargetNotFound" expect_match "$err" "TargetNotFound"
err=$(nsctl_as "$BOB" run k8s:prod/db --net -- true 2>&1)
check "bob's rule names containerd:*, not k8s:" expect_match "$err" "PermissionDenied"

# -- CRI-O ---------------------------------------------------------------------------------
out=$(nsctl_as "$ALICE" run k8s:batch/job/worker --net -- readlink /proc/self/ns/net 2>&1)
check "CRI-O: k8s:NS/POD/CONTAINER from its Labels" expect_eq "$out" "$(netns_of "$CAP")"
got=$(nsctl_as "$ALICE" ns k8s:batch/job --json | json_get pid)
check "CRI-O: k8s:NS/POD is the sandbox" expect_eq "$got" "$CSP"
got=$(nsctl_as "$BOB" ns "crio:${CA:0:8}" --json | json_get target)
check "crio:ID-PREFIX" expect_eq "$got" "crio:$CA"

# -- listing -------------------------------------------------------------------------------
listing() { "$PYTHON" -c 'import json,sys
for t in json.load(sys.stdin)["targets"]: print(t["target"], t.get("pid", "-"), t["state"])'; }
got=$(nsctl_as "$ALICE" ls --json | listing)
check "ls (alice): her pods and containers with pid and state, not prod's" \
	expect_eq "$got" "$(printf '%s\n' "k8s:batch/job $CSP running" \
		"k8s:batch/job/worker $CAP running" "k8s:staging/web $S1P running" \
		"k8s:staging/web/app $A1P running" "k8s:staging/web/old - exited")"
got=$(nsctl_as "$BOB" ls --json | listing)
check "ls (bob): containerd's tasks and CRI-O's containers" \
	expect_eq "$got" "$(printf '%s\n' "containerd:k8s.io/$A1 $A1P running" \
		"containerd:k8s.io/$O1 - exited" "containerd:k8s.io/$A2 $A2P running" \
		"containerd:k8s.io/$S1 $S1P running" "containerd:k8s.io/$S2 $S2P running" \
		"crio:$CA $CAP running" "crio:$CS $CSP running" | sort)"
out=$(nsctl_as "$ALICE" ls)
check "ls: the table" expect_match "$out" "^k8s +k8s:staging/web/app +$A1P +running$"
desc=$(nsctl_as "$ALICE" ns k8s:staging/web 2>&1)
check "ns: the pod's net namespace may be entered" \
	expect_match "$desc" "^net +$(stat -L -c %i "/proc/$S1P/ns/net") +no +yes$"
n=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_TARGET=k8s:staging/web \
	NSCTL_DECISION=permit | wc -l)
check "the decisions name k8s:staging/web" expect_eq "$n" 2

json=$(nsctl_as "$ALICE" check --json k8s:staging/web/app --net -- true 2>&1)
check "check: permitted by the k8s:staging/* rule" \
	expect_eq "$?:$(json_get allowed <<<"$json") $(json_get rule <<<"$json")" "0:true $POLICY:2"
nsctl_as "$ALICE" check k8s:prod/db --net -- true >/dev/null 2>&1
check "check: k8s:prod/db is denied (exit 1)" expect_eq "$?" 1

# -- a pid that is not the container's: not running, never someone else ---------------------
PIDF=$ST/state/io.containerd.runtime.v2.task/k8s.io/$A2/init.pid
cp -p "$PIDF" "$ST/init.pid.saved"
printf '%s' "$TARGET_PID" >"$PIDF"
err=$(nsctl_as "$BOB" run "containerd:$A2" --net -- readlink /proc/self/ns/net 2>&1)
check "init.pid names another process: TargetNotFound, no command run" \
	expect_match "$err" "TargetNotFound"
got=$(nsctl_as "$BOB" ls --json | listing | grep "$A2")
check "... listed as stale, without a pid" expect_eq "$got" "containerd:k8s.io/$A2 - stale"
# An attacker with a delegated cgroup names one like the container's and gets the pid a
# stale init.pid (written a minute ago) names: it started after the file, so it is not it.
mkdir "$CG/cri-containerd-$A2.scope"
sleep 1000 &
ATK=$!
defer kill_wait "$ATK"
echo "$ATK" >"$CG/cri-containerd-$A2.scope/cgroup.procs"
printf '%s' "$ATK" >"$PIDF"
touch -d '-1 min' "$PIDF"
err=$(nsctl_as "$BOB" run "containerd:$A2" --net -- true 2>&1)
check "a later process in a cgroup named like the container's: TargetNotFound" \
	expect_match "$err" "TargetNotFound"
touch "$PIDF"
out=$(nsctl_as "$BOB" ns "containerd:$A2" --json | json_get pid)
check "... which the cgroup check alone would have taken (pid file made new: $ATK)" \
	expect_eq "$out" "$ATK"
cp -p "$ST/init.pid.saved" "$PIDF"
out=$(nsctl_as "$BOB" run "containerd:$A2" --net -- readlink /proc/self/ns/net 2>&1)
check "the right pid again: it runs" expect_eq "$out" "$(netns_of "$A2P")"

# -- unsafe state: refused, and said why -----------------------------------------------------
BUNDLE=$ST/state/io.containerd.runtime.v2.task/k8s.io/$A2
chown "$BOB" "$BUNDLE"
err=$(nsctl_as "$BOB" run "containerd:$A2" --net -- true 2>&1)
check "a bundle directory owned by a user: refused, naming it" \
	expect_match "$err" "BackendUnavailable: .*$A2: not owned by root"
out=$(nsctl_as "$BOB" ls --json)
check "ls reports containerd unavailable" \
	expect_match "$(json_get unavailable <<<"$out")" '"backend": ?"containerd"'
chown root "$BUNDLE"
chmod g+w "$BUNDLE/config.json"
err=$(nsctl_as "$BOB" run "containerd:$A2" --net -- true 2>&1)
check "a config.json writable by its group: refused" \
	expect_match "$err" "BackendUnavailable: .*config.json: not owned by root, or writable"
chmod g-w "$BUNDLE/config.json"
mv "$BUNDLE/config.json" "$BUNDLE/config.real"
ln -s config.real "$BUNDLE/config.json"
err=$(nsctl_as "$BOB" run "containerd:$A2" --net -- true 2>&1)
check "a config.json that is a symbolic link: refused" \
	expect_match "$err" "BackendUnavailable: .*config.json: a symbolic link"
rm "$BUNDLE/config.json"
mv "$BUNDLE/config.real" "$BUNDLE/config.json"
out=$(nsctl_as "$BOB" run "containerd:$A2" --net -- readlink /proc/self/ns/net 2>&1)
check "repaired: it runs again" expect_eq "$out" "$(netns_of "$A2P")"

# -- the task goes away ----------------------------------------------------------------------
"${CTR[@]}" task kill -s KILL "$A1"
wait_until 10 pid_gone "$A1P"
err=$(nsctl_as "$ALICE" run k8s:staging/web/app --net -- true 2>&1)
check "a container killed after it was resolved: TargetNotFound" \
	expect_match "$err" "TargetNotFound"

check "the daemon is still running" pid_alive "$D"
check_daemon_stops "$D" "$LOG"
tap_done
