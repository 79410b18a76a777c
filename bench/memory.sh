#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nsctld's memory: idle, and per live session.
#
#   VmRSS    resident pages of nsctld, shared libraries counted in full (/proc/PID/status)
#   RssAnon  its private, anonymous part: heap, stacks (/proc/PID/status)
#   Pss      resident pages with shared ones divided among their users (smaps_rollup)
#
# Idle is measured right after start and again after 300 Run and 300 GetInfo calls (the
# allocator has then grown its arenas once). Per session: (value with N sessions held -
# value idle) / N, for N = 100, 500 and 1000 sessions of `sleep 600` held by nsctl-load;
# the sessions' own processes are not nsctld's memory and are not counted.
# BENCH_ROUNDS rounds, each with a daemon of its own: every number is the median of the
# rounds, with their range.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools podman
require_binaries "$NSCTLD" "$NSCTL_LOAD"

SIZES=${BENCH_SESSIONS:-100 500 1000}

say "memory: setup"
run ulimit -n "$(ulimit -Hn)"
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
check_limits "$max"
container_start
T=pid:$BENCH_CPID

# sample LABEL: print and keep VmRSS, RssAnon and Pss of nsctld, and its open fds.
sample()
{
	rss=$(status_kib "$DAEMON_PID" VmRSS)
	anon=$(status_kib "$DAEMON_PID" RssAnon)
	pss=$(pss_kib "$DAEMON_PID")
	fds=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
	printf '%-28s VmRSS %6s KiB  RssAnon %6s KiB  Pss %6s KiB  fds %5s\n' "$1" "$rss" \
		"$anon" "$pss" "$fds"
}

# keep NAME VALUE: one round's value of NAME (the values of all rounds, space-separated).
declare -A kept
keep()
{
	kept[$1]+=" $2"
}

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	say "memory: round $round of $BENCH_ROUNDS"
	note_load
	daemon_start "${MANY_SESSIONS_OPTIONS[@]}"
	sleep 0.5
	sample "idle, just started"
	keep idle_fresh_rss_kib "$rss"
	keep idle_fresh_pss_kib "$pss"

	run "$NSCTL_LOAD" --socket "$BENCH_SOCKET" run --target "$T" --count 300 -- /bin/true
	run "$NSCTL_LOAD" --socket "$BENCH_SOCKET" getinfo --count 300
	wait_no_children "$DAEMON_PID"
	sleep 0.2
	sample "idle, after 600 calls"
	idle_rss=$rss idle_anon=$anon idle_pss=$pss idle_fds=$fds
	keep idle_rss_kib "$rss"
	keep idle_anon_kib "$anon"
	keep idle_pss_kib "$pss"

	for n in $SIZES; do
		hold_start "$n" "$T"
		m=$HOLD_RUNNING
		sample "$m sessions running"
		keep "$n.running" "$m"
		keep "$n.rss_kib" "$rss"
		keep "$n.per_session_rss_kib" "$(calc "($rss - $idle_rss) / $m")"
		keep "$n.per_session_anon_kib" "$(calc "($anon - $idle_anon) / $m")"
		keep "$n.per_session_pss_kib" "$(calc "($pss - $idle_pss) / $m")"
		keep "$n.per_session_fds" "$(calc "($fds - $idle_fds) / $m")"
		hold_stop
		wait_no_children "$DAEMON_PID"
		sleep 0.2
		sample "after the $m ended"
		keep "$n.after_rss_kib" "$rss"
	done
	daemon_stop
done

say "memory: results (median of $BENCH_ROUNDS rounds, KiB)"
# shellcheck disable=SC2086
for k in idle_fresh_rss_kib idle_fresh_pss_kib idle_rss_kib idle_anon_kib idle_pss_kib; do
	result_spread "memory.$k" "$BENCH_ROUNDS" ${kept[$k]}
done
for n in $SIZES; do
	# The fewest sessions that ran in any round (fewer than n: the daemon refused some).
	result "memory.$n.running" "$(printf '%s\n' ${kept[$n.running]} | sort -n | head -1)"
	for k in rss_kib per_session_rss_kib per_session_anon_kib per_session_pss_kib \
		per_session_fds after_rss_kib; do
		result_spread "memory.$n.$k" "$BENCH_ROUNDS" ${kept[$n.$k]}
	done
done
