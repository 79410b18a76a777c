#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Latency of one short command in a container's network namespace: nsctl (warm, by name,
# contained, cold) against nsenter and podman exec.
#
#   warm:  nsctl run pid:CPID --net -- /bin/true, nsctld already running
#   name:  nsctl run podman:NAME --net -- /bin/true and nsctl run NAME ... (the bare name),
#          resolved by the same nsctld through the podman backend: --podman-socket points
#          at a `podman system service` this script starts; --target-cache 3600 keeps the
#          name cache warm for every timed run (the warm-up runs fill it)
#   caps:  nsctl run pid:CPID --net -- /bin/true against a second nsctld whose only rule
#          grants caps net_admin: every such session is contained (its own pid and mount
#          namespace, fresh /proc, seccomp, the exec listener)
#   cold:  the warm command as the first request of a socket-activated nsctld that is
#          started by it (systemd-socket-activate execs nsctld when the connection
#          arrives) and stopped again before the next run
#   user:  warm, with nsctl run by an unprivileged user (nobody), hyperfine run as nobody
#   nsenter -t CPID -n /bin/true, as root
#   podman exec CONTAINER /bin/true (busybox's true in the container)
#   nsctld --version: what starting the daemon's process alone costs (exec, libraries)
#   a breakdown of warm: nsctl --version (starting the client process alone), /bin/true
#   alone, and the request alone as nsctl-load makes it (connect to final reply, no
#   client process start)
#
# hyperfine -N runs the commands without a shell. warm, name, caps and nsenter are timed in
# the same hyperfine invocation of each round, so their ratios are same-run ratios. Each
# goal's ratio is computed per round (median against median) and reported as the median of
# the rounds' ratios with their range; the tables' milliseconds pool the samples of all
# rounds.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_tools hyperfine podman jq nsenter systemd-socket-activate runuser curl
require_binaries "$NSCTLD" "$NSCTL" "$NSCTL_LOAD"

RUNS=${BENCH_LATENCY_RUNS:-100}
PODMAN_RUNS=${BENCH_PODMAN_RUNS:-10}
COLD_RUNS=${BENCH_COLD_RUNS:-30}

say "latency: setup"
container_start
write_policy
podman_service_start
daemon_start --podman-socket "$BENCH_PODMAN_SOCKET" --target-cache 3600
CAPS_POLICY=$BENCH_WORK/policy-caps
CAPS_SOCKET=$BENCH_WORK/caps.sock
write_policy_caps "$CAPS_POLICY"
daemon_spawn CAPS_PID "$CAPS_SOCKET" "$CAPS_POLICY"
T=pid:$BENCH_CPID
COLD_SOCKET=$BENCH_WORK/cold.sock
COLD_PIDFILE=$BENCH_WORK/cold.pid
defer "bash '$NSCTL_SRCDIR/bench/cold-prepare.sh' stop '$COLD_PIDFILE'"
NOBODY_DIR=$BENCH_WORK/nobody
mkdir "$NOBODY_DIR"
chown nobody "$NOBODY_DIR"

nsctl_cmd="$NSCTL --socket $BENCH_SOCKET run $T --net -- /bin/true"
name_cmd="$NSCTL --socket $BENCH_SOCKET run podman:$BENCH_CONTAINER --net -- /bin/true"
bare_cmd="$NSCTL --socket $BENCH_SOCKET run $BENCH_CONTAINER --net -- /bin/true"
caps_cmd="$NSCTL --socket $CAPS_SOCKET run $T --net -- /bin/true"
nsenter_cmd="nsenter -t $BENCH_CPID -n /bin/true"
podman_cmd="podman exec $BENCH_CONTAINER /bin/true"
cold_cmd="$NSCTL --socket $COLD_SOCKET run $T --net -- /bin/true"
cold_prepare="bash $NSCTL_SRCDIR/bench/cold-prepare.sh start $COLD_PIDFILE $COLD_SOCKET $NSCTLD $BENCH_POLICY $BENCH_WORK/cold.log"

# Each must work before it is timed (and the by-name runs fill the name cache).
say "latency: sanity"
run $nsctl_cmd
run $name_cmd
run $bare_cmd
run $caps_cmd
run $nsenter_cmd
run $podman_cmd
run runuser -u nobody -- $nsctl_cmd
echo "all seven exit 0"
# The caps session really is contained: its command sees a pid namespace of its own
# (/proc/self/ns/pid as readlink sees it), unlike the plain one.
plain_pidns=$($NSCTL --socket "$BENCH_SOCKET" run "$T" --net -- readlink /proc/self/ns/pid)
caps_pidns=$($NSCTL --socket "$CAPS_SOCKET" run "$T" --net -- readlink /proc/self/ns/pid)
echo "pid namespace of the command: plain $plain_pidns, with caps net_admin $caps_pidns"
[ "$plain_pidns" != "$caps_pidns" ] || die "the caps net_admin session is not contained"

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	say "latency: round $round of $BENCH_ROUNDS"
	note_load
	# The goals' contenders in one invocation: same-run ratios.
	hf warm -N --warmup 20 --runs "$RUNS" \
		-n nsenter "$nsenter_cmd" -n nsctl "$nsctl_cmd" -n nsctl-name "$name_cmd" \
		-n nsctl-bare "$bare_cmd" -n nsctl-caps "$caps_cmd" \
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

say "latency: results (median over ${BENCH_ROUNDS} rounds pooled; p90; min; in ms)"
read -r n_nsctl nsctl nsctl_p90 nsctl_min < <(hf_stats warm nsctl)
read -r n_name name name_p90 name_min < <(hf_stats warm nsctl-name)
read -r n_bare bare bare_p90 bare_min < <(hf_stats warm nsctl-bare)
read -r n_caps caps caps_p90 caps_min < <(hf_stats warm nsctl-caps)
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
	"nsctl-podman:NAME $n_name $name $name_p90 $name_min" \
	"nsctl-NAME $n_bare $bare $bare_p90 $bare_min" \
	"nsctl-caps $n_caps $caps $caps_p90 $caps_min" \
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
result latency.nsctl_name_ms "$(calc "$name * 1000")"
result latency.nsctl_bare_ms "$(calc "$bare * 1000")"
result latency.nsctl_caps_ms "$(calc "$caps * 1000")"
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

say "latency: ratios per round (each round's median against the same round's nsenter)"
declare -A ratios
printf '%-6s %8s %8s %8s %8s %8s %8s %8s %8s\n' round nsenter warm name bare caps user cold \
	podman/warm
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	declare -A m=()
	for c in nsenter nsctl nsctl-name nsctl-bare nsctl-caps; do
		m[$c]=$(hf_round_median warm "$round" "$c")
	done
	m[user]=$(hf_round_median user "$round" nsctl-user)
	m[cold]=$(hf_round_median cold "$round" nsctl-cold)
	m[podman]=$(hf_round_median podman "$round" podman)
	r_warm=$(calc "${m[nsctl]} / ${m[nsenter]}")
	r_name=$(calc "${m[nsctl-name]} / ${m[nsenter]}")
	r_bare=$(calc "${m[nsctl-bare]} / ${m[nsenter]}")
	r_caps=$(calc "${m[nsctl-caps]} / ${m[nsenter]}")
	r_user=$(calc "${m[user]} / ${m[nsenter]}")
	r_cold=$(calc "${m[cold]} / ${m[nsenter]}")
	s_warm=$(calc "${m[podman]} / ${m[nsctl]}")
	s_cold=$(calc "${m[podman]} / ${m[cold]}")
	printf '%-6s %8.3f %8s %8s %8s %8s %8s %8s %8.1f\n' "$round" "$(calc "${m[nsenter]} * 1000")" \
		"$r_warm" "$r_name" "$r_bare" "$r_caps" "$r_user" "$r_cold" "$s_warm"
	ratios[warm]+=" $r_warm" ratios[name]+=" $r_name" ratios[bare]+=" $r_bare"
	ratios[caps]+=" $r_caps" ratios[user]+=" $r_user" ratios[cold]+=" $r_cold"
	ratios[swarm]+=" $s_warm" ratios[scold]+=" $s_cold"
done
echo "(nsenter in ms; the others as ratios: nsctl's time / nsenter's; podman/warm: podman exec's / nsctl's)"

# shellcheck disable=SC2086
{
	result_spread latency.ratio_warm_vs_nsenter "$n_nsctl" ${ratios[warm]}
	result_spread latency.ratio_name_vs_nsenter "$n_name" ${ratios[name]}
	result_spread latency.ratio_bare_vs_nsenter "$n_bare" ${ratios[bare]}
	result_spread latency.ratio_caps_vs_nsenter "$n_caps" ${ratios[caps]}
	result_spread latency.ratio_user_vs_nsenter "$n_user" ${ratios[user]}
	result_spread latency.ratio_cold_vs_nsenter "$n_cold" ${ratios[cold]}
	result_spread latency.speedup_warm_vs_podman "$n_podman" ${ratios[swarm]}
	result_spread latency.speedup_cold_vs_podman "$n_podman" ${ratios[scold]}
}
