/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy.c: parsing, matching and file checks, each driven by a table. */

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

#include "daemon/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* A policy pointer that no call may write: *ret is set only on success (MUST 4). */
static struct policy sentinel_policy;
#define SENTINEL (&sentinel_policy)

/* "LINE ACTION IDENTITY=uid:N|gid:N [on G,G] [ns N,N|all]" for each rule, joined by "; ". */
static char *describe(const struct policy *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		bool user = r->identity_kind == POLICY_IDENTITY_USER;

		assert_string_equal(r->file, "test");
		fprintf(f, "%s%u %s %s=%s:%u", i ? "; " : "", r->line,
			r->action == POLICY_PERMIT ? "permit" : "deny", r->identity,
			user ? "uid" : "gid", user ? (unsigned)r->uid : (unsigned)r->gid);
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
	}
	assert_int_equal(fclose(f), 0);
	return s;
}

/* --- parsing ------------------------------------------------------------------------ */

struct parse_case {
	const char *text;
	size_t len;         /* 0: strlen(text) */
	const char *expect; /* "test:LINE: error", or describe() of the policy */
};

#define OK(t, d) { .text = (t), .expect = (d) }
#define ERR(t, e) { .text = (t), .expect = (e) }
#define ERR_LEN(t, e) { .text = (t), .len = sizeof(t) - 1, .expect = (e) }

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
	ERR("allow root", "test:1: expected 'permit' or 'deny', got 'allow'"),
	ERR("Permit root", "test:1: expected 'permit' or 'deny', got 'Permit'"),
	ERR("root", "test:1: expected 'permit' or 'deny', got 'root'"),
	ERR("include /etc/nsctl/policy.d/*.conf",
	    "test:1: expected 'permit' or 'deny', got 'include'"),
	ERR("{ permit root }", "test:1: expected 'permit' or 'deny', got '{'"),
	ERR("permit root\n  on blue\n", "test:2: expected 'permit' or 'deny', got 'on'"),
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
	/* Keywords of the later policy language are errors today (MUST 8). */
	ERR("permit root as daemon", "test:1: unknown keyword 'as'"),
	ERR("permit root caps cap_net_admin", "test:1: unknown keyword 'caps'"),
	ERR("permit root cmd /bin/ip", "test:1: unknown keyword 'cmd'"),
	ERR("permit root setenv { A=1 }", "test:1: unknown keyword 'setenv'"),
	ERR("permit setenv { A=1 } root", "test:1: unknown keyword 'setenv'"),
	ERR("permit keepenv root", "test:1: unknown keyword 'keepenv'"),
	ERR("permit tty root", "test:1: unknown keyword 'tty'"),
	ERR("permit notty root", "test:1: unknown keyword 'notty'"),
	ERR("permit cgroup root", "test:1: unknown keyword 'cgroup'"),
	ERR("permit nolog root", "test:1: unknown keyword 'nolog'"),
	ERR("permit root tty", "test:1: unknown keyword 'tty'"),
	/* Lines and bytes (MUST 10); one bad line spoils the whole text (MUST 4). */
	ERR("permit root\npermit daemon\nfoo\n", "test:3: expected 'permit' or 'deny', got 'foo'"),
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
	if (strncmp(c->expect, "test:", 5) == 0) {
		if (r >= 0)
			fail_msg("'%s' parsed, expected '%s'", c->text, c->expect);
		assert_int_equal(r, -EINVAL);
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
		struct parse_case c = { .text = text };

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
		{ "{", "test:1: expected 'permit' or 'deny', got '{'" },
		{ "}", "test:1: expected 'permit' or 'deny', got '}'" },
		{ "x{", "test:1: expected 'permit' or 'deny', got 'x'" },
		{ "x ", "test:1: expected 'permit' or 'deny', got 'x'" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t ulen = strlen(cases[i].unit);
		char text[4096 + 1];
		struct parse_case c = { .text = text, .len = 4096, .expect = cases[i].expect };

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
	enum policy_action expect;
	unsigned line; /* of the deciding rule; 0: none matched */
};

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
	for (size_t i = 0; i < ELEMENTSOF(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct policy_caller caller = {
			.uid = c->uid, .gid = c->gid, .groups = c->groups, .n_groups = c->n_groups,
		};
		struct policy_request req = {
			.target = c->target, .bare_name = c->bare, .ns_mask = c->mask,
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
		if (rule)
			assert_ptr_equal(rule, &p->rules[rule->line - 1]);
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
	write_file(path, "permit root\npermit root as daemon\n", 0, 0644, (uid_t)-1);
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
	{ "bad-line", true, make_bad_line, "%s:2: unknown keyword 'as'" },
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_line_length),
		cmocka_unit_test(test_parse_most_tokens),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_doc_examples),
		cmocka_unit_test(test_match_no_policy),
		cmocka_unit_test(test_load_table),
		cmocka_unit_test(test_load_size_lies),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
