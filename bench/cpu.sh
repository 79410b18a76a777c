#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# CPU per request in nsctld: time on a CPU, and instructions under callgrind.
#
# 1. Time. nsctld's own user+sys time before and after N requests, divided by N:
#    /proc/PID/stat (clock ticks) and /proc/PID/task/PID/schedstat (nanoseconds on a CPU;
#    the same quantity, finer). The worker and the command are children: their time shows
#    in the daemon's cutime+cstime once they are reaped, and is reported apart.
#      Run:     nsctl-load run -- /bin/true in the container's network namespace
#      Run on a netns: target (a namespace made by ip netns add): the same request without
#               the /proc/PID/ns look-ups of a pid: target, so the difference is their cost
#      GetInfo: nsctl-load getinfo (one connection)
# 2. Instructions. nsctld under valgrind --tool=callgrind, twice per request kind with a
#    different number of requests; (Ir(N2) - Ir(N1)) / (N2 - N1) is the instruction count
#    of one request, free of start-up, exit and first-call costs. Instruction counts do
#    not depend on how busy the machine is.
#      GetInfo: the whole path (accept, read, strict JSON, dispatch, reply, close).
#      Run:     valgrind 3.19 (Debian 12) does not implement pidfd_open (syscall 434), which
#               pins a pid: target and watches the worker. Run is therefore measured on a
#               netns: target, where it gets as far as it can: decode, policy decision and
#               audit record, target open, environment, stdio, socketpair and fork; then
#               pidfd_open fails, the worker is killed and reaped and an error is sent.
#               The session's watch, its two replies and two audit records are missing.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools podman valgrind callgrind_annotate ip
require_binaries "$NSCTLD" "$NSCTL_LOAD"

RUN_N=${BENCH_CPU_RUNS:-2000}
GETINFO_N=${BENCH_CPU_GETINFO:-20000}
TCK=$(getconf CLK_TCK)

say "cpu: setup"
container_start
daemon_start
T=pid:$BENCH_CPID
load=("$NSCTL_LOAD" --socket "$BENCH_SOCKET")
NETNS=nsctl-bench-$$
run ip netns add "$NETNS"
defer "ip netns delete '$NETNS'"

run "${load[@]}" run --target "$T" --count 100 -- /bin/true >/dev/null
run "${load[@]}" getinfo --count 1000 >/dev/null
wait_no_children "$DAEMON_PID"

# measure KEY N CMD...: nsctld's CPU time per request over N requests made by CMD.
measure()
{
	local key=$1 n=$2 self0 kids0 self1 kids1 run0 wait0 run1 wait1
	shift 2
	read -r self0 kids0 < <(cpu_ticks "$DAEMON_PID")
	read -r run0 wait0 < <(schedstat "$DAEMON_PID")
	run "$@"
	wait_no_children "$DAEMON_PID"
	read -r self1 kids1 < <(cpu_ticks "$DAEMON_PID")
	read -r run1 wait1 < <(schedstat "$DAEMON_PID")
	echo "nsctld: $((self1 - self0)) ticks itself, $((kids1 - kids0)) ticks of children," \
		"$(((run1 - run0) / 1000)) us on a CPU (schedstat), $TCK ticks per second"
	result "cpu.$key.daemon_us" "$(calc "($run1 - $run0) / 1000 / $n")"
	result "cpu.$key.daemon_ticks_us" "$(calc "($self1 - $self0) * 1000000 / $TCK / $n")"
	result "cpu.$key.children_us" "$(calc "($kids1 - $kids0) * 1000000 / $TCK / $n")"
}

say "cpu: time per request"
note_load
measure run "$RUN_N" "${load[@]}" run --target "$T" --count "$RUN_N" -- /bin/true
measure run_netns "$RUN_N" "${load[@]}" run --target "netns:$NETNS" --count "$RUN_N" -- /bin/true
measure getinfo "$GETINFO_N" "${load[@]}" getinfo --count "$GETINFO_N"
daemon_stop

say "cpu: instructions per request (callgrind)"
CG=$BENCH_WORK/callgrind
mkdir -p "$CG"

# callgrind_ir LABEL MODE N: Ir of a whole nsctld life under callgrind that served N
# requests of MODE (getinfo, run).
callgrind_ir()
{
	local label=$1 mode=$2 n=$3 pid out
	show valgrind --tool=callgrind --callgrind-out-file="$CG/$label.%p" "$NSCTLD" \
		--listen "$BENCH_SOCKET" --policy "$BENCH_POLICY" --log stderr
	valgrind --tool=callgrind --callgrind-out-file="$CG/$label.%p" "$NSCTLD" \
		--listen "$BENCH_SOCKET" --policy "$BENCH_POLICY" --log stderr \
		</dev/null 2>>"$CG/$label.log" &
	pid=$!
	DAEMON_PID=$pid
	defer "kill_wait $pid"
	wait_listening "$BENCH_SOCKET"
	if [ "$mode" = getinfo ]; then
		run "${load[@]}" getinfo --count "$n"
	else
		show "${load[@]}" run --target "netns:$NETNS" --count "$n" -- /bin/true
		out=$("${load[@]}" run --target "netns:$NETNS" --count "$n" -- /bin/true) || true
		echo "$out"
		[ "$(kv "$out" errors)" -eq "$n" ] && [[ $(kv "$out" first_error) == io.nsctl.SystemError* ]] ||
			die "expected every Run to fail at pidfd_open under valgrind 3.19"
	fi
	daemon_stop
	CG_FILE=$CG/$label.$pid
	CG_IR=$(awk '$1 == "summary:" { print $2 }' "$CG_FILE")
	echo "$label: $CG_IR instructions in nsctld's life ($CG_FILE)"
}

# per_request KEY MODE N1 N2
per_request()
{
	local key=$1 mode=$2 n1=$3 n2=$4 ir1
	callgrind_ir "$key-$n1" "$mode" "$n1"
	ir1=$CG_IR
	callgrind_ir "$key-$n2" "$mode" "$n2"
	result "cpu.$key.ir_per_request" "$(((CG_IR - ir1) / (n2 - n1)))"
	say "cpu: where the instructions of $key go ($n2 requests)"
	echo "inclusive, nsctl's own functions:"
	show callgrind_annotate --inclusive=yes "$CG_FILE"
	callgrind_annotate --inclusive=yes "$CG_FILE" |
		awk '/^ *[0-9,]+ .*\/(daemon|protocol)\/[a-z-]+\.c:/ && !/\[/ && n++ < 25'
	echo "exclusive, top 25:"
	show callgrind_annotate "$CG_FILE"
	callgrind_annotate "$CG_FILE" | awk '/^ *[0-9,]+ \(/ && n++ < 26'
}

per_request getinfo getinfo 200 2200
per_request run_to_fork run 20 220
