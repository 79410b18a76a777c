/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The listening socket: accept, enforce connection limits, back off when out of fds. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/listener.h"
#include "daemon/manager.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define ACCEPT_BATCH 32
#define ACCEPT_BACKOFF_MSEC 250

/* Tell a connection we will not serve which limit it hit, without waiting on it. */
static void reject(int fd, const char *limit)
{
	_cleanup_json_ struct json_object *msg = method_error_limit_new(limit);
	const char *text = msg ? json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN) : NULL;

	/* Best effort: a fresh socket's buffer takes a short message; +1 sends the NUL. */
	if (text)
		(void)send(fd, text, strlen(text) + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	safe_close(fd);
}

static void on_backoff(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	if (!m->stopping)
		event_add(m->ev_listen, NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *userdata)
{
	struct manager *m = userdata;

	for (int i = 0; i < ACCEPT_BATCH && !m->stopping; i++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct conn *c;
		int fd, r;

		fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Out of resources: stop listening briefly instead of spinning. */
				struct timeval tv = { .tv_usec = ACCEPT_BACKOFF_MSEC * 1000 };

				manager_log("accept: %s; pausing for %d ms", strerror(errno),
					    ACCEPT_BACKOFF_MSEC);
				event_del(m->ev_listen);
				evtimer_add(m->ev_accept_backoff, &tv);
			} else if (errno != EAGAIN) {
				manager_log("accept: %s", strerror(errno));
			}
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			safe_close(fd);
			continue;
		}
		if (m->n_conns >= m->settings.max_connections) {
			reject(fd, "connections");
			continue;
		}
		if (conn_count_uid(m, cred.uid) >= m->settings.max_connections_per_uid) {
			reject(fd, "connections-per-user");
			continue;
		}
		r = conn_new(m, fd, &cred, &c);
		if (r < 0)
			manager_log("connection setup failed: %s", strerror(-r));
	}
	manager_check_idle(m);
}

int listener_start(struct manager *m)
{
	m->ev_listen = event_new(m->base, m->listen_fd, EV_READ | EV_PERSIST, on_accept, m);
	m->ev_accept_backoff = evtimer_new(m->base, on_backoff, m);
	if (!m->ev_listen || !m->ev_accept_backoff)
		return -ENOMEM;
	event_add(m->ev_listen, NULL);
	return 0;
}

void listener_stop(struct manager *m)
{
	if (m->ev_listen) {
		event_free(m->ev_listen);
		m->ev_listen = NULL;
	}
	if (m->ev_accept_backoff) {
		event_free(m->ev_accept_backoff);
		m->ev_accept_backoff = NULL;
	}
}
