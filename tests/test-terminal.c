/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the rule that keeps a caller's terminal away from a command of another user. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/policy/terminal.h"
#include "protocol/cleanup.h"

/* A pty pair, as a caller's terminal would be. */
static void pty_pair(int *ret_master, int *ret_slave)
{
	int master, slave, unlock = 0;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(ioctl(master, TIOCSPTLCK, &unlock), 0);
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	*ret_master = master;
	*ret_slave = slave;
}

static void test_same_user_keeps_its_terminal(void **state)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	int fds[3];

	pty_pair(&master, &slave);
	fds[0] = fds[1] = fds[2] = slave;
	assert_int_equal(terminal_handoff_check(1000, 1000, fds, 3), 0);
	assert_int_equal(terminal_handoff_check(0, 0, fds, 3), 0);
}

static void test_other_user_gets_no_terminal(void **state)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF, null = -EBADF;
	int pipefd[2], sp[2];

	pty_pair(&master, &slave);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(null >= 0);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);

	/* No terminal among them: pipes, sockets, /dev/null may go to anyone. */
	assert_int_equal(terminal_handoff_check(1000, 1001,
						(int[]){ pipefd[0], pipefd[1], null }, 3), 0);
	assert_int_equal(terminal_handoff_check(1000, 0, (int[]){ sp[0], sp[1], sp[0] }, 3), 0);
	/* The slave in any position, or the master, is refused; so is root's for a user. */
	assert_int_equal(terminal_handoff_check(1000, 1001, (int[]){ slave, null, null }, 3),
			 -EPERM);
	assert_int_equal(terminal_handoff_check(1000, 1001, (int[]){ null, null, slave }, 3),
			 -EPERM);
	assert_int_equal(terminal_handoff_check(1000, 1001, (int[]){ pipefd[0], master, null }, 3),
			 -EPERM);
	assert_int_equal(terminal_handoff_check(0, 1000, (int[]){ slave, slave, slave }, 3),
			 -EPERM);
	/* A terminal session hands over no fds at all. */
	assert_int_equal(terminal_handoff_check(1000, 1001, NULL, 0), 0);

	close_many(pipefd, 2);
	close_many(sp, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_user_keeps_its_terminal),
		cmocka_unit_test(test_other_user_gets_no_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
