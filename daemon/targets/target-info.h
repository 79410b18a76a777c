/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What enforcement and audit learn about a pinned target: namespace inodes, cgroups. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct target;

/* At most this many cgroup hierarchies are joined (v2, and v1 controllers in hybrid mode). */
#define TARGET_CGROUPS_MAX 16

/*
 * The inode numbers of the pinned target's namespaces in mask, as read when it was pinned,
 * into inodes[_NS_COUNT] (0 where not asked or not known). -errno when the target went
 * away meanwhile.
 */
int target_ns_inodes(const struct target *t, uint32_t mask, uint64_t *inodes);

/*
 * Open for writing the cgroup.procs file of each cgroup the pinned target's process is
 * in, one per hierarchy mounted in nsctld's mount namespace: the unified (v2) one, and
 * in hybrid or v1 mode each v1 hierarchy. 0 and the fds (CLOEXEC) in fds[0..*ret_n),
 * -ENOENT when the target has no process (netns:) or no hierarchy could be found,
 * other -errno.
 */
int target_cgroup_open(const struct target *t, int *fds, size_t max, size_t *ret_n);
