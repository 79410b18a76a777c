/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/grant-scope.c: which grants containment scopes, and the load warnings. */

#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/policy/grant-scope.h"
#include "daemon/policy/policy.h"

#define BIT(c) (UINT64_C(1) << (c))

static void test_unscoped(void **state)
{
	assert_int_equal(grant_scope_unscoped(BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW)), 0);
	assert_int_equal(grant_scope_unscoped(BIT(CAP_KILL) | BIT(CAP_IPC_LOCK)), 0);
	assert_int_equal(grant_scope_unscoped(BIT(CAP_NET_ADMIN) | BIT(CAP_SYS_ADMIN)),
			 BIT(CAP_SYS_ADMIN));
	assert_int_equal(grant_scope_unscoped(BIT(CAP_BPF)), BIT(CAP_BPF));
	assert_int_equal(grant_scope_unscoped(BIT(CAP_SYS_MODULE)), BIT(CAP_SYS_MODULE));
	assert_int_equal(grant_scope_unscoped(BIT(CAP_SETUID) | BIT(CAP_SETGID)),
			 BIT(CAP_SETUID) | BIT(CAP_SETGID));
}

static void test_acts_on_files(void **state)
{
	assert_false(grant_scope_acts_on_files(0, true));
	assert_false(grant_scope_acts_on_files(BIT(CAP_NET_ADMIN), true));
	assert_true(grant_scope_acts_on_files(0, false));
	assert_true(grant_scope_acts_on_files(BIT(CAP_DAC_OVERRIDE), true));
	assert_true(grant_scope_acts_on_files(BIT(CAP_FOWNER), true));
	assert_true(grant_scope_acts_on_files(BIT(CAP_SYS_ADMIN), true));
	assert_true(grant_scope_acts_on_files(BIT(CAP_LINUX_IMMUTABLE), true));
}

/* One warning per rule that cannot be scoped, naming FILE:LINE; none for the others. */
static void test_warnings(void **state)
{
	static const char text[] =
		"permit root on * ns net caps net_admin,net_raw\n"
		"permit root as root on *\n"
		"permit root on * caps net_admin,dac_override\n"
		"deny root on *\n"
		"permit root as root on * caps net_admin\n"
		"permit root on *\n";
	static const char *const expect[] = {
		NULL,
		"test:2: \"as root\" grants every capability",
		"test:3: cap_dac_override acts beyond the target",
		NULL,
		"test:5: \"as root\" owns the host's files",
		NULL,
	};
	struct policy *p = NULL;
	char *error = NULL, buf[1536];

	assert_int_equal(policy_parse_text("test", text, strlen(text), &p, &error), 0);
	assert_int_equal(p->n_rules, 6);
	for (size_t i = 0; i < p->n_rules; i++) {
		int r = grant_scope_warning(&p->rules[i], buf, sizeof(buf));

		if (!expect[i]) {
			assert_int_equal(r, 0);
			continue;
		}
		assert_int_equal(r, 1);
		if (strncmp(buf, expect[i], strlen(expect[i])) != 0)
			fail_msg("rule %zu: '%s' does not start with '%s'", i + 1, buf, expect[i]);
	}
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unscoped),
		cmocka_unit_test(test_acts_on_files),
		cmocka_unit_test(test_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
