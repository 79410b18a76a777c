#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tables of docs/benchmarks.md from a results file (key=value lines) of bench/*.sh,
# each number set against its goal. A measurement that did not run shows as "-".
#
#   bash bench/summary.sh RESULTS [MACHINE.TXT]

set -euo pipefail

declare -A v
while IFS='=' read -r key value; do
	[ -n "$key" ] && v[$key]=$value
done <"$1"

# get KEY: the value, or "-".
get()
{
	echo "${v[$1]:--}"
}

# fmt KEY DECIMALS: the value rounded, or "-".
fmt()
{
	local x=${v[$1]:-}
	[ -n "$x" ] || { echo -; return; }
	printf "%.${2}f" "$x"
}

# us_to_ms KEY: microseconds as milliseconds with 2 decimals.
us_to_ms()
{
	local x=${v[$1]:-}
	[ -n "$x" ] || { echo -; return; }
	awk -v x="$x" 'BEGIN { printf "%.2f", x / 1000 }'
}

# verdict KEY OP LIMIT: "met" or "missed" (OP: le, ge, lt), "-" without a value.
verdict()
{
	local x=${v[$1]:-}
	[ -n "$x" ] || { echo -; return; }
	awk -v x="$x" -v op="$2" -v l="$3" 'BEGIN {
		ok = op == "le" ? x <= l : op == "ge" ? x >= l : x < l
		print ok ? "met" : "**missed**" }'
}

if [ $# -ge 2 ] && [ -f "$2" ]; then
	echo '```'
	cat "$2"
	echo '```'
	echo
fi

echo "### Latency of one short command (median, ms)"
echo
echo "| | nsctl | nsenter | podman exec | nsctl / nsenter | podman / nsctl |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| warm: \`run pid:C --net -- /bin/true\` | $(fmt latency.nsctl_warm_ms 2) | $(fmt latency.nsenter_ms 2) | $(fmt latency.podman_ms 1) | $(fmt latency.ratio_warm_vs_nsenter 2)x | $(fmt latency.speedup_warm_vs_podman 0)x |"
echo "| warm, nsctl run by an unprivileged user | $(fmt latency.nsctl_user_ms 2) | | | $(fmt latency.ratio_user_vs_nsenter 2)x | |"
echo "| cold: first request, nsctld socket-activated by it | $(fmt latency.nsctl_cold_ms 2) | | | $(fmt latency.ratio_cold_vs_nsenter 2)x | $(fmt latency.speedup_cold_vs_podman 0)x |"
echo "| p90, warm | $(fmt latency.nsctl_warm_p90_ms 2) | $(fmt latency.nsenter_p90_ms 2) | | | |"
echo "| nsctld start alone (\`nsctld --version\`) | $(fmt latency.nsctld_exec_ms 2) | | | | |"
echo "| nsctl start alone (\`nsctl --version\`) | $(fmt latency.nsctl_client_exec_ms 2) | | | | |"
echo "| the request alone (nsctl-load: connect to final reply) | $(fmt latency.request_ms 2) | | | | |"
echo "| \`/bin/true\` alone | $(fmt latency.true_exec_ms 2) | | | | |"
echo
echo "### Throughput of 1 GiB through cat (median, MiB/s)"
echo
echo "| | nsctl | nsenter | podman exec | nsctl / nsenter | nsctl / podman | control: setsid nsenter / nsenter |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in stdout stdin; do
	case $p in
	stdout) what="stdout: \`cat 1GiB-file \\| dd\`" ;;
	stdin) what="stdin and stdout: \`head -c 1G \\| cat \\| dd\`" ;;
	esac
	echo "| $what | $(fmt "throughput.${p}_nsctl_mibs" 0) | $(fmt "throughput.${p}_nsenter_mibs" 0) | $(fmt "throughput.${p}_podman_mibs" 0) | $(fmt "throughput.${p}_ratio_nsctl_vs_nsenter" 2)x | $(fmt "throughput.${p}_ratio_nsctl_vs_podman" 1)x | $(fmt "throughput.${p}_ratio_setsid_vs_nsenter" 2)x |"
done
echo
echo "nsctld's own reads and writes while nsctl moved 2 GiB: $(get throughput.daemon_bytes_per_2gib) bytes."
echo
echo "### Concurrency"
echo
echo "| sessions running | start rate (/s) | start p50 / p99 (ms) | GetInfo p50 / p99 (µs), no other load | Run rate under load (/s) | Run p50 / p99 (ms) under load | GetInfo p50 / p99 (ms) under load | nsctld CPU / runqueue wait under load | all hung up and reaped (ms) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in idle 100 500; do
	if [ "$n" = idle ]; then
		held=idle; label=0; ramp=-; start=-; release=-
	else
		held=$n.held; label=$n
		ramp=$(fmt "concurrency.$n.ramp_rate" 0)
		start="$(us_to_ms "concurrency.$n.start_p50_us") / $(us_to_ms "concurrency.$n.start_p99_us")"
		release=$(fmt "concurrency.$n.release_ms" 0)
	fi
	[ "$n" = idle ] && l=idle.load || l=$n.load
	echo "| $label | $ramp | $start | $(fmt "concurrency.${held}.getinfo_p50_us" 0) / $(fmt "concurrency.${held}.getinfo_p99_us" 0) | $(fmt "concurrency.$l.run_rate" 0) | $(us_to_ms "concurrency.$l.run_p50_us") / $(us_to_ms "concurrency.$l.run_p99_us") | $(us_to_ms "concurrency.$l.getinfo_p50_us") / $(us_to_ms "concurrency.$l.getinfo_p99_us") | $(fmt "concurrency.$l.daemon_cpu_pct" 0)% / $(fmt "concurrency.$l.daemon_runqueue_pct" 0)% | $release |"
done
echo
echo "### Memory of nsctld (KiB)"
echo
echo "| | VmRSS | Pss | RssAnon |"
echo "|---|---:|---:|---:|"
echo "| idle, just started | $(get memory.idle_fresh_rss_kib) | $(get memory.idle_fresh_pss_kib) | |"
echo "| idle, after 600 calls | $(get memory.idle_rss_kib) | $(get memory.idle_pss_kib) | $(get memory.idle_anon_kib) |"
for n in 100 500; do
	echo "| per session, $n running | $(fmt "memory.$n.per_session_rss_kib" 2) | $(fmt "memory.$n.per_session_pss_kib" 2) | $(fmt "memory.$n.per_session_anon_kib" 2) |"
done
echo
echo "### CPU per request in nsctld"
echo
echo "| request | nsctld on a CPU (µs) | its children: worker + command (µs) | instructions in nsctld (callgrind) |"
echo "|---|---:|---:|---:|"
echo "| Run \`/bin/true\` | $(fmt cpu.run.daemon_us 0) | $(fmt cpu.run.children_us 0) | $(get cpu.run_to_fork.ir_per_request) up to fork (see below) |"
echo "| Run \`/bin/true\`, netns: target (no /proc/PID/ns look-ups) | $(fmt cpu.run_netns.daemon_us 0) | $(fmt cpu.run_netns.children_us 0) | |"
echo "| GetInfo | $(fmt cpu.getinfo.daemon_us 1) | | $(get cpu.getinfo.ir_per_request) |"
echo
echo "### Goals"
echo
echo "| goal | measured | |"
echo "|---|---|---|"
echo "| warm latency within 1.5x of nsenter | $(fmt latency.ratio_warm_vs_nsenter 2)x | $(verdict latency.ratio_warm_vs_nsenter le 1.5) |"
echo "| throughput at least 0.95x of nsenter (stdout) | $(fmt throughput.stdout_ratio_nsctl_vs_nsenter 2)x | $(verdict throughput.stdout_ratio_nsctl_vs_nsenter ge 0.95) |"
echo "| throughput at least 0.95x of nsenter (stdin and stdout) | $(fmt throughput.stdin_ratio_nsctl_vs_nsenter 2)x | $(verdict throughput.stdin_ratio_nsctl_vs_nsenter ge 0.95) |"
echo "| at least 50x faster than podman exec (warm) | $(fmt latency.speedup_warm_vs_podman 0)x | $(verdict latency.speedup_warm_vs_podman ge 50) |"
echo "| at least 50x faster than podman exec (cold) | $(fmt latency.speedup_cold_vs_podman 0)x | $(verdict latency.speedup_cold_vs_podman ge 50) |"
echo "| 500 sessions, loop answers within a few ms (GetInfo p99, sessions idle) | $(us_to_ms concurrency.500.held.getinfo_p99_us) ms | $(verdict concurrency.500.held.getinfo_p99_us le 5000) |"
echo "| 500 sessions, loop answers within a few ms (GetInfo p99, under Run load) | $(us_to_ms concurrency.500.load.getinfo_p99_us) ms | $(verdict concurrency.500.load.getinfo_p99_us le 5000) |"
echo "| idle RSS under 4 MiB | $(get memory.idle_rss_kib) KiB | $(verdict memory.idle_rss_kib lt 4096) |"
echo "| under 64 KiB per session (500 running, RSS) | $(fmt memory.500.per_session_rss_kib 1) KiB | $(verdict memory.500.per_session_rss_kib lt 64) |"
