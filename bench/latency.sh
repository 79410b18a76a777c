#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Latency of one short command in a container's network namespace: nsctl (warm and cold)
# against nsenter and podman exec.
#
#   warm:  nsctl run pid:CPID --net -- /bin/true, nsctld already running
#   cold:  the same, as the first request of a socket-activated nsctld that is started by
#          it (systemd-socket-activate execs nsctld when the connection arrives) and
#          stopped again before the next run
#   user:  warm, with nsctl run by an unprivileged user (nobody), hyperfine run as nobody
#   nsenter -t CPID -n /bin/true, as root
#   podman exec CONTAINER /bin/true (busybox's true in the container)
#   nsctld --version: what starting the daemon's process alone costs (exec, libraries)
#   a breakdown of warm: nsctl --version (starting the client process alone), /bin/true
#   alone, and the request alone as nsctl-load makes it (connect to final reply, no
#   client process start)
#
# hyperfine -N runs the commands without a shell. Samples of all rounds are pooled.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools hyperfine podman jq nsenter systemd-socket-activate runuser
require_binaries "$NSCTLD" "$NSCTL" "$NSCTL_LOAD"

RUNS=${BENCH_LATENCY_RUNS:-100}
PODMAN_RUNS=${BENCH_PODMAN_RUNS:-10}
COLD_RUNS=${BENCH_COLD_RUNS:-30}

say "latency: setup"
container_start
write_policy
daemon_start
T=pid:$BENCH_CPID
COLD_SOCKET=$BENCH_WORK/cold.sock
COLD_PIDFILE=$BENCH_WORK/cold.pid
defer "bash '$NSCTL_SRCDIR/bench/cold-prepare.sh' stop '$COLD_PIDFILE'"
NOBODY_DIR=$BENCH_WORK/nobody
mkdir "$NOBODY_DIR"
chown nobody "$NOBODY_DIR"

nsctl_cmd="$NSCTL --socket $BENCH_SOCKET run $T --net -- /bin/true"
nsenter_cmd="nsenter -t $BENCH_CPID -n /bin/true"
podman_cmd="podman exec $BENCH_CONTAINER /bin/true"
cold_cmd="$NSCTL --socket $COLD_SOCKET run $T --net -- /bin/true"
cold_prepare="bash $NSCTL_SRCDIR/bench/cold-prepare.sh start $COLD_PIDFILE $COLD_SOCKET $NSCTLD $BENCH_POLICY $BENCH_WORK/cold.log"

# Each must work before it is timed.
say "latency: sanity"
run $nsctl_cmd
run $nsenter_cmd
run $podman_cmd
run runuser -u nobody -- $nsctl_cmd
echo "all four exit 0"

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	say "latency: round $round of $BENCH_ROUNDS"
	note_load
	hf warm -N --warmup 20 --runs "$RUNS" \
		-n nsctl "$nsctl_cmd" -n nsenter "$nsenter_cmd" \
		-n nsctl-version "$NSCTL --version" -n true /bin/true
	# The request alone, without starting a client process: connect to final reply.
	run "$NSCTL_LOAD" --socket "$BENCH_SOCKET" run --target "$T" --count "$RUNS" \
		-- /bin/true | tee -a "$BENCH_WORK/request.txt"
	# hyperfine as nobody: nsctl is then an unprivileged caller, as in real use.
	run runuser -u nobody -- hyperfine --style basic -N --warmup 20 --runs "$RUNS" \
		--export-json "$NOBODY_DIR/user.json" -n nsctl-user "$nsctl_cmd"
	cp "$NOBODY_DIR/user.json" "$BENCH_WORK/user.r$round.json"
	# The same prepare for both, so that both run right after a daemon start.
	hf cold -N --runs "$COLD_RUNS" --prepare "$cold_prepare" -n nsctl-cold "$cold_cmd" \
		-n nsctld-exec "$NSCTLD --version"
	hf podman -N --warmup 2 --runs "$PODMAN_RUNS" -n podman "$podman_cmd"
done
note_load

say "latency: results (median over ${BENCH_ROUNDS} rounds; p90; min; in ms)"
read -r n_nsctl nsctl nsctl_p90 nsctl_min < <(hf_stats warm nsctl)
read -r n_nsenter nsenter nsenter_p90 nsenter_min < <(hf_stats warm nsenter)
read -r n_user user user_p90 user_min < <(hf_stats user nsctl-user)
read -r n_cold cold cold_p90 cold_min < <(hf_stats cold nsctl-cold)
read -r n_podman podman podman_p90 podman_min < <(hf_stats podman podman)
read -r n_exec exec exec_p90 exec_min < <(hf_stats cold nsctld-exec)
read -r n_cver cver cver_p90 cver_min < <(hf_stats warm nsctl-version)
read -r n_true true_ true_p90 true_min < <(hf_stats warm true)
# The request alone: the median of the rounds' medians (nsctl-load prints quantiles only).
request=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^total_p50_us=/) print substr($i, 14) }' \
	"$BENCH_WORK/request.txt" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf '%-22s %6s %9s %9s %9s\n' what runs median p90 min
for row in "nsctl-warm $n_nsctl $nsctl $nsctl_p90 $nsctl_min" \
	"nsctl-warm-as-nobody $n_user $user $user_p90 $user_min" \
	"nsctl-cold $n_cold $cold $cold_p90 $cold_min" \
	"nsenter $n_nsenter $nsenter $nsenter_p90 $nsenter_min" \
	"podman-exec $n_podman $podman $podman_p90 $podman_min" \
	"nsctld-version $n_exec $exec $exec_p90 $exec_min" \
	"nsctl-version $n_cver $cver $cver_p90 $cver_min" \
	"true $n_true $true_ $true_p90 $true_min"; do
	set -- $row
	printf '%-22s %6s %9.3f %9.3f %9.3f\n' "$1" "$2" "$(calc "$3 * 1000")" \
		"$(calc "$4 * 1000")" "$(calc "$5 * 1000")"
done

result latency.nsctl_warm_ms "$(calc "$nsctl * 1000")"
result latency.nsctl_warm_p90_ms "$(calc "$nsctl_p90 * 1000")"
result latency.nsctl_user_ms "$(calc "$user * 1000")"
result latency.nsctl_cold_ms "$(calc "$cold * 1000")"
result latency.nsctl_cold_p90_ms "$(calc "$cold_p90 * 1000")"
result latency.nsenter_ms "$(calc "$nsenter * 1000")"
result latency.nsenter_p90_ms "$(calc "$nsenter_p90 * 1000")"
result latency.podman_ms "$(calc "$podman * 1000")"
result latency.nsctld_exec_ms "$(calc "$exec * 1000")"
result latency.nsctl_client_exec_ms "$(calc "$cver * 1000")"
result latency.true_exec_ms "$(calc "$true_ * 1000")"
result latency.request_ms "$(calc "$request / 1000")"
result latency.ratio_warm_vs_nsenter "$(calc "$nsctl / $nsenter")"
result latency.ratio_user_vs_nsenter "$(calc "$user / $nsenter")"
result latency.ratio_cold_vs_nsenter "$(calc "$cold / $nsenter")"
result latency.speedup_warm_vs_podman "$(calc "$podman / $nsctl")"
result latency.speedup_cold_vs_podman "$(calc "$podman / $cold")"
