/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/environment.c: which variables pass, in which order, and which win. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/policy/environment.h"
#include "daemon/policy/policy.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"

/* A uid without a passwd entry, so that the base is the same on every host. */
#define NOUSER 4242424
#define BASE "PATH=" WORKER_PATH " HOME=/ USER=4242424 LOGNAME=4242424 SHELL=/bin/sh"

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct env_case {
	unsigned options;             /* POLICY_OPT_KEEPENV or 0 */
	const char *const *setenv;    /* the rule's setenv list, NULL: none */
	const char *const *env;       /* the request's, NULL: none */
	const char *expect;           /* the environment joined by " ", or "refused NAME" */
};

static const struct env_case env_cases[] = {
	/* A clean base: PATH, and the run-as user's HOME, USER, LOGNAME, SHELL. */
	{ 0, NULL, NULL, BASE },
	/* Always passed: TERM, LANG, LANGUAGE, COLORTERM, LC_*. */
	{ 0, NULL, L("TERM=xterm", "LC_ALL=C", "LANG=C.UTF-8", "COLORTERM=truecolor"),
	  BASE " TERM=xterm LC_ALL=C LANG=C.UTF-8 COLORTERM=truecolor" },
	{ 0, NULL, L("LANGUAGE=de", "LC_MESSAGES=fr_FR"), BASE " LANGUAGE=de LC_MESSAGES=fr_FR" },
	/* Anything else is refused, not dropped. */
	{ 0, NULL, L("FOO=1"), "refused FOO" },
	{ 0, NULL, L("TERM=x", "LC_all=x"), "refused LC_all" },
	{ 0, NULL, L("LC_=x"), "refused LC_" },
	{ 0, NULL, L("PATH=/tmp"), "refused PATH" },
	{ 0, NULL, L("LD_PRELOAD=/tmp/x.so"), "refused LD_PRELOAD" },
	/* setenv: NAME=VALUE is set last and wins; a bare NAME passes the caller's. */
	{ 0, L("TZ=UTC"), NULL, BASE " TZ=UTC" },
	{ 0, L("FOO"), L("FOO=1"), BASE " FOO=1" },
	{ 0, L("FOO"), NULL, BASE },
	{ 0, L("FOO=fixed"), L("FOO=1"), "refused FOO" },
	{ 0, L("PATH=/opt/bin"), NULL,
	  "PATH=/opt/bin HOME=/ USER=4242424 LOGNAME=4242424 SHELL=/bin/sh" },
	{ 0, L("HOME"), L("HOME=/srv"),
	  "PATH=" WORKER_PATH " HOME=/srv USER=4242424 LOGNAME=4242424 SHELL=/bin/sh" },
	{ 0, L("TERM=dumb"), L("TERM=xterm"), BASE " TERM=dumb" },
	{ 0, L("LD_PRELOAD"), L("LD_PRELOAD=/x.so"), BASE " LD_PRELOAD=/x.so" },
	/* keepenv: anything but the unsafe names and the base. */
	{ POLICY_OPT_KEEPENV, NULL, L("FOO=1", "EDITOR=vi"), BASE " FOO=1 EDITOR=vi" },
	{ POLICY_OPT_KEEPENV, NULL, L("FOO=1", "LD_PRELOAD=/x.so"), "refused LD_PRELOAD" },
	{ POLICY_OPT_KEEPENV, NULL, L("LD_LIBRARY_PATH=/x"), "refused LD_LIBRARY_PATH" },
	{ POLICY_OPT_KEEPENV, NULL, L("MALLOC_ARENA_MAX=1"), "refused MALLOC_ARENA_MAX" },
	{ POLICY_OPT_KEEPENV, NULL, L("GLIBC_TUNABLES=x"), "refused GLIBC_TUNABLES" },
	{ POLICY_OPT_KEEPENV, NULL, L("BASH_ENV=/x"), "refused BASH_ENV" },
	{ POLICY_OPT_KEEPENV, NULL, L("IFS=x"), "refused IFS" },
	{ POLICY_OPT_KEEPENV, NULL, L("PATH=/tmp"), "refused PATH" },
	{ POLICY_OPT_KEEPENV, NULL, L("HOME=/tmp"), "refused HOME" },
	{ POLICY_OPT_KEEPENV, NULL, L("LD=x", "MALLOC=y"), BASE " LD=x MALLOC=y" },
	{ POLICY_OPT_KEEPENV, L("FOO=fixed"), L("FOO=1"), BASE " FOO=fixed" },
	{ POLICY_OPT_KEEPENV, L("PATH"), L("PATH=/tmp"),
	  "PATH=/tmp HOME=/ USER=4242424 LOGNAME=4242424 SHELL=/bin/sh" },
};

static char *join(char *const *l)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	for (size_t i = 0; l && l[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", l[i]);
	assert_int_equal(fclose(f), 0);
	return s;
}

static void test_environment_table(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(env_cases); i++) {
		const struct env_case *c = &env_cases[i];
		struct policy_grant g = {
			.options = c->options | (c->setenv ? POLICY_OPT_SETENV : 0),
			.setenv = (char **)c->setenv,
		};
		_cleanup_strv_free_ char **envp = NULL;
		_cleanup_free_ char *refused = NULL, *got = NULL;
		int r;

		assert_true(environment_request_valid((char *const *)c->env));
		r = environment_build(&g, NOUSER, (char *const *)c->env, &envp, &refused);
		if (r == -EPERM) {
			assert_null(envp);
			assert_int_not_equal(asprintf(&got, "refused %s", refused), -1);
		} else {
			assert_int_equal(r, 0);
			assert_null(refused);
			got = join(envp);
		}
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu: got '%s', expected '%s'", i, got, c->expect);
	}
}

/* The shape of the request's entries, before any rule is asked. */
static void test_request_valid(void **state)
{
	const struct {
		const char *const *env;
		bool valid;
	} cases[] = {
		{ NULL, true },
		{ L("A=1"), true },
		{ L("_a9=x=y"), true },
		{ L("A="), true },
		{ L("A=1", "AB=2"), true },
		{ L("A"), false },
		{ L("=1"), false },
		{ L("1A=1"), false },
		{ L("A-B=1"), false },
		{ L("A B=1"), false },
		{ L("A=1", "A=2"), false },
		{ L("A=1", "B=2", "A="), false },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		if (environment_request_valid((char *const *)cases[i].env) != cases[i].valid)
			fail_msg("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_environment_table),
		cmocka_unit_test(test_request_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
