/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One client connection: peer credentials, non-blocking Varlink I/O, replies, limits. */
#pragma once

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "protocol/varlink.h"

struct manager;
struct session;
struct target_op;

/*
 * Where a connection is. A call in progress makes later calls wait in the reader; closing
 * means flushing what is queued, then freeing; while closing, replies are dropped. Closing
 * can start while a call is still in progress (nsctld stops, a protocol error on a pipelined
 * message while a session runs): the _CALL states below, where the call's end is still
 * tracked.
 */
enum conn_state {
	CONN_IDLE,                 /* reading; no call in progress */
	CONN_CALL,                 /* a call in progress (dispatched, waiting or running) */
	CONN_CALL_REPLIED,         /* its final reply is queued; its session is still ending */
	CONN_CLOSING,              /* no call; flush what is queued, then free */
	CONN_CLOSING_CALL,         /* closing with a call still in progress */
	CONN_CLOSING_CALL_REPLIED, /* closing, final reply queued, the session still ending */
	CONN_DEAD,                 /* free without flushing (write error, output over limit) */
	_CONN_STATE_MAX,
};

/* "idle", "call", ... for logs and tests. */
const char *conn_state_to_string(enum conn_state s);

struct conn {
	struct manager *m;
	int fd;
	struct ucred cred;        /* SO_PEERCRED, captured at accept */
	gid_t *groups;            /* SO_PEERGROUPS, captured at accept */
	size_t n_groups;

	struct event *ev_read, *ev_write, *ev_deadline;
	struct proto_reader reader;
	struct proto_writer writer;

	enum conn_state state;    /* set only by conn.c's transitions */
	/*
	 * The peer shut down its sending side. Kept beside the state, not in it: it is a fact
	 * about the peer, independent of where our call is (a ListTargets may still be waiting
	 * on its backends, with its answer to come, after the peer's half-close).
	 */
	bool read_eof;

	/* The call in progress (CONN_CALL*): */
	bool call_oneway;         /* it wants no reply */
	struct session *session;  /* the Run call in progress, if any */
	struct target_op *pending;  /* it waits on this (a target being resolved);
				     * cancelled when the connection goes */
	bool pending_needs_peer;  /* a peer that shuts down its side ends the call (Run) */

	LIST_ENTRY(conn) entry;
};

/*
 * Adopt an accepted socket (non-blocking, CLOEXEC) whose SO_PEERCRED the listener read
 * at accept. Closes fd on failure.
 */
int conn_new(struct manager *m, int fd, const struct ucred *cred, struct conn **ret);

/* Close now: the running session, if any, is hung up. */
void conn_free(struct conn *c);

/* Number of connections of uid. */
unsigned conn_count_uid(const struct manager *m, uid_t uid);

/*
 * Replies to the call in progress. conn_reply takes ownership of params (may be NULL) and
 * of fds. With continues=false the call is over and the next queued call is processed.
 */
void conn_reply(struct conn *c, struct json_object *params, bool continues, int *fds,
		size_t n_fds);
/* Error reply (final). Takes ownership of params (may be NULL). */
void conn_error(struct conn *c, const char *error, struct json_object *params);
/* Error reply naming one parameter: org.varlink.service.InvalidParameter. */
void conn_error_invalid(struct conn *c, const char *parameter);
/* A reply to a broken message: ProtocolError, then the connection is closed. */
void conn_protocol_error(struct conn *c, const char *reason);

/* The call's session started: the connection is its client until conn_session_done(). */
void conn_session_begin(struct conn *c, struct session *s);
/* The session attached to this connection ended and replied finally. */
void conn_session_done(struct conn *c);

/*
 * The connection's state is conn.c's alone; other modules move it through these.
 * The call in progress waits on op (a target being resolved, backends being asked): op is
 * cancelled if the connection goes first, and, with needs_peer, a peer that shuts down
 * its sending side ends the call (Run).
 */
void conn_wait_on(struct conn *c, struct target_op *op, bool needs_peer);
/* The operation waited on called back: it is no longer the connection's to cancel. */
void conn_op_done(struct conn *c);
/* Flushing its last replies before closing: no new work is started for it. */
bool conn_is_closing(const struct conn *c);
/* The peer shut down its sending side. */
bool conn_read_shut(const struct conn *c);
/*
 * nsctld stops: an idle connection is freed, a call waiting on an operation is cancelled
 * and answered ShuttingDown (then the connection closes), a running session keeps its
 * connection for its final reply.
 */
void conn_shut_down(struct conn *c);
