/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit records: one per decision, session start and session end; journal or JSON lines. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum audit_sink {
	AUDIT_AUTO,    /* the journal when its socket exists, stderr otherwise */
	AUDIT_JOURNAL,
	AUDIT_STDERR,
};

/* "auto", "journal", "stderr" -> enum, or -EINVAL. */
int audit_sink_from_string(const char *s);

/* Resolve AUDIT_AUTO once at startup. */
void audit_init(enum audit_sink sink);

struct audit_record {
	const char *event;          /* "decision", "session-start", "session-end" */
	const struct ucred *caller;
	const char *target;
	uint32_t ns_mask;
	char *const *argv;
	const char *decision;       /* "permit" / "deny" (decision records) */
	const char *rule;           /* "FILE:LINE" or "default" */
	uint64_t session;           /* 0: none */
	pid_t pid;                  /* the command, 0: none */
	int exit_status;            /* session-end: >= 0, or -1 */
	int signal;                 /* session-end: > 0, or 0 */
	const char *error;          /* a Varlink error name when the session failed to start */
	uint64_t duration_usec;     /* session-end */
	const char *message;        /* human summary */
	/* What a permit grants; the fields below are recorded only when granted is true. */
	bool granted;
	uid_t run_as_uid;
	gid_t run_as_gid;
	uint64_t caps;
	const uint64_t *ns_inodes;  /* [_NS_COUNT] target namespace inodes (0: unknown), or NULL */
	/* Sessions as units (issue 13). */
	const char *reason;         /* the caller's --reason, or NULL */
	const char *ended_by;       /* session-end: "exit", "kill", "timeout", "disconnect", "stop" */
	bool killed;                /* session-end through Kill: killed_by_uid sent the signal */
	uid_t killed_by_uid;
	/* A user namespace was joined: the run-as ids inside it (recorded when they differ). */
	bool inside_set;
	uid_t inside_uid;
	gid_t inside_gid;
};

void audit_log(const struct audit_record *r);
