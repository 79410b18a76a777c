/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the receive side of the framing: reassembly, limits, fd association, cmsg checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* A fresh fd with an inode of its own, so received fds can be matched to sent ones. */
static int new_fd(void)
{
	int fd = memfd_create("test-reader", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static ino_t fd_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

/* One sendmsg() of exactly these bytes with these fds attached. */
static void send_raw(int sock, const void *data, size_t len, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 64)];
	} control = {};
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	assert_true(n_fds <= 64);
	if (n_fds > 0) {
		struct cmsghdr *c = &control.align;

		mh.msg_control = &control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

static int feed(struct proto_reader *r, const char *s, size_t len)
{
	return proto_reader_feed(r, s, len, NULL, 0);
}

static void expect_message(struct proto_reader *r, const char *text, size_t n_fds)
{
	struct proto_message m = {};

	assert_int_equal(proto_reader_next(r, &m), 1);
	assert_string_equal(m.data, text);
	assert_int_equal(m.len, strlen(text));
	assert_int_equal(m.n_fds, n_fds);
	proto_message_done(&m);
}

static void expect_none(struct proto_reader *r)
{
	struct proto_message m = {};

	assert_int_equal(proto_reader_next(r, &m), 0);
	assert_null(m.data);
}

static void test_one_message(void **state)
{
	struct proto_reader r;

	proto_reader_init(&r, NULL);
	assert_int_equal(r.limits.max_message, proto_limits_default.max_message);
	expect_none(&r);
	assert_int_equal(feed(&r, "{}", 3), 3);
	assert_int_equal(proto_reader_pending(&r), 0);
	expect_message(&r, "{}", 0);
	expect_none(&r);
	proto_reader_done(&r);
}

static void test_several_per_read(void **state)
{
	static const char data[] = "a\0bb\0ccc\0dd";
	struct proto_reader r;

	proto_reader_init(&r, NULL);
	assert_int_equal(feed(&r, data, sizeof(data) - 1), (int)sizeof(data) - 1);
	assert_int_equal(proto_reader_pending(&r), 2);
	expect_message(&r, "a", 0);
	expect_message(&r, "bb", 0);
	expect_message(&r, "ccc", 0);
	expect_none(&r);
	assert_int_equal(feed(&r, "d\0\0", 3), 3);
	assert_int_equal(proto_reader_pending(&r), 0);
	expect_message(&r, "ddd", 0);
	expect_message(&r, "", 0); /* an empty message is framed; the JSON layer rejects it */
	expect_none(&r);
	proto_reader_done(&r);
}

static void test_split_everywhere(void **state)
{
	static const char data[] = "{\"a\":1}\0{\"bb\":[2,3]}\0{}";
	const size_t len = sizeof(data); /* the final NUL ends the third message */

	for (size_t i = 0; i <= len; i++)
		for (size_t j = i; j <= len; j++) {
			struct proto_reader r;

			proto_reader_init(&r, NULL);
			if (i > 0)
				assert_int_equal(feed(&r, data, i), (int)i);
			if (j > i)
				assert_int_equal(feed(&r, data + i, j - i), (int)(j - i));
			if (len > j)
				assert_int_equal(feed(&r, data + j, len - j), (int)(len - j));
			assert_int_equal(proto_reader_pending(&r), 0);
			expect_message(&r, "{\"a\":1}", 0);
			expect_message(&r, "{\"bb\":[2,3]}", 0);
			expect_message(&r, "{}", 0);
			expect_none(&r);
			proto_reader_done(&r);
		}
}

static void test_empty_and_eof(void **state)
{
	struct proto_reader r;
	int fd = new_fd();

	proto_reader_init(&r, NULL);
	assert_int_equal(feed(&r, "", 0), 0); /* nothing read: EOF */
	assert_int_equal(proto_reader_pending(&r), 0);
	expect_none(&r);

	/* fds cannot come without bytes; they are closed, not kept. */
	assert_int_equal(proto_reader_feed(&r, "", 0, &fd, 1), -EBADMSG);
	assert_false(fd_is_open(fd));

	assert_int_equal(feed(&r, "{\"a\"", 4), 4);
	assert_int_equal(proto_reader_pending(&r), 4);
	expect_none(&r);
	proto_reader_done(&r);
	assert_int_equal(proto_reader_pending(&r), 0);
}

static void test_eof_mid_message_socket(void **state)
{
	struct proto_reader r;
	struct proto_message m = {};
	int sv[2];

	pair(sv);
	proto_reader_init(&r, NULL);
	send_raw(sv[1], "{}\0{\"a\"", 7, NULL, 0);
	close(sv[1]);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{}");
	proto_message_done(&m);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), -EBADMSG);
	assert_int_equal(proto_reader_pending(&r), 4);
	assert_int_equal(proto_reader_fill(&r, sv[0]), 0);
	proto_reader_done(&r);
	close(sv[0]);

	/* A clean EOF between messages is 0. */
	pair(sv);
	proto_reader_init(&r, NULL);
	send_raw(sv[1], "{}", 3, NULL, 0);
	close(sv[1]);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	proto_message_done(&m);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 0);
	proto_reader_done(&r);
	close(sv[0]);
}

static void test_max_message(void **state)
{
	static const char good_then_big[] = { 'o', 'k', '\0', '1', '2', '3', '4', '5', '6', '7',
					      '8', '9', '\0' };
	const struct proto_limits limits = { .max_message = 8, .max_depth = 4, .max_fds = 2 };
	struct proto_reader r;
	int fd;

	/* Exactly at the limit, within one read and across reads. */
	proto_reader_init(&r, &limits);
	assert_int_equal(feed(&r, "12345678", 9), 9);
	expect_message(&r, "12345678", 0);
	assert_int_equal(feed(&r, "12345", 5), 5);
	assert_int_equal(feed(&r, "678", 4), 4);
	expect_message(&r, "12345678", 0);
	assert_int_equal(feed(&r, "12345678", 8), 8);
	assert_int_equal(feed(&r, "", 1), 1);
	expect_message(&r, "12345678", 0);
	proto_reader_done(&r);

	/* One byte over, complete within one read. */
	proto_reader_init(&r, &limits);
	assert_int_equal(feed(&r, "123456789", 10), -EMSGSIZE);
	expect_none(&r);
	proto_reader_done(&r);

	/* One byte over, incomplete within one read. */
	proto_reader_init(&r, &limits);
	assert_int_equal(feed(&r, "123456789", 9), -EMSGSIZE);
	proto_reader_done(&r);

	/* Over across reads; the fds of the failing read are closed. */
	proto_reader_init(&r, &limits);
	assert_int_equal(feed(&r, "12345", 5), 5);
	fd = new_fd();
	assert_int_equal(proto_reader_feed(&r, "6789", 4, &fd, 1), -EMSGSIZE);
	assert_false(fd_is_open(fd));
	expect_none(&r);
	proto_reader_done(&r);

	/* A good message followed by an oversized one in the same read. */
	proto_reader_init(&r, &limits);
	assert_int_equal(feed(&r, good_then_big, sizeof(good_then_big) - 1), -EMSGSIZE);
	proto_reader_done(&r);
}

static void test_max_fds(void **state)
{
	const struct proto_limits limits = { .max_message = 64, .max_depth = 4, .max_fds = 2 };
	struct proto_reader r;
	int fds[3] = { new_fd(), new_fd(), new_fd() };
	int big[PROTO_FDS_MAX + 1];

	proto_reader_init(&r, &limits);
	assert_int_equal(proto_reader_feed(&r, "a", 2, fds, 3), -ETOOMANYREFS);
	for (int i = 0; i < 3; i++)
		assert_false(fd_is_open(fds[i]));
	proto_reader_done(&r);

	/* Within the limit in each read, over it in sum for one message. */
	proto_reader_init(&r, &limits);
	fds[0] = new_fd();
	fds[1] = new_fd();
	fds[2] = new_fd();
	assert_int_equal(proto_reader_feed(&r, "ab", 2, fds, 2), 2);
	assert_int_equal(proto_reader_feed(&r, "c", 2, fds + 2, 1), -ETOOMANYREFS);
	assert_false(fd_is_open(fds[2]));
	assert_true(fd_is_open(fds[0]));
	proto_reader_done(&r);
	assert_false(fd_is_open(fds[0]));
	assert_false(fd_is_open(fds[1]));

	/* Two fds for each of two messages is fine. */
	proto_reader_init(&r, &limits);
	fds[0] = new_fd();
	fds[1] = new_fd();
	assert_int_equal(proto_reader_feed(&r, "a", 2, fds, 2), 2);
	fds[0] = new_fd();
	fds[1] = new_fd();
	assert_int_equal(proto_reader_feed(&r, "b", 2, fds, 2), 2);
	expect_message(&r, "a", 2);
	expect_message(&r, "b", 2);
	proto_reader_done(&r);

	/* More than any message may carry is a framing error. */
	proto_reader_init(&r, NULL);
	for (size_t i = 0; i < ELEMENTSOF(big); i++)
		big[i] = new_fd();
	assert_int_equal(proto_reader_feed(&r, "a", 2, big, ELEMENTSOF(big)), -EBADMSG);
	for (size_t i = 0; i < ELEMENTSOF(big); i++)
		assert_false(fd_is_open(big[i]));
	proto_reader_done(&r);
}

static void test_limits_clamped(void **state)
{
	const struct proto_limits huge = { .max_message = SIZE_MAX,
					   .max_depth = 1000,
					   .max_fds = 1000 };
	struct proto_reader r;

	proto_reader_init(&r, &huge);
	assert_int_equal(r.limits.max_message, PROTO_MESSAGE_MAX);
	assert_int_equal(r.limits.max_depth, PROTO_DEPTH_MAX);
	assert_int_equal(r.limits.max_fds, PROTO_FDS_MAX);
	proto_reader_done(&r);
}

/* Take message m's fds and check their inodes against want (n of them), in order. */
static void expect_fds(struct proto_message *m, const ino_t *want, size_t n)
{
	assert_int_equal(m->n_fds, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fd_inode(m->fds[i]), want[i]);
}

static void test_fd_association_feed(void **state)
{
	struct proto_reader r;
	struct proto_message m = {};
	int a = new_fd(), b = new_fd(), c = new_fd();
	ino_t ia = fd_inode(a), ib = fd_inode(b), ic = fd_inode(c);

	proto_reader_init(&r, NULL);

	/* The read ends inside B: its fd is B's, not A's. */
	assert_int_equal(proto_reader_feed(&r, "A\0B", 3, &a, 1), 3);
	expect_message(&r, "A", 0);
	assert_int_equal(r.n_cur_fds, 1);
	assert_int_equal(feed(&r, "", 1), 1);
	assert_int_equal(proto_reader_next(&r, &m), 1);
	assert_string_equal(m.data, "B");
	expect_fds(&m, &ia, 1);
	proto_message_done(&m);
	assert_false(fd_is_open(a));

	/* The read ends with the NUL of the second message: its fd is that one's. */
	assert_int_equal(proto_reader_feed(&r, "C\0D", 4, &b, 1), 4);
	expect_message(&r, "C", 0);
	assert_int_equal(proto_reader_next(&r, &m), 1);
	assert_string_equal(m.data, "D");
	expect_fds(&m, &ib, 1);
	proto_message_done(&m);

	/* fds of two reads of one message stay together, in order. */
	a = new_fd();
	b = new_fd();
	ia = fd_inode(a);
	ib = fd_inode(b);
	assert_int_equal(proto_reader_feed(&r, "EE", 2, &a, 1), 2);
	assert_int_equal(proto_reader_feed(&r, "E\0F", 3, &b, 1), 3);
	assert_int_equal(proto_reader_feed(&r, "F", 2, &c, 1), 2);
	assert_int_equal(proto_reader_next(&r, &m), 1);
	assert_string_equal(m.data, "EEE");
	expect_fds(&m, &ia, 1);
	proto_message_done(&m);
	assert_int_equal(proto_reader_next(&r, &m), 1);
	assert_string_equal(m.data, "FF");
	{
		const ino_t want[] = { ib, ic };

		expect_fds(&m, want, 2);
	}
	proto_message_done(&m);
	expect_none(&r);
	proto_reader_done(&r);
}

static void test_take_fd_and_done(void **state)
{
	struct proto_reader r;
	struct proto_message m = {};
	int fds[2] = { new_fd(), new_fd() };
	int orig[2] = { fds[0], fds[1] };
	int taken;

	proto_reader_init(&r, NULL);
	assert_int_equal(proto_reader_feed(&r, "x", 2, fds, 2), 2);
	assert_int_equal(proto_reader_next(&r, &m), 1);
	taken = proto_message_take_fd(&m, 1);
	assert_int_equal(taken, orig[1]);
	assert_int_equal(proto_message_take_fd(&m, 1), -EBADF);
	assert_int_equal(proto_message_take_fd(&m, 2), -EBADF);
	assert_int_equal(m.n_fds, 2); /* indexes stay stable */
	proto_message_done(&m);
	assert_false(fd_is_open(orig[0]));
	assert_true(fd_is_open(taken));
	close(taken);
	assert_null(m.data);
	proto_message_done(&m); /* twice is harmless */

	/* proto_reader_done closes fds of queued and of incomplete messages. */
	fds[0] = new_fd();
	fds[1] = new_fd();
	orig[0] = fds[0];
	orig[1] = fds[1];
	assert_int_equal(proto_reader_feed(&r, "q", 2, fds, 1), 2);
	assert_int_equal(proto_reader_feed(&r, "partial", 7, fds + 1, 1), 7);
	proto_reader_done(&r);
	assert_false(fd_is_open(orig[0]));
	assert_false(fd_is_open(orig[1]));
}

static void test_memory_use(void **state)
{
	struct proto_reader r;
	_cleanup_free_ char *big = malloc(100000);

	assert_non_null(big);
	memset(big, 'x', 100000);
	proto_reader_init(&r, NULL);
	assert_int_equal(feed(&r, "{\"a\"", 4), 4);
	assert_true(r.cap > 0 && r.cap <= 4096);
	assert_int_equal(feed(&r, ":1}", 4), 4);
	assert_null(r.buf); /* nothing pending: nothing held */
	assert_int_equal(r.cap, 0);
	expect_message(&r, "{\"a\":1}", 0);

	/* Grows on demand, gives the memory back when the message completes. */
	assert_int_equal(feed(&r, big, 100000), 100000);
	assert_true(r.cap >= 100000 && r.cap < 2 * 131072);
	assert_int_equal(feed(&r, "\0ab", 3), 3);
	assert_true(r.cap <= 4096);
	assert_int_equal(proto_reader_pending(&r), 2);
	assert_int_equal(feed(&r, "", 1), 1);
	assert_null(r.buf);
	{
		struct proto_message m = {};

		assert_int_equal(proto_reader_next(&r, &m), 1);
		assert_int_equal(m.len, 100000);
		proto_message_done(&m);
	}
	expect_message(&r, "ab", 0);
	expect_none(&r);
	assert_true(r.cap_ready <= 8); /* a drained FIFO keeps at most a few slots */
	proto_reader_done(&r);
}

static void test_many_in_order(void **state)
{
	enum { N = 5000 };
	_cleanup_free_ char *data = malloc(N * 8);
	struct proto_reader r;
	size_t len = 0, want = 0;

	assert_non_null(data);
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(data + len, "%d", i) + 1;

	proto_reader_init(&r, NULL);
	/* Interleave feeding and taking so the FIFO compacts and grows. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off < 777 ? len - off : 777;
		struct proto_message m = {};

		assert_int_equal(feed(&r, data + off, n), (int)n);
		off += n;
		for (int k = 0; k < 30 && proto_reader_next(&r, &m) == 1; k++) {
			char expect[16];

			sprintf(expect, "%zu", want++);
			assert_string_equal(m.data, expect);
			proto_message_done(&m);
		}
	}
	for (;;) {
		struct proto_message m = {};
		char expect[16];

		if (proto_reader_next(&r, &m) == 0)
			break;
		sprintf(expect, "%zu", want++);
		assert_string_equal(m.data, expect);
		proto_message_done(&m);
	}
	assert_int_equal(want, N);
	assert_true(r.cap_ready <= 8);
	proto_reader_done(&r);
}

static void test_socket_fds(void **state)
{
	struct proto_reader r;
	struct proto_message m = {};
	int sv[2], a = new_fd(), b = new_fd(), c = new_fd(), d = new_fd();
	const ino_t ia = fd_inode(a), ib = fd_inode(b), ic = fd_inode(c), id = fd_inode(d);
	const int ab[2] = { a, b };
	const ino_t want_ab[2] = { ia, ib }, want_cd[2] = { ic, id };
	const int cd[2] = { c, d };
	_cleanup_free_ char *big = malloc(70001);

	assert_non_null(big);
	memset(big, 'y', 70000);
	big[70000] = '\0';

	pair(sv);
	/* Several messages queued before the first read: each keeps its own fds. */
	send_raw(sv[1], "{\"m\":1}", 8, ab, 2);
	send_raw(sv[1], "{\"m\":2}", 8, NULL, 0);
	send_raw(sv[1], "{\"m\":3}", 8, &c, 1);
	/* Larger than one read of the reader: the fds come with its first part. */
	send_raw(sv[1], big, 70001, cd, 2);
	send_raw(sv[1], "{\"m\":5}", 8, NULL, 0);
	close_many((int[]){ a, b, c, d }, 4);

	proto_reader_init(&r, &(struct proto_limits){ .max_message = 1 << 20, .max_fds = 4 });
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"m\":1}");
	expect_fds(&m, want_ab, 2);
	for (size_t i = 0; i < 2; i++)
		assert_true(fcntl(m.fds[i], F_GETFD) & FD_CLOEXEC);
	proto_message_done(&m);

	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"m\":2}");
	assert_int_equal(m.n_fds, 0);
	proto_message_done(&m);

	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"m\":3}");
	expect_fds(&m, &ic, 1);
	proto_message_done(&m);

	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_int_equal(m.len, 70000);
	expect_fds(&m, want_cd, 2);
	proto_message_done(&m);

	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"m\":5}");
	assert_int_equal(m.n_fds, 0);
	proto_message_done(&m);

	assert_int_equal(proto_reader_fill(&r, sv[0]), -EAGAIN);
	proto_reader_done(&r);
	close(sv[0]);
	close(sv[1]);
}

static void test_ctrunc(void **state)
{
	struct proto_reader r;
	int sv[2], fds[PROTO_FDS_MAX + 4], before;

	pair(sv);
	before = count_open_fds();
	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		fds[i] = new_fd();
	send_raw(sv[1], "{}", 3, fds, ELEMENTSOF(fds));
	close_many(fds, ELEMENTSOF(fds));
	assert_int_equal(count_open_fds(), before);

	proto_reader_init(&r, NULL);
	assert_int_equal(proto_reader_fill(&r, sv[0]), -EBADMSG);
	assert_int_equal(count_open_fds(), before);
	expect_none(&r);
	proto_reader_done(&r);
	close(sv[0]);
	close(sv[1]);
}

static void test_credentials_rejected(void **state)
{
	struct proto_reader r;
	int sv[2], fd, before, one = 1;

	pair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	before = count_open_fds();

	send_raw(sv[1], "{}", 3, NULL, 0);
	proto_reader_init(&r, NULL);
	assert_int_equal(proto_reader_fill(&r, sv[0]), -EBADMSG);
	expect_none(&r);

	/* With fds alongside, those are closed too. */
	fd = new_fd();
	send_raw(sv[1], "{}", 3, &fd, 1);
	close(fd);
	assert_int_equal(proto_reader_fill(&r, sv[0]), -EBADMSG);
	assert_int_equal(count_open_fds(), before);
	expect_none(&r);
	proto_reader_done(&r);
	close(sv[0]);
	close(sv[1]);
}

static void test_recv_waits(void **state)
{
	struct proto_reader r;
	struct proto_message m = {};
	int sv[2];
	pid_t pid;
	int status;

	pair(sv);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct timespec t = { .tv_nsec = 50 * 1000 * 1000 };

		close(sv[0]);
		nanosleep(&t, NULL);
		if (write(sv[1], "{\"slow\"", 7) != 7)
			_exit(1);
		nanosleep(&t, NULL);
		if (write(sv[1], ":true}", 7) != 7)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	proto_reader_init(&r, NULL);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"slow\":true}");
	proto_message_done(&m);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 0);
	proto_reader_done(&r);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message),
		cmocka_unit_test(test_several_per_read),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_empty_and_eof),
		cmocka_unit_test(test_eof_mid_message_socket),
		cmocka_unit_test(test_max_message),
		cmocka_unit_test(test_max_fds),
		cmocka_unit_test(test_limits_clamped),
		cmocka_unit_test(test_fd_association_feed),
		cmocka_unit_test(test_take_fd_and_done),
		cmocka_unit_test(test_memory_use),
		cmocka_unit_test(test_many_in_order),
		cmocka_unit_test(test_socket_fds),
		cmocka_unit_test(test_ctrunc),
		cmocka_unit_test(test_credentials_rejected),
		cmocka_unit_test(test_recv_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
