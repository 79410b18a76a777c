/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The namespace types: wire names, /proc/PID/ns entries, CLONE_NEW* flags, join order. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "protocol/nsctl-protocol.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * The order is nsenter's, and it matters when namespaces are joined one setns() at a
 * time (old kernels, or the fallback when setns(pidfd, mask) fails):
 *  - user first: joining the target's user namespace gives the caller capabilities in
 *    it, and setns() into the other namespaces checks CAP_SYS_ADMIN over the user
 *    namespace that owns each of them. Joined later, those joins would fail for a
 *    caller that is not privileged outside.
 *  - cgroup, ipc, uts, net: independent of each other and of the paths used later.
 *  - pid: only changes the namespace of children forked afterwards, never the joining
 *    process itself (the worker forks again after joining it).
 *  - mnt late: setns(CLONE_NEWNS) changes the root and the cwd, so every path after it
 *    resolves in the target's mount namespace. All namespace fds are opened before the
 *    first join anyway, but nothing else should depend on the root changing early.
 *  - time last, as in nsenter: it requires a single-threaded caller and changes the
 *    clocks the caller sees, which none of the joins before it should observe.
 */
const struct ns_info ns_table[_NS_COUNT] = {
	[NS_USER] = { "user", "user", CLONE_NEWUSER, "user", 'U' },
	[NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP, "cgroup", 'C' },
	[NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC, "ipc", 'i' },
	[NS_UTS] = { "uts", "uts", CLONE_NEWUTS, "uts", 'u' },
	[NS_NET] = { "net", "net", CLONE_NEWNET, "net", 'n' },
	[NS_PID] = { "pid", "pid", CLONE_NEWPID, "pid", 'p' },
	[NS_MNT] = { "mnt", "mnt", CLONE_NEWNS, "mount", 'm' },
	[NS_TIME] = { "time", "time", CLONE_NEWTIME, "time", 'T' },
};

int ns_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int t = 0; t < _NS_COUNT; t++)
		if (strcmp(ns_table[t].name, name) == 0)
			return t;
	return -EINVAL;
}

int ns_mask_to_clone_flags(uint32_t mask)
{
	int flags = 0;

	for (int t = 0; t < _NS_COUNT; t++)
		if (mask & NS_BIT(t))
			flags |= ns_table[t].clone_flag;
	return flags;
}

/* Names that do not fit whole are left out, with everything after them. */
const char *ns_mask_to_string(uint32_t mask, char *buf, size_t n)
{
	size_t used = 0;

	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	for (int t = 0; t < _NS_COUNT; t++) {
		int k;

		if (!(mask & NS_BIT(t)))
			continue;
		k = snprintf(buf + used, n - used, "%s%s", used > 0 ? "," : "", ns_table[t].name);
		if (k < 0 || (size_t)k >= n - used) {
			buf[used] = '\0'; /* truncated: drop the partial name */
			break;
		}
		used += (size_t)k;
	}
	return buf;
}
