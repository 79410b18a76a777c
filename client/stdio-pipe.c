/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pipes nsctl puts between its own stdio and the command when nsctld refuses an fd. */

/*
 * nsctld refuses some of the caller's fds for a reason the caller cannot change: a
 * regular file where the grant acts on files, a socket for a session with capabilities.
 * Such a Run is refused before anything runs (no worker is forked for it), so nsctl asks
 * again with a pipe of its own in that place and copies: one copy, here in the client,
 * never in the daemon. Output is copied until the pipe's EOF, which comes when the last
 * holder of the command's end is gone, so nothing is cut short; the exit status is the
 * command's. Our pipe ends are non-blocking so that a command that does not read its
 * stdin never stalls the client's loop; the caller's own fds keep their flags (they are
 * shared with whoever opened them).
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "client/stdio-pipe.h"
#include "protocol/cleanup.h"

void stdio_pipes_init(struct stdio_pipes *p)
{
	for (int i = 0; i < 3; i++) {
		p->c[i].from = p->c[i].to = -EBADF;
		p->c[i].len = p->c[i].off = 0;
		p->c[i].eof = false;
	}
}

int stdio_pipes_interpose(struct stdio_pipes *p, int i, int *sent)
{
	struct stdio_copy *c = &p->c[i];
	_cleanup_close_ int mine = -EBADF, theirs = -EBADF, user = -EBADF;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	/* stdin: we write into the pipe, the command reads; else the other way round. */
	mine = i == 0 ? pfd[1] : pfd[0];
	theirs = i == 0 ? pfd[0] : pfd[1];
	user = fcntl(i, F_DUPFD_CLOEXEC, 3);
	if (user < 0 || fcntl(mine, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	c->to_pipe = i == 0;
	c->from = i == 0 ? TAKE_FD(user) : TAKE_FD(mine);
	c->to = i == 0 ? TAKE_FD(mine) : TAKE_FD(user);
	safe_close(*sent);
	*sent = TAKE_FD(theirs);
	return 0;
}

static void finish(struct stdio_copy *c)
{
	c->from = safe_close(c->from);
	c->to = safe_close(c->to);
	c->len = c->off = 0;
}

size_t stdio_pipes_poll(struct stdio_pipes *p, struct pollfd *pfd)
{
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		struct stdio_copy *c = &p->c[i];

		if (c->from < 0)
			continue;
		if (c->len > c->off)
			pfd[n++] = (struct pollfd){ .fd = c->to, .events = POLLOUT };
		else
			pfd[n++] = (struct pollfd){ .fd = c->from, .events = POLLIN };
	}
	return n;
}

/* Write what is buffered; a full non-blocking pipe waits for POLLOUT. */
static void flush(struct stdio_copy *c)
{
	while (c->off < c->len) {
		ssize_t k = write(c->to, c->buf + c->off, c->len - c->off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return;
		if (k <= 0) {
			finish(c); /* the reader is gone (EPIPE): nothing more to copy */
			return;
		}
		c->off += (size_t)k;
	}
	c->len = c->off = 0;
	if (c->eof)
		finish(c);
}

static void step(struct stdio_copy *c)
{
	ssize_t k;

	if (c->len > c->off) {
		flush(c);
		return;
	}
	k = read(c->from, c->buf, sizeof(c->buf));
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {
		c->eof = true;
		finish(c);
		return;
	}
	c->len = (size_t)k;
	c->off = 0;
	flush(c);
}

void stdio_pipes_handle(struct stdio_pipes *p, const struct pollfd *pfd, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		if (!pfd[j].revents)
			continue;
		for (int i = 0; i < 3; i++)
			if (p->c[i].from >= 0 &&
			    (pfd[j].fd == p->c[i].from || pfd[j].fd == p->c[i].to)) {
				step(&p->c[i]);
				break;
			}
	}
}

void stdio_pipes_drain(struct stdio_pipes *p)
{
	/* stdin is of no use any more: the command has ended. */
	finish(&p->c[0]);
	for (;;) {
		struct pollfd pfd[3];
		size_t n = stdio_pipes_poll(p, pfd);

		if (n == 0)
			return;
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			return;
		stdio_pipes_handle(p, pfd, n);
	}
}

void stdio_pipes_done(struct stdio_pipes *p)
{
	for (int i = 0; i < 3; i++)
		finish(&p->c[i]);
}
