/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the user namespace id maps: parsing uid_map lines, ranges, overflow, mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/idmap.h"
#include "protocol/cleanup.h"

static int parse(const char *text, struct idmap *m)
{
	return idmap_parse(text, strlen(text), m);
}

static void test_parse_kernel_format(void **state)
{
	_cleanup_free_ struct idmap *m = malloc(sizeof(*m));

	/* What the kernel writes: right-aligned columns of 10. */
	assert_int_equal(parse("         0     100000      65536\n"
			       "     65536       1002          1\n", m), 0);
	assert_int_equal(m->n, 2);
	assert_int_equal(m->e[0].inside, 0);
	assert_int_equal(m->e[0].outside, 100000);
	assert_int_equal(m->e[0].count, 65536);
	assert_int_equal(m->e[1].inside, 65536);
	assert_int_equal(m->e[1].outside, 1002);
	assert_int_equal(m->e[1].count, 1);
	/* No lines: a namespace whose map is not written yet maps nothing. */
	assert_int_equal(parse("", m), 0);
	assert_int_equal(m->n, 0);
	/* The initial user namespace's own map: everything but (uint32_t)-1. */
	assert_int_equal(parse("0 0 4294967295\n", m), 0);
	assert_int_equal(m->e[0].count, 4294967295u);
}

static void test_parse_rejects(void **state)
{
	_cleanup_free_ struct idmap *m = malloc(sizeof(*m));
	static const char *const bad[] = {
		"0 100000 65536",              /* no newline */
		"0 100000\n",                  /* two numbers */
		"0 100000 65536 1\n",          /* four */
		"0 100000 0\n",                /* an empty range */
		"-1 100000 1\n",               /* a sign */
		"0x10 100000 1\n",             /* not decimal */
		"4294967296 0 1\n",            /* beyond 32 bits */
		"99999999999999999999 0 1\n",  /* far beyond */
		"0 0 4294967296\n",            /* a count beyond 32 bits */
		"4294967295 0 1\n",            /* includes (uint32_t)-1 inside */
		"0 4294967295 1\n",            /* ... outside */
		"4294967200 0 100\n",          /* a range that reaches -1 */
		"1 0 4294967295\n",            /* a range that wraps */
		"0 1 4294967295\n",
		"0 100000 1\n\n",              /* an empty line */
		"0\t100000 1\r\n",             /* CR */
		"0 100000 1\n0 1 x\n",         /* garbage on a later line */
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		m->n = 12345;
		assert_int_equal(parse(bad[i], m), -EINVAL);
	}
}

static void test_parse_line_limit(void **state)
{
	_cleanup_free_ struct idmap *m = malloc(sizeof(*m));
	_cleanup_free_ char *text = malloc(32 * (IDMAP_EXTENTS_MAX + 1) + 1);
	size_t n = 0;

	for (unsigned i = 0; i < IDMAP_EXTENTS_MAX; i++)
		n += (size_t)sprintf(text + n, "%u %u 1\n", i, 100000 + i);
	assert_int_equal(idmap_parse(text, n, m), 0);
	assert_int_equal(m->n, IDMAP_EXTENTS_MAX);
	n += (size_t)sprintf(text + n, "%u %u 1\n", 999999, 999999);
	assert_int_equal(idmap_parse(text, n, m), -EINVAL);
}

static void test_to_inside(void **state)
{
	_cleanup_free_ struct idmap *m = malloc(sizeof(*m));
	uint32_t x = 7;

	assert_int_equal(parse("0 100000 65536\n70000 1002 2\n", m), 0);
	assert_int_equal(idmap_to_inside(m, 100000, &x), 0);
	assert_int_equal(x, 0);
	assert_int_equal(idmap_to_inside(m, 165535, &x), 0); /* the last of the range */
	assert_int_equal(x, 65535);
	assert_int_equal(idmap_to_inside(m, 1003, &x), 0);
	assert_int_equal(x, 70001);
	x = 7;
	assert_int_equal(idmap_to_inside(m, 165536, &x), -ENOENT); /* one past */
	assert_int_equal(idmap_to_inside(m, 99999, &x), -ENOENT);  /* one before */
	assert_int_equal(idmap_to_inside(m, 1001, &x), -ENOENT);
	assert_int_equal(idmap_to_inside(m, 1004, &x), -ENOENT);
	assert_int_equal(idmap_to_inside(m, 0, &x), -ENOENT);      /* host root: not mapped */
	assert_int_equal(idmap_to_inside(m, UINT32_MAX, &x), -ENOENT);
	assert_int_equal(x, 7);                                    /* untouched on failure */
	/* The largest range there is: no overflow in the arithmetic. */
	assert_int_equal(parse("0 0 4294967295\n", m), 0);
	assert_int_equal(idmap_to_inside(m, 4294967294u, &x), 0);
	assert_int_equal(x, 4294967294u);
	assert_int_equal(idmap_to_inside(m, UINT32_MAX, &x), -ENOENT);
	assert_int_equal(parse("4294967294 0 1\n", m), 0);
	assert_int_equal(idmap_to_inside(m, 0, &x), 0);
	assert_int_equal(x, 4294967294u);
}

static void test_identity(void **state)
{
	_cleanup_free_ struct idmap *u = malloc(sizeof(*u)), *g = malloc(sizeof(*g));
	const gid_t groups[] = { 100, 27, 1002, 4242 };
	struct idmap_identity id;
	struct idmap_unmapped un = { 0 };

	assert_int_equal(parse("0 100000 65536\n5000 1002 1\n", u), 0);
	assert_int_equal(parse("0 100000 65536\n5000 1002 1\n6000 27 1\n", g), 0);
	assert_int_equal(idmap_identity_from_maps(u, g, true, 1002, 1002, groups, 4, &id, &un),
			 0);
	assert_int_equal(id.uid, 5000);
	assert_int_equal(id.gid, 5000);
	/* 100 and 4242 are not mapped: dropped; the others keep their order. */
	assert_int_equal(id.n_groups, 2);
	assert_int_equal(id.groups[0], 6000);
	assert_int_equal(id.groups[1], 5000);
	assert_int_equal(id.usernsfd, -EBADF);
	idmap_identity_done(&id);

	/* setgroups "deny": no supplementary group can be set, so none is. */
	assert_int_equal(idmap_identity_from_maps(u, g, false, 1002, 1002, groups, 4, &id, &un),
			 0);
	assert_int_equal(id.n_groups, 0);
	idmap_identity_done(&id);

	/* An unmapped uid, then an unmapped gid: which one is said. */
	assert_int_equal(idmap_identity_from_maps(u, g, true, 1003, 1002, groups, 4, &id, &un),
			 -EOVERFLOW);
	assert_string_equal(un.kind, "uid");
	assert_int_equal(un.id, 1003);
	assert_int_equal(idmap_identity_from_maps(u, g, true, 1002, 100, groups, 4, &id, &un),
			 -EOVERFLOW);
	assert_string_equal(un.kind, "gid");
	assert_int_equal(un.id, 100);
	/* Host root is not root inside a shifted namespace. */
	assert_int_equal(idmap_identity_from_maps(u, g, true, 0, 0, NULL, 0, &id, &un),
			 -EOVERFLOW);
}

/* Our own process: the initial user namespace maps everything to itself. */
static void test_read_self(void **state)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	const gid_t groups[] = { 5, 6 };
	struct idmap_identity id;
	struct idmap_unmapped un;

	if (pidfd < 0)
		skip();
	assert_int_equal(idmap_identity_read(pidfd, getpid(), 1234, 4321, groups, 2, &id, &un), 0);
	assert_int_equal(id.uid, 1234);
	assert_int_equal(id.gid, 4321);
	assert_true(id.usernsfd >= 0);
	assert_true(id.userns_inode != 0);
	/* Unless setgroups is denied for the initial namespace (it never is). */
	assert_int_equal(id.n_groups, 2);
	idmap_identity_done(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kernel_format),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_line_limit),
		cmocka_unit_test(test_to_inside),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
