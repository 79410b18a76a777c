#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hyperfine --prepare of the cold latency runs: stop the last socket-activated nsctld and
# leave a fresh systemd-socket-activate listening, which starts nsctld on the next connect.
#
#   cold-prepare.sh start PIDFILE SOCKET NSCTLD POLICY LOG
#   cold-prepare.sh stop PIDFILE
#
# systemd-socket-activate execs nsctld in its own process when the first connection comes,
# so the pid in PIDFILE (with the policy file, by which stop recognizes it) is the daemon's
# once a request was made.

set -eu

# gone PID: the process has exited (a zombie waiting for a reaper counts as gone).
gone()
{
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# ours PID POLICY: is PID still the daemon of this benchmark? With --idle-timeout 1 it may
# have exited long ago, and its pid may be another process's now: its command line (that
# of systemd-socket-activate or of nsctld it became) names our policy file.
ours()
{
	tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "--policy $2 "
}

stop()
{
	local pid policy i
	[ -s "$1" ] || return 0
	read -r pid policy <"$1"
	rm -f "$1"
	ours "$pid" "$policy" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 1000; i++)); do
		gone "$pid" && return 0
		sleep 0.005
	done
	kill -KILL "$pid" 2>/dev/null || true
}

case $1 in
start)
	pidfile=$2 socket=$3 nsctld=$4 policy=$5 log=$6
	stop "$pidfile"
	rm -f "$socket"
	systemd-socket-activate -l "$socket" "$nsctld" --policy "$policy" --log stderr \
		--idle-timeout 1 </dev/null >>"$log" 2>&1 &
	echo "$! $policy" >"$pidfile"
	for ((i = 0; i < 1000; i++)); do
		awk -v p="$socket" '$NF == p && $4 == "00010000" { f = 1 } END { exit !f }' \
			/proc/net/unix && exit 0
		sleep 0.005
	done
	echo "cold-prepare: nothing listens on $socket" >&2
	exit 1
	;;
stop)
	stop "$2"
	;;
*)
	echo "usage: cold-prepare.sh start PIDFILE SOCKET NSCTLD POLICY LOG | stop PIDFILE" >&2
	exit 2
	;;
esac
