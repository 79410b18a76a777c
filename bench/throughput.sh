#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Throughput of a session's stdio: 1 GiB through cat via nsctl, nsenter and podman exec.
#
# All three run the container's own cat (busybox) in the container's network and mount
# namespaces, so that only the way the bytes travel differs:
#   nsctl   the command writes to the caller's pipe itself (the fd was passed to nsctld
#           and on to the command; nsctld never touches a byte)
#   nsenter the command inherits the pipe
#   podman  conmon relays the command's output (and input, with -i)
#   setsid nsenter, a control: nsenter in a session of its own, as nsctl's worker puts the
#           command (setsid). A new session is a new scheduler autogroup
#           (/proc/sys/kernel/sched_autogroup_enabled), which changes the command's CPU share
#           against the rest of the pipeline when the CPUs are contended.
#
#   stdout:  CMD cat /data/zero-1g | dd of=/dev/null bs=1M
#            (a 1 GiB file in the container's root file system, on tmpfs)
#   stdin:   head -c 1GiB /dev/zero | CMD cat | dd of=/dev/null bs=1M
#
# hyperfine runs the pipelines with sh -c; its overhead (~1 ms) is lost in ~1 s.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools hyperfine podman jq nsenter dd
require_binaries "$NSCTLD" "$NSCTL"

RUNS=${BENCH_THROUGHPUT_RUNS:-3}
# More rounds than the other benchmarks: pipe throughput swings the most with other load.
ROUNDS=${BENCH_THROUGHPUT_ROUNDS:-5}
# The amount through each pipeline: 1 GiB (BENCH_THROUGHPUT_MIB, in MiB, for quick tries).
MIB=${BENCH_THROUGHPUT_MIB:-1024}
BYTES=$((MIB * 1048576))

say "throughput: setup"
container_start
daemon_start
T=pid:$BENCH_CPID
DATA=$BENCH_ROOTFS/data/zero-1g
if [ ! -s "$DATA" ] || [ "$(stat -c %s "$DATA")" -ne "$BYTES" ]; then
	run dd if=/dev/zero of="$DATA" bs=1M count="$MIB" status=none
fi
defer "rm -f '$DATA'"

declare -A out=(
	[nsctl]="$NSCTL --socket $BENCH_SOCKET run $T --net --mount -- cat /data/zero-1g"
	[nsenter]="nsenter -t $BENCH_CPID -n -m cat /data/zero-1g"
	[podman]="podman exec $BENCH_CONTAINER cat /data/zero-1g"
	[setsid]="setsid -w nsenter -t $BENCH_CPID -n -m cat /data/zero-1g"
)
declare -A in=(
	[nsctl]="$NSCTL --socket $BENCH_SOCKET run $T --net --mount -- cat"
	[nsenter]="nsenter -t $BENCH_CPID -n -m cat"
	[podman]="podman exec -i $BENCH_CONTAINER cat"
	[setsid]="setsid -w nsenter -t $BENCH_CPID -n -m cat"
)
sink="dd of=/dev/null bs=1M status=none"
producer="head -c $BYTES /dev/zero"

# io_bytes PID: bytes PID's main thread read and wrote through system calls (rchar + wchar
# of /proc/PID/task/PID/io: unlike /proc/PID/io it leaves out reaped children).
io_bytes()
{
	awk '$1 == "rchar:" || $1 == "wchar:" { n += $2 } END { print n }' \
		"/proc/$1/task/$1/io"
}

result throughput.mib "$MIB"

say "throughput: every contender moves exactly $BYTES bytes"
daemon_io0=$(io_bytes "$DAEMON_PID")
for w in nsctl nsenter podman setsid; do
	show sh -c "${out[$w]} | wc -c"
	n=$(sh -c "${out[$w]} | wc -c")
	[ "$n" -eq "$BYTES" ] || die "$w stdout moved $n bytes"
	show sh -c "$producer | ${in[$w]} | wc -c"
	n=$(sh -c "$producer | ${in[$w]} | wc -c")
	[ "$n" -eq "$BYTES" ] || die "$w stdin moved $n bytes"
	echo "$w: $BYTES bytes both ways"
done
# nsctl moved twice $BYTES bytes above; nsctld's own reads and writes are its protocol messages only.
daemon_io=$(($(io_bytes "$DAEMON_PID") - daemon_io0))
echo "nsctld read and wrote $daemon_io bytes itself while nsctl moved 2 x $MIB MiB"
result throughput.daemon_bytes_per_2gib "$daemon_io"

for ((round = 1; round <= ROUNDS; round++)); do
	say "throughput: round $round of $ROUNDS"
	note_load
	hf stdout --warmup 1 --runs "$RUNS" \
		-n nsctl "${out[nsctl]} | $sink" -n nsenter "${out[nsenter]} | $sink" \
		-n setsid "${out[setsid]} | $sink"
	hf stdin --warmup 1 --runs "$RUNS" \
		-n nsctl "$producer | ${in[nsctl]} | $sink" \
		-n nsenter "$producer | ${in[nsenter]} | $sink" \
		-n setsid "$producer | ${in[setsid]} | $sink"
	# podman exec is ten times slower: one run per round keeps the round short.
	hf stdout-podman --runs 1 -n podman "${out[podman]} | $sink"
	hf stdin-podman --runs 1 -n podman "$producer | ${in[podman]} | $sink"
done
note_load

say "throughput: results (median over $ROUNDS rounds pooled; MiB/s = $MIB / seconds)"
printf '%-8s %-8s %5s %10s %10s %10s\n' path via runs median_s min_s MiB/s
for path in stdout stdin; do
	for w in nsctl nsenter podman setsid; do
		if [ "$w" = podman ]; then
			read -r n med p90 min < <(hf_stats "$path-podman" "$w")
		else
			read -r n med p90 min < <(hf_stats "$path" "$w")
		fi
		printf '%-8s %-8s %5s %10.3f %10.3f %10.1f\n' "$path" "$w" "$n" "$med" "$min" \
			"$(calc "$MIB / $med")"
		result "throughput.${path}_${w}_mibs" "$(calc "$MIB / $med")"
		[ "$w" = nsctl ] && n_nsctl=$n
		[ "$w" = podman ] && n_podman=$n
	done
	# Throughput ratios, per round: the other's time divided by nsctl's time in the same
	# round (podman's from its own invocation right after).
	r_nsenter=() r_podman=() r_setsid=()
	for ((round = 1; round <= ROUNDS; round++)); do
		t_nsctl=$(hf_round_median "$path" "$round" nsctl)
		t_nsenter=$(hf_round_median "$path" "$round" nsenter)
		t_setsid=$(hf_round_median "$path" "$round" setsid)
		t_podman=$(hf_round_median "$path-podman" "$round" podman)
		r_nsenter+=("$(calc "$t_nsenter / $t_nsctl")")
		r_podman+=("$(calc "$t_podman / $t_nsctl")")
		r_setsid+=("$(calc "$t_nsenter / $t_setsid")")
		echo "$path round $round: nsctl / nsenter ${r_nsenter[-1]}x," \
			"nsctl / podman ${r_podman[-1]}x, setsid nsenter / nsenter ${r_setsid[-1]}x"
	done
	result_spread "throughput.${path}_ratio_nsctl_vs_nsenter" "$n_nsctl" "${r_nsenter[@]}"
	result_spread "throughput.${path}_ratio_nsctl_vs_podman" "$n_podman" "${r_podman[@]}"
	result_spread "throughput.${path}_ratio_setsid_vs_nsenter" "$n_nsctl" "${r_setsid[@]}"
done
