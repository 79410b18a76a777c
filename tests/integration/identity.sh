#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Identity across user namespaces: -U runs the command as the ids inside the target's user
# namespace that map to the caller's host ids; an unmapped caller is refused with
# IdentityNotMapped before anything runs; the audit records host ids and the ids inside.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout unshare
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 26
setup_tmpdir
setup_users || exit 1

INNER=5000     # alice's uid and gid inside
INNER_OPS=6000 # nsctl-ops inside, in the second target only

# userns_target UID_MAP GID_MAP [SETGROUPS]: a process in a new user namespace whose maps
# root writes from outside (with the shift given); UPID is its pid.
userns_target()
{
	local p
	unshare --user sleep 1000 &
	p=$!
	defer kill_wait "$p"
	_own_userns() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
	wait_until 10 _own_userns "$p" || { diag "no user namespace of its own: $p"; return 1; }
	[ -n "${3:-}" ] && echo "$3" >"/proc/$p/setgroups"
	/usr/bin/printf "%b" "$1" >"/proc/$p/uid_map" || return 1
	/usr/bin/printf "%b" "$2" >"/proc/$p/gid_map" || return 1
	UPID=$p
}

# Alice is mapped, shifted: ALICE_UID -> 5000; bob is not. Root inside is host 100000.
userns_target "0 100000 1000\n$INNER $ALICE_UID 1\n" "0 100000 1000\n$INNER $ALICE_GID 1\n" ||
	{ diag "cannot make a user namespace"; exit 1; }
T1=$UPID
USERNS1=$(stat -L -c %i "/proc/$T1/ns/user")
# The same, plus nsctl-ops (alice's supplementary group) mapped to 6000.
userns_target "$INNER $ALICE_UID 1\n" "$INNER $ALICE_GID 1\n$INNER_OPS $OPS_GID 1\n" ||
	{ diag "cannot make a user namespace"; exit 1; }
T2=$UPID
# setgroups denied: the groups cannot be set there, so none are.
userns_target "$INNER $ALICE_UID 1\n" "$INNER $ALICE_GID 1\n$INNER_OPS $OPS_GID 1\n" deny ||
	{ diag "cannot make a user namespace"; exit 1; }
T3=$UPID

# A container-like target: its own user, pid, mount and uts namespaces, one shifted map.
unshare --user --pid --mount --uts --fork --kill-child sh -c 'exec sleep 1000' &
T4U=$!
defer kill_wait "$T4U"
T4=
wait_until 10 eval 'T4=$(find_descendant "$T4U" sleep)' || T4=
if [ -n "$T4" ]; then
	/usr/bin/printf "0 100000 1000\n$INNER $ALICE_UID 1\n" >"/proc/$T4/uid_map"
	/usr/bin/printf "0 100000 1000\n$INNER $ALICE_GID 1\n" >"/proc/$T4/gid_map"
fi

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
write_policy "$POLICY" \
	"permit $ALICE on pid:$T1,pid:$T2,pid:$T3 ns user,uts" \
	"permit $ALICE on pid:${T4:-0} ns user,pid,mnt,uts" \
	"permit $BOB on pid:$T1 ns user,uts" \
	"permit $BOB as $ALICE on pid:$T2 ns user cmd /bin/sleep"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID
FDS0=$(fd_count "$D")

# --- joined: the ids inside, the host uid from outside ---------------------------------
OUT=$TESTDIR/out
nsctl_as "$ALICE" run "pid:$T1" -U -- sh -c 'id -u; id -g; id -G; exec sleep 30' \
	>"$OUT" 2>&1 &
client=$!
defer kill_wait "$client"
wait_until 10 test "$(wc -l <"$OUT")" -ge 3
CMD=$(find_descendant "$D" sleep) || CMD=
check "-U: the command runs (a sleep of nsctld's)" test -n "$CMD"
check "inside, it is uid $INNER (alice's host uid mapped)" \
	expect_eq "$(sed -n 1p "$OUT")" "$INNER"
check "inside, its gid is $INNER" expect_eq "$(sed -n 2p "$OUT")" "$INNER"
check "inside, an unmapped supplementary group is dropped, not 65534" \
	expect_eq "$(sed -n 3p "$OUT")" "$INNER"
status=$(cat "/proc/$CMD/status" 2>/dev/null)
check "from outside, the command's uids are alice's host uid" \
	expect_match "$status" "Uid:[[:space:]]+$ALICE_UID[[:space:]]+$ALICE_UID[[:space:]]+$ALICE_UID[[:space:]]+$ALICE_UID"
check "from outside, its gids are alice's host gid" \
	expect_match "$status" "Gid:[[:space:]]+$ALICE_GID[[:space:]]+$ALICE_GID[[:space:]]+$ALICE_GID[[:space:]]+$ALICE_GID"
check "from outside, nsctl-ops (not mapped) is not among its groups" \
	expect_no_match "$(grep '^Groups:' <<<"$status")" "[[:space:]]$OPS_GID([[:space:]]|$)"
check "its user namespace is the target's" \
	expect_eq "$(stat -L -c %i "/proc/$CMD/ns/user" 2>/dev/null)" "$USERNS1"
# Joining a user namespace fills the bounding set again: the worker drops it after the join.
check "no capability in any set, the bounding set too (refilled by the join, dropped again)" \
	expect_eq "$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ && $2 != "0000000000000000"' <<<"$status")" ""
kill "$CMD" 2>/dev/null
wait "$client" 2>/dev/null
recs=$(audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_TARGET="pid:$T1")
check "the audit records the host uid and the uid inside" \
	expect_match "$recs" "\"NSCTL_RUN_AS_UID\":$ALICE_UID,.*\"NSCTL_RUN_AS_UID_INSIDE\":$INNER"
check "... and the gid inside" expect_match "$recs" "\"NSCTL_RUN_AS_GID_INSIDE\":$INNER"

# --- supplementary groups mapped the same way, or dropped when setgroups is denied ------
out=$(nsctl_as "$ALICE" run "pid:$T2" -U -- id -G 2>&1)
check "a mapped supplementary group is there, as its id inside" \
	expect_eq "$out" "$INNER $INNER_OPS"
out=$(nsctl_as "$ALICE" run "pid:$T3" -U -- id -G 2>&1)
check "setgroups denied in the target: no supplementary group at all" \
	expect_eq "$out" "$INNER"

# --- every namespace of a container-like target at once ----------------------------------
out=$(nsctl_as "$ALICE" run "pid:$T4" -U -p -m -u -- sh -c 'id -u; echo $$; readlink /proc/self/ns/mnt' 2>&1)
check "-U -p -m -u at once: uid $INNER inside, pid 2 in the target's pid namespace" \
	expect_eq "$(sed -n 1,2p <<<"$out" | tr '\n' ' ')" "$INNER 2 "
check "... in the target's mount namespace" \
	expect_eq "$(sed -n 3p <<<"$out")" "$(readlink "/proc/$T4/ns/mnt")"

# --- unmapped: refused before anything runs ---------------------------------------------
before=$(children "$D" | wc -l)
out=$(nsctl_as "$BOB" run "pid:$T1" -U -- touch "$TESTDIR/bob-ran" 2>&1)
st=$?
check "an unmapped caller: exit status 125" expect_eq "$st" 125
check "the message names the id and the namespace" \
	expect_match "$out" "uid $BOB_UID is not mapped.*user:\\[$USERNS1\\]"
check "nothing ran" test ! -e "$TESTDIR/bob-ran"
check "no worker was forked" expect_eq "$(children "$D" | wc -l)" "$before"
reply=$(as_user "$BOB" "$PYTHON" "$TESTDIR/varlink.py" --fds "$SOCK" \
	"{\"method\":\"io.nsctl.Run\",\"more\":true,\"parameters\":{\"target\":\"pid:$T1\",\"namespaces\":[\"user\"],\"argv\":[\"true\"],\"stdin\":0,\"stdout\":1,\"stderr\":2}}")
check "the error: IdentityNotMapped, uid, the id, the namespace" \
	expect_match "$reply" "\"error\":\"io.nsctl.IdentityNotMapped\".*\"id\":$BOB_UID,\"kind\":\"uid\",\"namespace\":\"user:\\[$USERNS1\\]\""
recs=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$BOB_UID")
check "audited as a denial with the error" \
	expect_match "$recs" '"NSCTL_DECISION":"deny".*"NSCTL_ERROR":"io.nsctl.IdentityNotMapped"'
# Without -U the same caller runs, as himself, in the other namespaces.
out=$(nsctl_as "$BOB" run "pid:$T1" --uts -- id -u 2>&1)
check "without -U the unmapped caller runs as his host uid" expect_eq "$out" "$BOB_UID"

# --- "as USER": the rule's identity is mapped, not the caller's --------------------------
nsctl_as "$BOB" run "pid:$T2" -U -- /bin/sleep 30 >/dev/null 2>&1 </dev/null &
client=$!
defer kill_wait "$client"
wait_until 10 find_descendant "$D" sleep >/dev/null
CMD=$(find_descendant "$D" sleep) || CMD=
check "as alice: bob's command runs as alice's host uid, seen from outside" \
	expect_match "$(cat "/proc/$CMD/status" 2>/dev/null)" "Uid:[[:space:]]+$ALICE_UID[[:space:]]"
kill "$CMD" 2>/dev/null
wait "$client" 2>/dev/null

wait_until 10 test -z "$(children "$D")"
check "no fd of the daemon left behind (the user namespaces' fds closed)" \
	expect_eq "$(fd_count "$D")" "$FDS0"
check_daemon_stops "$D" "$LOG"
tap_done
