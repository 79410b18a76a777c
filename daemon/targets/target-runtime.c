/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the k8s, containerd and crio backends: answers through the loop, pinning, lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "daemon/targets/target-runtime.h"
#include "protocol/cleanup.h"

struct answer {
	struct target_op op;
	struct event *ev;
	int r;
	struct target *t;
	struct target_entry *entries;
	size_t n;
	char *reason;
	target_lookup_fn lookup_cb;
	target_list_fn list_cb;
	void *userdata;
};

static void answer_free(struct answer *a)
{
	if (a->ev)
		event_free(a->ev);
	target_free(a->t);
	target_entries_free(a->entries, a->n);
	free(a->reason);
	free(a);
}

static void answer_cancel(struct target_op *op)
{
	answer_free((struct answer *)op);
}

static void on_answer(evutil_socket_t fd, short what, void *userdata)
{
	struct answer *a = userdata;

	if (a->lookup_cb) {
		a->lookup_cb(a->r, TAKE_PTR(a->t), a->reason, a->userdata);
	} else {
		a->list_cb(a->r, TAKE_PTR(a->entries), a->n, a->reason, a->userdata);
		a->n = 0;
	}
	answer_free(a);
}

static int answer_start(struct target_context *ctx, struct answer *a, struct target_op **ret)
{
	a->op.cancel = answer_cancel;
	a->ev = evtimer_new(ctx->base, on_answer, a);
	if (!a->ev) {
		a->t = NULL; /* the caller still owns what it passed on failure */
		a->entries = NULL;
		a->n = 0;
		a->reason = NULL;
		answer_free(a);
		return -ENOMEM;
	}
	event_active(a->ev, EV_TIMEOUT, 0);
	*ret = &a->op;
	return 0;
}

int target_runtime_answer_lookup(struct target_context *ctx, int r, struct target *t, char *reason,
				 target_lookup_fn cb, void *userdata, struct target_op **ret)
{
	struct answer *a = calloc(1, sizeof(*a));
	int k;

	if (!a) {
		target_free(t);
		free(reason);
		return -ENOMEM;
	}
	*a = (struct answer){
		.r = r, .t = t, .reason = reason, .lookup_cb = cb, .userdata = userdata
	};
	k = answer_start(ctx, a, ret);
	if (k < 0) {
		target_free(t);
		free(reason);
	}
	return k;
}

int target_runtime_answer_list(struct target_context *ctx, int r, struct target_entry *entries,
			       size_t n, char *reason, target_list_fn cb, void *userdata,
			       struct target_op **ret)
{
	struct answer *a;
	int k;

	/* A listing that failed part way answers the error alone. */
	if (r < 0) {
		target_entries_free(entries, n);
		entries = NULL;
		n = 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		target_entries_free(entries, n);
		free(reason);
		return -ENOMEM;
	}
	*a = (struct answer){ .r = r,
			      .entries = entries,
			      .n = n,
			      .reason = reason,
			      .list_cb = cb,
			      .userdata = userdata };
	k = answer_start(ctx, a, ret);
	if (k < 0) {
		target_entries_free(entries, n);
		free(reason);
	}
	return k;
}

int target_runtime_pin(const struct target_backend *b, const char *name,
		       struct runtime_bundle *bundle, struct target **ret)
{
	int r = runtime_bundle_pin(bundle);

	if (r < 0)
		return r;
	if (bundle->pidfd < 0)
		return -ENOENT;
	/* A zombie or an exit since the scan: target_new_pinned() says -ENOENT. */
	return target_new_pinned(b, name, bundle->pid, TAKE_FD(bundle->pidfd), ret);
}

int target_runtime_list_add(struct target_runtime_list *l, const char *name,
			    struct runtime_bundle *bundle)
{
	_cleanup_free_ char *canonical = NULL;
	struct target_entry *e;
	bool running;
	int r;

	if (asprintf(&canonical, "%s:%s", l->b->prefix, name) < 0)
		return -ENOMEM;
	if (l->filter && !l->filter(canonical, name, l->filter_userdata))
		return 0;
	r = runtime_bundle_pin(bundle);
	if (r < 0)
		return r;
	running = bundle->pidfd >= 0;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->entries[i].canonical, canonical) != 0)
			continue;
		/* The same name twice (a restarted container's old bundle): the live one. */
		if (!running || l->entries[i].pid > 0)
			return 0;
		target_entry_done(&l->entries[i]);
		e = &l->entries[i];
		goto fill;
	}
	if (l->n >= TARGET_LIST_MAX)
		return 0;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct target_entry *ne = reallocarray(l->entries, na, sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		l->entries = ne;
		l->alloc = na;
	}
	e = &l->entries[l->n++];
fill:
	*e = (struct target_entry){ .kind = l->b->kind, .pid = running ? bundle->pid : 0 };
	e->canonical = TAKE_PTR(canonical);
	e->bare = strdup(name);
	e->state = strdup(bundle->state);
	if (!e->bare || !e->state)
		return -ENOMEM;
	return 0;
}

int target_runtime_scan_error(const char *runtime, const char *root, int r, char **reason)
{
	if (r == -ENOMEM)
		return r;
	if (r == -EHOSTDOWN) {
		free(*reason);
		if (asprintf(reason, "no %s state at %s", runtime, root) < 0)
			*reason = NULL;
		return r;
	}
	if (!*reason &&
	    asprintf(reason, "%s state under %s: %s", runtime, root, runtime_state_strerror(r)) < 0)
		*reason = NULL;
	return r;
}
