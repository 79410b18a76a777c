# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers of the benchmarks: printing what runs, results, the daemon, the podman target.
#
# Sourced by bench/*.sh (bash, as root). Every command that is measured or that sets up a
# measurement is printed first ("+ ..."), exactly as it runs. Results are printed as
# "result KEY VALUE" lines and appended to $BENCH_RESULTS, from which bench/summary.sh
# builds the table of docs/benchmarks.md. Everything a script starts is stopped and
# removed by the EXIT trap.

set -euo pipefail

NSCTL_SRCDIR=${NSCTL_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
NSCTL_BUILDDIR=${NSCTL_BUILDDIR:-$NSCTL_SRCDIR/build}
NSCTLD=$NSCTL_BUILDDIR/nsctld
NSCTL=$NSCTL_BUILDDIR/nsctl
NSCTL_LOAD=$NSCTL_BUILDDIR/nsctl-load

# Rounds: each comparison runs this many times, alternating the contenders. A burst of
# background load then hurts every contender instead of whichever happened to run during
# it. Each goal's number is computed once per round (a ratio of the round's medians, a
# p99) and reported as the median of the rounds with their spread (result_spread); the
# tables' absolute times pool the samples of all rounds.
BENCH_ROUNDS=${BENCH_ROUNDS:-5}

_bench_cleanups=()

# defer CMD...: run CMD (a string, eval'd) at exit, last registered first.
defer()
{
	_bench_cleanups+=("$1")
}

_bench_exit()
{
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#_bench_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_bench_cleanups[i]}" >/dev/null 2>&1 || true
	done
	_bench_cleanups=()
}

# state_ppid PID: "STATE PPID" of a process (fields 3 and 4 of /proc/PID/stat, after the
# command name, which may hold blanks); nothing when it is gone.
state_ppid()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	echo "${stat%% *} $(cut -d' ' -f2 <<<"$stat")"
}

# kill_wait PID...: SIGTERM, SIGKILL after 15 s (nsctld hangs its sessions up first, and
# gives them --kill-grace, 5 s), then reap. Only children of this shell are signalled: a
# pid that was already reaped may belong to someone else's process by now.
kill_wait()
{
	local p i st pp
	for p in "$@"; do
		[ -n "$p" ] || continue
		st= pp=
		read -r st pp < <(state_ppid "$p") || true
		[ "$pp" = "$$" ] || continue
		kill -TERM "$p" 2>/dev/null || continue
		for ((i = 0; i < 1500; i++)); do
			st=
			read -r st pp < <(state_ppid "$p") || true
			[ -n "$st" ] && [ "$st" != Z ] || break
			sleep 0.01
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	return 0
}
trap _bench_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

BENCH_WORK=$(mktemp -d /tmp/nsctl-bench.XXXXXX)
chmod 0755 "$BENCH_WORK"
defer "rm -rf '$BENCH_WORK'"
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_WORK/results}

say()
{
	printf '\n== %s\n' "$*"
}

# show CMD...: print a command the way it is about to run.
show()
{
	local q
	printf -v q '%q ' "$@"
	printf '+ %s\n' "${q% }"
}

# run CMD...: print it, then run it.
run()
{
	show "$@"
	"$@"
}

# result KEY VALUE [UNIT]: one measured number.
result()
{
	printf 'result %-44s %s%s\n' "$1" "$2" "${3:+ $3}"
	printf '%s=%s\n' "$1" "$2" >>"$BENCH_RESULTS"
}

# result_spread KEY N VALUE...: one number measured once per round (a ratio, a p99, ...):
# KEY is the median of the per-round VALUEs, KEY.min and KEY.max their range, KEY.q1 and
# KEY.q3 their quartiles, KEY.rounds how many, KEY.n the samples behind them all (N: runs
# of each contender over every round, GetInfo calls, ...). One "result" line shows them.
result_spread()
{
	local key=$1 n=$2 med min max q1 q3 rounds
	shift 2
	[ $# -gt 0 ] || die "result_spread $key: no values"
	read -r med min max q1 q3 rounds < <(printf '%s\n' "$@" | sort -g | awk '
		function at(q,   i, f) { i = 1 + q * (NR - 1); f = int(i); return a[f] + (i - f) * (a[f + 1] - a[f]) }
		{ a[NR] = $1 }
		END { a[NR + 1] = a[NR]
		      printf "%.4f %.4f %.4f %.4f %.4f %d\n", at(0.5), a[1], a[NR], at(0.25), at(0.75), NR }')
	printf 'result %-44s %s  (min %s, max %s, IQR %s-%s; %s rounds, n=%s)\n' "$key" \
		"$(calc "$med")" "$(calc "$min")" "$(calc "$max")" "$(calc "$q1")" "$(calc "$q3")" \
		"$rounds" "$n"
	printf '%s=%s\n' "$key" "$(calc "$med")" "$key.min" "$(calc "$min")" \
		"$key.max" "$(calc "$max")" "$key.q1" "$(calc "$q1")" "$key.q3" "$(calc "$q3")" \
		"$key.rounds" "$rounds" "$key.n" "$n" >>"$BENCH_RESULTS"
}

# median VALUE...: the median of numbers.
median()
{
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || die "the benchmarks run as root (nsenter, podman, the daemon)"
}

require_tools()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			die "$t is not installed (apt-get install hyperfine podman runc busybox-static valgrind jq)"
	done
}

require_binaries()
{
	local b
	for b in "$@"; do
		[ -x "$b" ] || die "$b is not built (make bench builds it)"
	done
}

# kv LINE KEY: the value of KEY=VALUE in a line of nsctl-load output.
kv()
{
	local w
	for w in $1; do
		[ "${w%%=*}" = "$2" ] && { echo "${w#*=}"; return 0; }
	done
	die "no $2 in: $1"
}

# calc EXPR: floating point arithmetic (awk), printed with up to 3 decimals.
calc()
{
	awk "BEGIN { v = $1; printf \"%.3f\n\", v }" </dev/null
}

machine_info()
{
	echo "nproc:   $(nproc)"
	echo "kernel:  $(uname -r)"
	echo "cpu:     $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "memory:  $(awk '/^MemTotal/ { printf "%.1f GiB\n", $2 / 1048576 }' /proc/meminfo)"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
	echo "tools:   $(hyperfine --version), podman $(podman --version | awk '{ print $3 }'), $(runc --version | head -1), $(valgrind --version)"
}

# The load average, so that a reader can tell a quiet run from a noisy one.
note_load()
{
	echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- policy and daemon -------------------------------------------------------------------

BENCH_POLICY=$BENCH_WORK/policy
BENCH_SOCKET=$BENCH_WORK/io.nsctl
DAEMON_PID=

# root (and nobody, for the unprivileged row) may enter every process; root may enter the
# network namespaces the benchmarks make and the podman containers they start, by name.
write_policy()
{
	printf '%s\n' "# nsctl benchmarks" "permit root on pid:* ns all" \
		"permit nobody on pid:* ns all" "permit root on netns:nsctl-bench-*" \
		"permit root on podman:nsctl-bench-* ns all" >"$BENCH_POLICY"
	chown root:root "$BENCH_POLICY"
	chmod 0644 "$BENCH_POLICY"
}

# write_policy_caps FILE: a grant with a capability on pid:* (net only): every session it
# allows is contained (its own pid and mount namespace, fresh /proc, seccomp; see
# docs/security.md), the cost the "granted capabilities" goal is about.
write_policy_caps()
{
	printf '%s\n' "# nsctl benchmarks: contained sessions" \
		"permit root on pid:* ns net caps net_admin" >"$1"
	chown root:root "$1"
	chmod 0644 "$1"
}

# socket_listening PATH: is a unix socket listening on PATH? (/proc/net/unix, state LISTEN)
socket_listening()
{
	awk -v p="$1" '$NF == p && $4 == "00010000" { found = 1 } END { exit !found }' \
		/proc/net/unix
}

wait_listening()
{
	local i
	for ((i = 0; i < 500; i++)); do
		socket_listening "$1" && return 0
		sleep 0.02
	done
	die "nothing listens on $1"
}

# daemon_spawn VAR SOCKET POLICY [NSCTLD OPTIONS...]: an nsctld on SOCKET with POLICY, its
# pid left in VAR, stopped at exit (or earlier by kill_wait). Audit records go to a file:
# this VM has no journal (see docs/benchmarks.md).
daemon_spawn()
{
	local var=$1 sock=$2 policy=$3 pid
	shift 3
	show "$NSCTLD" --listen "$sock" --policy "$policy" --log stderr "$@"
	"$NSCTLD" --listen "$sock" --policy "$policy" --log stderr "$@" \
		</dev/null 2>>"$BENCH_WORK/nsctld.log" &
	pid=$!
	defer "kill_wait $pid"
	printf -v "$var" '%s' "$pid"
	wait_listening "$sock"
}

# daemon_start [NSCTLD OPTIONS...]: nsctld on $BENCH_SOCKET with the benchmark policy.
daemon_start()
{
	[ -f "$BENCH_POLICY" ] || write_policy
	daemon_spawn DAEMON_PID "$BENCH_SOCKET" "$BENCH_POLICY" "$@"
}

daemon_stop()
{
	[ -n "$DAEMON_PID" ] || return 0
	kill_wait "$DAEMON_PID"
	DAEMON_PID=
}

# Options for hundreds of sessions of one user (root): the defaults (64 sessions and 64
# connections per uid, 512 connections, 512 tasks in one user's sessions) would refuse
# the 65th. Each held session is one task (sleep); --max-tasks-per-user 0: no limit.
MANY_SESSIONS_OPTIONS=(--max-sessions-per-user 5000 --max-connections-per-user 5000
	--max-connections 10000 --max-tasks-per-user 0)

# check_limits N: can N sessions (plus a Run load) really run? Prints the limits that
# count and dies when one is too low: open files (nsctld keeps a few fds per session,
# nsctl-load one connection each), pid_max and threads-max, and pids.max of the cgroups
# nsctld's session cgroups are made below (v2 and, on hybrid hosts, the v1 pids hierarchy).
check_limits()
{
	local n=$1 need_fds=$(($1 * 4 + 512)) need_tasks=$(($1 + 512)) path dir v
	echo "limits for $n sessions: open files $(ulimit -Hn) (hard; need ~$need_fds)," \
		"pid_max $(cat /proc/sys/kernel/pid_max), threads-max $(cat /proc/sys/kernel/threads-max)"
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$need_fds" ] ||
		die "the hard open-file limit $(ulimit -Hn) is below ~$need_fds for $n sessions"
	[ "$(cat /proc/sys/kernel/pid_max)" -ge "$need_tasks" ] ||
		die "kernel.pid_max is below $need_tasks"
	[ "$(cat /proc/sys/kernel/threads-max)" -ge "$need_tasks" ] ||
		die "kernel.threads-max is below $need_tasks"
	# pids.max of this shell's cgroup and every parent, in v2 and in a v1 pids hierarchy.
	for dir in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/pids; do
		[ -d "$dir" ] || continue
		if [ "$dir" = /sys/fs/cgroup/pids ]; then
			path=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' /proc/self/cgroup)
		else
			path=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
		fi
		[ -n "$path" ] || continue
		while :; do
			if [ -f "$dir$path/pids.max" ]; then
				v=$(cat "$dir$path/pids.max")
				echo "pids.max of $dir$path: $v"
				[ "$v" = max ] || [ "$v" -ge "$need_tasks" ] ||
					die "pids.max of $dir$path ($v) is below $need_tasks"
			fi
			[ "$path" = / ] || [ -z "$path" ] && break
			path=$(dirname "$path")
		done
	done
}

# children PID: how many child processes PID has.
children()
{
	local c
	c=$(cat "/proc/$1/task/$1/children")
	set -- $c
	echo $#
}

# wait_no_children PID: until PID has no child left (sessions reaped); fails after 30 s.
wait_no_children()
{
	local i
	for ((i = 0; i < 3000; i++)); do
		[ "$(children "$1")" -eq 0 ] && return 0
		sleep 0.01
	done
	die "process $1 still has $(children "$1") children"
}

# status_kib PID FIELD: a "FIELD: N kB" line of /proc/PID/status (VmRSS, RssAnon, ...).
status_kib()
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# pss_kib PID: proportional set size, shared pages divided among their users.
pss_kib()
{
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"
}

# cpu_ticks PID: user+sys clock ticks of PID itself, and of its reaped children.
cpu_ticks()
{
	# Fields 14-17 of /proc/PID/stat; the comm field (2) has no spaces for nsctld.
	awk '{ print $14 + $15, $16 + $17 }' "/proc/$1/stat"
}

# schedstat PID: nanoseconds on a CPU and nanoseconds waiting for one (main thread).
schedstat()
{
	awk '{ print $1, $2 }' "/proc/$1/task/$1/schedstat"
}

# --- held sessions -----------------------------------------------------------------------

HOLD_PID=
HOLD_OUT=
HOLD_FD=

# hold_start N TARGET: N sessions of `sleep 600` through nsctl-load hold, kept until
# hold_stop; prints the driver's line and leaves it in HOLD_LINE, and how many run in
# HOLD_RUNNING. Sessions that fail to start are counted (running=, errors=, first_error=
# in the line), not fatal: the caller records them.
hold_start()
{
	local n=$1 fifo=$BENCH_WORK/hold.$1.in deadline=$((SECONDS + 600))
	HOLD_OUT=$BENCH_WORK/hold.$1.out
	rm -f "$fifo" "$HOLD_OUT"
	mkfifo "$fifo"
	show "$NSCTL_LOAD" --socket "$BENCH_SOCKET" hold --target "$2" --sessions "$n" \
		--window 64 -- sleep 600 "<$fifo" "&"
	"$NSCTL_LOAD" --socket "$BENCH_SOCKET" hold --target "$2" --sessions "$n" \
		--window 64 -- sleep 600 <"$fifo" >"$HOLD_OUT" &
	HOLD_PID=$!
	defer "hold_kill"
	exec {HOLD_FD}>"$fifo"
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -qx ready "$HOLD_OUT" && break
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.02
	done
	grep -qx ready "$HOLD_OUT" || die "the sessions did not start: $(cat "$HOLD_OUT")"
	HOLD_LINE=$(head -1 "$HOLD_OUT")
	echo "$HOLD_LINE"
	HOLD_RUNNING=$(kv "$HOLD_LINE" running)
	[ "$HOLD_RUNNING" -gt 0 ] || die "no session started"
	[ "$HOLD_RUNNING" -eq "$n" ] ||
		echo "bench: only $HOLD_RUNNING of $n sessions started (recorded; going on with them)" >&2
}

# hold_stop: close the held connections (nsctld hangs their commands up) and wait for the
# driver; the caller waits for the daemon's children. Sessions that ended while held are
# fatal: what was measured was not what was meant.
hold_stop()
{
	local last
	exec {HOLD_FD}>&-
	wait "$HOLD_PID" || true
	HOLD_PID=
	last=$(tail -1 "$HOLD_OUT")
	echo "$last"
	[ "$(kv "$last" ended_early)" -eq 0 ] || die "sessions ended early: $(cat "$HOLD_OUT")"
}

# hold_kill: at exit, a driver still holding sessions (interrupted) is stopped.
hold_kill()
{
	[ -n "$HOLD_PID" ] || return 0
	kill_wait "$HOLD_PID"
	HOLD_PID=
}

# --- the podman target -------------------------------------------------------------------

# run-all.sh starts one container for every script and exports these; a script run on its
# own starts its own.
BENCH_CONTAINER=${BENCH_CONTAINER:-}
BENCH_CPID=${BENCH_CPID:-}
BENCH_ROOTFS=${BENCH_ROOTFS:-}

# A busybox root file system on tmpfs (the 1 GiB file of the throughput test stays in
# memory), with every applet linked, /bin/true among them: podman exec needs one.
make_rootfs()
{
	BENCH_ROOTFS=/dev/shm/nsctl-bench-rootfs.$$
	defer "rm -rf '$BENCH_ROOTFS'"
	mkdir -p "$BENCH_ROOTFS"/{bin,proc,sys,dev,etc,tmp,data}
	cp /bin/busybox "$BENCH_ROOTFS/bin/busybox"
	chroot "$BENCH_ROOTFS" /bin/busybox --install -s /bin
	echo "root:x:0:0:root:/:/bin/sh" >"$BENCH_ROOTFS/etc/passwd"
	echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$BENCH_ROOTFS/etc/passwd"
}

# The container every benchmark enters: --network none, busybox, sleeping.
# The ulimits are lowered explicitly: podman's defaults are above this VM's hard limits,
# and root here lacks CAP_SYS_RESOURCE to raise them.
container_start()
{
	if [ -n "$BENCH_CONTAINER" ] && [ -n "$BENCH_CPID" ]; then
		kill -0 "$BENCH_CPID" 2>/dev/null || die "container $BENCH_CONTAINER is gone"
		return 0
	fi
	[ -n "$BENCH_ROOTFS" ] || make_rootfs
	BENCH_CONTAINER=nsctl-bench-$$
	defer "podman rm -f -t 0 '$BENCH_CONTAINER'"
	run podman run -d --name "$BENCH_CONTAINER" --network none \
		--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
		--rootfs "$BENCH_ROOTFS" /bin/sleep 1000000 >/dev/null
	BENCH_CPID=$(podman inspect -f '{{.State.Pid}}' "$BENCH_CONTAINER")
	[ "$BENCH_CPID" -gt 0 ] 2>/dev/null || die "podman did not report the container's pid"
	echo "container $BENCH_CONTAINER: pid $BENCH_CPID (nsctl target pid:$BENCH_CPID)"
}

# podman_service_start: `podman system service` serving podman's Docker-compatible API on
# BENCH_PODMAN_SOCKET (the --podman-socket of nsctld), stopped at exit.
BENCH_PODMAN_SOCKET=$BENCH_WORK/podman.sock
PODMAN_SERVICE_PID=
podman_service_start()
{
	local i
	show podman system service --time=0 "unix://$BENCH_PODMAN_SOCKET" "&"
	podman system service --time=0 "unix://$BENCH_PODMAN_SOCKET" </dev/null \
		>>"$BENCH_WORK/podman-service.log" 2>&1 &
	PODMAN_SERVICE_PID=$!
	defer "kill_wait $PODMAN_SERVICE_PID"
	for ((i = 0; i < 300; i++)); do
		[ "$(curl -s -m 2 --unix-socket "$BENCH_PODMAN_SOCKET" http://d/_ping 2>/dev/null)" = OK ] &&
			return 0
		kill -0 "$PODMAN_SERVICE_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "podman system service does not answer on $BENCH_PODMAN_SOCKET: $(cat "$BENCH_WORK/podman-service.log")"
}

# --- hyperfine, in rounds ----------------------------------------------------------------

# hf NAME HYPERFINE-ARGS...: one hyperfine invocation, the Kth of NAME, its JSON kept as
# NAME.rK.json: round K of NAME.
declare -A _hf_rounds
hf()
{
	local name=$1 k
	shift
	k=$((${_hf_rounds[$name]:-0} + 1))
	_hf_rounds[$name]=$k
	run hyperfine --style basic --export-json "$BENCH_WORK/$name.r$k.json" "$@"
}

# hf_stats NAME COMMAND-NAME: "n median p90 min" in seconds over every round of NAME.
hf_stats()
{
	jq -rs --arg c "$2" '
		[.[].results[] | select(.command == $c) | .times[]] | sort
		| if length == 0 then "0 0 0 0" else
		  (length) as $n
		  | "\($n) \(if $n % 2 == 1 then .[($n - 1) / 2] else (.[$n / 2 - 1] + .[$n / 2]) / 2 end) \(.[(($n * 0.9) | ceil) - 1]) \(.[0])"
		  end' "$BENCH_WORK/$1".r*.json
}

# hf_round_median NAME K COMMAND-NAME: the median in seconds of COMMAND-NAME in round K.
hf_round_median()
{
	jq -r --arg c "$3" '[.results[] | select(.command == $c) | .times[]] | sort
		| length as $n
		| if $n == 0 then error("no samples of \($c)")
		  elif $n % 2 == 1 then .[($n - 1) / 2] else (.[$n / 2 - 1] + .[$n / 2]) / 2 end' \
		"$BENCH_WORK/$1.r$2.json"
}

# hf_rounds NAME: how many rounds of NAME ran.
hf_rounds()
{
	echo "${_hf_rounds[$1]:-0}"
}
