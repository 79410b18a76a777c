#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Concurrency: 100, 500 and 1000 sessions running at once; how fast they start, the request
# rate nsctld sustains while they run, and how quickly its event loop answers a cheap call.
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
# Steps 2 and 3 run BENCH_ROUNDS times each (alternating); every round gives one p50 and
# one p99, and each is reported as the median of the rounds with their range. The same
# probe and rate are measured first with no session held, as a baseline.
#
# The load driver and nsctld share the VM's CPUs: on 2 cores the driver's own threads
# compete with the daemon, so rates are a lower bound for the daemon alone.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools jq podman
require_binaries "$NSCTLD" "$NSCTL_LOAD"

PROBE_SECONDS=${BENCH_PROBE_SECONDS:-4}
# The load starts half a second before the probe and outlasts it.
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-$(calc "$PROBE_SECONDS + 1")}
CLIENTS=${BENCH_CLIENTS:-4}
SIZES=${BENCH_SESSIONS:-100 500 1000}

say "concurrency: setup"
# Up to 1000 connections, each with a session: fds for the driver and the daemon (both
# raise their soft limit to the hard one; so does this shell, for the record), tasks for
# the sessions' commands.
run ulimit -n "$(ulimit -Hn)"
echo "fd limit: $(ulimit -n)"
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
check_limits "$((max + CLIENTS * 2))"
container_start
# The per-uid defaults would refuse session 65 and on.
daemon_start "${MANY_SESSIONS_OPTIONS[@]}"
T=pid:$BENCH_CPID
load=("$NSCTL_LOAD" --socket "$BENCH_SOCKET")
LOAD_PID=
defer 'kill_wait $LOAD_PID'

# probe: GetInfo once per ms for PROBE_SECONDS; sets probe_line.
probe()
{
	show "${load[@]}" getinfo --duration "$PROBE_SECONDS" --interval-us 1000
	probe_line=$("${load[@]}" getinfo --duration "$PROBE_SECONDS" --interval-us 1000)
	echo "$probe_line"
}

# under_load: the probe while CLIENTS clients run /bin/true as fast as they can; sets
# probe_line, rate_line, cpu_pct and runqueue_pct (of nsctld's main thread, during the
# probe).
under_load()
{
	local rate_out=$BENCH_WORK/rate.out run0 wait0 run1 wait1 t0 t1
	show "${load[@]}" run --target "$T" --duration "$LOAD_SECONDS" --clients "$CLIENTS" \
		-- /bin/true "&"
	"${load[@]}" run --target "$T" --duration "$LOAD_SECONDS" --clients "$CLIENTS" \
		-- /bin/true >"$rate_out" &
	LOAD_PID=$!
	sleep 0.5
	read -r run0 wait0 < <(schedstat "$DAEMON_PID")
	t0=$(date +%s%N)
	probe
	read -r run1 wait1 < <(schedstat "$DAEMON_PID")
	t1=$(date +%s%N)
	# Refused or failed Runs are counted (errors=, first_error=), not fatal: the rate
	# counts the Runs that succeeded.
	wait "$LOAD_PID" || echo "bench: the request load had errors (recorded)" >&2
	LOAD_PID=
	# How busy nsctld's loop was, and how long it sat runnable without a CPU.
	cpu_pct=$(calc "100 * ($run1 - $run0) / ($t1 - $t0)")
	runqueue_pct=$(calc "100 * ($wait1 - $wait0) / ($t1 - $t0)")
	rate_line=$(cat "$rate_out")
	echo "$rate_line; nsctld on a CPU ${cpu_pct}%, runnable waiting ${runqueue_pct}%"
}

# measure KEY: BENCH_ROUNDS rounds of the probe alone (KEY.held, or idle) and of the probe
# under load (KEY.load); each number the median of the rounds, with their range.
measure()
{
	local key=$1 held=$1.held round
	local -a p50 p99 pmax lp50 lp99 lmax rate rp50 rp99 cpu rq
	local calls=0 lcalls=0 runs=0 run_errors=0 run_first_error=-
	[ "$key" = idle ] && held=idle
	for ((round = 1; round <= BENCH_ROUNDS; round++)); do
		echo "-- round $round of $BENCH_ROUNDS: $(note_load)"
		probe
		p50+=("$(kv "$probe_line" latency_p50_us)")
		p99+=("$(kv "$probe_line" latency_p99_us)")
		pmax+=("$(kv "$probe_line" latency_max_us)")
		calls=$((calls + $(kv "$probe_line" calls)))
		under_load
		lp50+=("$(kv "$probe_line" latency_p50_us)")
		lp99+=("$(kv "$probe_line" latency_p99_us)")
		lmax+=("$(kv "$probe_line" latency_max_us)")
		lcalls=$((lcalls + $(kv "$probe_line" calls)))
		rate+=("$(kv "$rate_line" rate)")
		rp50+=("$(kv "$rate_line" total_p50_us)")
		rp99+=("$(kv "$rate_line" total_p99_us)")
		runs=$((runs + $(kv "$rate_line" requests)))
		run_errors=$((run_errors + $(kv "$rate_line" errors)))
		[ "$(kv "$rate_line" errors)" -eq 0 ] || run_first_error=$(kv "$rate_line" first_error)
		cpu+=("$cpu_pct")
		rq+=("$runqueue_pct")
	done
	result_spread "concurrency.$held.getinfo_p50_us" "$calls" "${p50[@]}"
	result_spread "concurrency.$held.getinfo_p99_us" "$calls" "${p99[@]}"
	result "concurrency.$held.getinfo_max_us" "$(printf '%s\n' "${pmax[@]}" | sort -g | tail -1)"
	result_spread "concurrency.$key.load.getinfo_p50_us" "$lcalls" "${lp50[@]}"
	result_spread "concurrency.$key.load.getinfo_p99_us" "$lcalls" "${lp99[@]}"
	result "concurrency.$key.load.getinfo_max_us" "$(printf '%s\n' "${lmax[@]}" | sort -g | tail -1)"
	result_spread "concurrency.$key.load.run_rate" "$runs" "${rate[@]}"
	result "concurrency.$key.load.run_errors" "$run_errors"
	result "concurrency.$key.load.run_first_error" "$run_first_error"
	result "concurrency.$key.load.run_p50_us" "$(median "${rp50[@]}")"
	result "concurrency.$key.load.run_p99_us" "$(median "${rp99[@]}")"
	result "concurrency.$key.load.daemon_cpu_pct" "$(median "${cpu[@]}")"
	result "concurrency.$key.load.daemon_runqueue_pct" "$(median "${rq[@]}")"
}

result concurrency.clients "$CLIENTS"

say "concurrency: baseline, no session held"
note_load
measure idle

for n in $SIZES; do
	say "concurrency: $n sessions"
	note_load
	hold_start "$n" "$T"
	line=$HOLD_LINE
	echo "nsctld has $(children "$DAEMON_PID") children"
	result "concurrency.$n.running" "$HOLD_RUNNING"
	if [ "$HOLD_RUNNING" -eq "$n" ]; then
		result "concurrency.$n.first_error" -
	else
		result "concurrency.$n.first_error" "$(kv "$line" first_error)"
	fi
	result "concurrency.$n.ramp_rate" "$(kv "$line" ramp_rate)"
	result "concurrency.$n.start_p50_us" "$(kv "$line" start_p50_us)"
	result "concurrency.$n.start_p99_us" "$(kv "$line" start_p99_us)"

	measure "$n"

	say "concurrency: $n sessions end"
	t0=$(date +%s%N)
	hold_stop
	wait_no_children "$DAEMON_PID"
	result "concurrency.$n.release_ms" "$(calc "($(date +%s%N) - $t0) / 1000000")"
done
note_load
