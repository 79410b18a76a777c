#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd units: rendered as the build renders them, checked by systemd-analyze verify.
# Needs no root: nothing is installed or started.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_tools systemd-analyze sed
require_binaries "$NSCTLD"

tap_plan 10
UNITDIR=$(mktemp -d /tmp/nsctl-units.XXXXXX) || exit 1
defer rm -rf "$UNITDIR"

# render DIR SBINDIR: the .in files into DIR, with the substitutions of
# systemd/Makemodule.am.
render()
{
	local u
	mkdir -p "$1"
	for u in nsctld.socket nsctld.service; do
		sed -e "s|@sbindir[@]|$2|g" -e 's|@runstatedir[@]|/run|g' \
		    -e 's|@sysconfdir[@]|/etc|g' "$NSCTL_SRCDIR/systemd/$u.in" >"$1/$u" || return 1
	done
}

# verify DIR: systemd-analyze verify on both units; its output in DIR/verify.out.
verify()
{
	(cd "$1" && systemd-analyze verify nsctld.socket nsctld.service) >"$1/verify.out" 2>&1
}

render "$UNITDIR/ok" "$(cd "$(dirname "$NSCTLD")" && pwd)"
check "rendered without a placeholder left" \
	expect_eq "$(grep -c '@[a-z]*@' "$UNITDIR/ok/nsctld.socket" "$UNITDIR/ok/nsctld.service" |
		cut -d: -f2 | tr '\n' ' ')" "0 0 "
verify "$UNITDIR/ok"
st=$?
check "systemd-analyze verify passes (ExecStart is the built nsctld)" expect_eq "$st" 0
check "systemd-analyze has nothing to say about the nsctld units" \
	expect_no_match "$(cat "$UNITDIR/ok/verify.out")" 'nsctld'

# A control: the same units with an ExecStart that does not exist must fail.
render "$UNITDIR/missing" /nonexistent/sbin
verify "$UNITDIR/missing"
st=$?
check "control: verify fails when ExecStart does not exist" \
	expect_eq "$((st != 0)):$(grep -c 'nsctld.service' "$UNITDIR/missing/verify.out")" 1:1

SERVICE=$(grep -v '^#' "$UNITDIR/ok/nsctld.service")
SOCKET=$(grep -v '^#' "$UNITDIR/ok/nsctld.socket")
check "the socket: /run/nsctl/io.nsctl, mode 0666, directory 0755, Accept=no" \
	expect_eq "$(grep -E '^(ListenStream|SocketMode|DirectoryMode|Accept)=' <<<"$SOCKET" |
		sort | tr '\n' ' ')" \
	"Accept=no DirectoryMode=0755 ListenStream=/run/nsctl/io.nsctl SocketMode=0666 "
check "the service is Type=notify and runs the built nsctld" \
	expect_eq "$(grep -E '^(Type|ExecStart)=' <<<"$SERVICE" | sort | tr '\n' ' ')" \
	"ExecStart=$(cd "$(dirname "$NSCTLD")" && pwd)/nsctld Type=notify "
check "the service requires and follows the socket" \
	expect_eq "$(grep -E '^(Requires|After)=' <<<"$SERVICE" | sort | tr '\n' ' ')" \
	"After=nsctld.socket Requires=nsctld.socket "
check "NoNewPrivileges=yes" expect_match "$SERVICE" '^NoNewPrivileges=yes$'
caps=$(sed -n '/^CapabilityBoundingSet=/,/[^\\]$/p' <<<"$SERVICE" |
	sed -e 's/^CapabilityBoundingSet=//' -e 's/\\$//' | tr -s ' \t' '\n' | sed '/^$/d' |
	sort | tr '\n' ' ')
check "the capability bounding set is exactly what nsctld needs" expect_eq "$caps" \
	"CAP_DAC_READ_SEARCH CAP_KILL CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYS_ADMIN CAP_SYS_CHROOT CAP_SYS_PTRACE "
# The commands nsctld runs inherit the service's sandbox; see the comments in the unit.
check "no sandboxing that the users' commands would inherit" expect_no_match "$SERVICE" \
	'^(RestrictAddressFamilies|SystemCallFilter|SystemCallArchitectures|ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|PrivateNetwork|PrivateUsers|PrivateIPC|ProtectHostname|ProtectProc|ProtectKernelTunables|ProtectControlGroups|ReadOnlyPaths|InaccessiblePaths|MemoryDenyWriteExecute|RestrictNamespaces|LockPersonality|User|DynamicUser)='
tap_done
