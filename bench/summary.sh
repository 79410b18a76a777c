#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tables of docs/benchmarks.md from a results file (key=value lines) of bench/*.sh,
# and the goals of issue 16 with each one's median, spread and verdict. A measurement that
# did not run shows as "-".
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

# fmtx KEY DECIMALS: a ratio, rounded, with its "x"; "-" without a value.
fmtx()
{
	local x
	x=$(fmt "$1" "$2")
	[ "$x" = - ] && echo - || echo "${x}x"
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

# spread KEY DECIMALS [SCALE]: "min-max" of the rounds' values (times SCALE), with the
# interquartile range from 5 rounds on, the number of rounds and of samples; "-" without.
spread()
{
	local k=$1 d=$2 s=${3:-1}
	[ -n "${v[$k.min]:-}" ] || { echo -; return; }
	awk -v lo="${v[$k.min]}" -v hi="${v[$k.max]}" -v q1="${v[$k.q1]}" -v q3="${v[$k.q3]}" \
		-v r="${v[$k.rounds]}" -v n="${v[$k.n]}" -v d="$d" -v s="$s" 'BEGIN {
		f = "%." d "f"
		out = sprintf(f "-" f, lo * s, hi * s)
		if (r >= 5) out = out sprintf(", IQR " f "-" f, q1 * s, q3 * s)
		printf "%s (%d rounds, n=%s)\n", out, r, n }'
}

# scaled KEY DECIMALS SCALE: the value times SCALE, rounded; "-" without.
scaled()
{
	local x=${v[$1]:-}
	[ -n "$x" ] || { echo -; return; }
	awk -v x="$x" -v s="$3" -v d="$2" 'BEGIN { printf "%." d "f", x * s }'
}

# sizes PREFIX SUFFIX: the session counts N of the keys PREFIX.N.SUFFIX, ascending.
sizes()
{
	local k
	for k in "${!v[@]}"; do
		[[ $k =~ ^$1\.([0-9]+)\.$2$ ]] && echo "${BASH_REMATCH[1]}"
	done | sort -n
}

# goal_sessions PREFIX SUFFIX: 1000 when it was measured, else the largest N measured.
goal_sessions()
{
	local all
	all=$(sizes "$1" "$2")
	if grep -qx 1000 <<<"$all"; then echo 1000; else tail -1 <<<"$all"; fi
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
echo "| warm: \`run pid:C --net -- /bin/true\` | $(fmt latency.nsctl_warm_ms 2) | $(fmt latency.nsenter_ms 2) | $(fmt latency.podman_ms 1) | $(fmtx latency.ratio_warm_vs_nsenter 2) | $(fmtx latency.speedup_warm_vs_podman 0) |"
echo "| warm, by name: \`run podman:NAME ...\` (name cache warm) | $(fmt latency.nsctl_name_ms 2) | | | $(fmtx latency.ratio_name_vs_nsenter 2) | |"
echo "| warm, by bare name: \`run NAME ...\` (name cache warm) | $(fmt latency.nsctl_bare_ms 2) | | | $(fmtx latency.ratio_bare_vs_nsenter 2) | |"
echo "| warm, granted \`caps net_admin\` (contained) | $(fmt latency.nsctl_caps_ms 2) | | | $(fmtx latency.ratio_caps_vs_nsenter 2) | |"
echo "| warm, nsctl run by an unprivileged user | $(fmt latency.nsctl_user_ms 2) | | | $(fmtx latency.ratio_user_vs_nsenter 2) | |"
echo "| cold: first request, nsctld socket-activated by it | $(fmt latency.nsctl_cold_ms 2) | | | $(fmtx latency.ratio_cold_vs_nsenter 2) | $(fmtx latency.speedup_cold_vs_podman 0) |"
echo "| p90, warm | $(fmt latency.nsctl_warm_p90_ms 2) | $(fmt latency.nsenter_p90_ms 2) | | | |"
echo "| nsctld start alone (\`nsctld --version\`) | $(fmt latency.nsctld_exec_ms 2) | | | | |"
echo "| nsctl start alone (\`nsctl --version\`) | $(fmt latency.nsctl_client_exec_ms 2) | | | | |"
echo "| the request alone (nsctl-load: connect to final reply) | $(fmt latency.request_ms 2) | | | | |"
echo "| \`/bin/true\` alone | $(fmt latency.true_exec_ms 2) | | | | |"
echo
echo "Ratios: the median of the rounds' ratios (each round's median against the same round's nsenter); milliseconds: the median of all rounds' samples."
echo
mib=${v[throughput.mib]:-1024}
[ "$mib" = 1024 ] && amount="1 GiB" || amount="$mib MiB"
echo "### Throughput of $amount through cat (median, MiB/s)"
echo
echo "| | nsctl | nsenter | podman exec | nsctl / nsenter | nsctl / podman | control: setsid nsenter / nsenter |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for p in stdout stdin; do
	case $p in
	stdout) what="stdout: \`cat 1GiB-file \\| dd\`" ;;
	stdin) what="stdin and stdout: \`head -c 1G \\| cat \\| dd\`" ;;
	esac
	echo "| $what | $(fmt "throughput.${p}_nsctl_mibs" 0) | $(fmt "throughput.${p}_nsenter_mibs" 0) | $(fmt "throughput.${p}_podman_mibs" 0) | $(fmtx "throughput.${p}_ratio_nsctl_vs_nsenter" 2) | $(fmtx "throughput.${p}_ratio_nsctl_vs_podman" 1) | $(fmtx "throughput.${p}_ratio_setsid_vs_nsenter" 2) |"
done
echo
echo "nsctld's own reads and writes while nsctl moved twice $amount: $(get throughput.daemon_bytes_per_2gib) bytes."
echo
echo "### Concurrency"
echo
echo "| sessions running | start rate (/s) | start p50 / p99 (ms) | GetInfo p50 / p99 (µs), no other load | Run rate under load (/s) | Run p50 / p99 (ms) under load | GetInfo p50 / p99 (ms) under load | nsctld CPU / runqueue wait under load | all hung up and reaped (ms) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in idle $(sizes concurrency ramp_rate); do
	if [ "$n" = idle ]; then
		held=idle; label=0; ramp=-; start=-; release=-
	else
		held=$n.held; label=$n
		running=${v[concurrency.$n.running]:-$n}
		[ "$running" = "$n" ] || label="$n (only $running started: ${v[concurrency.$n.first_error]:-?})"
		ramp=$(fmt "concurrency.$n.ramp_rate" 0)
		start="$(us_to_ms "concurrency.$n.start_p50_us") / $(us_to_ms "concurrency.$n.start_p99_us")"
		release=$(fmt "concurrency.$n.release_ms" 0)
	fi
	[ "$n" = idle ] && l=idle.load || l=$n.load
	rate=$(fmt "concurrency.$l.run_rate" 0)
	[ "${v[concurrency.$l.run_errors]:-0}" = 0 ] ||
		rate="$rate (${v[concurrency.$l.run_errors]} failed: ${v[concurrency.$l.run_first_error]})"
	echo "| $label | $ramp | $start | $(fmt "concurrency.${held}.getinfo_p50_us" 0) / $(fmt "concurrency.${held}.getinfo_p99_us" 0) | $rate | $(us_to_ms "concurrency.$l.run_p50_us") / $(us_to_ms "concurrency.$l.run_p99_us") | $(us_to_ms "concurrency.$l.getinfo_p50_us") / $(us_to_ms "concurrency.$l.getinfo_p99_us") | $(fmt "concurrency.$l.daemon_cpu_pct" 0)% / $(fmt "concurrency.$l.daemon_runqueue_pct" 0)% | $release |"
done
echo
echo "GetInfo quantiles and rates: the median of the rounds (one probe each)."
echo
echo "### Memory of nsctld (KiB)"
echo
echo "| | VmRSS | Pss | RssAnon | fds |"
echo "|---|---:|---:|---:|---:|"
echo "| idle, just started | $(fmt memory.idle_fresh_rss_kib 0) | $(fmt memory.idle_fresh_pss_kib 0) | | |"
echo "| idle, after 600 calls | $(fmt memory.idle_rss_kib 0) | $(fmt memory.idle_pss_kib 0) | $(fmt memory.idle_anon_kib 0) | |"
for n in $(sizes memory running); do
	label="per session, $n running"
	[ "${v[memory.$n.running]}" = "$n" ] || label="per session, $n asked, ${v[memory.$n.running]} running"
	echo "| $label | $(fmt "memory.$n.per_session_rss_kib" 2) | $(fmt "memory.$n.per_session_pss_kib" 2) | $(fmt "memory.$n.per_session_anon_kib" 2) | $(fmt "memory.$n.per_session_fds" 1) |"
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

# The goals of issue 16: each with its target, its median, its spread over the rounds and
# the verdict on the median.
ns=$(goal_sessions concurrency ramp_rate)
ms=$(goal_sessions memory running)
# sessions_note N PREFIX: " (only R of N started)" when not all of them ran.
sessions_note()
{
	local r=${v[$2.$1.running]:-}
	[ -z "$r" ] || [ "$r" = "$1" ] || echo " (only $r of $1 started: ${v[concurrency.$1.first_error]:-see the log})"
}
# sessions_verdict N PREFIX KEY OP LIMIT: missed when not all N sessions ran.
sessions_verdict()
{
	local r=${v[$2.$1.running]:-}
	if [ -n "$r" ] && [ "$r" != "$1" ]; then echo "**missed**"; else verdict "$3" "$4" "$5"; fi
}

echo "### Goals (issue 16)"
echo
echo "| goal | target | measured (median) | spread: min-max of the rounds | |"
echo "|---|---:|---:|---|---|"
echo "| warm: \`nsctl run pid:C -n -- /bin/true\` / \`nsenter -t C -n /bin/true\` | ≤ 1.25x | $(fmtx latency.ratio_warm_vs_nsenter 2) | $(spread latency.ratio_warm_vs_nsenter 2) | $(verdict latency.ratio_warm_vs_nsenter le 1.25) |"
echo "| by name, name cache warm: \`run podman:NAME\` / nsenter | ≤ 1.30x | $(fmtx latency.ratio_name_vs_nsenter 2) | $(spread latency.ratio_name_vs_nsenter 2) | $(verdict latency.ratio_name_vs_nsenter le 1.30) |"
echo "| by bare name, name cache warm: \`run NAME\` / nsenter | ≤ 1.30x | $(fmtx latency.ratio_bare_vs_nsenter 2) | $(spread latency.ratio_bare_vs_nsenter 2) | $(verdict latency.ratio_bare_vs_nsenter le 1.30) |"
echo "| cold: first request of a socket-activated nsctld / nsenter | ≤ 2.0x | $(fmtx latency.ratio_cold_vs_nsenter 2) | $(spread latency.ratio_cold_vs_nsenter 2) | $(verdict latency.ratio_cold_vs_nsenter le 2.0) |"
echo "| granted capabilities (contained: pid + mount ns, seccomp) / nsenter | ≤ 1.6x | $(fmtx latency.ratio_caps_vs_nsenter 2) | $(spread latency.ratio_caps_vs_nsenter 2) | $(verdict latency.ratio_caps_vs_nsenter le 1.6) |"
echo "| GetInfo p99, ${ns:-N} sessions held$(sessions_note "$ns" concurrency) | ≤ 5 ms | $(scaled "concurrency.$ns.held.getinfo_p99_us" 2 0.001) ms | $(spread "concurrency.$ns.held.getinfo_p99_us" 2 0.001) | $(sessions_verdict "$ns" concurrency "concurrency.$ns.held.getinfo_p99_us" le 5000) |"
echo "| GetInfo p99, ${ns:-N} held, $(get concurrency.clients) clients running Run flat out | ≤ 10 ms | $(scaled "concurrency.$ns.load.getinfo_p99_us" 2 0.001) ms | $(spread "concurrency.$ns.load.getinfo_p99_us" 2 0.001) | $(sessions_verdict "$ns" concurrency "concurrency.$ns.load.getinfo_p99_us" le 10000) |"
echo "| stdout throughput, nsctl / nsenter | ≥ 0.97x | $(fmtx throughput.stdout_ratio_nsctl_vs_nsenter 2) | $(spread throughput.stdout_ratio_nsctl_vs_nsenter 2) | $(verdict throughput.stdout_ratio_nsctl_vs_nsenter ge 0.97) |"
echo "| idle RSS (VmRSS after 600 calls) | ≤ 4096 KiB | $(fmt memory.idle_rss_kib 0) KiB | $(spread memory.idle_rss_kib 0) | $(verdict memory.idle_rss_kib le 4096) |"
echo "| per session (VmRSS, ${ms:-N} running)$(sessions_note "$ms" memory) | ≤ 4 KiB | $(fmt "memory.$ms.per_session_rss_kib" 2) KiB | $(spread "memory.$ms.per_session_rss_kib" 2) | $(sessions_verdict "$ms" memory "memory.$ms.per_session_rss_kib" le 4) |"
echo
echo "The verdict is on the median; n: the samples behind all rounds (runs of the nsctl contender, GetInfo calls, rounds)."
echo
echo "### Earlier goals"
echo
echo "| goal | measured | |"
echo "|---|---|---|"
echo "| warm latency within 1.5x of nsenter | $(fmtx latency.ratio_warm_vs_nsenter 2) | $(verdict latency.ratio_warm_vs_nsenter le 1.5) |"
echo "| throughput at least 0.95x of nsenter (stdout) | $(fmtx throughput.stdout_ratio_nsctl_vs_nsenter 2) | $(verdict throughput.stdout_ratio_nsctl_vs_nsenter ge 0.95) |"
echo "| throughput at least 0.95x of nsenter (stdin and stdout) | $(fmtx throughput.stdin_ratio_nsctl_vs_nsenter 2) | $(verdict throughput.stdin_ratio_nsctl_vs_nsenter ge 0.95) |"
echo "| at least 50x faster than podman exec (warm) | $(fmtx latency.speedup_warm_vs_podman 0) | $(verdict latency.speedup_warm_vs_podman ge 50) |"
echo "| at least 50x faster than podman exec (cold) | $(fmtx latency.speedup_cold_vs_podman 0) | $(verdict latency.speedup_cold_vs_podman ge 50) |"
echo "| 500 sessions, loop answers within a few ms (GetInfo p99, sessions idle) | $(us_to_ms concurrency.500.held.getinfo_p99_us) ms | $(verdict concurrency.500.held.getinfo_p99_us le 5000) |"
echo "| 500 sessions, loop answers within a few ms (GetInfo p99, under Run load) | $(us_to_ms concurrency.500.load.getinfo_p99_us) ms | $(verdict concurrency.500.load.getinfo_p99_us le 5000) |"
echo "| idle RSS under 4 MiB | $(fmt memory.idle_rss_kib 0) KiB | $(verdict memory.idle_rss_kib lt 4096) |"
echo "| under 64 KiB per session (500 running, RSS) | $(fmt memory.500.per_session_rss_kib 1) KiB | $(verdict memory.500.per_session_rss_kib lt 64) |"
