#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run the benchmarks (all, or those named) against one container and print the summary.
#
#   bash bench/run-all.sh [latency] [throughput] [concurrency] [memory] [cpu]
#
# Knobs (environment) are described in docs/benchmarks.md; BENCH_ROUNDS applies to all.
#
# Logs and results go to $BENCH_OUT (default: BUILDDIR/bench-results): one log per
# benchmark, `results` (key=value) and `summary.md` (the tables of docs/benchmarks.md).

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools hyperfine podman runc busybox valgrind jq nsenter systemd-socket-activate curl
require_binaries "$NSCTLD" "$NSCTL" "$NSCTL_LOAD"

benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(latency throughput concurrency memory cpu)
for b in "${benches[@]}"; do
	[ -f "$NSCTL_SRCDIR/bench/$b.sh" ] || die "no benchmark '$b' (bench/$b.sh)"
done

BENCH_OUT=${BENCH_OUT:-$NSCTL_BUILDDIR/bench-results}
mkdir -p "$BENCH_OUT"
export BENCH_RESULTS=$BENCH_OUT/results
: >"$BENCH_RESULTS"

say "machine"
machine_info | tee "$BENCH_OUT/machine.txt"
say "one container for every benchmark"
container_start
export BENCH_CONTAINER BENCH_CPID BENCH_ROOTFS NSCTL_SRCDIR NSCTL_BUILDDIR BENCH_ROUNDS

# Interrupted (^C, SIGTERM to the process group, a hang-up), each script stops and removes
# what it started (lib.sh's EXIT trap), then this one removes the container. tee ignores
# those signals so that it keeps logging until the script's output ends: a script that
# wrote into a pipe without a reader would die of SIGPIPE before its clean-up.
# A benchmark that fails is reported and the others still run.
failed=()
for b in "${benches[@]}"; do
	say "bench/$b.sh (log: $BENCH_OUT/$b.log)"
	start=$SECONDS
	bash "$NSCTL_SRCDIR/bench/$b.sh" 2>&1 |
		(trap '' INT TERM HUP; exec tee "$BENCH_OUT/$b.log") || failed+=("$b")
	echo "bench/$b.sh took $((SECONDS - start)) s" | tee -a "$BENCH_OUT/machine.txt"
done

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$BENCH_OUT/machine.txt"
say "summary ($BENCH_OUT/summary.md)"
bash "$NSCTL_SRCDIR/bench/summary.sh" "$BENCH_RESULTS" "$BENCH_OUT/machine.txt" |
	tee "$BENCH_OUT/summary.md"
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (see their logs in $BENCH_OUT)"
