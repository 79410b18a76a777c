/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the daemon's state machine tests (tests/daemon-loop.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <event2/event.h>

#include "daemon/conn.h"
#include "daemon/manager.h"
#include "protocol/cleanup.h"
#include "tests/daemon-loop.h"

/* The longest the loop sleeps in one turn: conditions are looked at this often at least. */
#define TURN_MS 20

struct conn *peer_connect(struct manager *m, struct peer *p)
{
	struct ucred cred = { .pid = getpid(), .uid = 0, .gid = 0 };
	struct conn *c = NULL;
	int sv[2];

	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	memset(p, 0, sizeof(*p));
	p->fd = sv[0];
	assert_int_equal(conn_new(m, sv[1], &cred, &c), 0);
	assert_non_null(c);
	return c;
}

void peer_close(struct peer *p)
{
	p->fd = safe_close(p->fd);
}

void peer_call(struct peer *p, const char *json)
{
	size_t len = strlen(json) + 1;

	assert_int_equal(send(p->fd, json, len, MSG_NOSIGNAL), (ssize_t)len);
}

void peer_drain(struct peer *p)
{
	while (p->fd >= 0 && !p->eof && p->len < sizeof(p->buf)) {
		ssize_t n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, MSG_DONTWAIT);

		if (n > 0)
			p->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			p->eof = true;
		else
			break;
	}
}

size_t peer_n_messages(const struct peer *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->len; i++)
		if (p->buf[i] == '\0')
			n++;
	return n;
}

struct json_object *peer_message(const struct peer *p, size_t idx)
{
	const char *s = p->buf;

	for (size_t i = 0; i < idx; i++) {
		s = memchr(s, '\0', (size_t)(p->buf + p->len - s));
		if (!s)
			return NULL;
		s++;
	}
	if (!memchr(s, '\0', (size_t)(p->buf + p->len - s)))
		return NULL;
	return json_tokener_parse(s);
}

const char *msg_error(struct json_object *o)
{
	struct json_object *e;

	return json_object_object_get_ex(o, "error", &e) ? json_object_get_string(e) : NULL;
}

struct json_object *msg_parameters(struct json_object *o)
{
	struct json_object *p;

	return json_object_object_get_ex(o, "parameters", &p) ? p : NULL;
}

bool msg_continues(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "continues", &v) && json_object_get_boolean(v);
}

int64_t msg_int(struct json_object *o, const char *key)
{
	struct json_object *p = msg_parameters(o), *v;

	if (!p || !json_object_object_get_ex(p, key, &v))
		return -1;
	return json_object_get_int64(v);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_turn(evutil_socket_t fd, short what, void *userdata)
{
}

/* The base whose loop was told to end in a turn, until loop_exited() reports it. */
static struct event_base *exited_base;

/* One turn of the loop, asleep at most TURN_MS. */
static void turn(struct manager *m, struct event *wake)
{
	struct timeval tv = { .tv_usec = TURN_MS * 1000 };

	evtimer_add(wake, &tv);
	assert_true(event_base_loop(m->base, EVLOOP_ONCE) >= 0);
	if (event_base_got_exit(m->base))
		exited_base = m->base;
}

bool loop_exited(struct manager *m, struct peer *p, size_t arg)
{
	if (exited_base != m->base && !event_base_got_exit(m->base))
		return false;
	exited_base = NULL;
	return true;
}

bool loop_until(struct manager *m, struct peer *p, loop_cond_fn cond, size_t arg,
		unsigned timeout_ms)
{
	struct event *wake = evtimer_new(m->base, on_turn, NULL);
	uint64_t end = now_ms() + timeout_ms;
	bool ok = false;

	assert_non_null(wake);
	for (;;) {
		if (p)
			peer_drain(p);
		if (cond(m, p, arg)) {
			ok = true;
			break;
		}
		if (now_ms() > end)
			break;
		turn(m, wake);
	}
	event_free(wake);
	return ok;
}

void loop_for(struct manager *m, struct peer *p, unsigned ms)
{
	struct event *wake = evtimer_new(m->base, on_turn, NULL);
	uint64_t end = now_ms() + ms;

	assert_non_null(wake);
	while (now_ms() < end) {
		turn(m, wake);
		if (p)
			peer_drain(p);
	}
	event_free(wake);
}

bool has_messages(struct manager *m, struct peer *p, size_t n)
{
	return peer_n_messages(p) >= n;
}

bool peer_saw_eof(struct manager *m, struct peer *p, size_t arg)
{
	return p->eof;
}

bool n_conns_is(struct manager *m, struct peer *p, size_t n)
{
	return m->n_conns == n;
}

bool n_sessions_is(struct manager *m, struct peer *p, size_t n)
{
	return m->n_sessions == n;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

void skip_not_root(void **state)
{
	(void)state;
	skip();
}
