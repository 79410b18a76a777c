# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers of the integration tests: TAP output, cleanup, test users, policy, daemon, targets.
#
# Sourced by tests/integration/*.sh (bash). They run as root against the built nsctld and
# nsctl of NSCTL_BUILDDIR (set by `make check`) and speak TAP. Everything a test makes
# (temp dir, daemons, netns, target processes, users it created) is registered with defer
# and removed by the EXIT trap, whatever happened before.

# shellcheck shell=bash disable=SC2034 # variables set here are for the scripts
set -u

NSCTL_SRCDIR=${NSCTL_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NSCTL_BUILDDIR=${NSCTL_BUILDDIR:-$NSCTL_SRCDIR/build}
NSCTLD=$NSCTL_BUILDDIR/nsctld
NSCTL=$NSCTL_BUILDDIR/nsctl
# Upper bound for one client call; every call goes through timeout(1) so that a hang is a
# failed check, not a hung suite.
CLIENT_TIMEOUT=${NSCTL_TEST_TIMEOUT:-30}
# /usr/bin/python3 first: the test users cannot use an interpreter under /root.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || echo python3)

# No check may wait for a terminal; the ones that need input give it explicitly.
exec </dev/null

# --- TAP ------------------------------------------------------------------------------

_tap_n=0
_tap_plan=0
_tap_failed=0

# tap_skip_all REASON: the whole script does not apply here.
tap_skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || tap_skip_all "not root"
}

# require_tools TOOL...: skip the script naming the first tool that is missing.
require_tools()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || tap_skip_all "$t is not installed"
	done
}

require_binaries()
{
	local b
	for b in "$@"; do
		[ -x "$b" ] || tap_skip_all "$b is not built"
	done
}

tap_plan()
{
	_tap_plan=$1
	echo "1..$1"
}

# diag TEXT...: TAP diagnostics, one "# " line per line of text.
diag()
{
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

# diag_file FILE [LINES]: the last LINES (40) lines of FILE as diagnostics.
diag_file()
{
	[ -s "$1" ] || { echo "# ($1 is empty)"; return 0; }
	tail -n "${2:-40}" "$1" | sed 's/^/# /'
}

ok()
{
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok()
{
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

# skip DESC REASON
skip()
{
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# check DESC CMD...: one test point, passing when CMD succeeds. CMD prints its own
# diagnostics (the expect_* helpers do).
check()
{
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# expect_eq ACTUAL EXPECTED
expect_eq()
{
	[ "$1" = "$2" ] && return 0
	diag "expected: '$2'"
	diag "actual:   '$1'"
	return 1
}

# expect_match TEXT ERE
expect_match()
{
	grep -Eq -- "$2" <<<"$1" && return 0
	diag "expected a match for /$2/ in:"
	diag "${1:-(empty)}"
	return 1
}

# expect_no_match TEXT ERE
expect_no_match()
{
	grep -Eq -- "$2" <<<"$1" || return 0
	diag "expected no match for /$2/ in:"
	diag "$1"
	return 1
}

# expect_lt ACTUAL LIMIT (integers)
expect_lt()
{
	[ "$1" -lt "$2" ] 2>/dev/null && return 0
	diag "expected less than $2, got '$1'"
	return 1
}

tap_done()
{
	if [ "$_tap_n" -ne "$_tap_plan" ]; then
		diag "planned $_tap_plan checks but ran $_tap_n"
		exit 1
	fi
	exit 0
}

# --- cleanup --------------------------------------------------------------------------

_deferred=()

# defer CMD...: run CMD (a shell word list, quoted with printf %q) at exit, last first.
defer()
{
	local q
	q=$(printf '%q ' "$@")
	_deferred+=("$q")
}

_run_deferred()
{
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[i]}" >/dev/null 2>&1 || true
	done
	_deferred=()
}

trap _run_deferred EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# wait_until SECONDS CMD...: poll CMD every 0.1 s; 0 as soon as it succeeds.
wait_until()
{
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

pid_alive()
{
	# A zombie still has a /proc entry: it counts as gone.
	local state
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

pid_gone()
{
	! pid_alive "$1"
}

# kill_wait PID...: SIGTERM, then SIGKILL after 3 s; reap when it is our child.
kill_wait()
{
	local p
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null || continue
		wait_until 3 pid_gone "$p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# setup_tmpdir: TESTDIR, traversable by the test users (the socket lives in it).
setup_tmpdir()
{
	TESTDIR=$(mktemp -d /tmp/nsctl-test.XXXXXX) || exit 1
	defer rm -rf "$TESTDIR"
	chmod 755 "$TESTDIR"
	_write_helpers
}

# --- processes ------------------------------------------------------------------------

# children PID: the pids of PID's children, one a line.
children()
{
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
}

# descendants PID: every process below PID, one a line.
descendants()
{
	local c
	for c in $(children "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# find_descendant PID COMM [CMDLINE-ERE]: the first descendant of PID whose comm is COMM
# (and whose NUL-separated-turned-space command line matches the ERE).
find_descendant()
{
	local p
	for p in $(descendants "$1"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] || continue
		if [ $# -ge 3 ]; then
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -Eq -- "$3" || continue
		fi
		echo "$p"
		return 0
	done
	return 1
}

# fd_count PID: the number of open fds of PID. Under valgrind (NSCTL_DAEMON_WRAPPER) the
# fds valgrind keeps for itself, at the top of the fd limit, are not counted.
fd_count()
{
	local top=
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*valgrind* | *memcheck*)
		top=$(awk '/^Max open files/ { print $5 - 64 }' "/proc/$1/limits" 2>/dev/null) ;;
	esac
	ls /proc/"$1"/fd 2>/dev/null | awk -v top="${top:-0}" 'top == 0 || $1 < top' | wc -l
}

# zombie_children PID: the children of PID that are zombies, as "PID (comm)".
zombie_children()
{
	local c
	for c in $(children "$1"); do
		if grep -q '^State:[[:space:]]*Z' /proc/"$c"/status 2>/dev/null; then
			echo "$c ($(cat /proc/"$c"/comm 2>/dev/null))"
		fi
	done
}

# proc_io PID FIELD: rchar, wchar, ... of PID's own threads. Not /proc/PID/io: that adds
# the I/O of every child PID has reaped, and nsctld reaps the sessions' commands.
proc_io()
{
	cat /proc/"$1"/task/*/io 2>/dev/null | awk -v f="$2:" '$1 == f { n += $2 } END { print n + 0 }'
}

# --- users ----------------------------------------------------------------------------

# The test users are shared by the scripts that `make -j check` runs at the same time.
# A holders file, changed under a lock, counts who uses them; the last holder to leave
# deletes those that a test created, and the file. Stale holders (dead pids) do not count,
# so users created by an interrupted run are removed by the next one. The lock is taken
# on the directory itself, so that no lock file is left behind.
_USERS_LOCK=/run/lock
[ -d "$_USERS_LOCK" ] || _USERS_LOCK=/tmp
_USERS_STATE=$_USERS_LOCK/nsctl-tests.users
ALICE=nsctl-alice
BOB=nsctl-bob
OPS=nsctl-ops

_users_live_state()
{
	local kind val
	[ -f "$_USERS_STATE" ] || return 0
	while read -r kind val; do
		case $kind in
		holder) [ -d "/proc/$val" ] && echo "holder $val" ;;
		*) echo "$kind $val" ;;
		esac
	done <"$_USERS_STATE"
}

_users_setup_locked()
{
	local state
	state=$(_users_live_state)
	if ! getent group "$OPS" >/dev/null; then
		groupadd "$OPS" || return 1
		state+=$'\n'"group $OPS"
	fi
	if ! getent passwd "$ALICE" >/dev/null; then
		useradd -M -N -s /bin/sh -G "$OPS" "$ALICE" || return 1
		state+=$'\n'"user $ALICE"
	fi
	if ! getent passwd "$BOB" >/dev/null; then
		useradd -M -N -s /bin/sh "$BOB" || return 1
		state+=$'\n'"user $BOB"
	fi
	id -nG "$ALICE" | tr ' ' '\n' | grep -qx "$OPS" || gpasswd -a "$ALICE" "$OPS" >/dev/null
	state+=$'\n'"holder $$"
	sed '/^$/d' <<<"$state" >"$_USERS_STATE"
}

_users_release_locked()
{
	local state kind val
	state=$(_users_live_state | grep -vx "holder $$")
	if grep -q '^holder ' <<<"$state"; then
		echo "$state" >"$_USERS_STATE"
		return 0
	fi
	# Users first: a group cannot be deleted while it is a user's primary group.
	while read -r kind val; do
		[ "$kind" = user ] && userdel "$val"
	done <<<"$state"
	while read -r kind val; do
		[ "$kind" = group ] && groupdel "$val"
	done <<<"$state"
	rm -f "$_USERS_STATE"
}

release_users()
{
	(
		flock -w 30 9 || exit 1
		_users_release_locked
	) 9<"$_USERS_LOCK"
}

# setup_users: nsctl-alice (in nsctl-ops) and nsctl-bob exist; ALICE_UID, ALICE_GID,
# ALICE_GROUPS (sorted gids), BOB_UID, OPS_GID are set.
setup_users()
{
	(
		flock -w 30 9 || exit 1
		_users_setup_locked
	) 9<"$_USERS_LOCK" || { diag "cannot create the test users"; return 1; }
	defer release_users
	ALICE_UID=$(id -u "$ALICE")
	ALICE_GID=$(id -g "$ALICE")
	ALICE_GROUPS=$(id -G "$ALICE" | tr ' ' '\n' | sort -n | tr '\n' ' ')
	BOB_UID=$(id -u "$BOB")
	OPS_GID=$(getent group "$OPS" | cut -d: -f3)
	# The client must be executable by the users; a build dir under /root is not.
	if ! runuser -u "$ALICE" -- test -x "$NSCTL"; then
		cp "$NSCTL" "$TESTDIR/nsctl" && chmod 755 "$TESTDIR/nsctl"
		NSCTL=$TESTDIR/nsctl
	fi
}

# --- policy and daemon ----------------------------------------------------------------

# write_policy FILE LINE...: a root-owned 0644 policy with one rule a line.
write_policy()
{
	local f=$1
	shift
	printf '%s\n' "# written by ${0##*/}" "$@" >"$f"
	chown root:root "$f"
	chmod 0644 "$f"
}

# daemon_start SOCK LOG [NSCTLD-ARGS...]: nsctld under systemd-socket-activate, in the
# background, stdout and stderr to LOG, NOTIFY_SOCKET passed on when set.
# systemd-socket-activate binds SOCK and execs nsctld (same pid) at the first connection;
# that first connection is a GetInfo call, which also shows the daemon serves. Sets
# DAEMON_PID. Returns 1 when it does not serve.
# NSCTL_DAEMON_WRAPPER: words run in front of nsctld (split at blanks), that end by
# exec'ing it in the same process: "valgrind --log-file=... ", "env --ignore-signal=USR1".
daemon_start()
{
	local sock=$1 log=$2 reply setenv=() wrapper=()
	shift 2
	# systemd-socket-activate passes only a few variables on; NOTIFY_SOCKET needs -E.
	[ -n "${NOTIFY_SOCKET:-}" ] && setenv=(-E "NOTIFY_SOCKET=$NOTIFY_SOCKET")
	read -r -a wrapper <<<"${NSCTL_DAEMON_WRAPPER:-}"
	systemd-socket-activate -l "$sock" "${setenv[@]}" "${wrapper[@]}" "$NSCTLD" --log stderr \
		"$@" >"$log" 2>&1 &
	DAEMON_PID=$!
	defer daemon_stop "$DAEMON_PID"
	if ! wait_until 10 test -S "$sock"; then
		diag "the socket $sock did not appear"
		diag_file "$log"
		return 1
	fi
	# systemd-socket-activate creates it 0644 (umask); connecting needs write access.
	chmod 0666 "$sock"
	reply=$(varlink_call --timeout=30 "$sock" '{"method":"org.varlink.service.GetInfo"}')
	if ! grep -q '"parameters"' <<<"$reply" || ! _is_nsctld "$DAEMON_PID"; then
		diag "nsctld (pid $DAEMON_PID) does not serve on $sock: $reply"
		diag_file "$log"
		return 1
	fi
	return 0
}

# _is_nsctld PID: PID runs nsctld (itself, or under a valgrind wrapper).
_is_nsctld()
{
	[ "$(readlink "/proc/$1/exe")" = "$(readlink -f "$NSCTLD")" ] && return 0
	[ -n "${NSCTL_DAEMON_WRAPPER:-}" ] &&
		tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$NSCTLD"
}

# daemon_stop PID: SIGTERM, SIGKILL after 5 s, and no process of its sessions left.
daemon_stop()
{
	local pid=$1 procs
	pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	procs=$(descendants "$pid")
	kill -TERM "$pid" 2>/dev/null
	wait_until 5 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2086
	[ -n "$procs" ] && kill -KILL $procs 2>/dev/null
	return 0
}

# check_daemon_stops PID LOG: two checks: SIGTERM makes it exit 0 (in an ASan build a leak
# makes that fail), and LOG has no sanitizer report (from the daemon or its workers).
check_daemon_stops()
{
	kill -TERM "$1" 2>/dev/null
	wait_status "$1" 15
	check "SIGTERM: the daemon exits 0" expect_eq "$WAIT_STATUS" 0
	check "no sanitizer report in the daemon's log" \
		expect_no_match "$(cat "$2")" 'Sanitizer|runtime error:'
}

# wait_status PID SECONDS: wait for our background job PID for at most SECONDS; sets
# WAIT_STATUS to its exit status, or to "running" (leaving it running) on timeout. Not in
# a $(...) subshell: only this shell can wait for its jobs.
wait_status()
{
	WAIT_STATUS=running
	wait_until "$2" pid_gone "$1" || return 0
	wait "$1" 2>/dev/null
	WAIT_STATUS=$?
}

# as_user USER CMD...: CMD as USER, bounded by CLIENT_TIMEOUT.
as_user()
{
	local user=$1
	shift
	timeout -k 5 "$CLIENT_TIMEOUT" runuser -u "$user" -- "$@"
}

# nsctl_as USER ARGS...: the client as USER on SOCK. Status 124 means it timed out.
nsctl_as()
{
	local user=$1
	shift
	as_user "$user" "$NSCTL" --socket "$SOCK" "$@"
}

# --- targets --------------------------------------------------------------------------

# netns_create: a named netns NETNS (unique to this run) with lo up and a veth pair
# VETH0 (192.0.2.1/24, up) / VETH1 inside it.
VETH0=nsctl-v0
VETH1=nsctl-v1
netns_create()
{
	NETNS=nsctl-test-$$-$RANDOM
	ip netns add "$NETNS" || return 1
	defer ip netns delete "$NETNS"
	ip -n "$NETNS" link set lo up &&
	ip -n "$NETNS" link add "$VETH0" type veth peer name "$VETH1" &&
	ip -n "$NETNS" addr add 192.0.2.1/24 dev "$VETH0" &&
	ip -n "$NETNS" link set "$VETH0" up &&
	ip -n "$NETNS" link set "$VETH1" up
}

# target_start: a process in new uts, net and ipc namespaces with hostname nsctl-target;
# TARGET_PID is its pid (a sleep).
TARGET_HOSTNAME=nsctl-target
target_start()
{
	local upid
	unshare --uts --net --ipc --fork \
		sh -c "hostname $TARGET_HOSTNAME && exec sleep 1000" >/dev/null 2>&1 &
	upid=$!
	defer kill_wait "$upid"
	TARGET_PID=
	_target_ready()
	{
		TARGET_PID=$(find_descendant "$upid" sleep) || return 1
		# The hostname is set before the exec of sleep.
		[ "$(cat "/proc/$TARGET_PID/comm")" = sleep ]
	}
	if ! wait_until 10 _target_ready; then
		diag "the target process did not start"
		return 1
	fi
	defer kill_wait "$TARGET_PID"
}

# --- Varlink without the client -------------------------------------------------------

# varlink_call [--fds] [--timeout=S] [--refused] SOCK MSG...: one connection; sends each
# MSG + NUL and prints its replies (all those of the call, "continues" ones first) as
# compact sorted JSON, one a line, or EOF, RESET, TIMEOUT, EPIPE, BADJSON. --fds attaches
# fds 0, 1, 2; --refused only connects and prints REFUSED, NOENT or CONNECTED.
varlink_call()
{
	"$PYTHON" "$TESTDIR/varlink.py" "$@"
}

# audit_records LOG KEY=VALUE...: the audit records (JSON lines) of LOG whose KEYs have
# these values (compared as JSON text for non-strings), one compact JSON a line.
audit_records()
{
	"$PYTHON" "$TESTDIR/audit.py" "$@"
}

# json_get PATH: from the JSON on stdin, the value at PATH ("parameters.description";
# list items by index), raw for a string, else as JSON text; "MISSING" when absent.
json_get()
{
	"$PYTHON" "$TESTDIR/json_get.py" "$1"
}

_write_helpers()
{
	cat >"$TESTDIR/json_get.py" <<'EOF'
import json, sys

try:
    v = json.loads(sys.stdin.readline())
    for k in sys.argv[1].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
except (ValueError, KeyError, IndexError, TypeError):
    print("MISSING")
    sys.exit(0)
sys.stdout.write(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
sys.stdout.write("\n")
EOF
	cat >"$TESTDIR/varlink.py" <<'EOF'
import json, socket, sys

def main(args):
    fds, refused, timeout = False, False, 10.0
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--fds":
            fds = True
        elif a == "--refused":
            refused = True
        elif a.startswith("--timeout="):
            timeout = float(a.split("=", 1)[1])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(args.pop(0))
    except ConnectionRefusedError:
        print("REFUSED")
        return
    except FileNotFoundError:
        print("NOENT")
        return
    if refused:
        print("CONNECTED")
        return
    buf = b""
    for msg in args:
        data = msg.encode() + b"\0"
        try:
            if fds:
                socket.send_fds(s, [data], [0, 1, 2])
            else:
                s.sendall(data)
        except OSError:
            print("EPIPE")
            return
        # Every reply of this call: up to the first without "continues": true.
        more = True
        while more:
            while b"\0" not in buf:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    print("TIMEOUT")
                    return
                except ConnectionResetError:
                    print("RESET")
                    return
                if not chunk:
                    print("EOF")
                    return
                buf += chunk
            reply, buf = buf.split(b"\0", 1)
            try:
                obj = json.loads(reply)
            except ValueError:
                print("BADJSON %r" % reply)
                break
            print(json.dumps(obj, sort_keys=True, separators=(",", ":")))
            more = isinstance(obj, dict) and obj.get("continues") is True

main(sys.argv[1:])
EOF
	cat >"$TESTDIR/audit.py" <<'EOF'
import json, sys

log, conds = sys.argv[1], [c.split("=", 1) for c in sys.argv[2:]]
with open(log, errors="replace") as f:
    for line in f:
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            print("BADJSON " + line.rstrip())
            continue
        def text(v):
            return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        if all(k in rec and text(rec[k]) == v for k, v in conds):
            print(json.dumps(rec, sort_keys=True, separators=(",", ":")))
EOF
}
