/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A session: one Run from fork to the final reply, watched through pidfds in the loop. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <event2/event.h>

#include "protocol/nsctl-protocol.h"

struct manager;
struct conn;
struct target;
struct cgroup_session;
struct decision;
struct run_call;

enum session_state {
	SESSION_STARTING,  /* worker set up, exec not yet confirmed */
	SESSION_RUNNING,   /* started reply sent */
	SESSION_ENDING,    /* final reply sent or client gone; waiting for processes to be reaped */
};

struct session {
	struct manager *m;
	uint64_t id;
	struct conn *conn;           /* NULL once the client has gone */
	struct ucred caller;
	char *target;                /* canonical name */
	uint32_t ns_mask;
	char **argv;
	char *cwd;
	char *rule;                  /* the deciding rule, "FILE:LINE" */
	enum session_state state;
	uint64_t start_usec;

	pid_t worker_pid;            /* forked by nsctld */
	int worker_pidfd;
	pid_t cmd_pid;               /* the command: the worker itself, or its child in a pid ns */
	int cmd_pidfd;               /* only when the command is not the worker */
	int status_fd;               /* reports from the worker; EOF once exec happened */
	bool status_eof;
	bool failed;                 /* a start error was reported */
	bool worker_reaped, cmd_reaped;
	int exit_code, signal;       /* of the command once reaped */
	bool join_pid;               /* a pid namespace is joined: the worker forks the command */
	bool hung_up;                /* SIGHUP sent (client gone, or nsctld stopping) */
	bool hangup_pending;         /* hang up as soon as the command runs */

	bool tty;                    /* the command runs on a terminal opened by the worker */
	int tty_master;              /* received from the worker, until it goes into the reply */
	bool tty_delivering;         /* the started reply with the master is being written */
	bool tty_confirmed;          /* the worker was told to go on (the client has the master) */

	struct event *ev_status, *ev_worker, *ev_cmd, *ev_grace;
	LIST_ENTRY(session) entry;

	/*
	 * A spawned worker whose children share its memory (a pid join, containment): its
	 * stack and the copy of its spec, kept until every process of the session is gone
	 * (daemon/spawn.c says why). NULL otherwise.
	 */
	void *worker_stack;
	struct worker_spec *worker_copy;

	/* Containment of a grant with capabilities (daemon/contain.c, exec-guard.c). */
	bool contained;              /* the command's pid 1 is nsctld's init (cmd_pidfd) */
	int exit_fd;                 /* that init reports the command's wait status here */
	int helper_pidfd;            /* with a pid namespace joined: the process that made the
				      * init there, nsctld's child; reaped once it has exited */
	bool helper_reaped;
	struct event *ev_exit;       /* on exit_fd */
	bool exit_reported;          /* it did: the session ends without waiting for its exit */
	struct exec_guard *exec_guard; /* the exec listener: later execs refused */
	unsigned execs_refused;      /* by it, for the session-end record */

	/* What the deciding rule granted, for the audit records. */
	bool nolog;                  /* no session records */
	uid_t run_as_uid;
	gid_t run_as_gid;
	uint64_t caps;
	uint64_t ns_inodes[_NS_COUNT]; /* of the target's namespaces entered; 0: unknown */

	/* The session as a unit (daemon/cgroup.c): its cgroup, limits, reason. */
	struct cgroup_session *cgroup; /* everything the session started is in it */
	uint64_t start_realtime_usec;  /* for listings */
	uint64_t timeout_usec;       /* the rule's "timeout"; 0: none */
	struct event *ev_timeout;
	bool timed_out;              /* the time limit ended it: SIGTERM, SIGKILL after the grace */
	char *reason;                /* nsctl run --reason, or NULL */
	uid_t ended_by_uid;          /* who sent the signal through Kill */
	bool ended_by_kill;
	bool inside_set;             /* a user namespace was joined: the run-as ids inside it */
	uid_t inside_uid;
	gid_t inside_gid;
};

/*
 * Fork the worker for call (of call->c), as decision d permits, into the pinned target t,
 * and start watching it. Takes call, *d and t in every case (the call's stdio is closed
 * once the worker has its copies). -errno on failure, with *ret_failed naming the step.
 */
int session_start(struct run_call *call, struct decision *d, struct target *t,
		  struct session **ret, const char **ret_failed);

/* The client's connection is gone: hang up the command (SIGHUP, SIGKILL after the grace). */
void session_detach(struct session *s);

/* Stop: like detach, but the final reply still goes to a connected client. */
void session_hangup(struct session *s);

/*
 * Everything queued to the session's client has been written (conn.c calls this). A
 * terminal session waits for it: its master was in the started reply.
 */
void session_output_flushed(struct session *s);


/* Kill: signal the command on behalf of uid (recorded for the audit). */
int session_kill(struct session *s, uid_t by, int sig);

struct session *session_find(struct manager *m, uint64_t id);
unsigned session_count_uid(const struct manager *m, uid_t uid);

/* Free without ceremony (manager teardown): kills and reaps what is left. */
void session_free(struct session *s);
