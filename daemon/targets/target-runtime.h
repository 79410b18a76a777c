/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the backends that read the runtimes' state (k8s, containerd, crio) share. */
#pragma once

#include "daemon/targets/runtime-state.h"
#include "daemon/targets/target-backend.h"

/*
 * These backends read local files at once, but their callers expect a lookup's or a
 * listing's answer from the loop, never from inside the call: the answer is handed over
 * on the next iteration. They take t, entries and reason (malloc'ed, may be NULL); with
 * r < 0 a listing's entries so far are freed and only the error is answered.
 */
int target_runtime_answer_lookup(struct target_context *ctx, int r, struct target *t, char *reason,
				 target_lookup_fn cb, void *userdata, struct target_op **ret);
int target_runtime_answer_list(struct target_context *ctx, int r, struct target_entry *entries,
			       size_t n, char *reason, target_list_fn cb, void *userdata,
			       struct target_op **ret);

/* A target named "PREFIX:name" for the bundle, pinned now (its pidfd is taken); -ENOENT
 * when it is not running or has exited meanwhile. */
int target_runtime_pin(const struct target_backend *b, const char *name,
		       struct runtime_bundle *bundle, struct target **ret);

/* A listing being built: entries the filter lets through. */
struct target_runtime_list {
	const struct target_backend *b;
	target_filter_fn filter;
	void *filter_userdata;
	struct target_entry *entries;
	size_t n, alloc;
};

/* Add "PREFIX:name" if the filter lets it through, pinning the bundle for its state; one
 * entry a name, a running bundle's over another's. 0 or -errno. */
int target_runtime_list_add(struct target_runtime_list *l, const char *name,
			    struct runtime_bundle *bundle);

/* The failure of a scan as a lookup's or listing's error and reason (taken). */
int target_runtime_scan_error(const char *runtime, const char *root, int r, char **reason);
