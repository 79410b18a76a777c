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

struct conn {
	struct manager *m;
	int fd;
	struct ucred cred;        /* SO_PEERCRED, captured at accept */
	gid_t *groups;            /* SO_PEERGROUPS, captured at accept */
	size_t n_groups;

	struct event *ev_read, *ev_write, *ev_deadline;
	struct proto_reader reader;
	struct proto_writer writer;

	bool call_oneway;         /* the call in progress wants no reply */
	struct session *session;  /* the Run call in progress, if any */
	struct target_op *pending;  /* the call in progress waits on this (a target being
				     * resolved); cancelled when the connection goes */
	bool pending_needs_peer;  /* a peer that shuts down its side ends the call (Run) */
	bool busy;                /* a call is in progress: queue further calls */
	bool replied;             /* its final reply is queued (a session may still be ending) */
	bool read_eof;            /* the peer shut down its sending side */
	bool closing;             /* flush what is queued, then close */
	bool dead;                /* close without flushing (write error, output over limit) */

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
