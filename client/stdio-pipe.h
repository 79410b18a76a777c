/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pipes nsctl puts between its own stdio and the command when nsctld refuses an fd. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define STDIO_PIPE_BUF 65536

/* One direction: from fd `from` to fd `to`, one of them a pipe end of ours (non-blocking). */
struct stdio_copy {
	int from, to;          /* -EBADF: not interposed, or finished */
	bool to_pipe;          /* stdin: we write into the pipe; stdout/stderr: we read it */
	size_t len, off;       /* bytes in buf not yet written */
	bool eof;
	char buf[STDIO_PIPE_BUF];
};

struct stdio_pipes {
	struct stdio_copy c[3];
};

void stdio_pipes_init(struct stdio_pipes *p);

/*
 * Interpose a pipe for stdio index i (0, 1, 2): *sent (our copy of fd i, to be sent to
 * nsctld) is closed and replaced by the command's end of a new pipe; our end is kept.
 * 0 or -errno.
 */
int stdio_pipes_interpose(struct stdio_pipes *p, int i, int *sent);

/* The pollfds for what can move now (at most 3) into pfd; returns how many. */
size_t stdio_pipes_poll(struct stdio_pipes *p, struct pollfd *pfd);

/* Move what the pollfds of stdio_pipes_poll() allow. */
void stdio_pipes_handle(struct stdio_pipes *p, const struct pollfd *pfd, size_t n);

/* Copy the command's output until EOF on every interposed output pipe (blocking). */
void stdio_pipes_drain(struct stdio_pipes *p);

void stdio_pipes_done(struct stdio_pipes *p);
