/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Send side of the framing: a FIFO of NUL-terminated messages, fds with their first byte. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

/*
 * One queued message. Each goes out in sendmsg() calls of its own: the receiver gives
 * the fds of a read to the message holding the read's last byte, which is only right when
 * the skb that carries the fds starts with the message's first byte and holds nothing of
 * the message after it.
 */
struct proto_outmsg {
	struct proto_outmsg *next;
	int fds[PROTO_FDS_MAX];
	size_t n_fds; /* not yet sent (closed once they are) */
	size_t len;   /* text and terminating NUL */
	size_t off;   /* bytes already sent */
	char data[];
};

static void outmsg_free(struct proto_outmsg *m)
{
	close_many(m->fds, m->n_fds);
	free(m);
}

void proto_writer_init(struct proto_writer *w)
{
	*w = (struct proto_writer){};
}

void proto_writer_done(struct proto_writer *w)
{
	while (w->head) {
		struct proto_outmsg *m = w->head;

		w->head = m->next;
		outmsg_free(m);
	}
	*w = (struct proto_writer){};
}

size_t proto_writer_pending(const struct proto_writer *w)
{
	return w->queued_bytes;
}

/* Take ownership of the caller's fds: close them, and mark the caller's copies gone. */
static void fds_drop(int *fds, size_t n_fds)
{
	if (fds)
		close_many(fds, n_fds);
}

/*
 * The caller's fds[] entries are set to -EBADF on return, success or not: the writer owns
 * (or has closed) them. Text with a NUL inside is -EINVAL: it would end the message early.
 */
int proto_writer_queue(struct proto_writer *w, const char *text, size_t len, int *fds, size_t n_fds)
{
	struct proto_outmsg *m;

	if (n_fds > PROTO_FDS_MAX || (n_fds > 0 && !fds) || (!text && len > 0) ||
	    len > PROTO_MESSAGE_MAX || (len > 0 && memchr(text, 0, len))) {
		fds_drop(fds, n_fds);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_fds; i++)
		if (fds[i] < 0) {
			fds_drop(fds, n_fds);
			return -EINVAL;
		}

	m = malloc(sizeof(*m) + len + 1);
	if (!m) {
		fds_drop(fds, n_fds);
		return -ENOMEM;
	}
	*m = (struct proto_outmsg){ .n_fds = n_fds, .len = len + 1 };
	if (len > 0)
		memcpy(m->data, text, len);
	m->data[len] = '\0';
	for (size_t i = 0; i < n_fds; i++)
		m->fds[i] = TAKE_FD(fds[i]);

	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	w->queued_bytes += m->len;
	return 0;
}

int proto_writer_queue_json(struct proto_writer *w, struct json_object *o, int *fds, size_t n_fds)
{
	const char *text;
	size_t len;

	if (!o) {
		fds_drop(fds, n_fds);
		return -EINVAL;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		fds_drop(fds, n_fds);
		return -ENOMEM;
	}
	len = strlen(text);
	return proto_writer_queue(w, text, len, fds, n_fds);
}

/* One sendmsg() of the head message; the byte count, or -errno. */
static ssize_t outmsg_send(struct proto_outmsg *m, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * PROTO_FDS_MAX)];
	} control;
	struct iovec iov = { .iov_base = m->data + m->off, .iov_len = m->len - m->off };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (m->n_fds > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = &control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->n_fds);
		c = &control.align; /* CMSG_FIRSTHDR(&mh), which cannot be NULL here */
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * m->n_fds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->n_fds);
	}

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	/* The kernel now holds the fds for the peer: ours go, and never a second time. */
	close_many(m->fds, m->n_fds);
	m->n_fds = 0;
	return n;
}

int proto_writer_flush(struct proto_writer *w, int fd)
{
	while (w->head) {
		struct proto_outmsg *m = w->head;
		ssize_t n;

		n = outmsg_send(m, fd);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;

		m->off += (size_t)n;
		w->queued_bytes -= (size_t)n;
		if (m->off < m->len)
			continue;

		w->head = m->next;
		if (!w->head)
			w->tail = NULL;
		outmsg_free(m);
	}
	return 1;
}

int proto_send_json(int fd, struct json_object *o, int *fds, size_t n_fds)
{
	struct proto_writer w;
	int r;

	proto_writer_init(&w);
	r = proto_writer_queue_json(&w, o, fds, n_fds);
	while (r >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		r = proto_writer_flush(&w, fd);
		if (r != 0)
			break;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			r = -errno;
	}
	proto_writer_done(&w);
	return r < 0 ? r : 0;
}
