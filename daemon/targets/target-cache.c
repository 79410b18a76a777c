/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resolution cache: name -> pidfd, dropped when the process exits or the entry expires. */

/*
 * Asking a container engine or the bus costs a round trip (two, with the confirmation), so
 * the names they resolve are kept for a short while. An entry holds a pidfd of the process
 * the name led to; the loop watches that pidfd and drops the entry the moment the process
 * exits, so a stopped, restarted or re-created container is looked up afresh. A hit is
 * checked once more (exited? expired?) before it is used, for the exit that the loop has
 * not reported yet. The age limit bounds what the pidfd cannot tell: a container renamed
 * while its process lives. Entries are few (CACHE_MAX) and found by a linear scan.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <event2/event.h>

#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-cache.h"
#include "protocol/cleanup.h"

#define CACHE_MAX 256

struct cache_entry {
	struct target_cache *cache;
	char *key;
	struct target *t;
	uint64_t expires_usec;     /* CLOCK_MONOTONIC */
	struct event *ev_exit;     /* the pidfd polls readable: the process exited */
	TAILQ_ENTRY(cache_entry) entry;
};

struct target_cache {
	struct event_base *base;
	unsigned ttl_sec;           /* 0: nothing is kept */
	TAILQ_HEAD(, cache_entry) entries; /* oldest first */
	size_t n;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void entry_free(struct cache_entry *e)
{
	TAILQ_REMOVE(&e->cache->entries, e, entry);
	e->cache->n--;
	if (e->ev_exit)
		event_free(e->ev_exit);
	target_free(e->t);
	free(e->key);
	free(e);
}

static void on_process_exit(evutil_socket_t fd, short what, void *userdata)
{
	entry_free(userdata);
}

int target_cache_new(struct event_base *base, unsigned ttl_sec, struct target_cache **ret)
{
	struct target_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->base = base;
	c->ttl_sec = ttl_sec;
	TAILQ_INIT(&c->entries);
	*ret = c;
	return 0;
}

void target_cache_free(struct target_cache *c)
{
	if (!c)
		return;
	while (!TAILQ_EMPTY(&c->entries))
		entry_free(TAILQ_FIRST(&c->entries));
	free(c);
}

int target_cache_get(struct target_cache *c, const char *key, struct target **ret)
{
	struct cache_entry *e;
	struct target *t;
	int r;

	TAILQ_FOREACH(e, &c->entries, entry)
		if (strcmp(e->key, key) == 0)
			break;
	if (!e)
		return -ENOENT;
	if (now_usec() >= e->expires_usec || target_pidfd_exited(e->t->pidfd)) {
		entry_free(e);
		return -ENOENT;
	}
	r = target_dup(e->t, &t);
	if (r < 0)
		return r;
	/* The same process; its namespaces are looked at again (it may have changed them). */
	r = target_pin_namespaces(t);
	if (r < 0) {
		target_free(t);
		entry_free(e);
		return -ENOENT;
	}
	*ret = t;
	return 0;
}

void target_cache_put(struct target_cache *c, const char *key, const struct target *t)
{
	unsigned ttl = c->ttl_sec;
	struct cache_entry *e, *old;

	if (ttl == 0 || t->pidfd < 0)
		return;
	TAILQ_FOREACH(old, &c->entries, entry)
		if (strcmp(old->key, key) == 0) {
			entry_free(old);
			break;
		}
	if (c->n >= CACHE_MAX)
		entry_free(TAILQ_FIRST(&c->entries));
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->cache = c;
	e->key = strdup(key);
	if (!e->key || target_dup(t, &e->t) < 0) {
		free(e->key);
		free(e);
		return;
	}
	e->expires_usec = now_usec() + (uint64_t)ttl * 1000000;
	TAILQ_INSERT_TAIL(&c->entries, e, entry);
	c->n++;
	e->ev_exit = event_new(c->base, e->t->pidfd, EV_READ, on_process_exit, e);
	if (!e->ev_exit || event_add(e->ev_exit, NULL) < 0)
		entry_free(e);
}
