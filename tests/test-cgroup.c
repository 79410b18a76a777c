/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/cgroup.c: finding nsctld's cgroups and naming the sessions'. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/cgroup.h"

static const char hybrid_cgroup[] =
	"12:hugetlb:/\n"
	"8:pids:/system.slice/nsctld.service\n"
	"4:memory:/x\n"
	"3:cpu,cpuacct:/y\n"
	"1:name=systemd:/system.slice/nsctld.service\n"
	"0::/system.slice/nsctld.service\n";

static const char hybrid_mountinfo[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static char *path_of(const char *text, const char *controller)
{
	char *p = NULL;
	int r = cgroup_path_from_proc(text, controller, &p);

	return r == 0 ? p : NULL;
}

static void test_proc_lines(void **state)
{
	char *p;

	p = path_of(hybrid_cgroup, NULL);
	assert_string_equal(p, "/system.slice/nsctld.service");
	free(p);
	p = path_of(hybrid_cgroup, "pids");
	assert_string_equal(p, "/system.slice/nsctld.service");
	free(p);
	p = path_of(hybrid_cgroup, "cpuacct");
	assert_string_equal(p, "/y");
	free(p);
	/* A controller's name inside another's ("cpu" in "cpuset") does not count. */
	assert_null(path_of("5:cpuset:/z\n", "cpu"));
	/* name=systemd is not "systemd"; the v2 line is "0::" only. */
	assert_null(path_of("1:name=systemd:/a\n", "systemd"));
	assert_null(path_of("1:name=systemd:/a\n", NULL));
	assert_null(path_of("0:pids:/a\n", NULL));
	/* Pure v2, no newline at the end. */
	p = path_of("0::/", NULL);
	assert_string_equal(p, "/");
	free(p);
	/* Malformed lines are skipped, not misread. */
	assert_null(path_of("0::\n0:/x\ngarbage\n", NULL));
	assert_null(path_of("", NULL));
}

static char *dir_of(const char *mountinfo, const char *controller, const char *path)
{
	char *d = NULL;
	int r = cgroup_dir_from_mountinfo(mountinfo, controller, path, &d);

	return r == 0 ? d : NULL;
}

static void test_mounts(void **state)
{
	static const char pure[] =
		"25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char subtree[] =
		"25 1 0:22 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	static const char spaced[] =
		"25 1 0:22 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw\n";
	char *d;

	d = dir_of(hybrid_mountinfo, NULL, "/system.slice/nsctld.service");
	assert_string_equal(d, "/sys/fs/cgroup/unified/system.slice/nsctld.service");
	free(d);
	d = dir_of(hybrid_mountinfo, NULL, "/");
	assert_string_equal(d, "/sys/fs/cgroup/unified");
	free(d);
	d = dir_of(hybrid_mountinfo, "pids", "/a/b");
	assert_string_equal(d, "/sys/fs/cgroup/pids/a/b");
	free(d);
	/* The combined cpu,cpuacct mount has both. */
	d = dir_of(hybrid_mountinfo, "cpuacct", "/y");
	assert_string_equal(d, "/sys/fs/cgroup/cpu,cpuacct/y");
	free(d);
	/* No such hierarchy: no memory mount in this list, no v2 in a v1-only one. */
	assert_null(dir_of(hybrid_mountinfo, "memory", "/x"));
	assert_null(dir_of("38 30 0:35 / /p rw - cgroup cgroup rw,pids\n", NULL, "/"));
	/* A tmpfs is not a cgroup mount, whatever its options say. */
	assert_null(dir_of("30 22 0:27 / /x rw - tmpfs tmpfs rw,pids\n", "pids", "/"));

	d = dir_of(pure, NULL, "/system.slice/nsctld.service");
	assert_string_equal(d, "/sys/fs/cgroup/system.slice/nsctld.service");
	free(d);
	/* A mount of a subtree (a container's view): the path must be inside it. */
	d = dir_of(subtree, NULL, "/lxc/c1/svc");
	assert_string_equal(d, "/sys/fs/cgroup/svc");
	free(d);
	d = dir_of(subtree, NULL, "/lxc/c1");
	assert_string_equal(d, "/sys/fs/cgroup");
	free(d);
	assert_null(dir_of(subtree, NULL, "/lxc/c10"));
	assert_null(dir_of(subtree, NULL, "/other"));
	/* Escapes in the mount point are undone. */
	d = dir_of(spaced, NULL, "/a");
	assert_string_equal(d, "/mnt/cg two/a");
	free(d);
}

static void test_session_paths(void **state)
{
	char *u = NULL, *d = NULL;

	assert_int_equal(cgroup_session_paths("/sys/fs/cgroup/unified/nsctld-7", NULL, 7, 1002,
					      42, &u, &d), 0);
	assert_string_equal(u, "/sys/fs/cgroup/unified/nsctld-7/uid-1002");
	assert_string_equal(d, "/sys/fs/cgroup/unified/nsctld-7/uid-1002/session-42");
	free(u);
	free(d);
	u = d = NULL;
	/* The rule's "cgroup" option: a child of the target's cgroup, no uid level. */
	assert_int_equal(cgroup_session_paths("/base", "/sys/fs/cgroup/machine.slice/c1", 7,
					      1002, 42, &u, &d), 0);
	assert_null(u);
	assert_string_equal(d, "/sys/fs/cgroup/machine.slice/c1/nsctl-7-session-42");
	free(d);
	/* Ids at their limits are written in full. */
	assert_int_equal(cgroup_session_paths("/b", NULL, 1, 4294967294u, UINT64_MAX, &u, &d), 0);
	assert_string_equal(d, "/b/uid-4294967294/session-18446744073709551615");
	free(u);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_lines),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_session_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
