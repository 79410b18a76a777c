/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "No second program": nsctld's side of a session's seccomp exec listener. */

/*
 * In a session with granted capabilities (without the rule's "exec" option), the worker
 * installs a seccomp filter whose execve and execveat go to a user-notification listener
 * just before it executes the checked file, and hands the listener to nsctld. Nothing
 * else runs under that filter before the worker's own execveat(), so the first
 * notification is that one: it is let through (SECCOMP_USER_NOTIF_FLAG_CONTINUE; safe
 * here because the arguments the kernel goes on with are the worker's own registers,
 * and the file is the fd it opened and checked). Every later exec of the command or of
 * anything it forks is answered EACCES. If nsctld is gone (or drops the listener) the
 * kernel answers ENOSYS instead: the guard fails closed. The loop never blocks: the
 * listener polls readable when a notification waits, and a notification whose task died
 * in between makes SECCOMP_IOCTL_NOTIF_RECV fail with ENOENT rather than wait.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/exec-guard.h"
#include "protocol/cleanup.h"

struct exec_guard {
	int listener;
	int expected_fd;
	bool first;
	unsigned refused;
	struct event *ev;
	struct seccomp_notif *req; /* of the kernel's size, zeroed before each receive */
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
};

int exec_guard_decide(bool *first, int nr, uint64_t arg0, uint64_t arg4, int expected_fd)
{
	bool was_first = *first;

	*first = false;
	return was_first && nr == __NR_execveat && arg0 == (uint64_t)(uint32_t)expected_fd &&
	       (arg4 & AT_EMPTY_PATH);
}

static void answer(struct exec_guard *g)
{
	int r;

	memset(g->req, 0, g->req_size);
	if (ioctl(g->listener, SECCOMP_IOCTL_NOTIF_RECV, g->req) < 0)
		return; /* ENOENT: the task died meanwhile; EINTR: it comes again */
	memset(g->resp, 0, g->resp_size);
	g->resp->id = g->req->id;
	r = exec_guard_decide(&g->first, g->req->data.nr, g->req->data.args[0],
			      g->req->data.args[4], g->expected_fd);
	if (r > 0) {
		g->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else {
		g->resp->error = -EACCES;
		g->refused++;
	}
	/* ENOENT: the task is gone; nothing else can fail for a well-formed answer. */
	(void)ioctl(g->listener, SECCOMP_IOCTL_NOTIF_SEND, g->resp);
}

static void on_listener(evutil_socket_t fd, short what, void *userdata)
{
	struct exec_guard *g = userdata;
	struct pollfd pfd = { .fd = g->listener, .events = POLLIN };

	if (poll(&pfd, 1, 0) <= 0)
		return;
	if (pfd.revents & POLLIN) {
		answer(g);
		return;
	}
	/* POLLHUP: every task under the filter is gone; nothing more can come. */
	event_del(g->ev);
}

int exec_guard_new(struct event_base *base, int listener, int expected_fd, struct exec_guard **ret)
{
	struct seccomp_notif_sizes sizes;
	struct exec_guard *g;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		int r = -errno;

		safe_close(listener);
		return r;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		safe_close(listener);
		return -ENOMEM;
	}
	g->listener = listener;
	g->expected_fd = expected_fd;
	g->first = true;
	g->req_size = sizes.seccomp_notif > sizeof(*g->req) ? sizes.seccomp_notif : sizeof(*g->req);
	g->resp_size = sizes.seccomp_notif_resp > sizeof(*g->resp) ? sizes.seccomp_notif_resp
								   : sizeof(*g->resp);
	g->req = calloc(1, g->req_size);
	g->resp = calloc(1, g->resp_size);
	g->ev = event_new(base, listener, EV_READ | EV_PERSIST, on_listener, g);
	if (!g->req || !g->resp || !g->ev || event_add(g->ev, NULL) < 0) {
		exec_guard_free(g);
		return -ENOMEM;
	}
	*ret = g;
	return 0;
}

unsigned exec_guard_refused(const struct exec_guard *g)
{
	return g ? g->refused : 0;
}

void exec_guard_free(struct exec_guard *g)
{
	if (!g)
		return;
	if (g->ev)
		event_free(g->ev);
	safe_close(g->listener);
	free(g->req);
	free(g->resp);
	free(g);
}
