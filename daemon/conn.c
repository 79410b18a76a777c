/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Client connections: kernel-reported identity, non-blocking framed I/O, one call at a time. */

/*
 * Calls on one connection are answered in order: while one is in progress (a Run lasts
 * as long as its command), later complete calls wait in the reader, up to max_pipelined.
 * A connection is only ever freed from its own event callbacks (or by the manager), never
 * from inside a reply, so that sessions and methods can reply without worrying about it.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/session.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static void on_read(evutil_socket_t fd, short what, void *userdata);
static void on_write(evutil_socket_t fd, short what, void *userdata);
static void on_deadline(evutil_socket_t fd, short what, void *userdata);

static const char *const conn_state_table[_CONN_STATE_MAX] = {
	[CONN_IDLE] = "idle",
	[CONN_CALL] = "call",
	[CONN_CALL_REPLIED] = "call-replied",
	[CONN_CLOSING] = "closing",
	[CONN_CLOSING_CALL] = "closing-call",
	[CONN_CLOSING_CALL_REPLIED] = "closing-call-replied",
	[CONN_DEAD] = "dead",
};

const char *conn_state_to_string(enum conn_state s)
{
	return (unsigned)s < _CONN_STATE_MAX ? conn_state_table[s] : NULL;
}

static bool state_in_call(enum conn_state s)
{
	return s == CONN_CALL || s == CONN_CALL_REPLIED || s == CONN_CLOSING_CALL ||
	       s == CONN_CLOSING_CALL_REPLIED;
}

static bool state_is_closing(enum conn_state s)
{
	return s == CONN_CLOSING || s == CONN_CLOSING_CALL || s == CONN_CLOSING_CALL_REPLIED ||
	       s == CONN_DEAD;
}

static bool state_replied(enum conn_state s)
{
	return s == CONN_CALL_REPLIED || s == CONN_CLOSING_CALL_REPLIED;
}

/*
 * The transitions. Every change of c->state is one of these.
 *
 * CONN_DEAD has no _CALL variants: a dead connection is freed on the loop's next turn
 * (schedule_write() made its write event active) and everything said to it before then is
 * dropped, so where its call was changes nothing. conn_shut_down() asks c->pending and
 * c->session instead.
 */

/* IDLE -> CALL: a complete call is handed to dispatch. */
static void state_call_begin(struct conn *c)
{
	assert(c->state == CONN_IDLE);
	c->state = CONN_CALL;
}

/*
 * The call's final reply is queued: -> *_REPLIED while its session still ends, else the
 * call is over (-> IDLE, or CLOSING if closing). Returns true when the call is over.
 */
static bool state_call_end(struct conn *c)
{
	switch (c->state) {
	case CONN_DEAD:
		return false;
	case CONN_CALL:
	case CONN_CALL_REPLIED:
		c->state = c->session ? CONN_CALL_REPLIED : CONN_IDLE;
		break;
	case CONN_CLOSING_CALL:
	case CONN_CLOSING_CALL_REPLIED:
		c->state = c->session ? CONN_CLOSING_CALL_REPLIED : CONN_CLOSING;
		break;
	case CONN_IDLE:
	case CONN_CLOSING:
	default:
		break;
	}
	return !c->session;
}

/* Flush, then free: no further call is started; a call in progress stays tracked. */
static void state_closing(struct conn *c)
{
	switch (c->state) {
	case CONN_IDLE:
		c->state = CONN_CLOSING;
		break;
	case CONN_CALL:
		c->state = CONN_CLOSING_CALL;
		break;
	case CONN_CALL_REPLIED:
		c->state = CONN_CLOSING_CALL_REPLIED;
		break;
	default:
		break; /* closing already, or dead */
	}
}

/* Free without flushing. */
static void state_dead(struct conn *c)
{
	c->state = CONN_DEAD;
}

/* The supplementary groups of the peer at connect time (Linux >= 4.13). */
static int peer_groups(int fd, gid_t **ret, size_t *ret_n)
{
	socklen_t len = 16 * sizeof(gid_t);
	_cleanup_free_ gid_t *g = NULL;

	for (;;) {
		gid_t *ng = realloc(g, len ? len : sizeof(gid_t));

		if (!ng)
			return -ENOMEM;
		g = ng;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0)
			break;
		if (errno != ERANGE)
			return -errno;
		/* len now holds the size needed */
	}
	*ret_n = len / sizeof(gid_t);
	*ret = TAKE_PTR(g);
	return 0;
}

static void arm_deadline(struct conn *c)
{
	struct timeval tv = { .tv_sec = c->m->settings.request_timeout_sec };

	if (tv.tv_sec > 0)
		evtimer_add(c->ev_deadline, &tv);
}

int conn_new(struct manager *m, int fd, const struct ucred *cred, struct conn **ret)
{
	struct conn *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		safe_close(fd);
		return -ENOMEM;
	}
	c->m = m;
	c->fd = fd;
	c->cred = *cred;
	proto_reader_init(&c->reader, &m->settings.limits);
	proto_writer_init(&c->writer);
	LIST_INSERT_HEAD(&m->conns, c, entry);
	m->n_conns++;

	r = peer_groups(fd, &c->groups, &c->n_groups);
	if (r < 0)
		goto fail;
	c->ev_read = event_new(m->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->ev_write = event_new(m->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->ev_deadline = evtimer_new(m->base, on_deadline, c);
	if (!c->ev_read || !c->ev_write || !c->ev_deadline) {
		r = -ENOMEM;
		goto fail;
	}
	event_add(c->ev_read, NULL);
	arm_deadline(c);
	*ret = c;
	return 0;
fail:
	conn_free(c);
	return r;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->session)
		session_detach(TAKE_PTR(c->session));
	target_op_cancel(TAKE_PTR(c->pending));
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	if (c->ev_deadline)
		event_free(c->ev_deadline);
	proto_reader_done(&c->reader);
	proto_writer_done(&c->writer);
	safe_close(c->fd);
	free(c->groups);
	LIST_REMOVE(c, entry);
	c->m->n_conns--;
	manager_check_idle(c->m);
	free(c);
}

unsigned conn_count_uid(const struct manager *m, uid_t uid)
{
	const struct conn *c;
	unsigned n = 0;

	LIST_FOREACH(c, &m->conns, entry)
		if (c->cred.uid == uid)
			n++;
	return n;
}

/* Ask the loop to call on_write soon: flushing, or closing a connection marked closing. */
static void schedule_write(struct conn *c)
{
	event_add(c->ev_write, NULL);
	/* A dead connection goes now: its peer may never make the socket writable again. */
	if (c->state == CONN_DEAD)
		event_active(c->ev_write, EV_WRITE, 0);
}

/*
 * Write first: send what is queued at once, as far as the socket takes it; only the rest
 * waits for EV_WRITE (on_write disarms it once flushed). What must follow a complete flush
 * (freeing a closing connection, telling a terminal session its reply is out) is left to
 * on_write on the loop's next turn, made active without arming EV_WRITE: a connection is
 * never freed, nor a session advanced, from inside a reply.
 */
static void send_now(struct conn *c)
{
	int r;

	if (c->state == CONN_DEAD) {
		schedule_write(c);
		return;
	}
	/* The queue is in order: what waits for the socket goes before what is added now. */
	r = proto_writer_flush(&c->writer, c->fd);
	if (r < 0) {
		state_dead(c);
		schedule_write(c);
		return;
	}
	if (r == 0) {
		event_add(c->ev_write, NULL); /* EAGAIN or a partial write */
		return;
	}
	event_del(c->ev_write); /* flushed: disarmed (no system call unless it was armed) */
	if (state_is_closing(c->state) || c->session)
		event_active(c->ev_write, EV_WRITE, 0);
}

/*
 * Stop reading, send what is queued, then close. The request deadline is armed once more:
 * a peer that does not take its last replies within it is dropped (on_deadline).
 */
static void close_soon(struct conn *c)
{
	state_closing(c);
	event_del(c->ev_read);
	send_now(c);
	arm_deadline(c);
}

static void queue_message(struct conn *c, struct json_object *msg, int *fds, size_t n_fds)
{
	int r;

	if (state_is_closing(c->state)) {
		json_object_put(msg);
		close_many(fds, n_fds);
		return;
	}
	r = proto_writer_queue_json(&c->writer, msg, fds, n_fds);
	json_object_put(msg);
	if (r < 0 || proto_writer_pending(&c->writer) > c->m->settings.max_output) {
		/* A client that does not read its replies is dropped, not buffered forever. */
		state_dead(c);
	}
	send_now(c);
}

/* The call in progress has had its final reply. */
static void call_finished(struct conn *c)
{
	if (state_call_end(c)) {
		arm_deadline(c);
		/* Queued calls are processed from the read callback, never from inside a reply. */
		event_active(c->ev_read, EV_READ, 0);
	}
}

void conn_reply(struct conn *c, struct json_object *params, bool continues, int *fds,
		size_t n_fds)
{
	if (c->call_oneway) {
		json_object_put(params);
		close_many(fds, n_fds);
	} else {
		queue_message(c, proto_reply_new(params, continues), fds, n_fds);
	}
	if (!continues)
		call_finished(c);
}

void conn_error(struct conn *c, const char *error, struct json_object *params)
{
	if (c->call_oneway)
		json_object_put(params);
	else
		queue_message(c, proto_error_new(error, params), NULL, 0);
	call_finished(c);
}

void conn_error_invalid(struct conn *c, const char *parameter)
{
	/* Out of memory: the error without its parameter. */
	conn_error(c, VARLINK_ERROR_INVALID_PARAMETER,
		   proto_json_object_of("parameter", json_object_new_string(parameter)));
}

void conn_protocol_error(struct conn *c, const char *reason)
{
	/* Out of memory: the error without its reason. */
	struct json_object *p = proto_json_object_of("reason", json_object_new_string(reason));

	c->call_oneway = false;
	queue_message(c, proto_error_new(NSCTL_ERROR_PROTOCOL, p), NULL, 0);
	close_soon(c);
}

void conn_wait_on(struct conn *c, struct target_op *op, bool needs_peer)
{
	c->pending = op;
	c->pending_needs_peer = needs_peer;
}

void conn_op_done(struct conn *c)
{
	c->pending = NULL;
}

bool conn_is_closing(const struct conn *c)
{
	return state_is_closing(c->state);
}

bool conn_read_shut(const struct conn *c)
{
	return c->read_eof;
}

void conn_shut_down(struct conn *c)
{
	bool in_call = c->state == CONN_DEAD ? c->pending || c->session
					      : state_in_call(c->state);

	if (!in_call) {
		conn_free(c);
		return;
	}
	if (c->pending) {
		target_op_cancel(TAKE_PTR(c->pending));
		conn_error(c, NSCTL_ERROR_SHUTTING_DOWN, NULL);
		state_closing(c);
		send_now(c); /* closed once that answer is out */
	}
}

void conn_session_begin(struct conn *c, struct session *s)
{
	assert(!c->session);
	c->session = s;
}

void conn_session_done(struct conn *c)
{
	c->session = NULL;
	if (state_replied(c->state))
		call_finished(c);
}

static const char *json_error_reason(int r)
{
	switch (r) {
	case -ELOOP:
		return "JSON nested too deeply";
	case -ENOTUNIQ:
		return "duplicate key in JSON object";
	case -EILSEQ:
		return "NUL or invalid UTF-8 in JSON string";
	default:
		return "malformed JSON";
	}
}

static void handle_message(struct conn *c, struct proto_message *msg)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct proto_call call = { 0 };
	const char *bad = NULL;
	int r;

	r = proto_reader_parse(&c->reader, msg, &o);
	if (r < 0) {
		conn_protocol_error(c, json_error_reason(r));
		return;
	}
	r = proto_call_decode(o, &call, &bad);
	if (r < 0) {
		char reason[160];

		snprintf(reason, sizeof(reason), "invalid call: '%s'", bad ? bad : "?");
		conn_protocol_error(c, reason);
		return;
	}
	state_call_begin(c);
	c->call_oneway = call.oneway;
	evtimer_del(c->ev_deadline);
	dispatch_call(c, &call, msg);
	proto_call_done(&call);
}

/* Handle queued complete calls while none is in progress. */
static void process(struct conn *c)
{
	while (c->state == CONN_IDLE) {
		struct proto_message msg = { 0 };

		if (proto_reader_next(&c->reader, &msg) <= 0)
			break;
		handle_message(c, &msg);
		proto_message_done(&msg);
	}
	if (c->state == CONN_IDLE && c->read_eof && c->reader.n_ready == 0) {
		/* Half-closed and nothing left to answer: done once the replies are out. */
		close_soon(c);
	}
}

static void on_read(evutil_socket_t fd, short what, void *userdata)
{
	struct conn *c = userdata;
	int r;

	while (!c->read_eof && !state_is_closing(c->state)) {
		r = proto_reader_fill(&c->reader, c->fd);
		if (r == -EAGAIN || r == -EINTR)
			break;
		if (r == 0) {
			/* A client that leaves while its command runs hangs that command up. */
			if (c->session || (c->pending && c->pending_needs_peer) ||
			    proto_reader_pending(&c->reader) > 0) {
				conn_free(c);
				return;
			}
			c->read_eof = true;
			event_del(c->ev_read);
			break;
		}
		if (r == -EMSGSIZE) {
			conn_protocol_error(c, "message too large");
			return;
		}
		if (r == -ETOOMANYREFS) {
			conn_protocol_error(c, "too many file descriptors in one message");
			return;
		}
		if (r == -EBADMSG) {
			conn_protocol_error(c, "unexpected or truncated control message");
			return;
		}
		if (r < 0) {
			conn_free(c);
			return;
		}
		if (c->reader.n_ready > c->m->settings.max_pipelined) {
			conn_protocol_error(c, "too many calls queued on one connection");
			return;
		}
	}
	process(c);
}

static void on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct conn *c = userdata;
	int r;

	if (c->state == CONN_DEAD) {
		conn_free(c);
		return;
	}
	r = proto_writer_flush(&c->writer, c->fd);
	if (r < 0) {
		conn_free(c);
		return;
	}
	if (r == 0)
		return; /* EV_WRITE stays armed */
	event_del(c->ev_write);
	if (state_is_closing(c->state)) {
		conn_free(c);
		return;
	}
	/* Written out, fds included: a terminal session may now let its command start. */
	if (c->session)
		session_output_flushed(c->session);
}

static void on_deadline(evutil_socket_t fd, short what, void *userdata)
{
	struct conn *c = userdata;

	if (state_is_closing(c->state)) {
		/* Its last replies did not go out within the deadline: the peer does not read. */
		conn_free(c);
		return;
	}
	if (state_in_call(c->state))
		return;
	c->call_oneway = false;
	queue_message(c, method_error_limit_new("request-timeout"), NULL, 0);
	close_soon(c);
}
