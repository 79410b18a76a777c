#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A bounded audit: caller-chosen strings cut per record (with their length and a mark),
# denials rate-limited per uid with a summary that accounts for every one held back,
# permits and sessions never held back; MESSAGE_ID and the caller's user name, in the JSON
# lines and (through a fake journal socket) in the journal.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools ip runuser useradd flock systemd-socket-activate timeout unshare mount
require_binaries "$NSCTLD" "$NSCTL"
[ -x "$PYTHON" ] || tap_skip_all "python3 is not installed"

tap_plan 27
setup_tmpdir
setup_users || exit 1
netns_create || { diag "cannot create a network namespace"; exit 1; }
chmod 755 "$TESTDIR"

ID_DECISION=edaf20de66834eb68701b32875b055b3
ID_START=df0d8ad8d1064095935dfd9218c0e7d2
ID_END=75b544e4a66f4571816eaf130e3f2bf3
ID_SUPPRESSED=da58ef8f519a4b27b1e9785991fe6aa4

SOCK=$TESTDIR/io.nsctl
LOG=$TESTDIR/nsctld.log
POLICY=$TESTDIR/policy
write_policy "$POLICY" "permit $ALICE on netns:$NETNS ns net"
daemon_start "$SOCK" "$LOG" --policy "$POLICY" --idle-timeout 0 ||
	diag "nsctld does not start; the checks below will fail"
D=$DAEMON_PID

# --- a flood of denied Runs with a 120 KB argv from bob ------------------------------------
FLOOD=300
cat >"$TESTDIR/flood.py" <<'EOF'
import json, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
big = "A" * 120000
denied = 0
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    msg = {"method": "io.nsctl.Run", "more": True, "parameters": {
        "target": "netns:forbidden", "namespaces": ["net"], "argv": ["echo", big],
        "stdin": 0, "stdout": 1, "stderr": 2}}
    data = json.dumps(msg).encode() + b"\0"
    s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                        bytes(memoryview(bytearray(b"\0\0\0\0\1\0\0\0\2\0\0\0"))))])
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    if b"io.nsctl.PermissionDenied" in reply:
        denied += 1
    s.close()
print(denied)
EOF
size0=$(stat -c %s "$LOG")
flood_start=$(date +%s%N)
denied=$(as_user "$BOB" "$PYTHON" "$TESTDIR/flood.py" "$SOCK" "$FLOOD" 2>&1)
# The bucket refills 2 tokens a second: the bound follows how long the flood took (an ASan
# build on a loaded machine is several times slower), rounded up, plus one token of slack.
flood_secs=$((($(date +%s%N) - flood_start + 999999999) / 1000000000))
flood_bound=$((20 + 2 * flood_secs + 1))
check "all $FLOOD denied Runs were answered PermissionDenied" expect_eq "$denied" "$FLOOD"
out=$(nsctl_as "$ALICE" run "netns:$NETNS" --net -- true 2>&1)
check "alice's permitted Run right after the flood runs" expect_eq "$?:$out" "0:"
size1=$(stat -c %s "$LOG")
grew=$((size1 - size0))
check "the flood wrote under 128 KiB of audit ($grew bytes; unbounded: ~36 MB)" \
	expect_lt "$grew" 131072
bob=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$BOB_UID")
n_bob=$(grep -c . <<<"$bob")
check "bob's denials written: at most the burst and what refilled ($n_bob in $flood_secs s)" \
	expect_lt "$n_bob" "$((flood_bound + 1))"
check "the flood outran the refill, so the limit was exercised ($flood_secs s for $FLOOD Runs)" \
	expect_lt "$flood_bound" "$FLOOD"
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' <<<"$bob")
check "each record stays under 4 KiB ($longest bytes)" expect_lt "$longest" 4096
first=$(head -n 1 <<<"$bob")
check "a cut argv says so: NSCTL_TRUNCATED ARGV" expect_eq "$(json_get NSCTL_TRUNCATED <<<"$first")" ARGV
check "... with the original argc" expect_eq "$(json_get NSCTL_ARGC <<<"$first")" 2
check "... and the original length of argv's JSON text" \
	expect_eq "$(json_get NSCTL_ARGV_LENGTH <<<"$first")" 120011
check "... the kept argv begins as the request's and ends in the mark" \
	expect_match "$(json_get NSCTL_ARGV <<<"$first")" '^\["echo","AAAA+\.\.\."\]$'
rec=$(audit_records "$LOG" NSCTL_EVENT=decision NSCTL_CALLER_UID="$ALICE_UID" NSCTL_DECISION=permit)
check "alice's permit is recorded after the flood" test -n "$rec"
check "... with MESSAGE_ID and her user name" \
	expect_eq "$(json_get MESSAGE_ID <<<"$rec"):$(json_get NSCTL_CALLER_USER <<<"$rec")" \
	"$ID_DECISION:$ALICE"
rec=$(audit_records "$LOG" NSCTL_EVENT=session-start NSCTL_CALLER_UID="$ALICE_UID")
check "her session-start is recorded, with its MESSAGE_ID" \
	expect_eq "$(json_get MESSAGE_ID <<<"$rec")" "$ID_START"
rec=$(audit_records "$LOG" NSCTL_EVENT=session-end NSCTL_CALLER_UID="$ALICE_UID")
check "her session-end is recorded, with its MESSAGE_ID" \
	expect_eq "$(json_get MESSAGE_ID <<<"$rec")" "$ID_END"
check "bob's denials carry his user name" \
	expect_eq "$(json_get NSCTL_CALLER_USER <<<"$first")" "$BOB"

# SIGTERM: what is still held back is counted out.
check_daemon_stops "$D" "$LOG"
sum=$(audit_records "$LOG" NSCTL_EVENT=denials-suppressed NSCTL_CALLER_UID="$BOB_UID")
check "a summary record of bob's suppressed denials" test -n "$sum"
check "... its MESSAGE says how many, whose, and in how long" \
	expect_match "$(head -n 1 <<<"$sum" | json_get MESSAGE)" "^[0-9]+ denials of uid $BOB_UID suppressed in [0-9]+ s$"
check "... its MESSAGE_ID" expect_eq "$(head -n 1 <<<"$sum" | json_get MESSAGE_ID)" "$ID_SUPPRESSED"
total=$n_bob
while read -r line; do
	total=$((total + $(json_get NSCTL_SUPPRESSED <<<"$line")))
done <<<"$sum"
check "written + suppressed = $FLOOD: none is unaccounted for" expect_eq "$total" "$FLOOD"

# --- the journal: a fake journal socket, bind-mounted where sd_journal_sendv() looks ------
JSOCK=$TESTDIR/journal.sock
JLOG=$TESTDIR/journal.log
"$PYTHON" - "$JSOCK" "$JLOG" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        d = s.recv(1 << 20)
        f.write(d.replace(b"\n", b"\x1e") + b"\n")
EOF
defer kill_wait $!
wait_until 10 test -S "$JSOCK"
chmod 0666 "$JSOCK"
cat >"$TESTDIR/jwrap.sh" <<EOF
#!/bin/sh
# In nsctld's own mount namespace: the fake socket where the journal's would be.
mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd &&
mkdir -p /run/systemd/journal && touch /run/systemd/journal/socket &&
mount --bind "$JSOCK" /run/systemd/journal/socket || exit 1
exec "\$@"
EOF
chmod 755 "$TESTDIR/jwrap.sh"
SOCK=$TESTDIR/io.nsctl.j
LOG2=$TESTDIR/nsctld.j.log
NSCTL_DAEMON_WRAPPER="unshare -m --propagation private $TESTDIR/jwrap.sh" \
	daemon_start "$SOCK" "$LOG2" --policy "$POLICY" --idle-timeout 0 --log journal ||
	diag "nsctld in its own mount namespace does not start"
D2=$DAEMON_PID
nsctl_as "$ALICE" run "netns:$NETNS" --net -- true >/dev/null 2>&1
nsctl_as "$BOB" run "netns:$NETNS" --net -- true >/dev/null 2>&1
wait_until 5 test "$(grep -c . "$JLOG" 2>/dev/null)" -ge 4
j=$(cat "$JLOG" 2>/dev/null)
check "journal: alice's decision with MESSAGE_ID, her user name, SYSLOG_IDENTIFIER" \
	expect_match "$j" "MESSAGE_ID=$ID_DECISION.*NSCTL_CALLER_UID=$ALICE_UID.NSCTL_CALLER_USER=$ALICE"
check "journal: the session records with theirs" \
	expect_match "$j" "MESSAGE_ID=$ID_END"
check "journal: bob's denial" \
	expect_match "$j" "NSCTL_CALLER_USER=$BOB.*NSCTL_DECISION=deny"
check "journal mode: nothing went to stderr" \
	expect_no_match "$(cat "$LOG2")" 'NSCTL_EVENT'
check_daemon_stops "$D2" "$LOG2"
tap_done
