/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the send side of the framing: round trips with fds, partial writes, ownership. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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
#include <unistd.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int new_fd(void)
{
	int fd = memfd_create("test-writer", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void fd_id(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	*dev = st.st_dev;
	*ino = st.st_ino;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

/* Parse a received message's text as strict JSON and return the value of key "n". */
static int64_t message_n(const struct proto_message *m)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;

	assert_int_equal(proto_json_parse(m->data, m->len, PROTO_DEPTH_MAX, &o), 0);
	assert_true(json_object_object_get_ex(o, "n", &v));
	return json_object_get_int64(v);
}

static struct json_object *make_msg(int64_t n, size_t pad)
{
	struct json_object *o = json_object_new_object();
	char *s = malloc(pad + 1);

	assert_non_null(o);
	assert_non_null(s);
	memset(s, 'p', pad);
	s[pad] = '\0';
	assert_int_equal(proto_json_add(o, "n", json_object_new_int64(n)), 0);
	assert_int_equal(proto_json_add(o, "pad", json_object_new_string(s)), 0);
	free(s);
	return o;
}

static void test_round_trip(void **state)
{
	struct proto_writer w;
	struct proto_reader r;
	struct proto_message m = {};
	_cleanup_json_ struct json_object *o = make_msg(7, 3);
	int sv[2], fds[2] = { new_fd(), new_fd() };
	const int orig[2] = { fds[0], fds[1] };
	dev_t dev[2];
	ino_t ino[2];

	for (int i = 0; i < 2; i++)
		fd_id(fds[i], &dev[i], &ino[i]);
	pair(sv);
	proto_writer_init(&w);
	assert_int_equal(proto_writer_flush(&w, sv[1]), 1); /* nothing queued */
	assert_int_equal(proto_writer_queue_json(&w, o, fds, 2), 0);
	assert_int_equal(fds[0], -EBADF); /* the writer owns them now */
	assert_int_equal(fds[1], -EBADF);
	assert_int_equal(proto_writer_pending(&w),
			 strlen(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) + 1);
	assert_int_equal(proto_writer_flush(&w, sv[1]), 1);
	assert_int_equal(proto_writer_pending(&w), 0);
	/* Sent fds are closed on our side. */
	assert_false(fd_is_open(orig[0]));
	assert_false(fd_is_open(orig[1]));

	proto_reader_init(&r, NULL);
	assert_int_equal(proto_recv_message(sv[0], &r, &m), 1);
	assert_string_equal(m.data, "{\"n\":7,\"pad\":\"ppp\"}");
	assert_int_equal(m.n_fds, 2);
	for (int i = 0; i < 2; i++) {
		dev_t d;
		ino_t n;

		fd_id(m.fds[i], &d, &n);
		assert_int_equal(d, dev[i]);
		assert_int_equal(n, ino[i]);
		assert_true(fcntl(m.fds[i], F_GETFD) & FD_CLOEXEC);
	}
	proto_message_done(&m);
	proto_reader_done(&r);
	proto_writer_done(&w);
	close(sv[0]);
	close(sv[1]);
}

static void test_queue_rejects(void **state)
{
	struct proto_writer w;
	int fd = new_fd(), many[PROTO_FDS_MAX + 1];

	proto_writer_init(&w);
	/* A NUL inside the text would split it on the wire. */
	assert_int_equal(proto_writer_queue(&w, "{}\0{}", 5, &fd, 1), -EINVAL);
	assert_int_equal(fd, -EBADF);
	assert_int_equal(proto_writer_pending(&w), 0);

	for (size_t i = 0; i < ELEMENTSOF(many); i++)
		many[i] = new_fd();
	assert_int_equal(proto_writer_queue(&w, "{}", 2, many, ELEMENTSOF(many)), -EINVAL);
	for (size_t i = 0; i < ELEMENTSOF(many); i++)
		assert_int_equal(many[i], -EBADF);

	fd = new_fd();
	assert_int_equal(proto_writer_queue_json(&w, NULL, &fd, 1), -EINVAL);
	assert_int_equal(fd, -EBADF);
	proto_writer_done(&w);
}

static void test_done_closes_unsent(void **state)
{
	struct proto_writer w;
	int fds[2] = { new_fd(), new_fd() };
	const int orig[2] = { fds[0], fds[1] };

	proto_writer_init(&w);
	assert_int_equal(proto_writer_queue(&w, "{}", 2, fds, 2), 0);
	assert_int_equal(proto_writer_queue(&w, "{\"b\":1}", 7, NULL, 0), 0);
	assert_int_equal(proto_writer_pending(&w), 3 + 8);
	assert_true(fd_is_open(orig[0]));
	proto_writer_done(&w);
	assert_false(fd_is_open(orig[0]));
	assert_false(fd_is_open(orig[1]));
	assert_null(w.head);
	assert_int_equal(proto_writer_pending(&w), 0);
}

static void test_partial_writes(void **state)
{
	enum { N = 4, PAD = 150000 };
	struct proto_writer w;
	struct proto_reader r;
	int sv[2], size = 4096;
	dev_t dev[N];
	ino_t ino[N];
	int64_t next = 0;
	bool saw_partial = false;

	pair(sv);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);

	proto_writer_init(&w);
	/* Large messages with an fd each, and a small one without, back to back. */
	for (int i = 0; i < N; i++) {
		_cleanup_json_ struct json_object *o = make_msg(i, i == 2 ? 0 : PAD);
		int fd = new_fd();

		fd_id(fd, &dev[i], &ino[i]);
		assert_int_equal(
			proto_writer_queue_json(&w, o, i == 2 ? NULL : &fd, i == 2 ? 0 : 1), 0);
		if (i == 2)
			close(fd);
	}

	proto_reader_init(&r, &(struct proto_limits){ .max_message = 1 << 20, .max_fds = 1 });
	for (;;) {
		struct proto_message m = {};
		int k = proto_writer_flush(&w, sv[1]);

		assert_true(k >= 0);
		if (k == 0) {
			assert_true(proto_writer_pending(&w) > 0);
			saw_partial = true;
		}
		for (;;) {
			int f = proto_reader_fill(&r, sv[0]);

			if (f == -EAGAIN)
				break;
			assert_true(f > 0);
		}
		while (proto_reader_next(&r, &m) == 1) {
			assert_int_equal(message_n(&m), next);
			if (next == 2)
				assert_int_equal(m.n_fds, 0);
			else {
				dev_t d;
				ino_t n;

				assert_int_equal(m.n_fds, 1);
				fd_id(m.fds[0], &d, &n);
				assert_int_equal(d, dev[next]);
				assert_int_equal(n, ino[next]);
			}
			next++;
			proto_message_done(&m);
		}
		if (k == 1)
			break;
	}
	assert_true(saw_partial);
	assert_int_equal(next, N);
	assert_int_equal(proto_writer_pending(&w), 0);
	assert_int_equal(proto_reader_pending(&r), 0);
	proto_reader_done(&r);
	proto_writer_done(&w);
	close(sv[0]);
	close(sv[1]);
}

static void test_epipe(void **state)
{
	struct proto_writer w;
	int sv[2], fd = new_fd(), orig = fd;

	pair(sv);
	close(sv[0]);
	proto_writer_init(&w);
	assert_int_equal(proto_writer_queue(&w, "{}", 2, &fd, 1), 0);
	/* MSG_NOSIGNAL: an error, not SIGPIPE. */
	assert_int_equal(proto_writer_flush(&w, sv[1]), -EPIPE);
	assert_int_equal(proto_writer_pending(&w), 3);
	assert_true(fd_is_open(orig)); /* not sent, still owned by the writer */
	proto_writer_done(&w);
	assert_false(fd_is_open(orig));
	close(sv[1]);

	pair(sv);
	close(sv[0]);
	{
		_cleanup_json_ struct json_object *o = make_msg(1, 1);

		assert_int_equal(proto_send_json(sv[1], o, NULL, 0), -EPIPE);
	}
	close(sv[1]);
}

static void test_send_json_blocking(void **state)
{
	_cleanup_json_ struct json_object *o = make_msg(42, 500000);
	int sv[2], fd = new_fd(), status;
	dev_t dev;
	ino_t ino;
	pid_t pid;

	fd_id(fd, &dev, &ino);
	pair(sv);
	/* Non-blocking and larger than the socket buffer: proto_send_json() must poll. */
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka asserts in the child: it reports through its exit status. */
		struct proto_reader r;
		struct proto_message m = {};
		struct json_object *parsed = NULL, *v;
		struct stat st;
		bool ok;

		close(sv[1]);
		usleep(50 * 1000);
		proto_reader_init(&r,
				  &(struct proto_limits){ .max_message = 1 << 20, .max_fds = 1 });
		ok = proto_recv_message(sv[0], &r, &m) == 1 && m.n_fds == 1 && m.len > 500000 &&
		     proto_json_parse(m.data, m.len, PROTO_DEPTH_MAX, &parsed) == 0 &&
		     json_object_object_get_ex(parsed, "n", &v) && json_object_get_int64(v) == 42 &&
		     fstat(m.fds[0], &st) == 0 && st.st_dev == dev && st.st_ino == ino;
		json_object_put(parsed);
		proto_message_done(&m);
		proto_reader_done(&r);
		_exit(ok ? 0 : 1);
	}
	close(sv[0]);
	assert_int_equal(proto_send_json(sv[1], o, &fd, 1), 0);
	assert_int_equal(fd, -EBADF);
	close(sv[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_queue_rejects),
		cmocka_unit_test(test_done_closes_unsent),
		cmocka_unit_test(test_partial_writes),
		cmocka_unit_test(test_epipe),
		cmocka_unit_test(test_send_json_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
