/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving a name to a pinned target, and listing, across the enabled backends, in the loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/targets/target.h"

struct target_context;

/*
 * A context from settings: base, kinds, the timeouts and the paths of *settings are copied
 * (a NULL path: the default), the cache, the bus and the runtime cache made. -ENOMEM.
 */
int target_context_new(const struct target_context *settings, struct target_context **ret);
void target_context_free(struct target_context *ctx);

/*
 * How a resolution ended. r == 0: t is the target (the callee takes it). Else r is
 * -EINVAL (malformed name), -ENOENT (nothing the filter lets through has this name),
 * -ENOTUNIQ (candidates: the canonical names it could mean), -EHOSTDOWN or another
 * -errno from a backend (backend, and reason when it is a service that failed; without a
 * reason it is nsctld's own system call), or -ENOMEM. cb takes t (setting it to NULL);
 * the rest is freed after cb returns.
 */
struct target_result {
	int r;
	struct target *t;
	char **candidates;
	const char *backend;
	const char *reason;
};

typedef void (*target_resolve_fn)(struct target_result *res, void *userdata);

/*
 * Resolve name to a pinned target on behalf of the caller uid. A name with a kind
 * ("docker:web") asks that backend; a bare name ("web") asks every enabled backend that
 * takes bare names among kinds (a mask of TARGET_KIND_BIT()s: those whose targets the
 * caller could be permitted), and means the one target among the answers that filter lets
 * through (filter NULL: all). pid: and netns: complete on the next loop iteration, like
 * the rest, through cb. -errno when nothing was started (cb is then never called). The
 * name cache is partitioned by uid, so that what one caller looked up is never served
 * (faster) to another, who could time it (identity branch; docs/security.md).
 */
int target_resolve_as(struct target_context *ctx, uid_t uid, uint32_t kinds, const char *name,
		      target_filter_fn filter, void *userdata, target_resolve_fn cb,
		      struct target_op **ret);

/*
 * The canonical and bare names that name could mean, whether or not anything exists:
 * "docker:web" is itself; "web" is KIND:web for each enabled backend that takes it. Calls
 * fn for each until it returns true; returns whether one did.
 */
bool target_readings(const struct target_context *ctx, const char *name,
		     bool (*fn)(const char *canonical, const char *bare, void *userdata),
		     void *userdata);

/*
 * List the targets of every enabled backend among kinds (TARGET_KIND_BIT()s; identity
 * branch) that lists, those filter lets through, ordered by kind and name. cb gets the
 * entries and the problems of backends that failed (a backend whose service is absent is
 * not a problem: it has no targets).
 */
typedef void (*target_list_all_fn)(struct target_entry *entries, size_t n,
				   struct target_problem *problems, size_t n_problems,
				   void *userdata);
int target_list_kinds(struct target_context *ctx, uint32_t kinds, target_filter_fn filter,
		      void *userdata, target_list_all_fn cb, struct target_op **ret);
