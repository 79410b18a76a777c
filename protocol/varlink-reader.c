/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Receive side of the framing: NUL-terminated messages and their SCM_RIGHTS fds. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "protocol/cleanup.h"
#include "protocol/util.h"
#include "protocol/varlink.h"

const struct proto_limits proto_limits_default = {
	.max_message = 256u << 10,
	.max_depth = 16,
	.max_fds = 4,
};

/* The smallest buffer for an incomplete message; an idle reader holds none at all. */
#define READER_BUF_MIN 4096u
/* Bytes taken by one recvmsg(); bounds the messages one read can complete. */
#define READER_READ_CHUNK (16u << 10)
/* A drained FIFO keeps its array only up to this many slots. */
#define READER_READY_KEEP 8u

void proto_message_done(struct proto_message *m)
{
	if (!m)
		return;
	free(m->data);
	close_many(m->fds, m->n_fds);
	free(m->fds);
	*m = (struct proto_message){};
}

int proto_message_take_fd(struct proto_message *m, size_t i)
{
	if (!m || i >= m->n_fds || m->fds[i] < 0)
		return -EBADF;
	return TAKE_FD(m->fds[i]);
}

void proto_reader_init(struct proto_reader *r, const struct proto_limits *limits)
{
	*r = (struct proto_reader){ .limits = limits ? *limits : proto_limits_default };

	if (r->limits.max_message > PROTO_MESSAGE_MAX)
		r->limits.max_message = PROTO_MESSAGE_MAX;
	if (r->limits.max_fds > PROTO_FDS_MAX)
		r->limits.max_fds = PROTO_FDS_MAX;
	if (r->limits.max_depth > PROTO_DEPTH_MAX)
		r->limits.max_depth = PROTO_DEPTH_MAX;
}

void proto_reader_done(struct proto_reader *r)
{
	struct proto_limits limits = r->limits;

	free(r->buf);
	close_many(r->cur_fds, r->n_cur_fds);
	free(r->cur_fds);
	for (size_t i = 0; i < r->n_ready; i++)
		proto_message_done(&r->ready[r->head_ready + i]);
	free(r->ready);
	if (r->tok)
		json_tokener_free(r->tok);
	*r = (struct proto_reader){ .limits = limits };
}

size_t proto_reader_pending(const struct proto_reader *r)
{
	return r->len;
}

int proto_reader_next(struct proto_reader *r, struct proto_message *ret)
{
	if (r->n_ready == 0)
		return 0;

	*ret = r->ready[r->head_ready];
	r->ready[r->head_ready++] = (struct proto_message){};
	if (--r->n_ready == 0) {
		r->head_ready = 0;
		if (r->cap_ready > READER_READY_KEEP) {
			r->ready = mfree(r->ready);
			r->cap_ready = 0;
		}
	}
	return 1;
}

/* Room in the FIFO for n more messages; compacts before it grows. */
static int ready_reserve(struct proto_reader *r, size_t n)
{
	struct proto_message *a;
	size_t cap;

	if (r->cap_ready - r->head_ready - r->n_ready >= n)
		return 0;
	if (r->head_ready > 0) {
		memmove(r->ready, r->ready + r->head_ready, r->n_ready * sizeof(*r->ready));
		r->head_ready = 0;
		if (r->cap_ready - r->n_ready >= n)
			return 0;
	}
	cap = r->cap_ready ? r->cap_ready : READER_READY_KEEP;
	while (cap - r->n_ready < n)
		cap *= 2;
	a = reallocarray(r->ready, cap, sizeof(*a));
	if (!a)
		return -ENOMEM;
	r->ready = a;
	r->cap_ready = cap;
	return 0;
}

/* Capacity for at least n bytes of incomplete message; contents are kept. */
static int buf_reserve(struct proto_reader *r, size_t n)
{
	size_t cap = r->cap ? r->cap : READER_BUF_MIN;
	char *b;

	if (n <= r->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	b = realloc(r->buf, cap);
	if (!b)
		return -ENOMEM;
	r->buf = b;
	r->cap = cap;
	return 0;
}

/* Give memory back once the incomplete message is gone or much smaller than the buffer. */
static void buf_shrink(struct proto_reader *r)
{
	size_t cap = r->cap;
	char *b;

	if (r->len == 0) {
		r->buf = mfree(r->buf);
		r->cap = 0;
		return;
	}
	while (cap / 2 >= READER_BUF_MIN && cap / 4 >= r->len)
		cap /= 2;
	if (cap == r->cap)
		return;
	b = realloc(r->buf, cap);
	if (!b)
		return; /* the larger buffer still works */
	r->buf = b;
	r->cap = cap;
}

/* What one read does to the reader, worked out before anything changes. */
struct feed_plan {
	const char *tail;       /* the bytes after the last NUL: an incomplete message */
	size_t tail_len;
	size_t n_complete;      /* messages this read completes */
	bool ends_with_nul;     /* the last byte completes a message (and takes the fds) */
	bool fds_join_open;     /* the fds go to the message that was open before this read */
};

/*
 * Framing: split data at its NULs and check the size of every message it completes and
 * of the one it leaves open (which continues the open message when nothing completes).
 */
static int feed_plan_frames(const struct proto_reader *r, const char *d, size_t len,
			    struct feed_plan *ret)
{
	const char *end = d + len;
	struct feed_plan plan = { .tail = d };
	size_t cur = r->len;

	for (const char *p = d;;) {
		const char *nul = memchr(p, 0, (size_t)(end - p));
		size_t seg = (size_t)((nul ? nul : end) - p);

		if (seg > r->limits.max_message || cur > r->limits.max_message - seg)
			return -EMSGSIZE;
		if (!nul)
			break;
		plan.n_complete++;
		cur = 0;
		p = nul + 1;
		plan.tail = p;
	}
	plan.ends_with_nul = d[len - 1] == '\0';
	plan.tail_len = (size_t)(end - plan.tail);
	*ret = plan;
	return 0;
}

/*
 * fd collection: the fds of this read belong to the message holding its last byte. That
 * message also holds the fds of earlier reads when it is the one that was open before.
 * Checks the limit and allocates the array they will sit in (*ret_fresh when the message
 * is a new one); the reader's own array is allocated in place, which changes nothing.
 */
static int feed_plan_fds(struct proto_reader *r, struct feed_plan *plan, size_t n_fds,
			 int **ret_fresh)
{
	plan->fds_join_open = plan->n_complete == (plan->ends_with_nul ? 1u : 0u);
	if ((plan->fds_join_open ? r->n_cur_fds : 0) + n_fds > r->limits.max_fds)
		return -ETOOMANYREFS;
	if (n_fds == 0)
		return 0;
	if (plan->fds_join_open) {
		if (!r->cur_fds) {
			r->cur_fds = malloc(PROTO_FDS_MAX * sizeof(int));
			if (!r->cur_fds)
				return -ENOMEM;
		}
		return 0;
	}
	*ret_fresh = malloc(PROTO_FDS_MAX * sizeof(int));
	return *ret_fresh ? 0 : -ENOMEM;
}

/*
 * Room for the open message and the FIFO slots, and a copy of each completed message
 * (the open bytes of buf + its segment of d) in ready[base...]. On failure the copies
 * made so far are freed and the reader's contents are as they were.
 */
static int feed_stage_messages(struct proto_reader *r, const char *d, size_t len,
			       const struct feed_plan *plan, size_t *ret_base)
{
	const char *end = d + len, *p = d;
	size_t cur = r->len, base;
	int ret;

	if (plan->n_complete > 0)
		ret = buf_reserve(r, r->len > plan->tail_len ? r->len : plan->tail_len);
	else
		ret = buf_reserve(r, r->len + plan->tail_len);
	if (ret < 0)
		return ret;
	ret = ready_reserve(r, plan->n_complete);
	if (ret < 0)
		return ret;

	base = r->head_ready + r->n_ready;
	for (size_t k = 0; k < plan->n_complete; k++) {
		const char *nul = memchr(p, 0, (size_t)(end - p));
		size_t seg = (size_t)(nul - p);
		char *m = malloc(cur + seg + 1);

		if (!m) {
			while (k > 0) {
				k--;
				r->ready[base + k].data = mfree(r->ready[base + k].data);
			}
			return -ENOMEM;
		}
		if (cur > 0)
			memcpy(m, r->buf, cur);
		memcpy(m + cur, p, seg + 1);
		r->ready[base + k] = (struct proto_message){ .data = m, .len = cur + seg };
		cur = 0;
		p = nul + 1;
	}
	*ret_base = base;
	return 0;
}

/* Commit: hand the staged messages their fds, keep the tail. Nothing fails here. */
static void feed_commit(struct proto_reader *r, const struct feed_plan *plan, size_t base,
			const int *owned, size_t n_fds, int *fresh)
{
	for (size_t k = 0; k < plan->n_complete; k++) {
		struct proto_message *m = &r->ready[base + k];

		if (k == 0) {
			m->fds = TAKE_PTR(r->cur_fds);
			m->n_fds = r->n_cur_fds;
			r->n_cur_fds = 0;
		}
		if (plan->ends_with_nul && k == plan->n_complete - 1 && n_fds > 0) {
			if (k > 0)
				m->fds = TAKE_PTR(fresh);
			memcpy(m->fds + m->n_fds, owned, n_fds * sizeof(int));
			m->n_fds += n_fds;
		}
		if (m->n_fds == 0)
			m->fds = mfree(m->fds);
	}
	r->n_ready += plan->n_complete;

	if (plan->n_complete > 0)
		r->len = 0;
	if (plan->tail_len > 0) {
		memcpy(r->buf + r->len, plan->tail, plan->tail_len);
		r->len += plan->tail_len;
	}
	if (!plan->ends_with_nul && n_fds > 0) {
		if (!plan->fds_join_open)
			r->cur_fds = TAKE_PTR(fresh);
		memcpy(r->cur_fds + r->n_cur_fds, owned, n_fds * sizeof(int));
		r->n_cur_fds += n_fds;
	}
	free(fresh); /* still here only when no message took it */
	buf_shrink(r);
}

/*
 * The frame logic shared by fill and feed. Everything that can fail (limits, memory) is
 * checked before the reader changes, so on error the reader is as it was and the fds of
 * this read are closed. The bytes of that read are gone, though: the stream has lost its
 * framing and the caller must drop the connection.
 */
int proto_reader_feed(struct proto_reader *r, const void *data, size_t len, const int *fds,
		      size_t n_fds)
{
	_cleanup_free_ int *fresh = NULL;
	struct feed_plan plan;
	int owned[PROTO_FDS_MAX];
	size_t base;
	int ret;

	/* From here on the fds are ours. */
	if (n_fds > PROTO_FDS_MAX) {
		for (size_t i = 0; i < n_fds; i++)
			safe_close(fds[i]);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n_fds; i++)
		owned[i] = fds[i];

	if (len == 0) {
		/* No bytes: EOF. fds cannot ride on nothing on a stream socket. */
		ret = n_fds > 0 ? -EBADMSG : 0;
		goto fail;
	}
	if (len > SSIZE_MAX || !data) {
		ret = -EINVAL;
		goto fail;
	}

	ret = feed_plan_frames(r, data, len, &plan);
	if (ret < 0)
		goto fail;
	ret = feed_plan_fds(r, &plan, n_fds, &fresh);
	if (ret < 0)
		goto fail;
	ret = feed_stage_messages(r, data, len, &plan, &base);
	if (ret < 0)
		goto fail;
	feed_commit(r, &plan, base, owned, n_fds, TAKE_PTR(fresh));
	return (int)(len > INT_MAX ? INT_MAX : len);

fail:
	close_many(owned, n_fds);
	return ret;
}

int proto_reader_fill(struct proto_reader *r, int fd)
{
	char data[READER_READ_CHUNK];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROTO_FDS_MAX)];
	} control;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	int fds[PROTO_FDS_MAX];
	size_t n_fds = 0;
	bool bad = false;
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(0)) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (n_fds < PROTO_FDS_MAX)
					fds[n_fds++] = f;
				else
					safe_close(f); /* cannot happen: the buffer holds no more */
			}
		} else
			bad = true; /* SCM_CREDENTIALS and the like: not part of this protocol */
	}
	if (bad || (mh.msg_flags & MSG_CTRUNC)) {
		close_many(fds, n_fds);
		return -EBADMSG;
	}

	return proto_reader_feed(r, data, (size_t)n, fds, n_fds);
}

int proto_recv_message(int fd, struct proto_reader *r, struct proto_message *ret)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k;

		k = proto_reader_next(r, ret);
		if (k != 0)
			return k;

		k = proto_reader_fill(r, fd);
		if (k > 0)
			continue;
		if (k == 0)
			return proto_reader_pending(r) > 0 ? -EBADMSG : 0;
		if (k != -EAGAIN)
			return k;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
}
