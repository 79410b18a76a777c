/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the runtimes' config.json files said, kept by file so that each is parsed once. */

/*
 * config.json is written once, when the container is created. A scan still opens and
 * checks every file (runtime-state.h, rule 1) and only skips parsing one it has parsed
 * before: the same device, inode, size and ctime. ctime is set by the kernel on every
 * write and metadata change and cannot be set back, so a rewritten file is parsed again.
 * Bounded: past CACHE_MAX entries, those not seen for CACHE_KEEP_SCANS scans go, then all.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/targets/runtime-state.h"

#define CACHE_BUCKETS 512
#define CACHE_MAX (2 * RUNTIME_STATE_BUNDLES_MAX)
#define CACHE_KEEP_SCANS 16 /* an entry not seen for this many scans may go */

struct cache_entry {
	struct cache_entry *next;
	enum runtime_kind runtime;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec ctime;
	unsigned long last_scan;
	struct runtime_meta meta;
};

struct runtime_cache {
	struct cache_entry *buckets[CACHE_BUCKETS];
	size_t n;
	unsigned long scan;
};

int runtime_cache_new(struct runtime_cache **ret)
{
	struct runtime_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*ret = c;
	return 0;
}

void runtime_cache_begin_scan(struct runtime_cache *c)
{
	c->scan++;
}

/* Drop the entries not seen in the last keep scans (0: all). */
static void cache_sweep(struct runtime_cache *c, unsigned long keep)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++)
		for (struct cache_entry **p = &c->buckets[i]; *p;) {
			struct cache_entry *e = *p;

			if (keep && e->last_scan + keep >= c->scan) {
				p = &e->next;
				continue;
			}
			*p = e->next;
			runtime_meta_done(&e->meta);
			free(e);
			c->n--;
		}
}

void runtime_cache_free(struct runtime_cache *c)
{
	if (!c)
		return;
	cache_sweep(c, 0);
	free(c);
}

static int meta_copy(const struct runtime_meta *src, struct runtime_meta *ret)
{
	struct runtime_meta m = { .role = src->role };

	if ((src->pod_namespace && !(m.pod_namespace = strdup(src->pod_namespace))) ||
	    (src->pod_name && !(m.pod_name = strdup(src->pod_name))) ||
	    (src->container_name && !(m.container_name = strdup(src->container_name))) ||
	    (src->sandbox_id && !(m.sandbox_id = strdup(src->sandbox_id)))) {
		runtime_meta_done(&m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

static struct cache_entry **cache_bucket(struct runtime_cache *c, const struct stat *st)
{
	return &c->buckets[(st->st_ino ^ st->st_dev) % CACHE_BUCKETS];
}

static bool cache_matches(const struct cache_entry *e, enum runtime_kind runtime,
			  const struct stat *st)
{
	return e->runtime == runtime && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && e->ctime.tv_sec == st->st_ctim.tv_sec &&
	       e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* A copy of what the file st said, or -ENOENT. */
int runtime_cache_get(struct runtime_cache *c, enum runtime_kind runtime, const struct stat *st,
		     struct runtime_meta *ret)
{
	for (struct cache_entry *e = *cache_bucket(c, st); e; e = e->next)
		if (cache_matches(e, runtime, st)) {
			e->last_scan = c->scan;
			return meta_copy(&e->meta, ret);
		}
	return -ENOENT;
}

/* Remember what the file st said; failing only means it is parsed again next time. */
void runtime_cache_put(struct runtime_cache *c, enum runtime_kind runtime, const struct stat *st,
		      const struct runtime_meta *m)
{
	struct cache_entry *e, **b = cache_bucket(c, st);

	/* The same inode with other contents (rewritten): the old entry goes. */
	for (struct cache_entry **p = b; *p; p = &(*p)->next)
		if ((*p)->runtime == runtime && (*p)->dev == st->st_dev &&
		    (*p)->ino == st->st_ino) {
			e = *p;
			*p = e->next;
			runtime_meta_done(&e->meta);
			free(e);
			c->n--;
			break;
		}
	if (c->n >= CACHE_MAX)
		cache_sweep(c, CACHE_KEEP_SCANS);
	if (c->n >= CACHE_MAX)
		cache_sweep(c, 0);
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	if (meta_copy(m, &e->meta) < 0) {
		free(e);
		return;
	}
	e->runtime = runtime;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->ctime = st->st_ctim;
	e->last_scan = c->scan;
	e->next = *b;
	*b = e;
	c->n++;
}
