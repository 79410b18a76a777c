#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nsctld under valgrind memcheck while bad-input.sh throws everything at it: the script
# must pass, and valgrind must report no error, no definitely or indirectly lost memory
# and no fd left open at exit. The workers are not followed (--child-silent-after-fork):
# they exec or _exit and hold the daemon's heap only by inheritance. Skipped in an ASan
# build (the two do not mix) and without valgrind.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools valgrind
require_binaries "$NSCTLD" "$NSCTL"
if "$NSCTL_BUILDDIR/config.status" --config 2>/dev/null | grep -q -- '--enable-asan'; then
	tap_skip_all "an ASan build: valgrind cannot run it"
fi

tap_plan 6
setup_tmpdir
VGDIR=$TESTDIR/valgrind
mkdir -p "$VGDIR"
INNER=$TESTDIR/bad-input.tap

# bad-input.sh's daemon runs under valgrind; the timeouts of its clients are generous
# enough for a daemon that valgrind slows down some twenty times.
NSCTL_DAEMON_WRAPPER="valgrind --tool=memcheck --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--error-exitcode=99 --track-fds=yes --child-silent-after-fork=yes --vgdb=no \
--log-file=$VGDIR/nsctld.%p.log" \
	bash "$NSCTL_SRCDIR/tests/integration/bad-input.sh" >"$INNER" 2>&1
status=$?
passed=$(grep -c '^ok ' "$INNER")
skipped=$(grep -c '^ok .*# SKIP' "$INNER")
failed=$(grep -c '^not ok ' "$INNER")
diag "bad-input.sh under valgrind: exit $status, $passed ok ($skipped skipped), $failed not ok"
grep -m 1 'no sessions under' "$INNER" | sed 's/^# //' | while read -r l; do diag "$l"; done
check "bad-input.sh passes with nsctld under valgrind" \
	expect_eq "$status:$failed:$((passed > 100))" 0:0:1
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
	grep -E -B3 '^not ok' "$INNER" | grep -v '^# {' | head -n 60 | sed 's/^/# /'
fi

logs=$(ls "$VGDIR"/nsctld.*.log 2>/dev/null)
check "valgrind wrote one log, of the daemon" expect_eq "$(wc -w <<<"$logs")" 1
log=$(head -n 1 <<<"$logs")
[ -n "$log" ] || log=/dev/null
check "valgrind: ERROR SUMMARY: 0 errors" \
	expect_match "$(grep 'ERROR SUMMARY' "$log")" 'ERROR SUMMARY: 0 errors from 0 contexts'
leaks=$(grep -E 'definitely lost:|indirectly lost:' "$log")
if grep -q 'All heap blocks were freed' "$log"; then
	leaks="definitely lost: 0 bytes in 0 blocks indirectly lost: 0 bytes in 0 blocks"
fi
check "valgrind: definitely and indirectly lost 0 bytes" \
	expect_eq "$(grep -Eo '(definitely|indirectly) lost: [0-9,]+ bytes' <<<"$leaks" |
		tr '\n' ' ')" "definitely lost: 0 bytes indirectly lost: 0 bytes "
check "valgrind: the heap summary is there (the daemon exited normally)" \
	grep -q 'HEAP SUMMARY' "$log"
# At exit only 0, 1, 2 and valgrind's own log may be open.
open_fds=$(grep -E 'Open (file descriptor|AF_UNIX socket|socket)' "$log" |
	grep -v -F "$VGDIR/")
check "valgrind: no fd of the daemon left open at exit (--track-fds)" expect_eq "$open_fds" ""
if [ "$_tap_failed" -gt 0 ]; then
	diag "valgrind log:"
	diag_file "$log" 80
fi
tap_done
