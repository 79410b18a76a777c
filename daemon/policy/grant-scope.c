/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a grant reaches: capabilities containment can scope to a target, and those it cannot. */

/*
 * Containment (contain.c) takes away every name of another namespace, so a capability
 * that acts on a namespace the session is in stays there: the network ones on the joined
 * network namespace, IPC on the IPC namespace, kill and nice on the processes of the
 * session's own pid namespace. Capabilities that act on files (the file system is shared
 * with the host unless the mount namespace is joined, and a file handle or a device
 * reaches it anyway), on identities, or on the kernel itself (modules, BPF, raw I/O,
 * ptrace of what is visible, mounts) cannot be scoped: nsctld still grants them, and says
 * so when it loads the policy.
 */

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "daemon/policy/grant-scope.h"
#include "daemon/policy/policy.h"
#include "protocol/nsctl-protocol.h"

#define BIT(c) (UINT64_C(1) << (c))

/* What containment keeps inside the target. */
static const uint64_t scoped = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE) |
			       BIT(CAP_NET_BROADCAST) | BIT(CAP_IPC_LOCK) | BIT(CAP_IPC_OWNER) |
			       BIT(CAP_KILL) | BIT(CAP_SYS_NICE) | BIT(CAP_AUDIT_WRITE) |
			       BIT(CAP_WAKE_ALARM) | BIT(CAP_LEASE) | BIT(CAP_SYS_CHROOT);

/* What acts on open files or on whose a file is. */
static const uint64_t on_files = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) |
				 BIT(CAP_FOWNER) | BIT(CAP_FSETID) | BIT(CAP_CHOWN) |
				 BIT(CAP_SETFCAP) | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_SYS_ADMIN);

int grant_scope_missing_ns(uint64_t caps, uint32_t ns_mask, uint32_t shared_ns)
{
	static const struct {
		uint64_t caps;
		int ns;
	} acts_on[] = {
		{ BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE) |
			  BIT(CAP_NET_BROADCAST),
		  NS_NET },
		{ BIT(CAP_IPC_OWNER), NS_IPC },
	};

	/* Everything, when caps is "all": the kernel-wide ones are warned about at load. */
	for (size_t i = 0; i < sizeof(acts_on) / sizeof(acts_on[0]); i++)
		if ((caps & acts_on[i].caps) && !((ns_mask | shared_ns) & NS_BIT(acts_on[i].ns)))
			return acts_on[i].ns;
	return -1;
}

uint64_t grant_scope_unscoped(uint64_t caps)
{
	return caps & ~scoped;
}

bool grant_scope_acts_on_files(uint64_t caps, bool run_as_caller)
{
	return !run_as_caller || (caps & on_files) != 0;
}

int grant_scope_warning(const struct policy_rule *rule, char *buf, size_t n)
{
	char names[1024];
	uint64_t caps, unscoped;
	bool root;

	if (rule->action != POLICY_PERMIT)
		return 0;
	root = rule->run_as_set && rule->run_as_uid == 0;
	caps = rule->caps_set ? rule->caps : root ? POLICY_CAPS_ALL : 0;
	unscoped = grant_scope_unscoped(caps);
	if (!root && unscoped == 0)
		return 0;
	if (root && !rule->caps_set)
		snprintf(buf, n,
			 "%s:%u: \"as root\" grants every capability: host-wide, "
			 "containment cannot keep it inside the target",
			 rule->file, rule->line);
	else if (unscoped)
		snprintf(buf, n,
			 "%s:%u: %s%s act%s beyond the target (files, identities or the "
			 "kernel): host-wide, containment cannot keep %s inside it",
			 rule->file, rule->line, root ? "\"as root\" with " : "",
			 policy_caps_to_string(unscoped, names, sizeof(names)),
			 __builtin_popcountll(unscoped) == 1 ? "s" : "",
			 __builtin_popcountll(unscoped) == 1 ? "it" : "them");
	else
		snprintf(buf, n,
			 "%s:%u: \"as root\" owns the host's files: host-wide wherever "
			 "the mount namespace is not joined",
			 rule->file, rule->line);
	return 1;
}
