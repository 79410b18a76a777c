/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One Run call: the one struct that travels from decoding through resolution to the session. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/policy/access.h"
#include "daemon/idmap.h"
#include "daemon/targets/target-info.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

struct conn;

/*
 * The run-as identity inside the target's user namespace, when -U joins one (identity
 * branch, daemon/idmap.c). error < 0 when it could not be mapped: -EOVERFLOW, an id not
 * mapped (unmapped says which), -ESRCH the target went away, other -errno.
 */
struct run_identity {
	bool joined;                    /* inner is set */
	struct idmap_identity inner;
	struct idmap_unmapped unmapped;
	int error;
};

void run_identity_done(struct run_identity *ri);

/*
 * Owned by method-run.c until the session starts, then by session_start(), which frees
 * it once the worker is forked (or on failure).
 */
struct run_call {
	struct target_op op;       /* conn->pending while the target is resolved */
	struct conn *c;
	struct run_request req;    /* argv: the run-as shell when the request had none */
	int stdio[3];              /* the caller's fds, or /dev/null for a terminal session */
	struct access_filter filter;
	struct target_op *resolve;

	/* Learnt once the target is pinned and the policy permits (run_start()). */
	struct run_identity identity;
	uint64_t ns_inodes[_NS_COUNT];        /* of the target's namespaces, for the audit */
	int cgroup_fds[TARGET_CGROUPS_MAX];   /* its cgroup.procs files ("cgroup" option) */
	size_t n_cgroup_fds;
	char *cgroup_parent;                  /* its v2 cgroup ("cgroup" option), or NULL */
};

/* A call of connection c with nothing in it yet; NULL when out of memory. */
struct run_call *run_call_new(struct conn *c);
void run_call_free(struct run_call *rc);

static inline void run_call_freep(struct run_call **rc)
{
	run_call_free(*rc);
}
