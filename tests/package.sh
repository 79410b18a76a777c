#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package, as an admin gets it: built with `dpkg-buildpackage -us -uc -b` by an
# ordinary user (its `make check` runs as that user) from a copy of the sources; its
# contents listed and checked (binaries, units, man pages, completions, docs, the default
# policy as a conffile, policy.d/, the socket enabled on install), lintian without errors,
# and the packaged binaries run from `dpkg -x`. Not part of `make check` (it runs one);
# scripts/test runs it as root. TAP.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/integration/lib.sh"

require_root
require_tools dpkg-buildpackage dpkg-deb dh lintian runuser groff tar
BUILDER=${NSCTL_PACKAGE_USER:-nobody}
id "$BUILDER" >/dev/null 2>&1 || tap_skip_all "no user $BUILDER to build as"

tap_plan 20
setup_tmpdir
VERSION=$(sed -n 's/^AC_INIT(\[nsctl\], \[\([^]]*\)\].*/\1/p' "$NSCTL_SRCDIR/configure.ac")
diag "nsctl $VERSION, built as $BUILDER in $TESTDIR"

# -- build ------------------------------------------------------------------------------------
# The sources as git knows them (what a release holds), else all but build products.
SRC=$TESTDIR/nsctl
mkdir -p "$SRC"
if git -C "$NSCTL_SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$NSCTL_SRCDIR" ls-files -z --cached --others --exclude-standard |
		(cd "$NSCTL_SRCDIR" && xargs -0 tar -cf - --no-recursion) | tar -C "$SRC" -xf -
else
	tar -C "$NSCTL_SRCDIR" --exclude=./build --exclude=./build-asan --exclude=./build-user \
		--exclude=./.git --exclude=./debian/build -cf - . | tar -C "$SRC" -xf -
fi
chown -R "$BUILDER" "$TESTDIR"
chmod 0755 "$TESTDIR"
SECONDS=0
runuser -u "$BUILDER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TESTDIR" \
	LANG=C.UTF-8 DEB_BUILD_OPTIONS="parallel=2" \
	sh -c 'cd "$1" && dpkg-buildpackage -us -uc -b' sh "$SRC" >"$TESTDIR/build.log" 2>&1
st=$?
diag "dpkg-buildpackage took $SECONDS s"
[ "$st" -eq 0 ] || { tail -n 60 "$TESTDIR/build.log" | sed 's/^/# /'; }
check "dpkg-buildpackage -us -uc -b as $BUILDER: exit 0" expect_eq "$st" 0
SUITE=$SRC/debian/build/test-suite.log
check "its make check ran as $BUILDER and nothing failed" \
	expect_eq "$(awk '/^# PASS:/ {p=$3} /^# (FAIL|ERROR):/ {f+=$3} END {print (p > 0) ":" f+0}' "$SUITE" 2>/dev/null)" "1:0"
diag "the package's make check: $(grep -E '^# (TOTAL|PASS|SKIP|FAIL):' "$SUITE" 2>/dev/null | tr '\n' ' ')"
DEB=$(ls "$TESTDIR"/nsctl_"$VERSION"_*.deb 2>/dev/null | head -n 1)
check "it made nsctl_${VERSION}_ARCH.deb" test -f "${DEB:-/nonexistent}"

# -- contents ---------------------------------------------------------------------------------
LIST=$(dpkg-deb -c "${DEB:-/nonexistent}" 2>&1 | awk '{print $1, $6}')
diag_list() { sed 's/^/# /' <<<"$LIST"; }
diag_list
has() { grep -qE "^$1 \./$2\$" <<<"$LIST"; }
check "/usr/bin/nsctl and /usr/sbin/nsctld, executable" \
	eval 'has -rwxr-xr-x usr/bin/nsctl && has -rwxr-xr-x usr/sbin/nsctld'
check "the units" eval 'has -rw-r--r-- lib/systemd/system/nsctld.socket &&
	has -rw-r--r-- lib/systemd/system/nsctld.service'
check "the man pages" eval 'has -rw-r--r-- usr/share/man/man1/nsctl.1.gz &&
	has -rw-r--r-- usr/share/man/man8/nsctld.8.gz &&
	has -rw-r--r-- usr/share/man/man5/nsctl-policy.5.gz'
check "the completions: bash, zsh, fish" eval 'has -rw-r--r-- usr/share/bash-completion/completions/nsctl &&
	has -rw-r--r-- usr/share/zsh/vendor-completions/_nsctl &&
	has -rw-r--r-- usr/share/fish/vendor_completions.d/nsctl.fish'
check "the default policy and policy.d/" eval 'has -rw-r--r-- etc/nsctl/policy &&
	has drwxr-xr-x etc/nsctl/policy.d/'
check "the docs under /usr/share/doc/nsctl" eval 'has -rw-r--r-- "usr/share/doc/nsctl/README.md(.gz)?" &&
	has -rw-r--r-- "usr/share/doc/nsctl/security.md(.gz)?" &&
	has -rw-r--r-- "usr/share/doc/nsctl/policy.md(.gz)?" &&
	has -rw-r--r-- usr/share/doc/nsctl/copyright'
CTRL=$TESTDIR/control
dpkg-deb -e "${DEB:-/nonexistent}" "$CTRL" 2>/dev/null
check "the policy is a conffile" expect_eq "$(cat "$CTRL/conffiles" 2>&1)" "/etc/nsctl/policy"
check "postinst enables and starts nsctld.socket" \
	eval 'grep -q "deb-systemd-helper enable .nsctld.socket" "$CTRL/postinst" &&
		grep -q "deb-systemd-invoke .* .nsctld.socket" "$CTRL/postinst"'
# (Its postinst re-enables the service only where the admin had enabled it before.)
check "... and leaves the service to the socket (never started by the package)" \
	expect_no_match "$(grep -E 'deb-systemd-invoke' "$CTRL/postinst")" "nsctld.service"

# -- lintian ----------------------------------------------------------------------------------
runuser -u "$BUILDER" -- env HOME="$TESTDIR" lintian --tag-display-limit 0 --display-info \
	"${DEB:-/nonexistent}" >"$TESTDIR/lintian.log" 2>&1
sed 's/^/# lintian: /' "$TESTDIR/lintian.log"
check "lintian: no error" expect_no_match "$(cat "$TESTDIR/lintian.log")" "^E: "

# -- the packaged binaries ----------------------------------------------------------------------
ROOT=$TESTDIR/root
dpkg -x "${DEB:-/nonexistent}" "$ROOT"
out=$("$ROOT/usr/bin/nsctl" --help 2>&1)
check "nsctl --help: exit 0, usage and verbs" \
	expect_eq "$?:$(head -n 1 <<<"$out"):$(grep -c '^  run ' <<<"$out")" \
	"0:Usage: nsctl [--socket PATH] VERB [ARG...]:1"
out=$("$ROOT/usr/sbin/nsctld" --help 2>&1)
check "nsctld --help: exit 0, usage, the default policy under /etc" \
	expect_eq "$?:$(head -n 1 <<<"$out"):$(grep -c 'default /etc/nsctl/policy' <<<"$out")" \
	"0:Usage: nsctld [OPTIONS]:1"
check "the versions are configure's" expect_eq \
	"$("$ROOT/usr/bin/nsctl" --version):$("$ROOT/usr/sbin/nsctld" --version)" \
	"nsctl $VERSION:nsctld $VERSION"
# The packaged policy, its include pointed into the unpacked tree (no /etc/nsctl here).
sed "s|/etc/nsctl/policy.d|$ROOT/etc/nsctl/policy.d|" "$ROOT/etc/nsctl/policy" >"$TESTDIR/policy"
chmod 0644 "$TESTDIR/policy"
check "the default policy loads and permits nothing" \
	expect_eq "$("$ROOT/usr/sbin/nsctld" --check-policy "$TESTDIR/policy" 2>&1)" \
	"$TESTDIR/policy: 0 rules, OK"
check "... and its commented examples are valid rules (but for the users and groups)" \
	expect_match "$(sed 's/^#\(permit\|deny\)/\1/' "$TESTDIR/policy" >"$TESTDIR/policy.ex" &&
		chmod 0644 "$TESTDIR/policy.ex" &&
		"$ROOT/usr/sbin/nsctld" --check-policy "$TESTDIR/policy.ex" 2>&1)" \
		"policy.ex:[0-9]+: unknown (group|user) "
warn=""
for m in man1/nsctl.1 man8/nsctld.8 man5/nsctl-policy.5; do
	w=$(zcat "$ROOT/usr/share/man/$m.gz" | groff -man -ww -z 2>&1)
	[ -n "$w" ] && warn="$warn$m: $w "
	grep -q "^\.TH [^ ]* [0-9] \"[0-9-]*\" \"nsctl $VERSION\"" <(zcat "$ROOT/usr/share/man/$m.gz") ||
		warn="$warn$m: .TH without version $VERSION "
done
check "the man pages: groff -ww silent, .TH with the version" expect_eq "$warn" ""
got=$(bash -c '. "$1"; COMP_WORDS=(nsctl ""); COMP_CWORD=1; _nsctl; echo "${COMPREPLY[*]}"' \
	complete "$ROOT/usr/share/bash-completion/completions/nsctl" 2>&1)
check "the packaged bash completion offers the verbs" expect_eq "$got" "run check policy ls ns"
tap_done
