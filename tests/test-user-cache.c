/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for daemon/user-cache.c: entries per uid, and a changed user database is seen. */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/user-cache.h"

static char passwd_path[64];
static unsigned lookups;

/* A user database of the test's own: passwd_path, read the way NSS's files module does. */
static int lookup_file(uid_t uid, struct user_entry *ret)
{
	FILE *f = fopen(passwd_path, "re");
	struct passwd pw, *found = NULL;
	char buf[1024];
	int r = -ENOENT;

	lookups++;
	if (!f)
		return -errno;
	while (fgetpwent_r(f, &pw, buf, sizeof(buf), &found) == 0 && found) {
		if (pw.pw_uid != uid)
			continue;
		*ret = (struct user_entry){ .uid = uid, .found = true };
		ret->name = strdup(pw.pw_name);
		ret->home = strdup(pw.pw_dir);
		ret->shell = strdup(pw.pw_shell);
		r = ret->name && ret->home && ret->shell ? 0 : -ENOMEM;
		break;
	}
	fclose(f);
	return r;
}

static void write_passwd(const char *text)
{
	char tmp[80];
	FILE *f;

	/* Replaced as editors and useradd do: a new file renamed over the old one. */
	snprintf(tmp, sizeof(tmp), "%s.new", passwd_path);
	f = fopen(tmp, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, passwd_path), 0);
}

static int setup(void **state)
{
	int fd;

	snprintf(passwd_path, sizeof(passwd_path), "/tmp/nsctl-test-passwd-XXXXXX");
	fd = mkstemp(passwd_path);
	assert_true(fd >= 0);
	close(fd);
	write_passwd("alice:x:1001:1001::/home/alice:/bin/bash\n");
	lookups = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)unlink(passwd_path);
	return 0;
}

static void test_cached(void **state)
{
	struct user_cache uc;
	const struct user_entry *e;

	user_cache_init(&uc, passwd_path, lookup_file);
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_true(e->found);
	assert_string_equal(e->name, "alice");
	assert_string_equal(e->home, "/home/alice");
	assert_string_equal(e->shell, "/bin/bash");
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alice");
	/* No such user: cached as such. */
	assert_int_equal(user_cache_get(&uc, 4242, &e), 0);
	assert_false(e->found);
	assert_int_equal(user_cache_get(&uc, 4242, &e), 0);
	assert_false(e->found);
	assert_int_equal(lookups, 2);
	user_cache_flush(&uc);
}

static void test_changed_file_seen(void **state)
{
	struct user_cache uc;
	const struct user_entry *e;

	user_cache_init(&uc, passwd_path, lookup_file);
	uc.recheck_usec = 0; /* every look-up checks the file */
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alice");
	assert_int_equal(user_cache_get(&uc, 1002, &e), 0);
	assert_false(e->found);

	write_passwd("alicia:x:1001:1001::/srv/alicia:/bin/sh\n"
		     "bob:x:1002:1002::/home/bob:/bin/bash\n");
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alicia");
	assert_string_equal(e->home, "/srv/alicia");
	assert_string_equal(e->shell, "/bin/sh");
	assert_int_equal(user_cache_get(&uc, 1002, &e), 0);
	assert_true(e->found);
	assert_string_equal(e->name, "bob");

	/* Changed in place, same size (an edit that keeps the inode): seen too. */
	{
		FILE *f = fopen(passwd_path, "r+e");

		assert_non_null(f);
		fputs("alicix", f);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alicix");

	/* Removed: the user is gone. */
	write_passwd("bob:x:1002:1002::/home/bob:/bin/bash\n");
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_false(e->found);
	user_cache_flush(&uc);
}

static void test_recheck_interval(void **state)
{
	struct user_cache uc;
	const struct user_entry *e;

	user_cache_init(&uc, passwd_path, lookup_file);
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alice");
	/* Within the interval the file is not looked at; a flush (a policy load) drops all. */
	write_passwd("carol:x:1001:1001::/home/carol:/bin/sh\n");
	uc.checked_usec = 0; /* as if the interval had passed */
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "carol");
	write_passwd("dave:x:1001:1001::/home/dave:/bin/sh\n");
	user_cache_flush(&uc);
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "dave");
	user_cache_flush(&uc);
}

static void test_bounded(void **state)
{
	struct user_cache uc;
	const struct user_entry *e;

	user_cache_init(&uc, passwd_path, lookup_file);
	for (uid_t u = 2000; u < 2000 + 3 * USER_CACHE_MAX; u++)
		assert_int_equal(user_cache_get(&uc, u, &e), 0);
	assert_int_equal(uc.n, USER_CACHE_MAX);
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "alice");
	assert_int_equal(uc.n, USER_CACHE_MAX);
	user_cache_flush(&uc);
	assert_int_equal(uc.n, 0);
}

static void test_missing_file_keeps_nothing(void **state)
{
	struct user_cache uc;
	const struct user_entry *e;

	user_cache_init(&uc, passwd_path, lookup_file);
	(void)unlink(passwd_path); /* no stat to compare with: re-checked at every look-up */
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_false(e->found);
	write_passwd("erin:x:1001:1001::/home/erin:/bin/sh\n");
	assert_int_equal(user_cache_get(&uc, 1001, &e), 0);
	assert_string_equal(e->name, "erin");
	user_cache_flush(&uc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_file_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recheck_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_keeps_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
