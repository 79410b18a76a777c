/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/decision.c: a permit, and what can still turn it into a denial. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/policy/decision.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* A caller without a passwd entry: its shell is /bin/sh and its HOME / on every host. */
#define NOUSER 4242424

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct decision_case {
	const char *policy;
	const char *const *argv;  /* NULL: none (a terminal session) */
	const char *const *env;
	bool tty;
	const char *expect;       /* "permit RULE ARGV0 CAPS" or "deny RULE [REASON]" */
};

static const struct decision_case decision_cases[] = {
	{ "permit 4242424", L("ls"), NULL, false, "permit test:1 - 0" },
	{ "", L("ls"), NULL, false, "deny default" },
	{ "permit 4242424\ndeny 4242424 ns net", L("ls"), NULL, false, "deny test:2" },
	{ "permit 4242424 caps net_admin,net_raw", L("ls"), NULL, false,
	  "permit test:1 - 12288" },
	/* A terminal session without argv: the shell, which the same rule must permit. */
	{ "permit 4242424", NULL, NULL, true, "permit test:1 /bin/sh 0" },
	{ "permit 4242424\ndeny 4242424 cmd /bin/sh", NULL, NULL, true,
	  "deny test:1 the rule that permits a terminal session does not permit the shell" },
	{ "permit 4242424\ndeny 4242424 cmd /bin/sh", L("ls"), NULL, true, "permit test:1 - 0" },
	{ "permit 4242424\npermit 4242424 cmd /bin/sh", NULL, NULL, true,
	  "deny test:1 the rule that permits a terminal session does not permit the shell" },
	{ "permit 4242424 cmd /bin/sh", NULL, NULL, true, "deny default" },
	{ "permit 4242424 cmd /bin/sh", L("sh"), NULL, true, "permit test:1 - 0" },
	/* notty refuses a terminal, and only a terminal. */
	{ "permit notty 4242424", L("ls"), NULL, true,
	  "deny test:1 the rule permits no terminal" },
	{ "permit notty 4242424", L("ls"), NULL, false, "permit test:1 - 0" },
	{ "permit tty 4242424", L("ls"), NULL, true, "permit test:1 - 0" },
	/* A variable the rule does not pass on. */
	{ "permit 4242424", L("ls"), L("FOO=1"), false, "deny test:1 refused FOO" },
	{ "permit setenv { FOO } 4242424", L("ls"), L("FOO=1"), false, "permit test:1 - 0" },
};

static char *describe(const struct decision *d)
{
	char *s = NULL;

	if (d->action == POLICY_PERMIT) {
		assert_non_null(d->grant);
		assert_non_null(d->envp);
		assert_null(d->reason);
		assert_int_not_equal(asprintf(&s, "permit %s %s %llu", d->rule,
					      d->argv ? d->argv[0] : "-",
					      (unsigned long long)d->caps), -1);
	} else if (d->refused_env) {
		assert_int_not_equal(asprintf(&s, "deny %s refused %s", d->rule, d->refused_env),
				     -1);
	} else {
		assert_int_not_equal(asprintf(&s, "deny %s%s%s", d->rule, d->reason ? " " : "",
					      d->reason ? d->reason : ""), -1);
	}
	return s;
}

static void test_decision_table(void **state)
{
	struct target t = { .canonical = (char *)"netns:blue", .bare = (char *)"blue" };
	const struct policy_caller caller = { .uid = NOUSER, .gid = NOUSER };

	for (size_t i = 0; i < ELEMENTSOF(decision_cases); i++) {
		const struct decision_case *c = &decision_cases[i];
		struct decision d;
		struct policy *p = NULL;
		_cleanup_free_ char *got = NULL;
		char *error = NULL;

		if (policy_parse_text("test", c->policy, strlen(c->policy), &p, &error) < 0)
			fail_msg("case %zu: %s", i, error);
		assert_int_equal(decision_make(p, &caller,
					       &(const struct policy_request){
						       .target = t.canonical, .bare_name = t.bare,
						       .ns_mask = NS_BIT(NS_NET),
						       .argv = (char *const *)c->argv,
						       .env = (char *const *)c->env, .tty = c->tty,
					       },
					       &d), 0);
		/* What the decision holds is its own: the policy may go (a reload). */
		policy_free(p);
		got = describe(&d);
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu: got '%s', expected '%s'", i, got, c->expect);
		decision_done(&d);
		assert_null(d.rule);
	}
}

/* "as root" without caps hands on what nsctld holds; caps narrows it. */
static void test_decision_as_root(void **state)
{
	static const char text[] = "permit 4242424 as root\n"
				   "permit 4242424 as root caps chown ns uts";
	struct target t = { .canonical = (char *)"netns:blue", .bare = (char *)"blue" };
	const struct policy_caller caller = { .uid = NOUSER, .gid = NOUSER };
	struct policy *p = NULL;
	struct decision d;
	char *error = NULL;

	if (policy_parse_text("test", text, strlen(text), &p, &error) < 0)
		fail_msg("%s", error);
	assert_int_equal(decision_make(p, &caller,
				       &(const struct policy_request){
					       .target = t.canonical, .bare_name = t.bare,
					       .ns_mask = NS_BIT(NS_NET), .argv = (char *const *)L("ls"),
				       },
				       &d), 0);
	assert_int_equal(d.action, POLICY_PERMIT);
	assert_int_equal(d.grant->uid, 0);
	assert_true(d.caps == decision_own_caps());
	decision_done(&d);
	assert_int_equal(decision_make(p, &caller,
				       &(const struct policy_request){
					       .target = t.canonical, .bare_name = t.bare,
					       .ns_mask = NS_BIT(NS_UTS), .argv = (char *const *)L("ls"),
				       },
				       &d), 0);
	assert_int_equal(d.action, POLICY_PERMIT);
	assert_true(d.caps == 1);
	decision_done(&d);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_decision_as_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
