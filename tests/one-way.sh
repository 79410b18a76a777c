#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One way to do each thing, checked on the sources (TAP): JSON objects are filled only
# through the checked proto_json_add() (protocol/json-fields.c), and the error replies the
# methods share are built only in daemon/method-errors.c. tests/ may do as it likes.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=${NSCTL_SRCDIR:-$top}
cd "$srcdir" || { echo "Bail out! no source tree at $srcdir"; exit 1; }

n=0
fails=0
# check DESCRIPTION ALLOWED-FILE PATTERN DIR...: PATTERN occurs in no .c/.h file under DIR...
# but ALLOWED-FILE.
check()
{
	local what=$1 allowed=$2 pattern=$3 hits
	shift 3
	n=$((n + 1))
	hits=$(grep -rnE --include='*.c' --include='*.h' -- "$pattern" "$@" | grep -v "^$allowed:")
	if [ -z "$hits" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		printf '# %s\n' "$hits"
		fails=$((fails + 1))
	fi
}

echo "1..3"
check "json_object_object_add only inside proto_json_add()" protocol/json-fields.c \
	'json_object_object_add' daemon client protocol fuzz
check "shared error replies named only in daemon/method-errors.c" daemon/method-errors.c \
	'NSCTL_ERROR_(LIMIT_EXCEEDED|PERMISSION_DENIED|AMBIGUOUS_TARGET|BACKEND_UNAVAILABLE)|VARLINK_ERROR_(METHOD|INTERFACE)_NOT_FOUND' \
	daemon
check "SystemError and LimitExceeded parameters built only in daemon/method-errors.c" \
	daemon/method-errors.c '"(operation|limit)"' daemon
[ "$fails" -eq 0 ]
