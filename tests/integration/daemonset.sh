#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# deploy/kubernetes: the manifests checked offline (and broken ones refused), and
# nsctld --host-mount-ns, as the DaemonSet runs it: nsctld in a mount namespace of its own,
# the commands in the node's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd groupadd flock unshare timeout stat
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"
"$PYTHON" -c 'import yaml' 2>/dev/null || tap_skip_all "python3-yaml is not installed"

tap_plan 13
setup_tmpdir
setup_users || exit 1
target_start || exit 1

# --- the manifests ------------------------------------------------------------------------
CHECK=$NSCTL_SRCDIR/deploy/kubernetes/check-manifests.py
MANIFEST=$NSCTL_SRCDIR/deploy/kubernetes/nsctld.yaml
# The example policy names these groups: they must exist for it to load.
for g in oncall sre; do
	if ! getent group "$g" >/dev/null; then
		groupadd -r "$g" && defer groupdel "$g"
	fi
done
out=$("$PYTHON" "$CHECK" --nsctld "$NSCTLD" "$MANIFEST" 2>&1)
check "the manifest passes the offline check, its policy loads" expect_eq "$?:$out" "0:"

# broken SED-EXPR WHAT: the manifest changed by sed is refused with a message matching WHAT.
broken()
{
	sed -e "$1" "$MANIFEST" >"$TESTDIR/broken.yaml"
	out=$("$PYTHON" "$CHECK" "$TESTDIR/broken.yaml" 2>&1)
	check "refused: $3" expect_match "$?:$out" "^1:.*$2"
}
broken 's/hostPID: true/hostPID: false/' 'hostPID must be true' "no hostPID"
broken '/mountPath: \/run\/containerd$/{n;d}' 'containerd-state /run/containerd must be mounted readOnly' \
	"the containerd state writable"
broken 's|/proc/1/ns/mnt|/proc/self/ns/mnt|' 'host-mount-ns' "the pod's own mount namespace"
broken 's/^            name: nsctld-policy$/            name: other-policy/' "no ConfigMap 'other-policy'" \
	"a ConfigMap that is not there"
broken 's/^      app.kubernetes.io\/name: nsctld$/      app.kubernetes.io\/name: other/' \
	'does not select' "a selector that does not select the pods"
broken 's/^kind: DaemonSet/kind: Daemonset/' 'kind Daemonset' "an unknown kind"
printf 'data:\n  policy: |\n    permit nosuchuser-%s on k8s:* ns net\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: p, namespace: n}\n' $$ >"$TESTDIR/policy.yaml"
out=$("$PYTHON" "$CHECK" --nsctld "$NSCTLD" "$TESTDIR/policy.yaml" 2>&1)
check "refused: a policy that does not load" expect_match "$?:$out" "^1:.*unknown user"

# --- --host-mount-ns ----------------------------------------------------------------------
# $TESTDIR/view/which says "node" in the node's mount namespace; nsctld runs where a tmpfs
# over it says "pod", like an image's files over the node's.
mkdir "$TESTDIR/view"
echo node >"$TESTDIR/view/which"
chmod -R a+rX "$TESTDIR/view"
POLICY=$TESTDIR/policy
write_policy "$POLICY" "permit $ALICE on pid:$TARGET_PID ns uts"

# pod_daemon SOCK ARGS...: nsctld --listen SOCK in a mount namespace of its own; DPID.
pod_daemon()
{
	local sock=$1
	shift
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs "$1/view" && echo pod >"$1/view/which" &&
		 chmod 644 "$1/view/which" && shift && exec "$@"' sh "$TESTDIR" \
		"$NSCTLD" --listen "$sock" --policy "$POLICY" --log stderr "$@" \
		>"$sock.log" 2>&1 &
	DPID=$!
	defer daemon_stop "$DPID"
	wait_until 10 test -S "$sock" || { diag "nsctld did not listen"; diag_file "$sock.log"; }
}
SOCK=$TESTDIR/plain.sock
pod_daemon "$SOCK"
out=$(nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts -- cat "$TESTDIR/view/which" 2>&1)
check "without --host-mount-ns: the command sees nsctld's files" expect_eq "$out" pod
SOCK=$TESTDIR/host.sock
pod_daemon "$SOCK" --host-mount-ns "/proc/$$/ns/mnt"
HOSTD=$DPID
out=$(nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts -- cat "$TESTDIR/view/which" 2>&1)
check "with --host-mount-ns: the node's files, and the target's uts" \
	expect_eq "$out" node
out=$(nsctl_as "$ALICE" run "pid:$TARGET_PID" --uts -- sh -c 'hostname; ls -l /proc/self/fd | grep -c mnt:' 2>&1)
check "... the target's hostname, and no handle to a mount namespace is left open" \
	expect_eq "$out" "$(printf '%s\n0' "$TARGET_HOSTNAME")"
out=$("$NSCTLD" --host-mount-ns /proc/self/ns/net --listen "$TESTDIR/x.sock" 2>&1)
check "--host-mount-ns of a file that is not a mount namespace: refused at start" \
	expect_eq "$?:$out" "1:nsctld: --host-mount-ns: /proc/self/ns/net: not a mount namespace"
mnt_daemon=$(readlink "/proc/$HOSTD/ns/mnt")
check "the daemon itself runs in a mount namespace of its own, not the node's" \
	expect_eq "$([ -n "$mnt_daemon" ] && [ "$mnt_daemon" != "$(readlink /proc/$$/ns/mnt)" ] && echo own)" own
tap_done
