#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hyperfine --prepare of the cold latency runs: stop the last socket-activated nsctld and
# leave a fresh systemd-socket-activate listening, which starts nsctld on the next connect.
#
#   cold-prepare.sh start PIDFILE SOCKET NSCTLD POLICY LOG
#   cold-prepare.sh stop PIDFILE
#
# systemd-socket-activate execs nsctld in its own process when the first connection comes,
# so the pid in PIDFILE is the daemon's once a request was made.

set -eu

# gone PID: the process has exited (a zombie waiting for a reaper counts as gone).
gone()
{
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

stop()
{
	local pid i
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
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
	echo $! >"$pidfile"
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
