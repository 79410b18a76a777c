#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run every libFuzzer harness for a bounded time on a copy of its seed corpus; TAP, one
# test point per harness. On a crash (or a leak, a sanitizer report, a timeout) the
# crashing input is printed as base64 and a hex dump, with the command that replays it.
#   fuzz/run.sh [SECONDS]    seconds per harness; default $NSCTL_FUZZ_SECONDS, else 30;
#                            0 skips
# Builds the harnesses with fuzz/build.sh into $NSCTL_BUILDDIR/fuzz (or build/fuzz), and
# skips when clang is not installed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=${NSCTL_SRCDIR:-$top}
out=${NSCTL_BUILDDIR:-$top/build}/fuzz
secs=${1:-${NSCTL_FUZZ_SECONDS:-30}}
harnesses=(fuzz-framing fuzz-policy fuzz-runtime-state)

case $secs in
'' | *[!0-9]*)
	echo "Bail out! fuzz/run.sh: not a number of seconds: '$secs'"
	exit 1
	;;
esac
[ "$secs" -eq 0 ] && { echo "1..0 # SKIP fuzzing disabled (0 seconds)"; exit 0; }
command -v "${CLANG:-clang}" >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP ${CLANG:-clang} is not installed"; exit 0; }

echo "1..${#harnesses[@]}"
if ! build_log=$(bash "$srcdir/fuzz/build.sh" "$out" 2>&1); then
	sed 's/^/# /' <<<"$build_log"
	n=0
	for h in "${harnesses[@]}"; do
		n=$((n + 1))
		echo "not ok $n - $h: does not build"
	done
	exit 1
fi

work=$(mktemp -d /tmp/nsctl-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

# show_input FILE: what a failure needs to be replayed anywhere.
show_input()
{
	echo "# crashing input $1 ($(stat -c %s "$1") bytes), base64:"
	base64 -w 76 "$1" | sed 's/^/#   /'
	echo "# hex dump (first 512 bytes):"
	head -c 512 "$1" | od -A x -t x1z -v | sed 's/^/#   /'
}

n=0
failed=0
for h in "${harnesses[@]}"; do
	n=$((n + 1))
	corpus=$work/$h/corpus
	mkdir -p "$corpus" "$work/$h/artifacts"
	# A copy: what the run finds stays out of the committed seed corpus.
	cp "$srcdir/fuzz/corpus/${h#fuzz-}"/* "$corpus"/
	seeds=$(ls "$corpus" | wc -l)
	log=$work/$h/log
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		"$out/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/$h/artifacts/" \
		"$corpus" >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	artifacts=$(find "$work/$h/artifacts" -type f | sort)
	if [ "$status" -eq 0 ] && [ -z "$artifacts" ]; then
		echo "ok $n - $h: ${runs:-?} inputs in $secs s from $seeds seeds, no crash"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n - $h: exit status $status after ${runs:-?} inputs"
	grep -E -A 30 '^==[0-9]+==ERROR|runtime error:|^SUMMARY|deadly signal|timeout' "$log" |
		head -n 60 | sed 's/^/# /'
	for a in $artifacts; do
		show_input "$a"
		echo "# replay: fuzz/build.sh && build/fuzz/$h FILE (FILE: the bytes above)"
	done
	[ -z "$artifacts" ] && tail -n 30 "$log" | sed 's/^/# /'
done
[ "$failed" -eq 0 ]
