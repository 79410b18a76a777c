/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of daemon/seccomp-filter.c and the decision of daemon/exec-guard.c: the filter, with
 * and without its exec listener, is installed in a forked child, which then tries what the filter must refuse and what it
 * must leave alone, and reports the errno of each try.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/exec-guard.h"
#include "daemon/seccomp-filter.h"
#include "protocol/cleanup.h"

enum { T_UNIX, T_UNIX_PAIR, T_INET, T_SETNS, T_PIDFD_GETFD, T_OPEN_BY_HANDLE, T_IO_URING,
       T_UNSHARE_NET, T_UNSHARE_USER, T_UNSHARE_FS, T_CLONE3, T_GETPID, _T_MAX };

/* errno of the try (0: it worked). */
static int try(int what)
{
	long r = -1;
	int sv[2], fd;

	errno = 0;
	switch (what) {
	case T_UNIX:
		r = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	case T_UNIX_PAIR:
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
		break;
	case T_INET:
		r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case T_SETNS:
		fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
		r = setns(fd, 0);
		break;
	case T_PIDFD_GETFD:
		r = syscall(SYS_pidfd_getfd, -1, 0, 0);
		break;
	case T_OPEN_BY_HANDLE:
		r = syscall(SYS_open_by_handle_at, -1, NULL, 0);
		break;
	case T_IO_URING:
		r = syscall(SYS_io_uring_setup, 1, NULL);
		break;
	case T_UNSHARE_NET:
		r = unshare(CLONE_NEWNET);
		break;
	case T_UNSHARE_USER:
		r = unshare(CLONE_NEWUSER);
		break;
	case T_UNSHARE_FS:
		r = unshare(CLONE_FS);
		break;
	case T_CLONE3:
		r = syscall(SYS_clone3, NULL, 0);
		break;
	case T_GETPID:
		r = getpid();
		break;
	}
	return r >= 0 ? 0 : errno;
}

/*
 * Run every try in a child under the contain filter (with exec_notify, also sending
 * execs to a listener, which nothing here reads); results[i] = errno of try i.
 */
static void run_contained(int results[_T_MAX], bool exec_notify)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct seccomp_filter_prog prog;
		int out[_T_MAX];

		int listener;

		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_filter_build_contain(&prog, exec_notify) < 0 ||
		    seccomp_filter_install(&prog, exec_notify ? &listener : NULL) < 0)
			_exit(1);
		for (int i = 0; i < _T_MAX; i++)
			out[i] = try(i);
		_exit(write(p[1], out, sizeof(out)) == sizeof(out) ? 0 : 2);
	}
	close(p[1]);
	assert_int_equal(read(p[0], results, sizeof(int) * _T_MAX), (ssize_t)(sizeof(int) * _T_MAX));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void check_contained(bool exec_notify)
{
	int r[_T_MAX];

	run_contained(r, exec_notify);
	assert_int_equal(r[T_UNIX], EPERM);
	assert_int_equal(r[T_UNIX_PAIR], EPERM);
	assert_int_equal(r[T_SETNS], EPERM);
	assert_int_equal(r[T_PIDFD_GETFD], EPERM);
	assert_int_equal(r[T_OPEN_BY_HANDLE], EPERM);
	assert_int_equal(r[T_IO_URING], EPERM);
	assert_int_equal(r[T_UNSHARE_NET], EPERM);
	assert_int_equal(r[T_UNSHARE_USER], EPERM);
	assert_int_equal(r[T_CLONE3], ENOSYS);
	/* What it leaves alone: another address family, unshare without CLONE_NEW*, getpid. */
	assert_int_equal(r[T_INET], 0);
	assert_int_equal(r[T_UNSHARE_FS], 0);
	assert_int_equal(r[T_GETPID], 0);
}

static void test_contain_filter(void **state)
{
	check_contained(false);
}

/* With the exec listener in the same program, everything else is refused all the same. */
static void test_contain_filter_with_exec(void **state)
{
	check_contained(true);
}

static void test_program_shape(void **state)
{
	struct seccomp_filter_prog prog;

	assert_int_equal(seccomp_filter_build_contain(&prog, false), 0);
	assert_true(prog.len > 4 && prog.len <= SECCOMP_FILTER_MAX_INSNS);
	/* Ends by allowing, starts by loading the architecture. */
	assert_int_equal(prog.insns[prog.len - 1].code, BPF_RET | BPF_K);
	assert_int_equal(prog.insns[prog.len - 1].k, SECCOMP_RET_ALLOW);
	assert_int_equal(prog.insns[0].k, offsetof(struct seccomp_data, arch));
	assert_int_equal(seccomp_filter_build_contain(&prog, true), 0);
	assert_true(prog.len > 4 && prog.len <= SECCOMP_FILTER_MAX_INSNS);
	assert_int_equal(prog.insns[0].k, offsetof(struct seccomp_data, arch));
	assert_int_equal(prog.insns[prog.len - 1].k, SECCOMP_RET_ALLOW);
	prog.len = 0;
	assert_int_equal(seccomp_filter_install(&prog, NULL), -EINVAL);
}

/*
 * The filter with its exec listener: an exec in the child waits for our answer. Answered
 * EACCES, the child sees EACCES; with the listener closed, ENOSYS (fail closed).
 */
static void test_exec_filter(void **state)
{
	int sv[2], status;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct seccomp_filter_prog prog;
		char l = 'L';
		struct iovec iov = { .iov_base = &l, .iov_len = 1 };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} control = { 0 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		int listener, e1, e2;
		char go;

		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_filter_build_contain(&prog, true) < 0 ||
		    seccomp_filter_install(&prog, &listener) < 0)
			_exit(1);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &listener, sizeof(int));
		if (sendmsg(sv[1], &mh, 0) != 1)
			_exit(2);
		close(listener);
		execl("/bin/true", "true", (char *)NULL); /* answered EACCES */
		e1 = errno;
		if (read(sv[1], &go, 1) != 1) /* the parent has closed the listener */
			_exit(3);
		execl("/bin/true", "true", (char *)NULL); /* nobody listens: ENOSYS */
		e2 = errno;
		_exit(e1 == EACCES && e2 == ENOSYS ? 0 : 10);
	}
	close(sv[1]);
	{
		char byte;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} control;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		struct seccomp_notif_sizes sizes;
		struct seccomp_notif *req;
		struct seccomp_notif_resp *resp;
		struct pollfd pfd;
		int listener;
		bool first = false; /* not the first: refused */

		struct cmsghdr *cm;

		assert_int_equal(recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC), 1);
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm)
			abort(); /* no listener received */
		memcpy(&listener, CMSG_DATA(cm), sizeof(int));
		assert_int_equal(syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes), 0);
		req = calloc(1, sizes.seccomp_notif + sizeof(*req));
		resp = calloc(1, sizes.seccomp_notif_resp + sizeof(*resp));
		assert_non_null(req);
		assert_non_null(resp);
		pfd = (struct pollfd){ .fd = listener, .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req), 0);
		assert_int_equal(req->data.nr, __NR_execve);
		assert_int_equal(exec_guard_decide(&first, req->data.nr, req->data.args[0],
						   req->data.args[4], 3), 0);
		resp->id = req->id;
		resp->error = -EACCES;
		assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp), 0);
		close(listener);
		assert_int_equal(write(sv[0], "g", 1), 1);
		free(req);
		free(resp);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sv[0]);
}

/* The first notification continues only if it is execveat(expected, "", ..., AT_EMPTY_PATH). */
static void test_guard_decision(void **state)
{
	bool first = true;

	assert_int_equal(exec_guard_decide(&first, __NR_execveat, 5, AT_EMPTY_PATH, 5), 1);
	assert_false(first);
	/* Every later one: refused, even the same call. */
	assert_int_equal(exec_guard_decide(&first, __NR_execveat, 5, AT_EMPTY_PATH, 5), 0);
	first = true;
	assert_int_equal(exec_guard_decide(&first, __NR_execve, 5, AT_EMPTY_PATH, 5), 0);
	first = true;
	assert_int_equal(exec_guard_decide(&first, __NR_execveat, 6, AT_EMPTY_PATH, 5), 0);
	first = true;
	assert_int_equal(exec_guard_decide(&first, __NR_execveat, 5, 0, 5), 0);
	assert_false(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_shape),
		cmocka_unit_test(test_contain_filter),
		cmocka_unit_test(test_contain_filter_with_exec),
		cmocka_unit_test(test_exec_filter),
		cmocka_unit_test(test_guard_decision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
