/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target names: route "KIND:NAME" to its backend; compare namespaces with nsctld's own. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* Later backends (containers, machines, units) join this table. */
static const struct target_backend *const backends[] = {
	&target_backend_pid,
	&target_backend_netns,
};

int target_parse(const char *name, struct target **ret)
{
	const char *colon = strchr(name, ':');
	struct target *t;

	if (!colon)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(backends); i++) {
		const struct target_backend *b = backends[i];
		size_t plen = strlen(b->prefix);
		int r;

		if ((size_t)(colon - name) != plen || strncmp(name, b->prefix, plen) != 0)
			continue;
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->backend = b;
		t->pidfd = -EBADF;
		t->nsfd = -EBADF;
		r = b->parse(colon + 1, t);
		if (r < 0) {
			target_free(t);
			return r;
		}
		*ret = t;
		return 0;
	}
	return -EINVAL;
}

int target_open(struct target *t)
{
	return t->backend->open(t);
}

int target_set_names(struct target *t, enum target_kind kind, const char *prefix,
		     const char *rest)
{
	t->kind = kind;
	if (asprintf(&t->canonical, "%s:%s", prefix, rest) < 0) {
		t->canonical = NULL;
		return -ENOMEM;
	}
	t->bare = strdup(rest);
	if (!t->bare)
		return -ENOMEM;
	return 0;
}

void target_free(struct target *t)
{
	if (!t)
		return;
	free(t->canonical);
	free(t->bare);
	safe_close(t->pidfd);
	safe_close(t->nsfd);
	free(t);
}

int target_shared_namespaces(pid_t pid, int pidfd, uint32_t *ret_shared)
{
	uint32_t shared = 0;
	char path[64];

	for (int i = 0; i < _NS_COUNT; i++) {
		struct stat self, other;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_table[i].proc_name);
		if (stat(path, &self) < 0)
			continue; /* this kernel lacks the type: nothing to share */
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_table[i].proc_name);
		if (stat(path, &other) < 0)
			continue;
		if (self.st_dev == other.st_dev && self.st_ino == other.st_ino)
			shared |= NS_BIT(i);
	}
	/* Still alive, so the pid was not reused while we looked at /proc/PID. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -errno;
	*ret_shared = shared;
	return 0;
}
