/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rate limit on denial records: a token bucket per caller uid, and what it suppressed. */

/*
 * Denials are the one kind of record a caller can cause at will and for free: whoever
 * floods them could fill the disk or, under journald, use up the service's rate limit so
 * that the journal drops other users' records, the permits among them. So each uid's
 * denial records go through a token bucket (AUDIT_LIMIT_BURST at once, then
 * AUDIT_LIMIT_PER_SEC), and what the bucket holds back is counted, never forgotten: a
 * summary record ("412 denials of uid 1003 suppressed in 10 s") is written once
 * AUDIT_LIMIT_WINDOW_USEC has passed since the first denial it counts (with that uid's
 * next denial, or any other record, whichever comes first), and at exit. Permits and
 * session records never come here. The table holds AUDIT_LIMIT_UIDS uids; when a new one
 * needs a place, the least recently refilled one without a pending count goes (a full
 * bucket is what a new entry starts with anyway); if every entry has a pending count, one
 * of them is handed back as a summary to write first, and its place is taken.
 */

#include <errno.h>
#include <string.h>

#include "daemon/audit-limit.h"

#define MILLI 1000
#define BURST_MILLI ((uint64_t)AUDIT_LIMIT_BURST * MILLI)

static void refill(struct audit_limit_entry *e, uint64_t now)
{
	uint64_t elapsed = now > e->last_usec ? now - e->last_usec : 0;
	uint64_t add;

	/* A long pause fills the bucket (and keeps the product below from overflowing). */
	if (elapsed >= 1000000 * (uint64_t)AUDIT_LIMIT_BURST) {
		e->millitokens = BURST_MILLI;
		e->last_usec = now;
		return;
	}
	/* millitokens = usec * per_sec / 1000; the time not yet turned into one is kept. */
	add = elapsed * AUDIT_LIMIT_PER_SEC / 1000;
	e->last_usec += add * 1000 / AUDIT_LIMIT_PER_SEC;
	e->millitokens += add;
	if (e->millitokens >= BURST_MILLI) {
		e->millitokens = BURST_MILLI;
		e->last_usec = now;
	}
}

static struct audit_limit_entry *entry_for(struct audit_limit *l, uid_t uid, uint64_t now)
{
	struct audit_limit_entry *free_slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < AUDIT_LIMIT_UIDS; i++) {
		struct audit_limit_entry *e = &l->e[i];

		if (e->used && e->uid == uid)
			return e;
		if (!e->used) {
			if (!free_slot)
				free_slot = e;
		} else if (e->suppressed == 0 && (!oldest || e->last_usec < oldest->last_usec)) {
			oldest = e;
		}
	}
	if (!free_slot)
		free_slot = oldest;
	if (!free_slot)
		return NULL; /* every entry has a pending count: the caller flushes one */
	*free_slot = (struct audit_limit_entry){
		.used = true, .uid = uid, .millitokens = BURST_MILLI, .last_usec = now,
	};
	return free_slot;
}

static void summarize(struct audit_limit_entry *e, uint64_t now, struct audit_limit_summary *ret)
{
	*ret = (struct audit_limit_summary){
		.uid = e->uid,
		.suppressed = e->suppressed,
		.span_usec = now > e->first_suppressed_usec ? now - e->first_suppressed_usec : 0,
	};
	e->suppressed = 0;
	e->first_suppressed_usec = 0;
}

int audit_limit_take(struct audit_limit *l, uid_t uid, uint64_t now_usec,
		     struct audit_limit_summary *ret_summary)
{
	struct audit_limit_entry *e = entry_for(l, uid, now_usec);

	if (!e) {
		/* No room to count it: every tracked uid has a pending count. Make room. */
		struct audit_limit_summary s;

		if (audit_limit_due(l, now_usec, true, &s) <= 0)
			return 0;
		*ret_summary = s;
		e = entry_for(l, uid, now_usec);
		if (!e)
			return 1;
		/* The summary goes out first; this record follows it, a new entry's first. */
		e->millitokens -= MILLI;
		return 1;
	}
	refill(e, now_usec);
	if (e->millitokens >= MILLI) {
		e->millitokens -= MILLI;
		/* The count goes on across the records let through, until its window ends. */
		if (e->suppressed == 0 ||
		    now_usec - e->first_suppressed_usec < AUDIT_LIMIT_WINDOW_USEC)
			return 0;
		summarize(e, now_usec, ret_summary);
		return 1;
	}
	if (e->suppressed++ == 0)
		e->first_suppressed_usec = now_usec;
	if (now_usec - e->first_suppressed_usec >= AUDIT_LIMIT_WINDOW_USEC) {
		summarize(e, now_usec, ret_summary);
		return 2;
	}
	return -EAGAIN;
}

int audit_limit_due(struct audit_limit *l, uint64_t now_usec, bool force,
		    struct audit_limit_summary *ret)
{
	for (size_t i = 0; i < AUDIT_LIMIT_UIDS; i++) {
		struct audit_limit_entry *e = &l->e[i];

		if (!e->used || e->suppressed == 0)
			continue;
		if (!force && now_usec - e->first_suppressed_usec < AUDIT_LIMIT_WINDOW_USEC)
			continue;
		summarize(e, now_usec, ret);
		return 1;
	}
	return 0;
}
