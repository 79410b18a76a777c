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

# Rounds: each comparison runs this many times, alternating the contenders, and the
# samples of all rounds are pooled. A burst of background load then hurts every contender
# instead of whichever happened to run during it.
BENCH_ROUNDS=${BENCH_ROUNDS:-3}

_bench_cleanups=()

# defer CMD...: run CMD (a string, eval'd) at exit, last registered first.
defer()
{
	_bench_cleanups+=("$1")
}

_bench_exit()
{
	local i
	for ((i = ${#_bench_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_bench_cleanups[i]}" >/dev/null 2>&1 || true
	done
}
trap _bench_exit EXIT
trap 'exit 130' INT TERM

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
# network namespaces the benchmarks make.
write_policy()
{
	printf '%s\n' "# nsctl benchmarks" "permit root on pid:* ns all" \
		"permit nobody on pid:* ns all" "permit root on netns:nsctl-bench-*" \
		>"$BENCH_POLICY"
	chown root:root "$BENCH_POLICY"
	chmod 0644 "$BENCH_POLICY"
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

# daemon_start [NSCTLD OPTIONS...]: nsctld on $BENCH_SOCKET with the benchmark policy.
# Audit records go to a file: this VM has no journal (see docs/benchmarks.md).
daemon_start()
{
	[ -f "$BENCH_POLICY" ] || write_policy
	show "$NSCTLD" --listen "$BENCH_SOCKET" --policy "$BENCH_POLICY" --log stderr "$@"
	"$NSCTLD" --listen "$BENCH_SOCKET" --policy "$BENCH_POLICY" --log stderr "$@" \
		</dev/null 2>>"$BENCH_WORK/nsctld.log" &
	DAEMON_PID=$!
	defer "daemon_stop"
	wait_listening "$BENCH_SOCKET"
}

daemon_stop()
{
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
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
# hold_stop; prints the driver's line and leaves it in HOLD_LINE.
hold_start()
{
	local n=$1 fifo=$BENCH_WORK/hold.$1.in i
	HOLD_OUT=$BENCH_WORK/hold.$1.out
	rm -f "$fifo" "$HOLD_OUT"
	mkfifo "$fifo"
	show "$NSCTL_LOAD" --socket "$BENCH_SOCKET" hold --target "$2" --sessions "$n" \
		--window 64 -- sleep 600 "<$fifo" "&"
	"$NSCTL_LOAD" --socket "$BENCH_SOCKET" hold --target "$2" --sessions "$n" \
		--window 64 -- sleep 600 <"$fifo" >"$HOLD_OUT" &
	HOLD_PID=$!
	exec {HOLD_FD}>"$fifo"
	for ((i = 0; i < 6000; i++)); do
		grep -qx ready "$HOLD_OUT" && break
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.01
	done
	grep -qx ready "$HOLD_OUT" || die "the sessions did not start: $(cat "$HOLD_OUT")"
	HOLD_LINE=$(head -1 "$HOLD_OUT")
	echo "$HOLD_LINE"
	[ "$(kv "$HOLD_LINE" running)" -eq "$n" ] ||
		die "only $(kv "$HOLD_LINE" running) of $n sessions started"
}

# hold_stop: close the held connections (nsctld hangs their commands up) and wait for the
# driver; the caller waits for the daemon's children.
hold_stop()
{
	exec {HOLD_FD}>&-
	wait "$HOLD_PID" || die "sessions ended early: $(cat "$HOLD_OUT")"
	tail -1 "$HOLD_OUT"
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

# --- hyperfine, in rounds ----------------------------------------------------------------

# hf_round NAME HYPERFINE-ARGS...: one hyperfine invocation, its JSON kept as NAME.rN.json.
_hf_round=0
hf()
{
	local name=$1
	shift
	_hf_round=$((_hf_round + 1))
	run hyperfine --style basic --export-json "$BENCH_WORK/$name.r$_hf_round.json" "$@"
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
