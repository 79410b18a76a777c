#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What containment costs per Run: `nsctl run netns:X --net -- /bin/true` as an unprivileged
# user, with a grant without capabilities, with caps net_admin (contained: pid and mount
# namespaces, fresh /proc, seccomp, the exec listener) and with caps net_admin + exec (no
# listener). Rounds alternate the three; prints the median of the rounds' per-run times of
# each (in µs) with their range. `make bench` measures the goal itself (latency.sh: a caps
# net_admin session on pid:C against nsenter in the same run); this script isolates what
# containment adds for an unprivileged caller. Not run by run-all.sh.
# Usage (root): bench/contain.sh [RUNS-PER-ROUND] [ROUNDS]; NSCTL_BUILDDIR as for the tests.
set -u
RUNS=${1:-100}
ROUNDS=${2:-5}
. "$(dirname "$0")/../tests/integration/lib.sh"
require_root
setup_tmpdir
setup_users || exit 1
netns_create || exit 1
SOCK=$TESTDIR/io.nsctl
write_policy "$TESTDIR/policy" \
	"permit $BOB on netns:$NETNS ns net" \
	"permit $ALICE on netns:$NETNS ns net caps net_admin" \
	"permit exec $ALICE on netns:$NETNS ns net caps net_admin cmd /usr/bin/env"
daemon_start "$SOCK" "$TESTDIR/nsctld.log" --policy "$TESTDIR/policy" --idle-timeout 0 ||
	exit 1

# per_run USER ARGV...: ms per run over RUNS runs of nsctl as USER.
per_run()
{
	local user=$1
	shift
	runuser -u "$user" -- bash -c '
		n=$1; shift
		s=$(date +%s%N)
		for ((i = 0; i < n; i++)); do "$@" || exit 1; done
		e=$(date +%s%N)
		echo $(( (e - s) / n / 1000 ))' _ "$RUNS" "$NSCTL" --socket "$SOCK" "$@"
}

declare -A samples
for ((r = 0; r < ROUNDS; r++)); do
	samples[plain]+="$(per_run "$BOB" run "netns:$NETNS" --net -- true) "
	samples[contained]+="$(per_run "$ALICE" run "netns:$NETNS" --net -- true) "
	samples[exec]+="$(per_run "$ALICE" run "netns:$NETNS" --net -- env true) "
done
for k in plain contained exec; do
	# shellcheck disable=SC2086
	read -r med min max < <(printf '%s\n' ${samples[$k]} | sort -n |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		                         print m, a[1], a[NR] }')
	echo "result $k-usec-per-run $med (min $min, max $max; $ROUNDS rounds of $RUNS runs; rounds: ${samples[$k]% })"
done
