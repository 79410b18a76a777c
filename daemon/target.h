/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Targets: a name ("pid:42", "netns:blue") parsed, then pinned to kernel handles. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum target_kind {
	TARGET_PID,
	TARGET_NETNS,
};

struct target_backend;

struct target {
	const struct target_backend *backend;
	enum target_kind kind;
	char *canonical;        /* "pid:42" */
	char *bare;             /* "42" */
	pid_t pid;              /* TARGET_PID */
	int pidfd;              /* TARGET_PID once pinned, else -EBADF */
	int nsfd;               /* TARGET_NETNS once pinned: the nsfs file, else -EBADF */
	uint32_t available_ns;  /* NS_BIT()s that can be joined */
	uint32_t shared_ns;     /* NS_BIT()s the target shares with nsctld (join is a no-op) */
};

/*
 * A target backend: the name prefix it owns, how to parse the rest, how to pin it.
 * parse fills kind/canonical/bare/pid; open fills pidfd/nsfd/available_ns/shared_ns.
 */
struct target_backend {
	const char *prefix;     /* "pid" */
	int (*parse)(const char *rest, struct target *t);
	int (*open)(struct target *t);
};

extern const struct target_backend target_backend_pid;
extern const struct target_backend target_backend_netns;

/* Parse a name into a new target (not yet pinned). -EINVAL for a malformed or unknown kind. */
int target_parse(const char *name, struct target **ret);

/* Pin the target to kernel handles. -ESRCH/-ENOENT when it does not exist, other -errno. */
int target_open(struct target *t);

void target_free(struct target *t);

/* For backends: set kind, "PREFIX:REST" as the canonical name and REST as the bare one. */
int target_set_names(struct target *t, enum target_kind kind, const char *prefix,
		     const char *rest);

/* For pid backends: which namespaces of pid (pinned by pidfd) are nsctld's own. */
int target_shared_namespaces(pid_t pid, int pidfd, uint32_t *ret_shared);
