/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving a name and listing targets across the enabled backends, through the loop. */

/*
 * A name with a kind ("docker:web") is one query to one backend. A bare name ("web") is a
 * query to every enabled backend that takes bare names and accepts its syntax, all in
 * flight at once; the answer is the one target the caller's filter lets through. Two or
 * more are an ambiguity, reported with their canonical names (only those the filter lets
 * through: nobody learns of targets they cannot see). A backend whose service is absent
 * has nothing; one that fails makes a bare name fail, since the name might have been there.
 * Except: a bare name that is a named netns the caller may see is that netns, and the
 * services are not asked at all (local_match()).
 *
 * Queries of backends that ask a service go through the cache first. Whatever happens,
 * the caller's callback runs from the loop, on a later iteration than target_resolve_as().
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "daemon/targets/bus.h"
#include "daemon/targets/runtime-state.h"
#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-cache.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"

struct resolve;

struct query {
	struct resolve *res;
	const struct target_backend *b;
	char *key;                 /* "1001/docker:web": the cache key, per caller uid */
	struct target_op *op;      /* in flight */
	int r;
	struct target *t;
	char *reason;
};

struct resolve {
	struct target_op op;       /* the handle given out */
	struct target_context *ctx;
	target_filter_fn filter;
	void *userdata;
	target_resolve_fn cb;
	uid_t uid;                 /* the cache partition; (uid_t)-1: the shared one */
	bool bare;
	int r_early;               /* malformed name: no queries */
	struct event *ev_done;
	size_t n_queries, n_pending;
	struct query queries[_TARGET_KIND_COUNT];
};

static void resolve_free(struct resolve *res)
{
	for (size_t i = 0; i < res->n_queries; i++) {
		struct query *q = &res->queries[i];

		target_op_cancel(q->op);
		target_free(q->t);
		free(q->key);
		free(q->reason);
	}
	if (res->ev_done)
		event_free(res->ev_done);
	free(res);
}

static void resolve_cancel(struct target_op *op)
{
	resolve_free((struct resolve *)op);
}


/* The outcome of all queries (see the top of this file). */
static void resolve_finish(struct resolve *res, struct target_result *out, char ***candidates)
{
	struct query *found = NULL, *failed = NULL;
	size_t n_found = 0;

	*out = (struct target_result){ .r = res->r_early };
	if (res->r_early < 0)
		return;
	if (!res->bare) {
		struct query *q = &res->queries[0];

		out->r = q->r;
		out->backend = q->b->prefix;
		out->reason = q->reason;
		if (q->r == 0)
			out->t = TAKE_PTR(q->t);
		return;
	}
	for (size_t i = 0; i < res->n_queries; i++) {
		struct query *q = &res->queries[i];

		if (q->r == 0 && (!res->filter || res->filter(q->t->canonical, q->t->bare,
							      res->userdata))) {
			if (!found)
				found = q;
			n_found++;
		} else if (q->r < 0 && q->r != -ENOENT && q->r != -EHOSTDOWN && !failed) {
			failed = q;
		}
	}
	if (n_found >= 2) {
		size_t k = 0;

		*candidates = calloc(n_found + 1, sizeof(char *));
		if (!*candidates) {
			out->r = -ENOMEM;
			return;
		}
		for (size_t i = 0; i < res->n_queries; i++) {
			struct query *q = &res->queries[i];

			if (q->r != 0 || (res->filter && !res->filter(q->t->canonical, q->t->bare,
								      res->userdata)))
				continue;
			(*candidates)[k] = strdup(q->t->canonical);
			if (!(*candidates)[k++]) {
				out->r = -ENOMEM;
				return;
			}
		}
		out->r = -ENOTUNIQ;
		out->candidates = *candidates;
	} else if (failed) {
		out->r = failed->r;
		out->backend = failed->b->prefix;
		out->reason = failed->reason;
	} else if (found) {
		out->r = 0;
		out->t = TAKE_PTR(found->t);
	} else {
		out->r = -ENOENT;
	}
}

static void on_resolve_done(evutil_socket_t fd, short what, void *userdata)
{
	struct resolve *res = userdata;
	_cleanup_strv_free_ char **candidates = NULL;
	struct target_result out;

	resolve_finish(res, &out, &candidates);
	res->cb(&out, res->userdata);
	target_free(out.t);
	resolve_free(res);
}

static void query_done(int r, struct target *t, const char *reason, void *userdata)
{
	struct query *q = userdata;
	struct resolve *res = q->res;

	q->op = NULL;
	q->r = r;
	q->t = t;
	if (reason)
		q->reason = strdup(reason);
	if (r == 0)
		target_cache_put(res->ctx->cache, q->key, t);
	if (--res->n_pending == 0)
		event_active(res->ev_done, EV_TIMEOUT, 0);
}

/* Start one query: at once for pid/netns, from the cache, or through the backend. */
static int query_start(struct resolve *res, struct query *q, const char *rest)
{
	struct target *t;
	int r;

	if (asprintf(&q->key, "%ld/%s:%s", res->uid == (uid_t)-1 ? -1L : (long)res->uid,
		     q->b->prefix, rest) < 0) {
		q->key = NULL;
		return -ENOMEM;
	}
	if (!(res->ctx->kinds & TARGET_KIND_BIT(q->b->kind))) {
		q->r = -ENOPROTOOPT;
		q->reason = strdup("not enabled in nsctld's settings (--backends)");
		return q->reason ? 0 : -ENOMEM;
	}
	if (q->b->open) {
		t = target_new(q->b);
		if (!t)
			return -ENOMEM;
		r = q->b->parse(rest, t);
		if (r >= 0)
			r = q->b->open(t);
		if (r == -ENOMEM) {
			target_free(t);
			return r;
		}
		if (r < 0) {
			target_free(t);
			/* A process or netns that is not there: not found, whatever the errno. */
			q->r = (r == -ESRCH || r == -ENOENT || r == -EINVAL) ? -ENOENT : r;
			return 0;
		}
		q->t = t;
		return 0;
	}
	r = target_cache_get(res->ctx->cache, q->key, &t);
	if (r == 0) {
		q->t = t;
		return 0;
	}
	r = q->b->lookup(res->ctx, rest, query_done, q, &q->op);
	if (r < 0)
		return r;
	res->n_pending++;
	return 0;
}

static const struct target_backend *backend_of(int k)
{
	return target_backend_of_kind((enum target_kind)k);
}

/* Does the rest of a name have the syntax of backend b? */
static bool syntax_ok(const struct target_backend *b, const char *rest)
{
	struct target *t = target_new(b);
	bool ok;

	if (!t)
		return false;
	ok = b->parse(rest, t) == 0;
	target_free(t);
	return ok;
}

/*
 * Has a local backend (one that opens its target itself: a named netns) found the bare
 * name, and may the caller see it? Then that is the answer, and no container engine,
 * machined or systemd is asked: a hanging or failing engine cannot block a netns, and a
 * container (whose name anyone with access to the engine picks) cannot shadow one that
 * root created. The local backends come first in the order of the kinds.
 */
static bool local_match(const struct resolve *res)
{
	for (size_t i = 0; i < res->n_queries; i++) {
		const struct query *q = &res->queries[i];

		if (q->b->open && q->r == 0 && q->t &&
		    (!res->filter || res->filter(q->t->canonical, q->t->bare, res->userdata)))
			return true;
	}
	return false;
}

int target_resolve_as(struct target_context *ctx, uid_t uid, uint32_t kinds, const char *name,
		      target_filter_fn filter, void *userdata, target_resolve_fn cb,
		      struct target_op **ret)
{
	const char *colon = strchr(name, ':');
	struct resolve *res;
	int r = 0;

	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	res->op.cancel = resolve_cancel;
	res->ctx = ctx;
	res->filter = filter;
	res->userdata = userdata;
	res->cb = cb;
	res->uid = uid;
	res->ev_done = evtimer_new(ctx->base, on_resolve_done, res);
	if (!res->ev_done) {
		resolve_free(res);
		return -ENOMEM;
	}

	if (colon) {
		const struct target_backend *b;

		b = target_backend_of_prefix(name, (size_t)(colon - name));

		if (!b || !syntax_ok(b, colon + 1)) {
			res->r_early = -EINVAL;
		} else {
			res->queries[0] = (struct query){ .res = res, .b = b };
			res->n_queries = 1;
			r = query_start(res, &res->queries[0], colon + 1);
		}
	} else {
		res->bare = true;
		for (int k = 0; k < _TARGET_KIND_COUNT && r >= 0; k++) {
			const struct target_backend *b = backend_of(k);
			struct query *q = &res->queries[res->n_queries];

			if (!b->bare_names || !(ctx->kinds & TARGET_KIND_BIT(k)) ||
			    !(kinds & TARGET_KIND_BIT(k)) || !syntax_ok(b, name))
				continue;
			if (local_match(res))
				break;
			*q = (struct query){ .res = res, .b = b };
			res->n_queries++;
			r = query_start(res, q, name);
		}
		if (res->n_queries == 0)
			res->r_early = -EINVAL;
	}
	if (r < 0) {
		resolve_free(res);
		return r;
	}
	if (res->n_pending == 0)
		event_active(res->ev_done, EV_TIMEOUT, 0);
	*ret = &res->op;
	return 0;
}

bool target_readings(const struct target_context *ctx, const char *name,
		     bool (*fn)(const char *canonical, const char *bare, void *userdata),
		     void *userdata)
{
	const char *colon = strchr(name, ':');

	if (colon)
		return fn(name, colon + 1, userdata);
	for (int k = 0; k < _TARGET_KIND_COUNT; k++) {
		const struct target_backend *b = backend_of(k);
		_cleanup_free_ char *canonical = NULL;

		if (!b->bare_names || !(ctx->kinds & TARGET_KIND_BIT(k)) ||
		    !syntax_ok(b, name))
			continue;
		if (asprintf(&canonical, "%s:%s", b->prefix, name) < 0)
			return false;
		if (fn(canonical, name, userdata))
			return true;
	}
	return false;
}

/* --- listing ---------------------------------------------------------------------------- */

struct listing;

struct list_query {
	struct listing *l;
	const struct target_backend *b;
	struct target_op *op;
	int r;
	char *reason;
	struct target_entry *entries;
	size_t n;
};

struct listing {
	struct target_op op;
	struct target_context *ctx;
	target_filter_fn filter;
	void *userdata;
	target_list_all_fn cb;
	struct event *ev_done;
	size_t n_queries, n_pending;
	struct list_query queries[_TARGET_KIND_COUNT];
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n_queries; i++) {
		target_op_cancel(l->queries[i].op);
		target_entries_free(l->queries[i].entries, l->queries[i].n);
		free(l->queries[i].reason);
	}
	if (l->ev_done)
		event_free(l->ev_done);
	free(l);
}

static void listing_cancel(struct target_op *op)
{
	listing_free((struct listing *)op);
}

static int entry_compare(const void *a, const void *b)
{
	const struct target_entry *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->canonical, y->canonical);
}

static void on_listing_done(evutil_socket_t fd, short what, void *userdata)
{
	struct listing *l = userdata;
	struct target_problem problems[_TARGET_KIND_COUNT];
	struct target_entry *all = NULL;
	size_t n = 0, n_problems = 0;

	for (size_t i = 0; i < l->n_queries; i++)
		n += l->queries[i].n;
	all = calloc(n ? n : 1, sizeof(*all));
	n = 0;
	for (size_t i = 0; i < l->n_queries; i++) {
		struct list_query *q = &l->queries[i];

		if (q->r < 0 && q->r != -EHOSTDOWN)
			problems[n_problems++] = (struct target_problem){
				.backend = q->b->prefix,
				.reason = q->reason ? q->reason : strerror(-q->r),
			};
		if (!all || q->n == 0)
			continue;
		memcpy(all + n, q->entries, q->n * sizeof(*all));
		n += q->n;
		free(q->entries);
		q->entries = NULL;
		q->n = 0;
	}
	if (all)
		qsort(all, n, sizeof(*all), entry_compare);
	else
		problems[n_problems++] = (struct target_problem){
			.backend = "nsctld", .reason = strerror(ENOMEM),
		};
	l->cb(all, n, problems, n_problems, l->userdata);
	target_entries_free(all, n);
	listing_free(l);
}

static void list_query_done(int r, struct target_entry *entries, size_t n, const char *reason,
			    void *userdata)
{
	struct list_query *q = userdata;

	q->op = NULL;
	q->r = r;
	q->entries = entries;
	q->n = n;
	if (reason)
		q->reason = strdup(reason);
	if (--q->l->n_pending == 0)
		event_active(q->l->ev_done, EV_TIMEOUT, 0);
}

int target_list_kinds(struct target_context *ctx, uint32_t kinds, target_filter_fn filter,
		      void *userdata, target_list_all_fn cb, struct target_op **ret)
{
	struct listing *l = calloc(1, sizeof(*l));
	int r = 0;

	if (!l)
		return -ENOMEM;
	l->op.cancel = listing_cancel;
	l->ctx = ctx;
	l->filter = filter;
	l->userdata = userdata;
	l->cb = cb;
	l->ev_done = evtimer_new(ctx->base, on_listing_done, l);
	if (!l->ev_done) {
		listing_free(l);
		return -ENOMEM;
	}
	for (int k = 0; k < _TARGET_KIND_COUNT && r >= 0; k++) {
		const struct target_backend *b = backend_of(k);
		struct list_query *q = &l->queries[l->n_queries];

		if (!(ctx->kinds & TARGET_KIND_BIT(k)) || !(kinds & TARGET_KIND_BIT(k)) ||
		    (!b->list && !b->list_now))
			continue;
		*q = (struct list_query){ .l = l, .b = b };
		l->n_queries++;
		if (b->list_now) {
			q->r = b->list_now(ctx, filter, userdata, &q->entries, &q->n);
			r = q->r == -ENOMEM ? q->r : 0;
			continue;
		}
		r = b->list(ctx, filter, userdata, list_query_done, q, &q->op);
		if (r >= 0)
			l->n_pending++;
	}
	if (r < 0) {
		listing_free(l);
		return r;
	}
	if (l->n_pending == 0)
		event_active(l->ev_done, EV_TIMEOUT, 0);
	*ret = &l->op;
	return 0;
}

static void target_context_freep(struct target_context **p)
{
	target_context_free(*p);
}

int target_context_new(const struct target_context *settings, struct target_context **ret)
{
	_cleanup_(target_context_freep) struct target_context *ctx = NULL;
	const char *docker = settings->docker_socket ? settings->docker_socket
						     : TARGET_DOCKER_SOCKET;
	const char *podman = settings->podman_socket ? settings->podman_socket
						     : TARGET_PODMAN_SOCKET;
	const char *containerd = settings->containerd_state ? settings->containerd_state
							    : RUNTIME_CONTAINERD_DEFAULT_STATE;
	const char *crio = settings->crio_state ? settings->crio_state
						: RUNTIME_CRIO_DEFAULT_STATE;
	int r;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->base = settings->base;
	ctx->kinds = settings->kinds;
	ctx->backend_timeout_ms = settings->backend_timeout_ms;
	ctx->cache_sec = settings->cache_sec;
	ctx->docker_socket = strdup(docker);
	ctx->podman_socket = strdup(podman);
	ctx->containerd_state = strdup(containerd);
	ctx->crio_state = strdup(crio);
	if (!ctx->docker_socket || !ctx->podman_socket || !ctx->containerd_state ||
	    !ctx->crio_state)
		return -ENOMEM;
	r = target_cache_new(ctx->base, ctx->cache_sec, &ctx->cache);
	if (r >= 0)
		r = bus_new(ctx->base, ctx->backend_timeout_ms, &ctx->bus);
	if (r >= 0)
		r = runtime_cache_new(&ctx->runtime_cache);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(ctx);
	return 0;
}

void target_context_free(struct target_context *ctx)
{
	if (!ctx)
		return;
	target_cache_free(ctx->cache);
	bus_free(ctx->bus);
	runtime_cache_free(ctx->runtime_cache);
	free(ctx->docker_socket);
	free(ctx->podman_socket);
	free(ctx->containerd_state);
	free(ctx->crio_state);
	free(ctx);
}
