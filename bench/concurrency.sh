#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Concurrency: 100 and 500 sessions running at once; how fast they start, the request rate
# nsctld sustains while they run, and how quickly its event loop answers a cheap call.
#
# For each N:
#   1. nsctl-load hold: N sessions of `sleep 600` in the container's network namespace,
#      64 Run calls in flight while they start; each on its own connection, as nsctl does.
#   2. with the N sessions running: org.varlink.service.GetInfo once per ms for a while
#      (the cheap call; ListTargets does not exist yet), median and p99;
#   3. then the same probe while 4 clients run `/bin/true` sessions as fast as nsctld
#      takes them (each a new connection, fork, setns, exec and reap): the request rate;
#   4. the N connections close; nsctld hangs their commands up (SIGHUP); the time until
#      it has no child left.
# The same probe and rate are measured first with no session held, as a baseline.
#
# The load driver and nsctld share the VM's CPUs: on 2 cores the driver's own threads
# compete with the daemon, so rates are a lower bound for the daemon alone.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools jq podman
require_binaries "$NSCTLD" "$NSCTL_LOAD"

PROBE_SECONDS=${BENCH_PROBE_SECONDS:-5}
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-6}
CLIENTS=${BENCH_CLIENTS:-4}
SIZES=${BENCH_SESSIONS:-100 500}

say "concurrency: setup"
# Hundreds of connections, each with a session: fds for the driver and the daemon
# (both raise their soft limit to the hard one; so does this shell, for the record).
run ulimit -n "$(ulimit -Hn)"
echo "fd limit: $(ulimit -n)"
container_start
# The per-uid defaults (64 sessions, 64 connections) would refuse sessions 65 and on.
daemon_start --max-sessions-per-user 5000 --max-connections-per-user 5000 \
	--max-connections 10000
T=pid:$BENCH_CPID
load=("$NSCTL_LOAD" --socket "$BENCH_SOCKET")

# probe KEY: GetInfo once per ms for PROBE_SECONDS.
probe()
{
	local line
	show "${load[@]}" getinfo --duration "$PROBE_SECONDS" --interval-us 1000
	line=$("${load[@]}" getinfo --duration "$PROBE_SECONDS" --interval-us 1000)
	echo "$line"
	result "concurrency.$1.getinfo_p50_us" "$(kv "$line" latency_p50_us)"
	result "concurrency.$1.getinfo_p99_us" "$(kv "$line" latency_p99_us)"
	result "concurrency.$1.getinfo_max_us" "$(kv "$line" latency_max_us)"
}

# under_load KEY: the probe while CLIENTS clients run /bin/true as fast as they can.
under_load()
{
	local rate_out=$BENCH_WORK/rate.$1 line pid run0 wait0 run1 wait1 t0 t1
	show "${load[@]}" run --target "$T" --duration "$LOAD_SECONDS" --clients "$CLIENTS" \
		-- /bin/true "&"
	"${load[@]}" run --target "$T" --duration "$LOAD_SECONDS" --clients "$CLIENTS" \
		-- /bin/true >"$rate_out" &
	pid=$!
	sleep 0.5
	read -r run0 wait0 < <(schedstat "$DAEMON_PID")
	t0=$(date +%s%N)
	probe "$1.load"
	read -r run1 wait1 < <(schedstat "$DAEMON_PID")
	t1=$(date +%s%N)
	wait "$pid" || die "the request load had errors: $(cat "$rate_out")"
	# How busy nsctld's loop was, and how long it sat runnable without a CPU.
	result "concurrency.$1.load.daemon_cpu_pct" "$(calc "100 * ($run1 - $run0) / ($t1 - $t0)")"
	result "concurrency.$1.load.daemon_runqueue_pct" \
		"$(calc "100 * ($wait1 - $wait0) / ($t1 - $t0)")"
	line=$(cat "$rate_out")
	echo "$line"
	result "concurrency.$1.load.run_rate" "$(kv "$line" rate)"
	result "concurrency.$1.load.run_p50_us" "$(kv "$line" total_p50_us)"
	result "concurrency.$1.load.run_p99_us" "$(kv "$line" total_p99_us)"
}

say "concurrency: baseline, no session held"
note_load
probe idle
under_load idle

for n in $SIZES; do
	say "concurrency: $n sessions"
	note_load
	hold_start "$n" "$T"
	line=$HOLD_LINE
	echo "nsctld has $(children "$DAEMON_PID") children"
	result "concurrency.$n.ramp_rate" "$(kv "$line" ramp_rate)"
	result "concurrency.$n.start_p50_us" "$(kv "$line" start_p50_us)"
	result "concurrency.$n.start_p99_us" "$(kv "$line" start_p99_us)"

	probe "$n.held"
	under_load "$n"

	say "concurrency: $n sessions end"
	t0=$(date +%s%N)
	hold_stop
	wait_no_children "$DAEMON_PID"
	result "concurrency.$n.release_ms" "$(calc "($(date +%s%N) - $t0) / 1000000")"
done
note_load
