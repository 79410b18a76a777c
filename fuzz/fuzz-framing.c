/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: the daemon's receive path, from bytes and fds to decoded requests. */

/*
 * The input is the byte stream a client sends. It is fed twice: whole, as one recvmsg()
 * would return it, and cut into pieces at pseudo-random places derived from the input
 * itself (so a crash reproduces from the file alone), with fds attached to some pieces.
 * Every complete message goes the daemon's way: strict JSON, the call envelope, the Run
 * and Kill field tables; a decoded Run is encoded again and must decode to the same
 * request. A model of the framing predicts which fds each message carries (those of a
 * read go to the message holding its last byte), and every message must carry exactly
 * those, in order. Checked after each input: every fd handed to the reader was closed,
 * by the reader or by the harness that took it, exactly as the daemon would.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every fd this input handed to the reader; all must be closed when it is done. */
#define FDS_TRACKED_MAX 4096
static int tracked[FDS_TRACKED_MAX];
static size_t n_tracked;
static int null_fd = -1;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static int new_fd(void)
{
	int fd;

	if (null_fd < 0) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		check(null_fd >= 0);
	}
	fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
	check(fd >= 0);
	check(n_tracked < FDS_TRACKED_MAX);
	tracked[n_tracked++] = fd;
	return fd;
}

static bool strv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool str_equal(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

/* A decoded Run encodes to JSON that decodes to the same request. */
static void check_run_roundtrip(const struct run_request *req, unsigned max_depth)
{
	_cleanup_json_ struct json_object *o = run_request_to_json(req);
	_cleanup_json_ struct json_object *back = NULL;
	struct run_request again = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	const char *text, *bad = NULL;

	if (!o)
		return; /* out of memory */
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	check(text != NULL);
	check(proto_json_parse(text, strlen(text), max_depth, &back) == 0);
	check(run_request_from_json(back, &again, &bad) == 0);
	check(str_equal(req->target, again.target));
	check(req->ns_mask == again.ns_mask);
	check(strv_equal(req->argv, again.argv));
	check(strv_equal(req->env, again.env));
	check(str_equal(req->cwd, again.cwd));
	check(str_equal(req->reason, again.reason));
	check(req->stdin_fd == again.stdin_fd && req->stdout_fd == again.stdout_fd &&
	      req->stderr_fd == again.stderr_fd);
	run_request_done(&again);
}

/* What the daemon does with one complete message, minus the side effects. */
static void handle_message(struct proto_reader *r, struct proto_message *m,
			   const struct proto_limits *limits)
{
	_cleanup_json_ struct json_object *o = NULL, *fresh = NULL;
	struct proto_call call = {};
	struct proto_reply reply = {};
	const char *bad = NULL;
	int k;

	/* The reader hands out text without the terminator and without NULs inside. */
	check(m->data != NULL && strlen(m->data) == m->len);
	check(m->len <= limits->max_message);
	check(m->n_fds <= limits->max_fds);

	/* The daemon parses through the reader's tokener, kept from message to message. */
	k = proto_reader_parse(r, m, &o);
	check(k == proto_json_parse(m->data, m->len, limits->max_depth, &fresh));
	if (k < 0)
		return;
	check(json_object_is_type(o, json_type_object));
	check(json_object_equal(o, fresh));

	/* The client's side decodes replies from the same kind of text. */
	if (proto_reply_decode(o, &reply, &bad) == 0)
		proto_reply_done(&reply);

	if (proto_call_decode(o, &call, &bad) < 0)
		return;
	check(call.method != NULL && call.parameters != NULL);

	if (strcmp(call.method, NSCTL_METHOD_KILL) == 0) {
		struct kill_request k;

		if (kill_request_from_json(call.parameters, &k, &bad) == 0)
			check(k.signal >= 1);
	} else if (strcmp(call.method, NSCTL_METHOD_LIST_SESSIONS) == 0) {
		struct list_sessions_request l;
		struct session_info si;

		(void)list_sessions_request_from_json(call.parameters, &l, &bad);
		/* The client decodes Session records of the same shape. */
		if (session_info_from_json(call.parameters, &si, &bad) == 0) {
			check(si.target && si.state);
			session_info_done(&si);
		}
	} else {
		struct run_request req;

		if (run_request_from_json(call.parameters, &req, &bad) == 0) {
			check(req.target && req.argv && req.argv[0] && req.ns_mask != 0);
			check((req.ns_mask & ~NS_MASK_ALL) == 0);
			check_run_roundtrip(&req, limits->max_depth);
			/* Take the stdio fds like the daemon; an index may be absent. */
			int idx[3] = { req.stdin_fd, req.stdout_fd, req.stderr_fd };
			for (int i = 0; i < 3; i++) {
				int fd = proto_message_take_fd(m, (size_t)idx[i]);

				check(fd >= 0 || fd == -EBADF);
				safe_close(fd);
			}
			run_request_done(&req);
		} else {
			check(bad != NULL || !json_object_is_type(call.parameters,
								  json_type_object));
		}
	}
	proto_call_done(&call);
}

/* A small PRNG (xorshift32) seeded from the input, so that splits are reproducible. */
static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static uint32_t hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

/*
 * The model: the fds each completed message must carry, in order (a FIFO of fd lists),
 * and those of the message still open.
 */
#define MODEL_MAX 4096
struct model {
	int fds[MODEL_MAX][PROTO_FDS_MAX];
	size_t n_fds[MODEL_MAX];
	size_t head, tail;
	int open_fds[PROTO_FDS_MAX];
	size_t n_open;
};
static struct model model;

/* What the reader must do with one read of data[0..n) that carried fds[0..n_fds). */
static void model_feed(const uint8_t *data, size_t n, const int *fds, size_t n_fds)
{
	size_t nuls = 0;

	for (size_t i = 0; i < n; i++)
		nuls += data[i] == 0;
	for (size_t i = 0; i < nuls; i++) {
		size_t t = model.tail++;

		check(t < MODEL_MAX);
		model.n_fds[t] = 0;
		if (i == 0) {
			memcpy(model.fds[t], model.open_fds, model.n_open * sizeof(int));
			model.n_fds[t] = model.n_open;
			model.n_open = 0;
		}
		if (i == nuls - 1 && data[n - 1] == 0) {
			memcpy(model.fds[t] + model.n_fds[t], fds, n_fds * sizeof(int));
			model.n_fds[t] += n_fds;
		}
	}
	if (data[n - 1] != 0) {
		memcpy(model.open_fds + model.n_open, fds, n_fds * sizeof(int));
		model.n_open += n_fds;
	}
}

/* The message carries the fds the model predicted for it. */
static void model_check(const struct proto_message *m)
{
	size_t h = model.head++;

	check(h < model.tail);
	check(m->n_fds == model.n_fds[h]);
	for (size_t i = 0; i < m->n_fds; i++)
		check(m->fds[i] == model.fds[h][i]);
}

/* Feed data in pieces; returns when the stream breaks or ends. */
static void run_stream(const uint8_t *data, size_t size, bool split,
		       const struct proto_limits *limits)
{
	struct proto_reader r;
	uint32_t seed = hash(data, size);
	size_t off = 0;

	model.head = model.tail = model.n_open = 0;

	proto_reader_init(&r, limits);
	while (off < size) {
		int fds[PROTO_FDS_MAX + 2];
		size_t n = size - off, n_fds = 0;
		uint32_t x = rng_next(&seed);
		struct proto_message m;
		int k;

		if (split) {
			/* Mostly short pieces, now and then a long one. */
			size_t piece = (x & 7) == 0 ? 1 + (x >> 8) % 4096 : 1 + (x >> 8) % 24;

			if (piece < n)
				n = piece;
			x = rng_next(&seed);
			/* Usually no fds; sometimes within the limit; rarely too many. */
			n_fds = (x & 3) == 0 ? (x >> 4) % 3 : 0;
			if ((x & 255) == 1)
				n_fds = limits->max_fds + 1;
		} else {
			n_fds = (seed & 1) ? 3 : 0;
		}
		if (n_fds > ELEMENTSOF(fds))
			n_fds = ELEMENTSOF(fds);
		for (size_t i = 0; i < n_fds; i++)
			fds[i] = new_fd();

		k = proto_reader_feed(&r, data + off, n, fds, n_fds);
		if (k < 0) {
			check(k == -EMSGSIZE || k == -ETOOMANYREFS || k == -EBADMSG ||
			      k == -ENOMEM);
			break; /* the daemon drops such a connection */
		}
		check((size_t)k == n);
		model_feed(data + off, n, fds, n_fds);
		off += n;

		while (proto_reader_next(&r, &m) > 0) {
			model_check(&m);
			handle_message(&r, &m, limits);
			proto_message_done(&m);
		}
		check(proto_reader_pending(&r) <= limits->max_message);
	}
	proto_reader_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The daemon's limits, and small ones so that the limit paths are reached often. */
	static const struct proto_limits small = {
		.max_message = 512,
		.max_depth = 4,
		.max_fds = 2,
	};

	n_tracked = 0;
	run_stream(data, size, false, &proto_limits_default);
	run_stream(data, size, true, &proto_limits_default);
	run_stream(data, size, true, &small);

	/* No fd may outlive its reader or its message. */
	for (size_t i = 0; i < n_tracked; i++)
		check(fcntl(tracked[i], F_GETFD) < 0 && errno == EBADF);
	return 0;
}
