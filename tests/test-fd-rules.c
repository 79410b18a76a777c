/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of daemon/policy/fd-rules.c: each kind of fd a client could send, accepted or refused. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/policy/fd-rules.h"
#include "protocol/cleanup.h"

static const char *const UNTOUCHED = "untouched";

/* fd is accepted in both privilege cases, and *ret_reason is left alone. */
static void assert_accepted(int fd)
{
	for (int more = 0; more <= 1; more++) {
		const char *reason = UNTOUCHED;

		assert_int_equal(fd_rules_check(fd, more, &reason), 0);
		assert_ptr_equal(reason, UNTOUCHED);
	}
}

/* fd is refused in both privilege cases, with a reason containing `what`. */
static void assert_refused(int fd, const char *what)
{
	for (int more = 0; more <= 1; more++) {
		const char *reason = UNTOUCHED;

		assert_int_equal(fd_rules_check(fd, more, &reason), -EPERM);
		assert_ptr_not_equal(reason, UNTOUCHED);
		if (!strstr(reason, what))
			fail_msg("reason '%s' does not mention '%s'", reason, what);
	}
}

static void test_directory(void **state)
{
	_cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_refused(fd, "directory");
}

static void test_o_path(void **state)
{
	_cleanup_close_ int file = open("/etc/hostname", O_PATH | O_CLOEXEC);
	_cleanup_close_ int dir = open("/", O_PATH | O_CLOEXEC);
	_cleanup_close_ int null = open("/dev/null", O_PATH | O_CLOEXEC);

	assert_true(file >= 0 && dir >= 0 && null >= 0);
	assert_refused(file, "O_PATH");
	assert_refused(dir, "O_PATH");
	/* What it points to does not matter: an O_PATH fd can be reopened through /proc. */
	assert_refused(null, "O_PATH");
}

static void test_pipe(void **state)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_accepted(p[0]);
	assert_accepted(p[1]);
	close_many(p, 2);
}

static void test_fifo(void **state)
{
	char dir[] = "/tmp/test-fd-rules.XXXXXX", path[64];
	_cleanup_close_ int fd = -EBADF;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_accepted(fd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_socketpair(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_accepted(sv[0]);
	close_many(sv, 2);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_accepted(sv[1]);
	close_many(sv, 2);
}

static void test_dev_null(void **state)
{
	_cleanup_close_ int rw = open("/dev/null", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(rw >= 0 && ro >= 0);
	assert_accepted(rw);
	assert_accepted(ro);
}

static void test_other_char_devices(void **state)
{
	static const char *const devices[] = { "/dev/zero", "/dev/full", "/dev/urandom" };

	for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
		_cleanup_close_ int fd = open(devices[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue; /* a minimal /dev */
		assert_refused(fd, "character device");
	}
}

static void test_pty(void **state)
{
	_cleanup_close_ int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int slave = -EBADF;
	const char *name;

	if (master < 0)
		skip();
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	name = ptsname(master);
	assert_non_null(name);
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	assert_accepted(slave);
	assert_accepted(master);
}

static void test_regular_file(void **state)
{
	char path[] = "/tmp/test-fd-rules.XXXXXX";
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	_cleanup_close_ int memfd = memfd_create("test-fd-rules", MFD_CLOEXEC);
	const char *reason = UNTOUCHED;

	assert_true(fd >= 0 && memfd >= 0);
	assert_int_equal(unlink(path), 0);
	/* The caller's own file, for a command that runs as the caller: fine. */
	assert_int_equal(fd_rules_check(fd, false, &reason), 0);
	assert_ptr_equal(reason, UNTOUCHED);
	assert_int_equal(fd_rules_check(memfd, false, &reason), 0);
	assert_ptr_equal(reason, UNTOUCHED);
	/* For a command with more privilege than the caller: refused. */
	assert_int_equal(fd_rules_check(fd, true, &reason), -EPERM);
	assert_non_null(strstr(reason, "regular file"));
	reason = UNTOUCHED;
	assert_int_equal(fd_rules_check(memfd, true, &reason), -EPERM);
	assert_non_null(strstr(reason, "regular file"));
}

/* What a grant adds: files refused only where it acts on files, sockets when contained. */
static void test_grant_rules(void **state)
{
	char path[] = "/tmp/test-fd-rules.XXXXXX";
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	int sv[2], p[2];
	const char *reason = UNTOUCHED;
	const uint64_t net_admin = UINT64_C(1) << 12, dac_override = UINT64_C(1) << 1;

	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);

	assert_int_equal(fd_rules_for_grant(0, true), 0);
	assert_int_equal(fd_rules_for_grant(0, false), FD_RULES_NO_FILES);
	assert_int_equal(fd_rules_for_grant(net_admin, true), FD_RULES_NO_SOCKETS);
	assert_int_equal(fd_rules_for_grant(net_admin | dac_override, true),
			 FD_RULES_NO_FILES | FD_RULES_NO_SOCKETS);
	assert_int_equal(fd_rules_for_grant(net_admin, false),
			 FD_RULES_NO_FILES | FD_RULES_NO_SOCKETS);

	/* net_admin: the caller's file is fine, a socket is not, a pipe always is. */
	assert_int_equal(fd_rules_check_grant(fd, fd_rules_for_grant(net_admin, true), &reason), 0);
	assert_ptr_equal(reason, UNTOUCHED);
	assert_int_equal(fd_rules_check_grant(sv[0], fd_rules_for_grant(net_admin, true), &reason),
			 -EPERM);
	assert_non_null(strstr(reason, "socket"));
	reason = UNTOUCHED;
	assert_int_equal(fd_rules_check_grant(p[1], FD_RULES_NO_FILES | FD_RULES_NO_SOCKETS,
					      &reason), 0);
	assert_ptr_equal(reason, UNTOUCHED);
	/* dac_override: the file is refused. */
	assert_int_equal(fd_rules_check_grant(fd, fd_rules_for_grant(dac_override, true), &reason),
			 -EPERM);
	assert_non_null(strstr(reason, "regular file"));
	/* Without a grant a socket is fine. */
	reason = UNTOUCHED;
	assert_int_equal(fd_rules_check_grant(sv[0], fd_rules_for_grant(0, true), &reason), 0);
	close_many(sv, 2);
	close_many(p, 2);
}

static void test_anonymous_inodes(void **state)
{
	_cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC);
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);

	assert_true(efd >= 0 && ep >= 0);
	assert_refused(efd, "anonymous inode");
	assert_refused(ep, "anonymous inode");
}

static void test_pidfd(void **state)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		skip();
	/* pidfs on Linux >= 6.9, an anonymous inode before: refused either way. */
	for (int more = 0; more <= 1; more++) {
		const char *reason = UNTOUCHED;

		assert_int_equal(fd_rules_check(fd, more, &reason), -EPERM);
		assert_true(strcmp(reason, "pidfd") == 0 || strstr(reason, "anonymous inode"));
	}
}

static void test_namespace_file(void **state)
{
	_cleanup_close_ int net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	assert_true(net >= 0 && mnt >= 0);
	assert_refused(net, "namespace file");
	assert_refused(mnt, "namespace file");
}

/* A block device: the first /dev/loop<N> that opens (root only), else skipped. */
static void test_block_device(void **state)
{
	_cleanup_close_ int fd = -EBADF;
	DIR *d = opendir("/dev");
	struct dirent *de;

	if (!d)
		skip();
	while (fd < 0 && (de = readdir(d))) {
		char path[300];
		struct stat st;

		if (strncmp(de->d_name, "loop", 4) != 0 || !de->d_name[4] ||
		    strspn(de->d_name + 4, "0123456789") != strlen(de->d_name + 4))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
			continue;
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	closedir(d);
	if (fd < 0)
		skip();
	assert_refused(fd, "block device");
}

static void test_bad_fd(void **state)
{
	const char *reason = UNTOUCHED;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fd_rules_check(fd, false, &reason), -EBADF);
	assert_ptr_equal(reason, UNTOUCHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_o_path),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_socketpair),
		cmocka_unit_test(test_dev_null),
		cmocka_unit_test(test_other_char_devices),
		cmocka_unit_test(test_pty),
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_grant_rules),
		cmocka_unit_test(test_anonymous_inodes),
		cmocka_unit_test(test_pidfd),
		cmocka_unit_test(test_namespace_file),
		cmocka_unit_test(test_block_device),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
