/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rate limit on denial records: a token bucket per caller uid, and what it suppressed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDIT_LIMIT_BURST 20            /* denial records a uid may cause at once */
#define AUDIT_LIMIT_PER_SEC 2           /* and then per second */
#define AUDIT_LIMIT_WINDOW_USEC (10 * UINT64_C(1000000)) /* a summary at least this often */
#define AUDIT_LIMIT_UIDS 128            /* uids tracked at once (least recently used go) */

/* "N denials of uid U suppressed in T s": what a summary record says. */
struct audit_limit_summary {
	uid_t uid;
	uint64_t suppressed;
	uint64_t span_usec;     /* from the first suppressed denial to the summary */
};

struct audit_limit_entry {
	bool used;
	uid_t uid;
	uint64_t millitokens;   /* 1000 per token */
	uint64_t last_usec;     /* of the last refill */
	uint64_t suppressed;
	uint64_t first_suppressed_usec;
};

struct audit_limit {
	struct audit_limit_entry e[AUDIT_LIMIT_UIDS];
};

/*
 * May a denial record of uid be written at now_usec? Takes a token if so. *ret_summary is
 * set when a summary of this uid's suppressed denials is due first (the window since the
 * first one it counts is over). Returns 0 (write it), 1 (write the summary, then it),
 * -EAGAIN (suppressed: counted, not written) or 2 (suppressed, but write the summary).
 */
int audit_limit_take(struct audit_limit *l, uid_t uid, uint64_t now_usec,
		     struct audit_limit_summary *ret_summary);

/*
 * One due summary of any uid (its window over, or all at once when force is set: at
 * exit), to be written before other records; its count starts again. 1 and *ret when
 * there was one, 0 when none is due.
 */
int audit_limit_due(struct audit_limit *l, uint64_t now_usec, bool force,
		    struct audit_limit_summary *ret);
