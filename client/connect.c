/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: finding and connecting to the nsctld socket, decoding replies, one-shot calls. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

const char *client_socket_path(const char *arg)
{
	const char *e;

	if (arg)
		return arg;
	e = getenv("NSCTL_SOCKET");
	if (e && *e)
		return e;
	return NSCTL_DEFAULT_SOCKET;
}

int client_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(path);

	/* No abstract sockets and no silent truncation: the path must fit with its NUL. */
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;

	*ret_fd = TAKE_FD(fd);
	return 0;
}

int client_reply_from_message(const struct proto_message *m, struct proto_reply *ret,
			      char *bad_field, size_t n)
{
	_cleanup_json_ struct json_object *o = NULL;
	const char *bad = NULL;
	int r;

	if (n > 0)
		bad_field[0] = '\0';
	/*
	 * Only the reply that starts a terminal session carries an fd, which its caller has
	 * taken out of the message before; anything else attached is a violation.
	 */
	for (size_t i = 0; i < m->n_fds; i++)
		if (m->fds[i] >= 0)
			return -EPROTO;
	r = proto_json_parse(m->data, m->len, proto_limits_default.max_depth, &o);
	if (r < 0)
		return r;
	r = proto_reply_decode(o, ret, &bad);
	/* bad may point into o, which goes away with this function: copy it. */
	if (r < 0 && bad && n > 0)
		snprintf(bad_field, n, "%s", bad);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for one complete message on fd, for at most timeout_ms in all. 1, 0 on EOF, -errno. */
static int recv_one(int fd, struct proto_reader *rd, int timeout_ms, struct proto_message *ret)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left;
		int r;

		r = proto_reader_next(rd, ret);
		if (r != 0)
			return r;

		r = proto_reader_fill(rd, fd);
		if (r == 0)
			return 0;
		if (r > 0)
			continue;
		if (r != -EAGAIN)
			return r;

		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int client_call(const char *path, const char *method, struct json_object *parameters,
		int timeout_ms, struct proto_reply *ret)
{
	_cleanup_json_ struct json_object *params = parameters;
	_cleanup_json_ struct json_object *call = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct proto_message m = {};
	struct proto_reader rd;
	char bad_field[64];
	int r;

	r = client_connect(path, &fd);
	if (r < 0)
		return r;

	call = proto_call_new(method, TAKE_PTR(params), false);
	if (!call)
		return -ENOMEM;
	r = proto_send_json(fd, call, NULL, 0);
	if (r < 0)
		return r;

	proto_reader_init(&rd, &proto_limits_default);
	r = recv_one(fd, &rd, timeout_ms, &m);
	proto_reader_done(&rd);
	if (r < 0)
		return r;
	if (r == 0)
		return -ECONNRESET;

	r = client_reply_from_message(&m, ret, bad_field, sizeof(bad_field));
	proto_message_done(&m);
	return r;
}

int client_ask(const char *socket_arg, const char *method, struct json_object *parameters,
	       struct proto_reply *ret)
{
	return client_ask_timeout(socket_arg, method, parameters, CLIENT_CALL_TIMEOUT_MS, ret);
}

int client_ask_timeout(const char *socket_arg, const char *method, struct json_object *parameters,
		       int timeout_ms, struct proto_reply *ret)
{
	const char *path = client_socket_path(socket_arg);
	struct proto_reply reply = {};
	int r;

	r = client_call(path, method, parameters, timeout_ms, &reply);
	if (r < 0) {
		client_log_connect_error(path, r);
		return NSCTL_EXIT_ERROR;
	}
	if (reply.error) {
		r = client_error_report(&reply);
		proto_reply_done(&reply);
		return r;
	}
	*ret = reply;
	return 0;
}
