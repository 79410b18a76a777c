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
# value idle) / N, for N = 100 and 500 sessions of `sleep 600` held by nsctl-load; the
# sessions' own processes are not nsctld's memory and are not counted.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools podman
require_binaries "$NSCTLD" "$NSCTL_LOAD"

SIZES=${BENCH_SESSIONS:-100 500}

say "memory: setup"
container_start
daemon_start --max-sessions-per-user 5000 --max-connections-per-user 5000 \
	--max-connections 10000
T=pid:$BENCH_CPID

# sample LABEL: print and keep VmRSS, RssAnon and Pss of nsctld.
sample()
{
	rss=$(status_kib "$DAEMON_PID" VmRSS)
	anon=$(status_kib "$DAEMON_PID" RssAnon)
	pss=$(pss_kib "$DAEMON_PID")
	fds=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
	printf '%-28s VmRSS %6s KiB  RssAnon %6s KiB  Pss %6s KiB  fds %5s\n' "$1" "$rss" \
		"$anon" "$pss" "$fds"
}

sleep 0.5
sample "idle, just started"
result memory.idle_fresh_rss_kib "$rss"
result memory.idle_fresh_pss_kib "$pss"

run "$NSCTL_LOAD" --socket "$BENCH_SOCKET" run --target "$T" --count 300 -- /bin/true
run "$NSCTL_LOAD" --socket "$BENCH_SOCKET" getinfo --count 300
wait_no_children "$DAEMON_PID"
sleep 0.2
sample "idle, after 600 calls"
idle_rss=$rss idle_anon=$anon idle_pss=$pss idle_fds=$fds
result memory.idle_rss_kib "$rss"
result memory.idle_anon_kib "$anon"
result memory.idle_pss_kib "$pss"

for n in $SIZES; do
	say "memory: $n sessions"
	hold_start "$n" "$T"
	sample "$n sessions running"
	result "memory.$n.rss_kib" "$rss"
	result "memory.$n.per_session_rss_kib" "$(calc "($rss - $idle_rss) / $n")"
	result "memory.$n.per_session_anon_kib" "$(calc "($anon - $idle_anon) / $n")"
	result "memory.$n.per_session_pss_kib" "$(calc "($pss - $idle_pss) / $n")"
	result "memory.$n.per_session_fds" "$(calc "($fds - $idle_fds) / $n")"
	hold_stop
	wait_no_children "$DAEMON_PID"
	sleep 0.2
	sample "after the $n ended"
	result "memory.$n.after_rss_kib" "$rss"
done
