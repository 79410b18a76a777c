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
GIB=1073741824

say "throughput: setup"
container_start
daemon_start
T=pid:$BENCH_CPID
DATA=$BENCH_ROOTFS/data/zero-1g
if [ ! -s "$DATA" ] || [ "$(stat -c %s "$DATA")" -ne "$GIB" ]; then
	run dd if=/dev/zero of="$DATA" bs=1M count=1024 status=none
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
producer="head -c $GIB /dev/zero"

# io_bytes PID: bytes PID's main thread read and wrote through system calls (rchar + wchar
# of /proc/PID/task/PID/io: unlike /proc/PID/io it leaves out reaped children).
io_bytes()
{
	awk '$1 == "rchar:" || $1 == "wchar:" { n += $2 } END { print n }' \
		"/proc/$1/task/$1/io"
}

say "throughput: every contender moves exactly 1 GiB"
daemon_io0=$(io_bytes "$DAEMON_PID")
for w in nsctl nsenter podman setsid; do
	show sh -c "${out[$w]} | wc -c"
	n=$(sh -c "${out[$w]} | wc -c")
	[ "$n" -eq "$GIB" ] || die "$w stdout moved $n bytes"
	show sh -c "$producer | ${in[$w]} | wc -c"
	n=$(sh -c "$producer | ${in[$w]} | wc -c")
	[ "$n" -eq "$GIB" ] || die "$w stdin moved $n bytes"
	echo "$w: $GIB bytes both ways"
done
# nsctl moved 2 GiB above; nsctld's own reads and writes are its protocol messages only.
daemon_io=$(($(io_bytes "$DAEMON_PID") - daemon_io0))
echo "nsctld read and wrote $daemon_io bytes itself while nsctl moved 2 GiB"
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

say "throughput: results (median over $ROUNDS rounds; MiB/s = 1024 / seconds)"
declare -A median
printf '%-8s %-8s %5s %10s %10s %10s\n' path via runs median_s min_s MiB/s
for path in stdout stdin; do
	for w in nsctl nsenter podman setsid; do
		if [ "$w" = podman ]; then
			read -r n med p90 min < <(hf_stats "$path-podman" "$w")
		else
			read -r n med p90 min < <(hf_stats "$path" "$w")
		fi
		printf '%-8s %-8s %5s %10.3f %10.3f %10.1f\n' "$path" "$w" "$n" "$med" "$min" \
			"$(calc "1024 / $med")"
		result "throughput.${path}_${w}_mibs" "$(calc "1024 / $med")"
		median[$w]=$med
	done
	# Throughput ratios: time of the other divided by nsctl's time.
	result "throughput.${path}_ratio_nsctl_vs_nsenter" \
		"$(calc "${median[nsenter]} / ${median[nsctl]}")"
	result "throughput.${path}_ratio_nsctl_vs_podman" \
		"$(calc "${median[podman]} / ${median[nsctl]}")"
	result "throughput.${path}_ratio_setsid_vs_nsenter" \
		"$(calc "${median[nsenter]} / ${median[setsid]}")"
done
