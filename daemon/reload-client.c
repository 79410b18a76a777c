/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld --reload: ask the running daemon to read its policy again, and say how it went. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/reload-client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

#define RELOAD_TIMEOUT_MS 30000

/* One reply to the call sent on fd, within RELOAD_TIMEOUT_MS. */
static int receive_reply(int fd, struct proto_reply *ret)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct proto_message m = {};
	struct proto_reader rd;
	const char *bad = NULL;
	int r;

	proto_reader_init(&rd, &proto_limits_default);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		r = proto_reader_next(&rd, &m);
		if (r != 0)
			break;
		r = proto_reader_fill(&rd, fd);
		if (r > 0)
			continue;
		if (r == 0)
			r = -ECONNRESET;
		if (r != -EAGAIN)
			break;
		r = poll(&p, 1, RELOAD_TIMEOUT_MS);
		if (r == 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (r < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	proto_reader_done(&rd);
	if (r < 0)
		return r;
	r = m.n_fds > 0 ? -EPROTO : proto_json_parse(m.data, m.len, PROTO_DEPTH_MAX, &o);
	proto_message_done(&m);
	if (r < 0)
		return r;
	return proto_reply_decode(o, ret, &bad);
}

int reload_client(const char *socket_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_json_ struct json_object *call = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct proto_reply reply = {};
	struct json_object *v;
	int r;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nsctld: socket path too long: %s\n", socket_path);
		return 1;
	}
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "nsctld: cannot connect to %s: %m\n", socket_path);
		return 1;
	}
	call = proto_call_new(NSCTL_METHOD_RELOAD, NULL, false);
	r = call ? proto_send_json(fd, call, NULL, 0) : -ENOMEM;
	if (r >= 0)
		r = receive_reply(fd, &reply);
	if (r < 0) {
		fprintf(stderr, "nsctld: no answer from %s: %s\n", socket_path, strerror(-r));
		return 1;
	}
	if (reply.error) {
		if (strcmp(reply.error, NSCTL_ERROR_POLICY_INVALID) == 0 &&
		    json_object_object_get_ex(reply.parameters, "message", &v) &&
		    json_object_is_type(v, json_type_string))
			fprintf(stderr,
				"nsctld: policy not reloaded (the last good one stays; without "
				"one, every call is refused): %s\n",
				json_object_get_string(v));
		else if (strcmp(reply.error, VARLINK_ERROR_PERMISSION_DENIED) == 0)
			fprintf(stderr, "nsctld: only root may reload the policy\n");
		else
			fprintf(stderr, "nsctld: reload failed: %s %s\n", reply.error,
				json_object_to_json_string_ext(reply.parameters,
							       JSON_C_TO_STRING_PLAIN));
		proto_reply_done(&reply);
		return 1;
	}
	if (json_object_object_get_ex(reply.parameters, "rules", &v) &&
	    json_object_is_type(v, json_type_int))
		printf("policy reloaded: %lld rule%s\n", (long long)json_object_get_int64(v),
		       json_object_get_int64(v) == 1 ? "" : "s");
	else
		printf("policy reloaded\n");
	proto_reply_done(&reply);
	return 0;
}
