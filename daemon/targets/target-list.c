/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A backend's listing in progress: its targets, and their pids looked up a few at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"

#define DROPPED ((pid_t)-1) /* an entry whose target went away while its pid was asked */

static void keys_free(struct target_lister *l)
{
	for (size_t i = 0; l->keys && i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
	l->keys = NULL;
}

static void lister_free(struct target_lister *l)
{
	for (size_t i = 0; i < TARGET_LIST_PARALLEL; i++)
		if (l->slots[i].handle)
			l->pid_cancel(l->slots[i].handle);
	keys_free(l);
	target_entries_free(l->entries, l->n);
	if (l->done)
		l->done(l);
	free(l);
}

static void lister_cancel(struct target_op *op)
{
	lister_free((struct target_lister *)op);
}

void target_lister_init(struct target_lister *l, struct target_context *ctx,
			const struct target_backend *b, target_filter_fn filter,
			void *filter_userdata, target_list_fn cb, void *userdata)
{
	l->op.cancel = lister_cancel;
	l->ctx = ctx;
	l->b = b;
	l->filter = filter;
	l->filter_userdata = filter_userdata;
	l->cb = cb;
	l->userdata = userdata;
	for (size_t i = 0; i < TARGET_LIST_PARALLEL; i++)
		l->slots[i].lister = l;
}

int target_lister_add(struct target_lister *l, const char *name, const char *state,
		      const char *key)
{
	_cleanup_free_ char *canonical = NULL;
	struct target_entry *e;

	if (l->n >= TARGET_LIST_MAX)
		return 0;
	if (asprintf(&canonical, "%s:%s", l->b->prefix, name) < 0)
		return -ENOMEM;
	if (l->filter && !l->filter(canonical, name, l->filter_userdata))
		return 0;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct target_entry *ne = reallocarray(l->entries, na, sizeof(*ne));
		char **nk;

		if (!ne)
			return -ENOMEM;
		l->entries = ne;
		nk = reallocarray(l->keys, na, sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		l->keys = nk;
		l->alloc = na;
	}
	e = &l->entries[l->n];
	*e = (struct target_entry){ .kind = l->b->kind };
	e->canonical = TAKE_PTR(canonical);
	e->bare = strdup(name);
	e->state = strdup(state);
	l->keys[l->n] = key ? strdup(key) : NULL;
	l->n++;
	if (!e->bare || !e->state || (key && !l->keys[l->n - 1]))
		return -ENOMEM;
	return 0;
}

void target_lister_finish(struct target_lister *l, int r, const char *reason)
{
	size_t k = 0;

	keys_free(l);
	if (r == 0) {
		for (size_t i = 0; i < l->n; i++) {
			if (l->entries[i].pid != DROPPED)
				l->entries[k++] = l->entries[i];
			else
				target_entry_done(&l->entries[i]);
		}
		l->n = k;
		l->cb(0, TAKE_PTR(l->entries), k, NULL, l->userdata);
		l->n = 0;
	} else {
		l->cb(r, NULL, 0, reason, l->userdata);
	}
	lister_free(l);
}

void target_lister_run(struct target_lister *l)
{
	while (l->in_flight < TARGET_LIST_PARALLEL && l->next < l->n) {
		size_t idx = l->next++, slot = 0;
		int r;

		if (!l->keys[idx])
			continue;
		/* in_flight < TARGET_LIST_PARALLEL: a slot is free */
		while (l->slots[slot].handle)
			slot++;
		l->slots[slot].idx = idx;
		r = l->pid_start(&l->slots[slot], l->keys[idx]);
		if (r < 0) {
			target_lister_finish(l, r, NULL);
			return;
		}
		l->in_flight++;
	}
	if (l->in_flight == 0 && l->next >= l->n)
		target_lister_finish(l, 0, NULL);
}

void target_lister_pid_done(struct target_list_slot *slot, int r, pid_t pid, const char *state,
			    const char *reason)
{
	struct target_lister *l = slot->lister;
	struct target_entry *e = &l->entries[slot->idx];

	slot->handle = NULL; /* finishing: the backend frees its request */
	l->in_flight--;
	if (r == -ENOENT) {
		e->pid = DROPPED;
	} else if (r < 0) {
		target_lister_finish(l, r, reason);
		return;
	} else {
		e->pid = pid;
		if (state) {
			char *s = strdup(state);

			if (!s) {
				target_lister_finish(l, -ENOMEM, NULL);
				return;
			}
			free(e->state);
			e->state = s;
		}
	}
	target_lister_run(l);
}
