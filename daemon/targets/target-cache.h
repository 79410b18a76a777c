/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resolution cache: pinned targets by name, while their process lives. */
#pragma once

#include "daemon/targets/target.h"

struct event_base;

struct target_cache;

/*
 * target-cache.c: names resolved by the backends that ask a service (containers, machines,
 * units), kept while their process lives and for at most target_cache_sec seconds.
 */
int target_cache_new(struct event_base *base, unsigned ttl_sec, struct target_cache **ret);
void target_cache_free(struct target_cache *c);

/* A pinned copy of what key resolved to, or -ENOENT. */
int target_cache_get(struct target_cache *c, const char *key, struct target **ret);

/* Remember t (duplicating its pidfd) under key; failures only mean it is not cached. */
void target_cache_put(struct target_cache *c, const char *key, const struct target *t);
