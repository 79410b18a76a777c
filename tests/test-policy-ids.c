/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/ids.c: identities of rules and "as USER", exact ids, looked-up names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/policy/policy-internal.h"

struct fixture {
	struct load load;
	struct parser *ps;
	struct policy_rule rule;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ps = calloc(1, sizeof(*f->ps));
	if (!f->ps) {
		free(f);
		return -1;
	}
	f->ps->load = &f->load;
	f->ps->path = "t";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	policy_rule_done(&f->rule);
	free(f->load.error);
	free(f->ps);
	free(f);
	return 0;
}

/* Parse word as a rule's identity into a fresh rule; the error, if any, in load.error. */
static int identity(struct fixture *f, const char *word)
{
	struct token t = { .kind = TOKEN_WORD, .text = word, .line = 7 };

	policy_rule_done(&f->rule);
	f->rule = (struct policy_rule){};
	free(f->load.error);
	f->load.error = NULL;
	return policy_parse_identity(f->ps, &t, &f->rule);
}

static int as(struct fixture *f, const char *word)
{
	struct token t = { .kind = TOKEN_WORD, .text = word, .line = 7 };

	policy_rule_done(&f->rule);
	f->rule = (struct policy_rule){};
	free(f->load.error);
	f->load.error = NULL;
	return policy_parse_as(f->ps, &t, &f->rule);
}

static void test_numeric_ids(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(identity(f, "1000"), 0);
	assert_int_equal(f->rule.identity_kind, POLICY_IDENTITY_USER);
	assert_int_equal(f->rule.uid, 1000);
	assert_string_equal(f->rule.identity, "1000");

	assert_int_equal(identity(f, ":0"), 0);
	assert_int_equal(f->rule.identity_kind, POLICY_IDENTITY_GROUP);
	assert_int_equal(f->rule.gid, 0);

	assert_int_equal(identity(f, "4294967294"), 0);
	assert_int_equal(f->rule.uid, 4294967294u);
}

/* MUST 7: digits only, no sign, no leading zero, no overflow, never (uid_t)-1. */
static void test_numeric_ids_exact(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(identity(f, "01"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: invalid uid '01'");
	assert_int_equal(identity(f, "+5"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: invalid uid '+5'");
	assert_int_equal(identity(f, ":-1"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: invalid gid '-1'");
	assert_int_equal(identity(f, "4294967295"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: uid '4294967295' out of range (0..4294967294)");
	assert_int_equal(identity(f, "99999999999999999999"), -EINVAL);
	assert_string_equal(f->load.error,
			    "t:7: uid '99999999999999999999' out of range (0..4294967294)");
	assert_int_equal(identity(f, ":"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: missing group name after ':'");
}

/* MUST 6: names are looked up at load; an unknown one is an error. */
static void test_names(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(identity(f, "root"), 0);
	assert_int_equal(f->rule.identity_kind, POLICY_IDENTITY_USER);
	assert_int_equal(f->rule.uid, 0);
	assert_string_equal(f->rule.identity, "root");

	assert_int_equal(identity(f, ":root"), 0);
	assert_int_equal(f->rule.identity_kind, POLICY_IDENTITY_GROUP);
	assert_int_equal(f->rule.gid, 0);

	assert_int_equal(identity(f, "nsctl-no-such-user"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: unknown user 'nsctl-no-such-user'");
	assert_int_equal(identity(f, ":nsctl-no-such-group"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: unknown group 'nsctl-no-such-group'");
}

/* "as USER": the user's uid, gid and name from the database, and its groups. */
static void test_as(void **state)
{
	struct fixture *f = *state;
	bool has_gid = false;

	assert_int_equal(as(f, "root"), 0);
	assert_true(f->rule.run_as_set);
	assert_int_equal(f->rule.run_as_uid, 0);
	assert_int_equal(f->rule.run_as_gid, 0);
	assert_string_equal(f->rule.run_as_user, "root");
	for (size_t i = 0; i < f->rule.n_run_as_groups; i++)
		has_gid |= f->rule.run_as_groups[i] == 0;
	assert_true(has_gid);

	assert_int_equal(as(f, "0"), 0);
	assert_string_equal(f->rule.run_as_user, "root");

	assert_int_equal(as(f, "nsctl-no-such-user"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: unknown user 'nsctl-no-such-user'");
	assert_false(f->rule.run_as_set);
	assert_int_equal(as(f, "007"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: invalid uid '007'");
	assert_int_equal(as(f, "4294967295"), -EINVAL);
	assert_string_equal(f->load.error, "t:7: uid '4294967295' out of range (0..4294967294)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numeric_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numeric_ids_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_as, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
