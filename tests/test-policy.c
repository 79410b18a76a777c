/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/ (load, lex, ids, parse, match): parsing, matching and file checks, each driven by a table. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* A policy pointer that no call may write: *ret is set only on success (MUST 4). */
static struct policy sentinel_policy;
#define SENTINEL (&sentinel_policy)

/*
 * "LINE ACTION [OPTION...] IDENTITY=uid:N|gid:N [as USER=UID:GID[GROUPS]] [on G,G]
 * [ns N,N|all] [caps CAPS] [cmd PATH [ARG...]]" for each rule, joined by "; ".
 */
static char *describe(const struct policy *p)
{
	static const struct {
		unsigned bit;
		const char *name;
	} opts[] = {
		{ POLICY_OPT_KEEPENV, "keepenv" },
		{ POLICY_OPT_TTY, "tty" },
		{ POLICY_OPT_NOTTY, "notty" },
		{ POLICY_OPT_CGROUP, "cgroup" },
		{ POLICY_OPT_NOLOG, "nolog" },
		{ POLICY_OPT_REASON, "reason" },
	};
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		bool user = r->identity_kind == POLICY_IDENTITY_USER;

		assert_string_equal(r->file, "test");
		fprintf(f, "%s%u %s", i ? "; " : "", r->line,
			r->action == POLICY_PERMIT ? "permit" : "deny");
		for (size_t k = 0; k < ELEMENTSOF(opts); k++)
			if (r->options & opts[k].bit)
				fprintf(f, " %s", opts[k].name);
		if (r->options & POLICY_OPT_TASKS)
			fprintf(f, " tasks=%u", r->tasks);
		else
			assert_int_equal(r->tasks, 0);
		if (r->options & POLICY_OPT_TIMEOUT)
			fprintf(f, " timeout=%llus", (unsigned long long)(r->timeout_usec / 1000000));
		else
			assert_true(r->timeout_usec == 0);
		if (r->options & POLICY_OPT_SETENV) {
			fputs(" setenv{", f);
			for (char **e = r->setenv; e && *e; e++)
				fprintf(f, "%s%s", e == r->setenv ? "" : ",", *e);
			fputs("}", f);
		} else {
			assert_null(r->setenv);
		}
		fprintf(f, " %s=%s:%u", r->identity, user ? "uid" : "gid",
			user ? (unsigned)r->uid : (unsigned)r->gid);
		if (r->run_as_set) {
			fprintf(f, " as %s=%u:%u[", r->run_as_user, (unsigned)r->run_as_uid,
				(unsigned)r->run_as_gid);
			for (size_t k = 0; k < r->n_run_as_groups; k++)
				fprintf(f, "%s%u", k ? "," : "", (unsigned)r->run_as_groups[k]);
			fputs("]", f);
		}
		if (r->targets) {
			fputs(" on ", f);
			for (char **g = r->targets; *g; g++)
				fprintf(f, "%s%s", g == r->targets ? "" : ",", *g);
		}
		if (r->ns_mask == NS_MASK_ALL) {
			fputs(" ns all", f);
		} else if (r->ns_mask) {
			const char *sep = " ns ";

			for (int t = 0; t < _NS_COUNT; t++)
				if (r->ns_mask & NS_BIT(t)) {
					fprintf(f, "%s%s", sep, ns_table[t].name);
					sep = ",";
				}
		}
		if (r->caps_set) {
			char caps[1024];

			fprintf(f, " caps %s", policy_caps_to_string(r->caps, caps, sizeof(caps)));
		}
		if (r->cmd) {
			fprintf(f, " cmd %s", r->cmd);
			for (char **a = r->cmd_args; a && *a; a++)
				fprintf(f, " %s", *a);
		}
	}
	assert_int_equal(fclose(f), 0);
	return s;
}

/* --- parsing ------------------------------------------------------------------------ */

struct parse_case {
	const char *text;
	size_t len;         /* 0: strlen(text) */
	bool error;         /* expect is the error message */
	const char *expect; /* "test:LINE: error", or describe() of the policy */
};

#define OK(t, d) { .text = (t), .expect = (d) }
#define ERR(t, e) { .text = (t), .error = true, .expect = (e) }
#define ERR_LEN(t, e) { .text = (t), .len = sizeof(t) - 1, .error = true, .expect = (e) }

static const struct parse_case parse_cases[] = {
	/* Empty, blank and comment lines: an empty policy (MUST 1 is tested on it below). */
	OK("", ""),
	OK("\n\n\n", ""),
	OK("# only a comment\n", ""),
	OK("   \t  \n\t\n", ""),
	OK("  # indented comment\n", ""),
	/* Identities. */
	OK("permit root", "1 permit root=uid:0"),
	OK("permit root\n", "1 permit root=uid:0"),
	OK("deny daemon\n", "1 deny daemon=uid:1"),
	OK("permit nobody # trailing comment\n", "1 permit nobody=uid:65534"),
	OK("permit root#comment", "1 permit root=uid:0"),
	OK("\n# c\n\npermit 0\n", "4 permit 0=uid:0"),
	OK("permit 1000", "1 permit 1000=uid:1000"),
	OK("permit 4294967294", "1 permit 4294967294=uid:4294967294"),
	OK("permit :root", "1 permit :root=gid:0"),
	OK("permit :daemon", "1 permit :daemon=gid:1"),
	OK("deny :nogroup", "1 deny :nogroup=gid:65534"),
	OK("permit :0", "1 permit :0=gid:0"),
	OK("permit :1000", "1 permit :1000=gid:1000"),
	OK("permit :4294967294", "1 permit :4294967294=gid:4294967294"),
	/* Clauses. */
	OK("permit root on netns:blue", "1 permit root=uid:0 on netns:blue"),
	OK("permit root on netns:*,web-*,pid:4?", "1 permit root=uid:0 on netns:*,web-*,pid:4?"),
	OK("permit root on *", "1 permit root=uid:0 on *"),
	OK("permit root ns net", "1 permit root=uid:0 ns net"),
	OK("permit root ns mnt,pid,net", "1 permit root=uid:0 ns net,pid,mnt"),
	OK("permit root ns all", "1 permit root=uid:0 ns all"),
	OK("permit root ns user,cgroup,ipc,uts,net,pid,mnt,time", "1 permit root=uid:0 ns all"),
	OK("permit root ns cgroup", "1 permit root=uid:0 ns cgroup"),
	OK("permit root ns net on blue", "1 permit root=uid:0 on blue ns net"),
	OK("\tpermit\troot\ton\tblue\t\n", "1 permit root=uid:0 on blue"),
	OK("deny :nogroup on netns:* ns all # x", "1 deny :nogroup=gid:65534 on netns:* ns all"),
	OK("permit root\ndeny :daemon on web-*\n\npermit 1 ns net\n",
	   "1 permit root=uid:0; 2 deny :daemon=gid:1 on web-*; 4 permit 1=uid:1 ns net"),
	/* The action. */
	ERR("allow root", "test:1: expected 'permit', 'deny' or 'include', got 'allow'"),
	ERR("Permit root", "test:1: expected 'permit', 'deny' or 'include', got 'Permit'"),
	ERR("root", "test:1: expected 'permit', 'deny' or 'include', got 'root'"),
	ERR("{ permit root }", "test:1: expected 'permit', 'deny' or 'include', got '{'"),
	ERR("permit root\n  on blue\n", "test:2: expected 'permit', 'deny' or 'include', got 'on'"),
	/* The identity. */
	ERR("permit", "test:1: missing identity after 'permit'"),
	ERR("deny   # no identity", "test:1: missing identity after 'deny'"),
	ERR("permit { root", "test:1: expected an identity after 'permit', got '{'"),
	ERR("permit on blue", "test:1: expected an identity after 'permit', got 'on'"),
	ERR("permit deny", "test:1: expected an identity after 'permit', got 'deny'"),
	ERR("permit ROOT", "test:1: unknown user 'ROOT'"),
	ERR("permit nsctl-no-such-user", "test:1: unknown user 'nsctl-no-such-user'"),
	ERR("deny nsctl-no-such-user", "test:1: unknown user 'nsctl-no-such-user'"),
	ERR("permit :nsctl-no-such-group", "test:1: unknown group 'nsctl-no-such-group'"),
	ERR("deny :nsctl-no-such-group", "test:1: unknown group 'nsctl-no-such-group'"),
	ERR("permit :", "test:1: missing group name after ':'"),
	ERR("permit 4294967295", "test:1: uid '4294967295' out of range (0..4294967294)"),
	ERR("permit 4294967296", "test:1: uid '4294967296' out of range (0..4294967294)"),
	ERR("permit 99999999999999999999999",
	    "test:1: uid '99999999999999999999999' out of range (0..4294967294)"),
	ERR("permit -1", "test:1: invalid uid '-1'"),
	ERR("permit +1000", "test:1: invalid uid '+1000'"),
	ERR("permit 01000", "test:1: invalid uid '01000'"),
	ERR("permit :4294967295", "test:1: gid '4294967295' out of range (0..4294967294)"),
	ERR("permit :-1", "test:1: invalid gid '-1'"),
	/* Clauses. */
	ERR("permit root on", "test:1: missing list of targets after 'on'"),
	ERR("permit root ns", "test:1: missing list of namespaces after 'ns'"),
	ERR("permit root on ns net", "test:1: missing list of targets after 'on'"),
	ERR("permit root ns net on", "test:1: missing list of targets after 'on'"),
	ERR("permit root on blue ns", "test:1: missing list of namespaces after 'ns'"),
	ERR("permit root on a,,b", "test:1: empty target in list 'a,,b'"),
	ERR("permit root on ,a", "test:1: empty target in list ',a'"),
	ERR("permit root on a,", "test:1: empty target in list 'a,'"),
	ERR("permit root on a, b", "test:1: empty target in list 'a,'"),
	ERR("permit root on ,", "test:1: empty target in list ','"),
	ERR("permit root ns foo", "test:1: unknown namespace 'foo'"),
	ERR("permit root ns net,NET", "test:1: unknown namespace 'NET'"),
	ERR("permit root ns net,pid,net", "test:1: namespace 'net' given twice"),
	ERR("permit root ns all,net", "test:1: 'all' cannot be combined with other namespaces"),
	ERR("permit root ns net,all", "test:1: 'all' cannot be combined with other namespaces"),
	ERR("permit root ns all,all", "test:1: 'all' cannot be combined with other namespaces"),
	ERR("permit root ns net,", "test:1: empty namespace in list 'net,'"),
	ERR("permit root on a on b", "test:1: 'on' given twice"),
	ERR("permit root ns net ns pid", "test:1: 'ns' given twice"),
	ERR("permit root on a ns net on b", "test:1: 'on' given twice"),
	ERR("permit root extra", "test:1: unknown keyword 'extra'"),
	ERR("permit root On blue", "test:1: unknown keyword 'On'"),
	ERR("permit root on blue {", "test:1: unexpected '{'"),
	ERR("permit root }", "test:1: unexpected '}'"),
	/* Options, before the identity. */
	OK("permit keepenv root", "1 permit keepenv root=uid:0"),
	OK("permit tty root", "1 permit tty root=uid:0"),
	OK("permit notty root", "1 permit notty root=uid:0"),
	OK("permit cgroup root", "1 permit cgroup root=uid:0"),
	OK("permit nolog root", "1 permit nolog root=uid:0"),
	OK("permit nolog keepenv cgroup notty :daemon",
	   "1 permit keepenv notty cgroup nolog :daemon=gid:1"),
	OK("permit setenv { TZ=UTC } root", "1 permit setenv{TZ=UTC} root=uid:0"),
	OK("permit setenv { TZ=UTC FOO A_1=x=y EMPTY= _x } root",
	   "1 permit setenv{TZ=UTC,FOO,A_1=x=y,EMPTY=,_x} root=uid:0"),
	OK("permit setenv {} root", "1 permit setenv{} root=uid:0"),
	OK("permit setenv{A=1}keepenv root", "1 permit keepenv setenv{A=1} root=uid:0"),
	OK("permit keepenv setenv { PAGER } nolog root on blue",
	   "1 permit keepenv nolog setenv{PAGER} root=uid:0 on blue"),
	/* as: a user of the host's database, with its groups. */
	OK("permit root as daemon", "1 permit root=uid:0 as daemon=1:1[1]"),
	OK("permit root as 0", "1 permit root=uid:0 as root=0:0[0]"),
	OK("permit :nogroup as nobody on netns:*",
	   "1 permit :nogroup=gid:65534 as nobody=65534:65534[65534] on netns:*"),
	OK("permit 1000 on blue as root ns net",
	   "1 permit 1000=uid:1000 as root=0:0[0] on blue ns net"),
	/* caps: libcap names, with or without cap_, listed in capability order. */
	OK("permit root caps net_admin", "1 permit root=uid:0 caps cap_net_admin"),
	OK("permit root caps cap_net_raw,net_admin",
	   "1 permit root=uid:0 caps cap_net_admin,cap_net_raw"),
	OK("permit root caps sys_admin,chown,checkpoint_restore",
	   "1 permit root=uid:0 caps cap_chown,cap_sys_admin,cap_checkpoint_restore"),
	/* cmd: the rest of the line; without arguments any arguments go. */
	OK("permit root cmd /usr/bin/ip", "1 permit root=uid:0 cmd /usr/bin/ip"),
	OK("permit root cmd /usr/bin/ip -br addr", "1 permit root=uid:0 cmd /usr/bin/ip -br addr"),
	OK("permit root cmd /usr/bin/ip -- x#comment", "1 permit root=uid:0 cmd /usr/bin/ip -- x"),
	OK("permit root cmd /usr/bin/ip tty nolog",
	   "1 permit root=uid:0 cmd /usr/bin/ip tty nolog"),
	OK("deny root cmd /bin/sh", "1 deny root=uid:0 cmd /bin/sh"),
	OK("deny :daemon on blue cmd /bin/sh -c", "1 deny :daemon=gid:1 on blue cmd /bin/sh -c"),
	OK("permit root on tty", "1 permit root=uid:0 on tty"),
	OK("permit nolog root as daemon caps net_raw ns net on c1,web-* "
	   "cmd /usr/sbin/tcpdump -i any",
	   "1 permit nolog root=uid:0 as daemon=1:1[1] on c1,web-* ns net caps cap_net_raw "
	   "cmd /usr/sbin/tcpdump -i any"),
	/* The example of the issue, with groups and users of this host. */
	OK("permit :daemon on c1,web-* ns net caps net_raw,net_admin cmd /usr/bin/tcpdump\n"
	   "permit :daemon on * ns net,uts cmd /usr/sbin/ip\n"
	   "permit nobody on netns:* ns all\n"
	   "permit setenv { TZ=UTC } :root as root on staging-* ns all\n"
	   "deny daemon\n",
	   "1 permit :daemon=gid:1 on c1,web-* ns net caps cap_net_admin,cap_net_raw "
	   "cmd /usr/bin/tcpdump; "
	   "2 permit :daemon=gid:1 on * ns uts,net cmd /usr/sbin/ip; "
	   "3 permit nobody=uid:65534 on netns:* ns all; "
	   "4 permit setenv{TZ=UTC} :root=gid:0 as root=0:0[0] on staging-* ns all; "
	   "5 deny daemon=uid:1"),
	/* Options: each once, not both tty and notty, not in a deny, before the identity. */
	ERR("permit keepenv keepenv root", "test:1: 'keepenv' given twice"),
	ERR("permit nolog cgroup nolog root", "test:1: 'nolog' given twice"),
	ERR("permit tty notty root", "test:1: 'tty' and 'notty' cannot be combined"),
	ERR("permit notty tty root", "test:1: 'tty' and 'notty' cannot be combined"),
	ERR("permit tty tty root", "test:1: 'tty' given twice"),
	ERR("deny keepenv root", "test:1: 'keepenv' is not allowed in a deny rule"),
	ERR("deny nolog root", "test:1: 'nolog' is not allowed in a deny rule"),
	ERR("deny notty root", "test:1: 'notty' is not allowed in a deny rule"),
	ERR("deny setenv { A=1 } root", "test:1: 'setenv' is not allowed in a deny rule"),
	ERR("permit root tty", "test:1: option 'tty' must come before the identity"),
	/* Sessions' limits: tasks N, timeout DURATION, reason. */
	OK("permit tasks 64 timeout 15m reason root",
	   "1 permit reason tasks=64 timeout=900s root=uid:0"),
	OK("permit timeout 90s root\npermit timeout 8h tasks 1 nobody",
	   "1 permit timeout=90s root=uid:0; 2 permit tasks=1 timeout=28800s nobody=uid:65534"),
	OK("permit tasks 4194304 timeout 366d root",
	   "1 permit tasks=4194304 timeout=31622400s root=uid:0"),
	ERR("permit tasks 0 root", "test:1: invalid number of tasks '0' (1 to 4194304)"),
	ERR("permit tasks 4194305 root", "test:1: invalid number of tasks '4194305' (1 to 4194304)"),
	ERR("permit tasks 012 root", "test:1: invalid number of tasks '012' (1 to 4194304)"),
	ERR("permit tasks -1 root", "test:1: invalid number of tasks '-1' (1 to 4194304)"),
	ERR("permit tasks 99999999999999999999 root",
	    "test:1: invalid number of tasks '99999999999999999999' (1 to 4194304)"),
	ERR("permit timeout 15 root", "test:1: invalid timeout '15' (expected a number and a "
	    "unit s, m, h or d, as 90s, 15m, 8h)"),
	ERR("permit timeout 0s root", "test:1: invalid timeout '0s' (expected a number and a "
	    "unit s, m, h or d, as 90s, 15m, 8h)"),
	ERR("permit timeout 367d root", "test:1: timeout '367d' is longer than a year"),
	ERR("permit timeout 1m timeout 2m root", "test:1: 'timeout' given twice"),
	ERR("permit tasks 1 tasks 2 root", "test:1: 'tasks' given twice"),
	ERR("permit reason reason root", "test:1: 'reason' given twice"),
	ERR("deny timeout 1m root", "test:1: 'timeout' is not allowed in a deny rule"),
	ERR("deny tasks 5 root", "test:1: 'tasks' is not allowed in a deny rule"),
	ERR("deny reason root", "test:1: 'reason' is not allowed in a deny rule"),
	ERR("permit timeout", "test:1: missing duration after 'timeout'"),
	ERR("permit tasks", "test:1: missing number of tasks after 'tasks'"),
	ERR("permit timeout 5m", "test:1: missing identity after '5m'"),
	ERR("permit root timeout 5m", "test:1: option 'timeout' must come before the identity"),
	ERR("permit root on c1 reason", "test:1: option 'reason' must come before the identity"),
	ERR("permit root on blue keepenv",
	    "test:1: option 'keepenv' must come before the identity"),
	ERR("permit keepenv", "test:1: missing identity after 'keepenv'"),
	ERR("permit setenv { A=1 }", "test:1: missing identity after '}'"),
	ERR("permit keepenv on blue", "test:1: expected an identity after 'keepenv', got 'on'"),
	ERR("permit include", "test:1: expected an identity after 'permit', got 'include'"),
	ERR("permit cmd /bin/ip", "test:1: expected an identity after 'permit', got 'cmd'"),
	/* setenv. */
	ERR("permit setenv root", "test:1: expected '{' after 'setenv'"),
	ERR("permit setenv", "test:1: expected '{' after 'setenv'"),
	ERR("permit setenv { A=1 root", "test:1: missing '}' after the setenv list"),
	ERR("permit setenv { 1A=1 } root", "test:1: invalid variable name in '1A=1'"),
	ERR("permit setenv { =x } root", "test:1: invalid variable name in '=x'"),
	ERR("permit setenv { A-B=1 } root", "test:1: invalid variable name in 'A-B=1'"),
	ERR("permit setenv { A=1 A=2 } root", "test:1: variable 'A' given twice"),
	ERR("permit setenv { A B A=2 } root", "test:1: variable 'A' given twice"),
	ERR("permit setenv { A { } root", "test:1: unexpected '{'"),
	ERR("permit setenv { A } setenv { B } root", "test:1: 'setenv' given twice"),
	/* as. */
	ERR("permit root as", "test:1: missing user after 'as'"),
	ERR("permit root as on blue", "test:1: missing user after 'as'"),
	ERR("permit root as nsctl-no-such-user", "test:1: unknown user 'nsctl-no-such-user'"),
	ERR("permit root as 4242424", "test:1: unknown user '4242424'"),
	ERR("permit root as :daemon", "test:1: unknown user ':daemon'"),
	ERR("permit root as 4294967295", "test:1: uid '4294967295' out of range (0..4294967294)"),
	ERR("permit root as -1", "test:1: invalid uid '-1'"),
	ERR("permit root as 00", "test:1: invalid uid '00'"),
	ERR("permit root as daemon as root", "test:1: 'as' given twice"),
	ERR("deny root as daemon", "test:1: 'as' is not allowed in a deny rule"),
	/* caps. */
	ERR("permit root caps", "test:1: missing list of capabilities after 'caps'"),
	ERR("permit root caps cmd /bin/ip", "test:1: missing list of capabilities after 'caps'"),
	ERR("permit root caps net_foo", "test:1: unknown capability 'net_foo'"),
	ERR("permit root caps NET_ADMIN", "test:1: unknown capability 'NET_ADMIN'"),
	ERR("permit root caps Net_Admin", "test:1: unknown capability 'Net_Admin'"),
	ERR("permit root caps 12", "test:1: unknown capability '12'"),
	ERR("permit root caps cap_12", "test:1: unknown capability 'cap_12'"),
	ERR("permit root caps cap_", "test:1: unknown capability 'cap_'"),
	ERR("permit root caps all", "test:1: unknown capability 'all'"),
	ERR("permit root caps net_admin,bogus", "test:1: unknown capability 'bogus'"),
	ERR("permit root caps net_admin,net_admin", "test:1: capability 'net_admin' given twice"),
	ERR("permit root caps net_admin,cap_net_admin",
	    "test:1: capability 'cap_net_admin' given twice"),
	ERR("permit root caps net_admin,", "test:1: empty capability in list 'net_admin,'"),
	ERR("permit root caps net_admin caps net_raw", "test:1: 'caps' given twice"),
	ERR("deny root caps net_admin", "test:1: 'caps' is not allowed in a deny rule"),
	/* cmd. */
	ERR("permit root cmd", "test:1: missing path after 'cmd'"),
	ERR("permit root cmd { /bin/ip", "test:1: missing path after 'cmd'"),
	ERR("permit root cmd ip",
	    "test:1: 'ip' is not an absolute path without //, . or .. parts, or / at the end"),
	ERR("permit root cmd /usr//bin/ip",
	    "test:1: '/usr//bin/ip' is not an absolute path without //, . or .. parts, or / at "
	    "the end"),
	ERR("permit root cmd /usr/bin/./ip",
	    "test:1: '/usr/bin/./ip' is not an absolute path without //, . or .. parts, or / at "
	    "the end"),
	ERR("permit root cmd /usr/bin/../bin/ip",
	    "test:1: '/usr/bin/../bin/ip' is not an absolute path without //, . or .. parts, or / "
	    "at the end"),
	ERR("permit root cmd /usr/bin/",
	    "test:1: '/usr/bin/' is not an absolute path without //, . or .. parts, or / at the "
	    "end"),
	ERR("permit root cmd /",
	    "test:1: '/' is not an absolute path without //, . or .. parts, or / at the end"),
	ERR("permit root cmd /bin/ip on blue",
	    "test:1: 'on' after 'cmd' would be an argument of the command; write the clauses "
	    "before 'cmd'"),
	ERR("permit root cmd /bin/ip link cmd /bin/sh",
	    "test:1: 'cmd' after 'cmd' would be an argument of the command; write the clauses "
	    "before 'cmd'"),
	ERR("permit root cmd /bin/ip link {", "test:1: unexpected '{'"),
	/* include: the file names are checked and read (more in test_include_*). */
	ERR("include", "test:1: expected one path after 'include'"),
	ERR("include a b", "test:1: expected one path after 'include'"),
	ERR("include { a }", "test:1: expected one path after 'include'"),
	ERR("include /nonexistent-nsctl/*.conf",
	    "/nonexistent-nsctl: No such file or directory (included from test:1)"),
	ERR("\n\ninclude /tmp/*/x.conf",
	    "test:3: only the last component of an include may be a pattern: '/tmp/*/x.conf'"),
	ERR("include /etc/", "test:1: include of a directory: name the files ('/etc/*.conf')"),
	ERR("include /tmp/*.conf", "/tmp: writable by group or others (included from test:1)"),
	ERR("include /proc/self/*", "/proc/self: is a symbolic link (included from test:1)"),
	ERR("include /dev/null", "/dev/null: not a regular file (included from test:1)"),
	/* Lines and bytes (MUST 10); one bad line spoils the whole text (MUST 4). */
	ERR("permit root\npermit daemon\nfoo\n",
	    "test:3: expected 'permit', 'deny' or 'include', got 'foo'"),
	ERR("permit root\ndeny nsctl-no-such-user\n", "test:2: unknown user 'nsctl-no-such-user'"),
	ERR_LEN("permit root\0deny root", "test:1: NUL byte"),
	ERR_LEN("permit root\n# a comment \0 with a NUL\n", "test:2: NUL byte"),
	ERR_LEN("permit root\n\0", "test:2: NUL byte"),
	ERR("permit root\r\n", "test:1: invalid character 0x0d"),
	ERR("permit ro\x7fot", "test:1: invalid character 0x7f"),
	ERR("# \x1b[31m escape in a comment\n", "test:1: invalid character 0x1b"),
	ERR("permit root \\\n on blue", "test:1: unknown keyword '\\'"),
};

static void run_parse_case(const struct parse_case *c)
{
	struct policy *p = SENTINEL;
	char *error = NULL;
	size_t len = c->len ? c->len : strlen(c->text);
	int r;

	r = policy_parse_text("test", c->text, len, &p, &error);
	if (c->error) {
		if (r >= 0)
			fail_msg("'%s' parsed, expected '%s'", c->text, c->expect);
		/* Syntax errors are -EINVAL; faults of included files keep their errno. */
		if (strncmp(c->expect, "test:", 5) == 0)
			assert_int_equal(r, -EINVAL);
		else
			assert_true(r < 0);
		assert_ptr_equal(p, SENTINEL);
		assert_non_null(error);
		assert_string_equal(error, c->expect);
		free(error);
	} else {
		_cleanup_free_ char *d = NULL;

		if (r < 0)
			fail_msg("'%s' failed: %s", c->text, error ? error : "(no message)");
		assert_ptr_not_equal(p, SENTINEL);
		assert_null(error);
		d = describe(p);
		assert_string_equal(d, c->expect);
		policy_free(p);
	}
}

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(parse_cases); i++)
		run_parse_case(&parse_cases[i]);
}

/* A line of exactly 4096 bytes is fine, one of 4097 is an error; both as rule and comment. */
static void test_parse_line_length(void **state)
{
	static const struct {
		size_t line_len;
		const char *prefix;
		const char *expect;
	} cases[] = {
		{ 4096, "#", "" },
		{ 4097, "#", "test:2: line longer than 4096 bytes" },
		{ 4096, "permit root on ", "2 permit root=uid:0 on x" },
		{ 4097, "permit root on ", "test:2: line longer than 4096 bytes" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t plen = strlen(cases[i].prefix), len = 1 + cases[i].line_len + 1;
		_cleanup_free_ char *text = malloc(len + 1);
		_cleanup_free_ char *expect = NULL;
		struct parse_case c = { .text = text, .error = cases[i].expect[0] == 't' };

		assert_non_null(text);
		text[0] = '\n';
		memcpy(text + 1, cases[i].prefix, plen);
		memset(text + 1 + plen, 'x', cases[i].line_len - plen);
		text[len - 1] = '\n';
		text[len] = '\0';
		if (cases[i].expect[0] && strncmp(cases[i].expect, "test:", 5) != 0) {
			/* The glob is the run of x. */
			assert_int_not_equal(asprintf(&expect, "2 permit root=uid:0 on %s",
						      text + 1 + plen), -1);
			expect[strlen(expect) - 1] = '\0';
			c.expect = expect;
		} else {
			c.expect = cases[i].expect;
		}
		run_parse_case(&c);
	}
}

/* Lines of 4096 bytes with the most tokens a line can hold: braces, and one-byte words. */
static void test_parse_most_tokens(void **state)
{
	static const struct {
		const char *unit;
		const char *expect;
	} cases[] = {
		{ "{", "test:1: expected 'permit', 'deny' or 'include', got '{'" },
		{ "}", "test:1: expected 'permit', 'deny' or 'include', got '}'" },
		{ "x{", "test:1: expected 'permit', 'deny' or 'include', got 'x'" },
		{ "x ", "test:1: expected 'permit', 'deny' or 'include', got 'x'" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t ulen = strlen(cases[i].unit);
		char text[4096 + 1];
		struct parse_case c = {
			.text = text, .len = 4096, .error = true, .expect = cases[i].expect,
		};

		for (size_t k = 0; k < c.len; k++)
			text[k] = cases[i].unit[k % ulen];
		text[c.len] = '\0';
		run_parse_case(&c);
	}
}

/* --- matching ----------------------------------------------------------------------- */

struct match_case {
	const char *policy;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	const char *target;
	const char *bare;
	uint32_t mask;
	const char *const *argv; /* NULL: the request has none */
	bool any;                /* any_command */
	enum policy_action expect;
	unsigned line; /* of the deciding rule; 0: none matched */
};

#define ARGV(...) .argv = (const char *const[]){ __VA_ARGS__, NULL }

#define NET NS_BIT(NS_NET)
#define MNT NS_BIT(NS_MNT)
#define UTS NS_BIT(NS_UTS)
#define PID NS_BIT(NS_PID)
#define GROUPS(...) .groups = (const gid_t[]){ __VA_ARGS__ }, \
	.n_groups = sizeof((const gid_t[]){ __VA_ARGS__ }) / sizeof(gid_t)
#define BLUE .target = "netns:blue", .bare = "blue"
#define PERMIT(l) .expect = POLICY_PERMIT, .line = (l)
#define DENY(l) .expect = POLICY_DENY, .line = (l)

static const struct match_case match_cases[] = {
	/* Default deny (MUST 1). */
	{ "", .uid = 0, BLUE, .mask = NET, DENY(0) },
	{ "# nothing\n\n", .uid = 0, BLUE, .mask = NET, DENY(0) },
	{ "permit daemon", .uid = 0, BLUE, .mask = NET, DENY(0) },
	/* Identity from the caller only (MUST 5). */
	{ "permit root", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit root", .uid = 1, .gid = 0, GROUPS(0), BLUE, .mask = NET, DENY(0) },
	{ "permit daemon", .uid = 0, .gid = 1, GROUPS(1), BLUE, .mask = NET, DENY(0) },
	{ "permit root on root", .uid = 1, .target = "netns:root", .bare = "root", .mask = NET,
	  DENY(0) },
	{ "permit :daemon", .uid = 0, .gid = 1, BLUE, .mask = NET, PERMIT(1) },
	{ "permit :daemon", .uid = 0, .gid = 0, GROUPS(1), BLUE, .mask = NET, PERMIT(1) },
	{ "permit :daemon", .uid = 1, .gid = 0, GROUPS(65534), BLUE, .mask = NET, DENY(0) },
	{ "permit :nogroup", .uid = 5, .gid = 5, GROUPS(5, 65534, 7), BLUE, .mask = NET,
	  PERMIT(1) },
	{ "permit :1000", .uid = 1000, .gid = 100, GROUPS(1001, 1002), BLUE, .mask = NET, DENY(0) },
	{ "permit 4294967294", .uid = 4294967294u, BLUE, .mask = NET, PERMIT(1) },
	/* Last match wins (MUST 2). */
	{ "permit root\ndeny root", .uid = 0, BLUE, .mask = NET, DENY(2) },
	{ "deny root\npermit root", .uid = 0, BLUE, .mask = NET, PERMIT(2) },
	{ "permit root\ndeny root on other", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit :daemon\ndeny daemon", .uid = 1, .gid = 1, BLUE, .mask = NET, DENY(2) },
	{ "deny :daemon\npermit daemon on blue", .uid = 1, .gid = 1, BLUE, .mask = NET,
	  PERMIT(2) },
	{ "deny :daemon\npermit daemon on blue", .uid = 1, .gid = 1, .target = "netns:red",
	  .bare = "red", .mask = NET, DENY(1) },
	{ "permit root on netns:*\ndeny root on web-*\npermit root on web-admin", .uid = 0,
	  .target = "netns:web-admin", .bare = "web-admin", .mask = NET, PERMIT(3) },
	{ "permit root on netns:*\ndeny root on web-*\npermit root on web-admin", .uid = 0,
	  .target = "netns:web-x", .bare = "web-x", .mask = NET, DENY(2) },
	{ "permit root on netns:*\ndeny root on web-*\npermit root on web-admin", .uid = 0,
	  .target = "netns:db", .bare = "db", .mask = NET, PERMIT(1) },
	{ "permit root on netns:*\ndeny root on web-*\npermit root on web-admin", .uid = 0,
	  .target = "pid:1", .bare = "1", .mask = NET, DENY(0) },
	/* Targets: globs against the canonical or the bare name. */
	{ "permit root on netns:*", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit root on netns:*", .uid = 0, .target = "pid:42", .bare = "42", .mask = NET,
	  DENY(0) },
	{ "permit root on web-*", .uid = 0, .target = "netns:web-1", .bare = "web-1", .mask = NET,
	  PERMIT(1) },
	{ "permit root on web-*", .uid = 0, .target = "netns:db-1", .bare = "db-1", .mask = NET,
	  DENY(0) },
	{ "permit root on blue", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit root on netns:blue", .uid = 0, .target = "netns:bluegreen", .bare = "bluegreen",
	  .mask = NET, DENY(0) },
	{ "permit root on netns:blue", .uid = 0, .target = "netns:blue", .bare = NULL, .mask = NET,
	  PERMIT(1) },
	{ "permit root on 42", .uid = 0, .target = "pid:42", .bare = "42", .mask = NET, PERMIT(1) },
	{ "permit root on pid:*", .uid = 0, .target = "pid:42", .bare = "42", .mask = NET,
	  PERMIT(1) },
	{ "permit root on a,b,netns:c", .uid = 0, .target = "netns:c", .bare = "c", .mask = NET,
	  PERMIT(1) },
	{ "permit root on [bc]lue", .uid = 0, .target = "netns:clue", .bare = "clue", .mask = NET,
	  PERMIT(1) },
	{ "permit nobody on *", .uid = 65534, .target = "pid:1", .bare = "1", .mask = PID,
	  PERMIT(1) },
	/* Namespaces: the request must be a subset of the rule's list (MUST 9). */
	{ "permit root ns net", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit root ns net", .uid = 0, BLUE, .mask = NET | MNT, DENY(0) },
	{ "permit root ns net,mnt,uts", .uid = 0, BLUE, .mask = NET | UTS, PERMIT(1) },
	{ "permit root ns all", .uid = 0, BLUE, .mask = NS_MASK_ALL, PERMIT(1) },
	{ "permit root", .uid = 0, BLUE, .mask = NS_MASK_ALL, PERMIT(1) },
	{ "permit root ns net\ndeny root ns mnt", .uid = 0, BLUE, .mask = NET, PERMIT(1) },
	{ "permit root\ndeny root ns mnt", .uid = 0, BLUE, .mask = MNT, DENY(2) },
	/* A deny with a list denies any request that needs one of its namespaces. */
	{ "permit root\ndeny root ns mnt", .uid = 0, BLUE, .mask = NET | MNT, DENY(2) },
	{ "permit root\ndeny root ns mnt,pid", .uid = 0, BLUE, .mask = NET | UTS, PERMIT(1) },
	{ "permit root\ndeny root ns all", .uid = 0, BLUE, .mask = NET | MNT, DENY(2) },
	/* cmd in a permit: argv[0] is the path or its bare name; arguments exactly (MUST 12). */
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("/usr/bin/ip", "a"),
	  PERMIT(1) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("ip"), PERMIT(1) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("./ip"), DENY(0) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("/usr/sbin/ip"),
	  DENY(0) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("/tmp/usr/bin/ip"),
	  DENY(0) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("ipx"), DENY(0) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, ARGV("bin/ip"), DENY(0) },
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, .argv = NULL, DENY(0) },
	{ "permit root cmd /usr/bin/ip -br a", .uid = 0, BLUE, .mask = NET, ARGV("ip", "-br", "a"),
	  PERMIT(1) },
	{ "permit root cmd /usr/bin/ip -br a", .uid = 0, BLUE, .mask = NET, ARGV("ip", "-br"),
	  DENY(0) },
	{ "permit root cmd /usr/bin/ip -br a", .uid = 0, BLUE, .mask = NET,
	  ARGV("ip", "-br", "a", "x"), DENY(0) },
	{ "permit root cmd /usr/bin/ip -br a", .uid = 0, BLUE, .mask = NET, ARGV("ip"), DENY(0) },
	{ "permit root cmd /usr/bin/ip -br a", .uid = 0, BLUE, .mask = NET, ARGV("ip", "-br", "A"),
	  DENY(0) },
	/* cmd in a deny: any argv[0] with the same last component. */
	{ "permit root\ndeny root cmd /bin/sh", .uid = 0, BLUE, .mask = NET, ARGV("sh"), DENY(2) },
	{ "permit root\ndeny root cmd /bin/sh", .uid = 0, BLUE, .mask = NET, ARGV("/usr/bin/sh"),
	  DENY(2) },
	{ "permit root\ndeny root cmd /bin/sh", .uid = 0, BLUE, .mask = NET, ARGV("/tmp/sh", "-c"),
	  DENY(2) },
	{ "permit root\ndeny root cmd /bin/sh", .uid = 0, BLUE, .mask = NET, ARGV("bash"),
	  PERMIT(1) },
	{ "permit root\ndeny root cmd /bin/ip link del", .uid = 0, BLUE, .mask = NET,
	  ARGV("ip", "link", "del"), DENY(2) },
	{ "permit root\ndeny root cmd /bin/ip link del", .uid = 0, BLUE, .mask = NET,
	  ARGV("ip", "link"), PERMIT(1) },
	/* The last match decides, with cmd too: the grant is the last rule's. */
	{ "permit :daemon cmd /usr/bin/tcpdump\npermit :daemon ns net", .uid = 5, .gid = 1, BLUE,
	  .mask = NET, ARGV("tcpdump"), PERMIT(2) },
	{ "permit :daemon ns net\npermit :daemon cmd /usr/bin/tcpdump", .uid = 5, .gid = 1, BLUE,
	  .mask = NET, ARGV("ls"), PERMIT(1) },
	{ "permit :daemon ns net\npermit :daemon cmd /usr/bin/tcpdump", .uid = 5, .gid = 1, BLUE,
	  .mask = NET, ARGV("tcpdump"), PERMIT(2) },
	/* any_command (could some command be permitted?): permits with cmd match, denies do not. */
	{ "permit root cmd /usr/bin/ip", .uid = 0, BLUE, .mask = NET, .any = true, PERMIT(1) },
	{ "permit root\ndeny root cmd /bin/sh", .uid = 0, BLUE, .mask = NET, .any = true,
	  PERMIT(1) },
	{ "permit root cmd /bin/ip\ndeny root", .uid = 0, BLUE, .mask = NET, .any = true, DENY(2) },
	/* Options, as and caps do not take part in matching. */
	{ "permit nolog keepenv root as daemon caps net_raw", .uid = 0, BLUE, .mask = NET,
	  ARGV("ls"), PERMIT(1) },
	{ "permit nolog root as daemon", .uid = 1, BLUE, .mask = NET, ARGV("ls"), DENY(0) },
};

/* The worked examples of docs/policy.md, with :daemon for :netops and nobody for alice. */
#define DOC_POLICY "# /etc/nsctl/policy\n" \
	"permit :daemon on netns:*\n" \
	"deny   :daemon on netns:prod-*\n" \
	"permit nobody  on web-*,db-1 ns net,uts\n" \
	"permit 1001    on pid:* ns all\n"

static const struct match_case doc_cases[] = {
	{ DOC_POLICY, .uid = 5, .gid = 5, GROUPS(1), BLUE, .mask = NET, PERMIT(2) },
	{ DOC_POLICY, .uid = 5, .gid = 1, .target = "netns:prod-db", .bare = "prod-db",
	  .mask = NET, DENY(3) },
	{ DOC_POLICY, .uid = 65534, .gid = 65534, .target = "netns:web-1", .bare = "web-1",
	  .mask = NET, PERMIT(4) },
	{ DOC_POLICY, .uid = 65534, .gid = 65534, .target = "netns:web-1", .bare = "web-1",
	  .mask = NET | MNT, DENY(0) },
	{ DOC_POLICY, .uid = 65534, .gid = 65534, GROUPS(1), .target = "netns:prod-web",
	  .bare = "prod-web", .mask = NET, DENY(3) },
	{ DOC_POLICY, .uid = 65534, .gid = 65534, GROUPS(1), .target = "netns:web-1",
	  .bare = "web-1", .mask = NET | MNT, PERMIT(2) },
	{ DOC_POLICY, .uid = 1001, .gid = 1001, .target = "pid:42", .bare = "42",
	  .mask = NS_MASK_ALL, PERMIT(5) },
	{ DOC_POLICY, .uid = 1002, .gid = 1002, BLUE, .mask = NET, DENY(0) },
};

static void run_match_cases(const struct match_case *cases, size_t n)

{
	for (size_t i = 0; i < n; i++) {
		const struct match_case *c = &cases[i];
		struct policy_caller caller = {
			.uid = c->uid, .gid = c->gid, .groups = c->groups, .n_groups = c->n_groups,
		};
		struct policy_request req = {
			.target = c->target, .bare_name = c->bare, .ns_mask = c->mask,
			.argv = (char *const *)c->argv, .any_command = c->any,
		};
		const struct policy_rule *rule = (const struct policy_rule *)SENTINEL;
		struct policy *p = NULL;
		char *error = NULL;
		enum policy_action a;

		if (policy_parse_text("test", c->policy, strlen(c->policy), &p, &error) < 0)
			fail_msg("case %zu: %s", i, error);
		a = policy_check(p, &caller, &req, &rule);
		if (a != c->expect || (rule ? rule->line : 0) != c->line)
			fail_msg("case %zu ('%s', uid %u, %s): got %s by line %u, expected %s by "
				 "line %u", i, c->policy, (unsigned)c->uid, c->target,
				 a == POLICY_PERMIT ? "permit" : "deny", rule ? rule->line : 0,
				 c->expect == POLICY_PERMIT ? "permit" : "deny", c->line);
		/* The rule is one of the policy's own. */
		if (rule)
			assert_true(rule >= p->rules && rule < p->rules + p->n_rules);
		policy_free(p);
	}
}

static void test_match_table(void **state)
{
	run_match_cases(match_cases, ELEMENTSOF(match_cases));
}

static void test_match_doc_examples(void **state)
{
	run_match_cases(doc_cases, ELEMENTSOF(doc_cases));
}

/* No policy at all denies, and says no rule decided (MUST 1). */
static void test_match_no_policy(void **state)
{
	struct policy_caller caller = { .uid = 0 };
	struct policy_request req = { .target = "netns:blue", .bare_name = "blue", .ns_mask = NET };
	const struct policy_rule *rule = (const struct policy_rule *)SENTINEL;

	assert_int_equal(policy_check(NULL, &caller, &req, &rule), POLICY_DENY);
	assert_null(rule);
	assert_int_equal(policy_check(NULL, &caller, &req, NULL), POLICY_DENY);
}

/* --- grants and listings ------------------------------------------------------------ */

struct grant_case {
	const char *policy;      /* its last rule is the one granted */
	uid_t uid, gid;          /* the grant's run-as identity */
	const char *groups;      /* its groups, "1,2" */
	bool run_as_caller;
	uint64_t caps;
	const char *cmd;         /* NULL: none */
	unsigned options;
	const char *setenv;      /* joined by ",", NULL: none */
	bool tty;                /* policy_grant_allows_tty() */
};

#define CAP(c) (UINT64_C(1) << (c))

static const struct grant_case grant_cases[] = {
	/* The caller (uid 0, gid 8, groups 9 and 10): its own identity unless "as" (MUST 5). */
	{ "permit root", 0, 8, "8,9,10", true, 0, NULL, 0, NULL, true },
	{ "permit root caps net_admin,net_raw", 0, 8, "8,9,10", true, CAP(12) | CAP(13), NULL, 0,
	  NULL, true },
	{ "permit root as daemon", 1, 1, "1", false, 0, NULL, 0, NULL, true },
	{ "permit root as daemon caps net_raw", 1, 1, "1", false, CAP(13), NULL, 0, NULL, true },
	/* "as root" without caps is root with every capability; caps narrows it. */
	{ "permit root as root", 0, 0, "0", false, POLICY_CAPS_ALL, NULL, 0, NULL, true },
	{ "permit root as root caps chown", 0, 0, "0", false, CAP(0), NULL, 0, NULL, true },
	{ "permit root as 0", 0, 0, "0", false, POLICY_CAPS_ALL, NULL, 0, NULL, true },
	/* The caller being root is not "as root": no capabilities unless listed. */
	{ "permit root cmd /usr/bin/ip -br a", 0, 8, "8,9,10", true, 0, "/usr/bin/ip", 0, NULL,
	  true },
	{ "permit notty root", 0, 8, "8,9,10", true, 0, NULL, POLICY_OPT_NOTTY, NULL, false },
	{ "permit tty root", 0, 8, "8,9,10", true, 0, NULL, POLICY_OPT_TTY, NULL, true },
	{ "permit setenv { TZ=UTC PAGER } keepenv nolog cgroup root", 0, 8, "8,9,10", true, 0,
	  NULL, POLICY_OPT_SETENV | POLICY_OPT_KEEPENV | POLICY_OPT_NOLOG | POLICY_OPT_CGROUP,
	  "TZ=UTC,PAGER", true },
	{ "deny root\npermit :8 as nobody", 65534, 65534, "65534", false, 0, NULL, 0, NULL, true },
};

/* The sessions' limits travel with the grant, so that a reload cannot change a running one. */
static void test_grant_limits(void **state)
{
	const struct policy_caller caller = { .uid = 0, .gid = 0 };
	struct policy *p = NULL;
	struct policy_grant *g = NULL;
	char *error = NULL;
	const char *text = "permit tasks 64 timeout 15m reason root\npermit nobody";

	assert_int_equal(policy_parse_text("test", text, strlen(text), &p, &error), 0);
	assert_int_equal(policy_grant_new(&p->rules[0], &caller, &g), 0);
	policy_free(p);
	assert_int_equal(g->tasks, 64);
	assert_true(g->timeout_usec == UINT64_C(900) * 1000000);
	assert_true(g->options & POLICY_OPT_REASON);
	policy_grant_free(g);
	g = NULL;
	assert_int_equal(policy_parse_text("test", text, strlen(text), &p, &error), 0);
	assert_int_equal(policy_grant_new(&p->rules[1], &caller, &g), 0);
	assert_int_equal(g->tasks, 0);
	assert_true(g->timeout_usec == 0);
	assert_false(g->options & (POLICY_OPT_REASON | POLICY_OPT_TASKS | POLICY_OPT_TIMEOUT));
	policy_grant_free(g);
	policy_free(p);
}

static void test_grant_table(void **state)
{
	static const gid_t caller_groups[] = { 9, 10 };
	const struct policy_caller caller = {
		.uid = 0, .gid = 8, .groups = caller_groups, .n_groups = 2,
	};

	for (size_t i = 0; i < ELEMENTSOF(grant_cases); i++) {
		const struct grant_case *c = &grant_cases[i];
		const struct policy_caller *who = &caller;
		struct policy *p = NULL;
		struct policy_grant *g = NULL;
		_cleanup_free_ char *groups = NULL, *expect_rule = NULL, *setenv = NULL;
		char *error = NULL;
		size_t n = 0;
		FILE *f;

		if (policy_parse_text("test", c->policy, strlen(c->policy), &p, &error) < 0)
			fail_msg("case %zu: %s", i, error);
		assert_int_equal(policy_grant_new(&p->rules[p->n_rules - 1], who, &g), 0);

		f = open_memstream(&groups, &n);
		assert_non_null(f);
		if (g->run_as_caller)
			fprintf(f, "%u,", (unsigned)who->gid);
		for (size_t k = 0; k < g->n_groups; k++)
			fprintf(f, "%s%u", k ? "," : "", (unsigned)g->groups[k]);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(g->uid, c->uid);
		assert_int_equal(g->gid, c->gid);
		assert_string_equal(groups, c->groups);
		assert_int_equal(g->run_as_caller, c->run_as_caller);
		assert_true(g->caps == c->caps);
		if (c->cmd)
			assert_string_equal(g->cmd, c->cmd);
		else
			assert_null(g->cmd);
		assert_int_equal(g->options, c->options);
		if (c->setenv) {
			n = 0;
			f = open_memstream(&setenv, &n);
			assert_non_null(f);
			for (char **e = g->setenv; *e; e++)
				fprintf(f, "%s%s", e == g->setenv ? "" : ",", *e);
			assert_int_equal(fclose(f), 0);
			assert_string_equal(setenv, c->setenv);
		} else {
			assert_null(g->setenv);
		}
		assert_int_equal(policy_grant_allows_tty(g), c->tty);
		assert_int_not_equal(asprintf(&expect_rule, "test:%u",
					      p->rules[p->n_rules - 1].line), -1);
		assert_string_equal(g->rule, expect_rule);
		/* The grant is a copy: it outlives the policy (a reload). */
		policy_free(p);
		assert_string_equal(g->rule, expect_rule);
		policy_grant_free(g);
	}
}

/* rule->text is the rule's words joined by one space, comments and extra blanks gone. */
static void test_rule_text(void **state)
{
	static const struct {
		const char *line, *text;
	} cases[] = {
		{ "permit  root", "permit root" },
		{ "\tpermit setenv{A=1}keepenv  root on x # c",
		  "permit setenv { A=1 } keepenv root on x" },
		{ "deny :daemon cmd /bin/sh -c", "deny :daemon cmd /bin/sh -c" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy *p = NULL;
		char *error = NULL;

		if (policy_parse_text("test", cases[i].line, strlen(cases[i].line), &p, &error) < 0)
			fail_msg("%s: %s", cases[i].line, error);
		assert_int_equal(p->n_rules, 1);
		assert_string_equal(p->rules[0].text, cases[i].text);
		policy_free(p);
	}
}

static void test_caps_to_string(void **state)
{
	char buf[64];

	assert_string_equal(policy_caps_to_string(0, buf, sizeof(buf)), "");
	assert_string_equal(policy_caps_to_string(CAP(12) | CAP(13), buf, sizeof(buf)),
			    "cap_net_admin,cap_net_raw");
	assert_string_equal(policy_caps_to_string(POLICY_CAPS_ALL, buf, sizeof(buf)), "all");
	/* Names that do not fit whole are left out. */
	assert_string_equal(policy_caps_to_string(CAP(12) | CAP(13), buf, 20), "cap_net_admin");
}

/* --- loading files ------------------------------------------------------------------ */

static char tmpdir[] = "/tmp/test-policy.XXXXXX";

static int setup_tmpdir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	_cleanup_free_ char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) < 0)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to a new file at path with mode, owned by uid; size 0 means strlen. */
static void write_file(const char *path, const char *text, size_t size, mode_t mode, uid_t uid)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = size ? size : strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, text + done, len - done);

		assert_true(n > 0);
		done += (size_t)n;
	}
	assert_int_equal(fchmod(fd, mode), 0);
	if (uid != (uid_t)-1)
		assert_int_equal(fchown(fd, uid, (gid_t)-1), 0);
}

/* A policy of n bytes: comment lines of at most 100 bytes. */
static char *comments(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, '#', n);
	for (size_t i = 99; i < n; i += 100)
		s[i] = '\n';
	s[n] = '\0';
	return s;
}

struct load_case {
	const char *name;
	bool needs_root; /* the file must be chown()ed or owned by root */
	void (*make)(const char *path);
	const char *expect; /* "%s: error" with %s for the path, or describe() */
};

static void make_good(const char *path)
{
	write_file(path, "# nsctl policy\npermit root on netns:*\n", 0, 0644, (uid_t)-1);
}

static void make_private(const char *path)
{
	write_file(path, "deny :daemon\n", 0, 0600, (uid_t)-1);
}

static void make_empty(const char *path)
{
	write_file(path, "", 0, 0644, (uid_t)-1);
}

static void make_group_writable(const char *path)
{
	write_file(path, "permit root\n", 0, 0664, (uid_t)-1);
}

static void make_other_writable(const char *path)
{
	write_file(path, "permit root\n", 0, 0646, (uid_t)-1);
}

static void make_not_root(const char *path)
{
	write_file(path, "permit root\n", 0, 0644, 1);
}

static void make_bad_line(const char *path)
{
	write_file(path, "permit root\npermit root as daemon extra\n", 0, 0644, (uid_t)-1);
}

static void make_symlink(const char *path)
{
	_cleanup_free_ char *target = NULL;

	assert_int_not_equal(asprintf(&target, "%s.target", path), -1);
	make_good(target);
	assert_int_equal(symlink(target, path), 0);
}

static void make_directory(const char *path)
{
	assert_int_equal(mkdir(path, 0755), 0);
}

static void make_fifo(const char *path)
{
	assert_int_equal(mkfifo(path, 0644), 0);
}

static void make_missing(const char *path)
{
}

static void make_max(const char *path)
{
	_cleanup_free_ char *s = comments(POLICY_FILE_MAX);

	write_file(path, s, POLICY_FILE_MAX, 0644, (uid_t)-1);
}

static void make_too_big(const char *path)
{
	_cleanup_free_ char *s = comments(POLICY_FILE_MAX + 1);

	write_file(path, s, POLICY_FILE_MAX + 1, 0644, (uid_t)-1);
}

static const struct load_case load_cases[] = {
	{ "good", true, make_good, "2 permit root=uid:0 on netns:*" },
	{ "private", true, make_private, "1 deny :daemon=gid:1" },
	{ "empty", true, make_empty, "" },
	{ "max", true, make_max, "" },
	{ "group-writable", true, make_group_writable, "%s: writable by group or others" },
	{ "other-writable", true, make_other_writable, "%s: writable by group or others" },
	{ "not-root", true, make_not_root, "%s: not owned by root" },
	{ "bad-line", true, make_bad_line, "%s:2: unknown keyword 'extra'" },
	{ "too-big", true, make_too_big, "%s: larger than 1048576 bytes" },
	{ "symlink", false, make_symlink, "%s: is a symbolic link" },
	{ "directory", false, make_directory, "%s: not a regular file" },
	{ "fifo", false, make_fifo, "%s: not a regular file" },
	{ "missing", false, make_missing, "%s: No such file or directory" },
};

static void on_alarm(int sig)
{
}

static void run_load_case(const struct load_case *c)
{
	_cleanup_free_ char *path = NULL, *expect = NULL;
	struct policy *p = SENTINEL;
	char *error = NULL;
	int r;

	assert_int_not_equal(asprintf(&path, "%s/%s", tmpdir, c->name), -1);
	c->make(path);

	/*
	 * A FIFO must be rejected without waiting for a writer. Should open() block, the
	 * alarm interrupts it (no SA_RESTART) and the case fails with EINTR, not a hang.
	 */
	assert_int_equal(sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL),
			 0);
	alarm(5);
	r = policy_load(path, &p, &error);
	alarm(0);

	if (strchr(c->expect, '%')) {
		_Pragma("GCC diagnostic push")
		_Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"")
		assert_int_not_equal(asprintf(&expect, c->expect, path), -1);
		_Pragma("GCC diagnostic pop")
		if (r >= 0)
			fail_msg("%s: loaded, expected '%s'", c->name, expect);
		assert_ptr_equal(p, SENTINEL);
		assert_non_null(error);
		assert_string_equal(error, expect);
		free(error);
	} else {
		_cleanup_free_ char *d = NULL;
		_cleanup_free_ char *file_policy = NULL;

		if (r < 0)
			fail_msg("%s: %s", c->name, error ? error : "(no message)");
		assert_null(error);
		/* describe() expects rules from "test"; rename for the comparison. */
		for (size_t i = 0; i < p->n_rules; i++) {
			assert_string_equal(p->rules[i].file, path);
			free(p->rules[i].file);
			p->rules[i].file = strdup("test");
			assert_non_null(p->rules[i].file);
		}
		d = describe(p);
		assert_string_equal(d, c->expect);
		policy_free(p);
	}
}

static void test_load_table(void **state)
{
	size_t skipped = 0;

	for (size_t i = 0; i < ELEMENTSOF(load_cases); i++) {
		if (load_cases[i].needs_root && geteuid() != 0) {
			skipped++;
			continue;
		}
		run_load_case(&load_cases[i]);
	}
	if (skipped)
		skip(); /* reported as skipped: the root-only cases did not run */
}

/*
 * Files in /proc report st_size 0 whatever they hold: the bound must be on the bytes read
 * (MUST 3). /proc/kallsyms is root-owned, mode 0444 and several MiB long.
 */
static void test_load_size_lies(void **state)
{
	static const char path[] = "/proc/kallsyms";
	struct policy *p = SENTINEL;
	char *error = NULL;
	struct stat st;
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size != 0 || st.st_uid != 0) {
		safe_close(fd);
		skip();
	}
	while (total <= POLICY_FILE_MAX && (n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	safe_close(fd);
	if (total <= POLICY_FILE_MAX)
		skip();

	assert_int_equal(policy_load(path, &p, &error), -EFBIG);
	assert_ptr_equal(p, SENTINEL);
	assert_string_equal(error, "/proc/kallsyms: larger than 1048576 bytes");
	free(error);
}

/* --- includes ----------------------------------------------------------------------- */

/* One entry of a case's tree: a file (text), a directory (text NULL) or a symlink. */
struct tree_entry {
	const char *path;    /* relative to the case's directory */
	const char *text;    /* NULL: a directory, unless link is set */
	mode_t mode;         /* 0: 0644 for files, 0755 for directories */
	const char *link;    /* a symlink to this, relative */
};

struct include_case {
	const char *name;
	struct tree_entry tree[12]; /* "main" is loaded */
	const char *expect; /* "FILE:LINE ACTION IDENTITY; ..." (FILE relative), or an error
			     * with every %s the case's directory */
};

#define MAIN(t) { .path = "main", .text = (t) }
#define DIR_(p) { .path = (p) }
#define FILE_(p, t) { .path = (p), .text = (t) }

static const struct include_case include_cases[] = {
	/* Files matching the glob, in the order of their names; each file's own lines. */
	{ "glob", { MAIN("permit root\ninclude d/*.conf\ndeny daemon\n"), DIR_("d"),
		    FILE_("d/b.conf", "\n\npermit :daemon\n"), FILE_("d/a.conf", "deny nobody\n"),
		    FILE_("d/c.txt", "garbage\n"), FILE_("d/.hidden.conf", "garbage\n") },
	  "main:1 permit root; d/a.conf:1 deny nobody; d/b.conf:3 permit :daemon; "
	  "main:3 deny daemon" },
	/* An absolute path, and one file by name. */
	{ "one", { MAIN("include %s/d/x.conf\n"), DIR_("d"), FILE_("d/x.conf", "permit root\n") },
	  "d/x.conf:1 permit root" },
	/* A glob that matches nothing includes nothing. */
	{ "none", { MAIN("include d/*.conf\npermit root\n"), DIR_("d") }, "main:2 permit root" },
	/* Nested includes, relative to the including file. */
	{ "nested", { MAIN("include d/a.conf\n"), DIR_("d"), DIR_("d/e"),
		      FILE_("d/a.conf", "include e/b.conf\npermit daemon\n"),
		      FILE_("d/e/b.conf", "permit root\n") },
	  "d/e/b.conf:1 permit root; d/a.conf:2 permit daemon" },
	/* Errors name the included file and its line (MUST 4: nothing of it is used). */
	{ "syntax", { MAIN("permit root\ninclude d/*.conf\n"), DIR_("d"),
		      FILE_("d/a.conf", "permit daemon\n"),
		      FILE_("d/b.conf", "permit daemon\n\npermit root extra\n") },
	  "%s/d/b.conf:3: unknown keyword 'extra'" },
	{ "unknown-user", { MAIN("include d/a.conf\n"), DIR_("d"),
			    FILE_("d/a.conf", "deny nsctl-no-such-user\n") },
	  "%s/d/a.conf:1: unknown user 'nsctl-no-such-user'" },
	/* Each included file is checked like the main one (MUST 3). */
	{ "group-writable", { MAIN("include d/*.conf\n"), DIR_("d"),
			      { .path = "d/a.conf", .text = "permit root\n", .mode = 0664 } },
	  "%s/d/a.conf: writable by group or others (included from %s/main:1)" },
	{ "symlink", { MAIN("include d/*.conf\n"), DIR_("d"), FILE_("x.conf", "permit root\n"),
		       { .path = "d/a.conf", .link = "../x.conf" } },
	  "%s/d/a.conf: is a symbolic link (included from %s/main:1)" },
	{ "not-regular", { MAIN("include d/*.conf\n"), DIR_("d"), DIR_("d/a.conf") },
	  "%s/d/a.conf: not a regular file (included from %s/main:1)" },
	{ "missing-file", { MAIN("\ninclude d/a.conf\n"), DIR_("d") },
	  "%s/d/a.conf: No such file or directory (included from %s/main:2)" },
	/* The directory: it must exist, be root's and not group- or other-writable (MUST 13). */
	{ "missing-dir", { MAIN("include d/*.conf\n") },
	  "%s/d: No such file or directory (included from %s/main:1)" },
	{ "dir-writable", { MAIN("include d/*.conf\n"), { .path = "d", .mode = 0775 },
			    FILE_("d/a.conf", "permit root\n") },
	  "%s/d: writable by group or others (included from %s/main:1)" },
	{ "dir-symlink", { MAIN("include d/*.conf\n"), DIR_("real"),
			   FILE_("real/a.conf", "permit root\n"), { .path = "d", .link = "real" } },
	  "%s/d: is a symbolic link (included from %s/main:1)" },
	/* Loops, and depth (MUST 13). */
	{ "self", { MAIN("permit root\ninclude main\n") },
	  "%s/main:2: include loop: %s/main is already being read" },
	{ "loop", { MAIN("include d/a.conf\n"), DIR_("d"), FILE_("d/a.conf", "include ../main\n") },
	  "%s/d/a.conf:1: include loop: %s/d/../main is already being read" },
	{ "depth-8", { MAIN("include 1\n"), FILE_("1", "include 2\n"), FILE_("2", "include 3\n"),
		       FILE_("3", "include 4\n"), FILE_("4", "include 5\n"),
		       FILE_("5", "include 6\n"), FILE_("6", "include 7\n"),
		       FILE_("7", "permit root\n") },
	  "7:1 permit root" },
	{ "depth-9", { MAIN("include 1\n"), FILE_("1", "include 2\n"), FILE_("2", "include 3\n"),
		       FILE_("3", "include 4\n"), FILE_("4", "include 5\n"),
		       FILE_("5", "include 6\n"), FILE_("6", "include 7\n"),
		       FILE_("7", "include 8\n"), FILE_("8", "permit root\n") },
	  "%s/7:1: includes nested deeper than 8 files" },
};

/* Replace every %s of fmt with dir. */
static char *expand(const char *fmt, const char *dir)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	for (const char *c = fmt; *c; c++) {
		if (c[0] == '%' && c[1] == 's') {
			fputs(dir, f);
			c++;
		} else {
			fputc(*c, f);
		}
	}
	assert_int_equal(fclose(f), 0);
	return s;
}

/* "FILE:LINE ACTION IDENTITY" per rule, FILE relative to dir. */
static char *describe_files(const struct policy *p, const char *dir)
{
	char *s = NULL;
	size_t n = 0, dlen = strlen(dir);
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		const char *file = r->file;

		if (strncmp(file, dir, dlen) == 0 && file[dlen] == '/')
			file += dlen + 1;
		if (strncmp(file, "./", 2) == 0)
			file += 2;
		fprintf(f, "%s%s:%u %s %s", i ? "; " : "", file, r->line,
			r->action == POLICY_PERMIT ? "permit" : "deny", r->identity);
	}
	assert_int_equal(fclose(f), 0);
	return s;
}

static void run_include_case(const struct include_case *c)
{
	_cleanup_free_ char *dir = NULL, *main_path = NULL, *expect = NULL, *d = NULL;
	struct policy *p = SENTINEL;
	char *error = NULL;
	int r;

	assert_int_not_equal(asprintf(&dir, "%s/inc-%s", tmpdir, c->name), -1);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (size_t i = 0; i < ELEMENTSOF(c->tree) && c->tree[i].path; i++) {
		const struct tree_entry *e = &c->tree[i];
		_cleanup_free_ char *path = NULL;

		assert_int_not_equal(asprintf(&path, "%s/%s", dir, e->path), -1);
		if (e->link) {
			assert_int_equal(symlink(e->link, path), 0);
		} else if (!e->text) {
			assert_int_equal(mkdir(path, 0755), 0);
			assert_int_equal(chmod(path, e->mode ? e->mode : 0755), 0);
		} else {
			_cleanup_free_ char *text = expand(e->text, dir);

			write_file(path, text, 0, e->mode ? e->mode : 0644, (uid_t)-1);
		}
	}
	assert_int_not_equal(asprintf(&main_path, "%s/main", dir), -1);
	expect = expand(c->expect, dir);

	r = policy_load(main_path, &p, &error);
	if (strchr(c->expect, '%')) {
		if (r >= 0)
			fail_msg("%s: loaded, expected '%s'", c->name, expect);
		assert_ptr_equal(p, SENTINEL);
		if (!error || strcmp(error, expect) != 0)
			fail_msg("%s: got '%s', expected '%s'", c->name, error, expect);
		free(error);
		return;
	}
	if (r < 0)
		fail_msg("%s: %s", c->name, error ? error : "(no message)");
	d = describe_files(p, dir);
	if (strcmp(d, expect) != 0)
		fail_msg("%s: got '%s', expected '%s'", c->name, d, expect);
	policy_free(p);
}

static void test_include_table(void **state)
{
	/* Every file must be root's: the cases can only be built as root. */
	if (geteuid() != 0)
		skip();
	for (size_t i = 0; i < ELEMENTSOF(include_cases); i++)
		run_include_case(&include_cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_line_length),
		cmocka_unit_test(test_parse_most_tokens),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_doc_examples),
		cmocka_unit_test(test_match_no_policy),
		cmocka_unit_test(test_grant_table),
		cmocka_unit_test(test_grant_limits),
		cmocka_unit_test(test_rule_text),
		cmocka_unit_test(test_caps_to_string),
		cmocka_unit_test(test_load_table),
		cmocka_unit_test(test_load_size_lies),
		cmocka_unit_test(test_include_table),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
