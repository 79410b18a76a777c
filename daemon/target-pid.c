/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "pid:N": a process, pinned by a pidfd. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include "daemon/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static int pid_parse(const char *rest, struct target *t)
{
	unsigned long v = 0;

	/* Decimal digits only: no sign, no spaces, no leading zeros, no overflow. */
	if (rest[0] < '1' || rest[0] > '9')
		return -EINVAL;
	for (const char *p = rest; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > INT_MAX)
			return -EINVAL;
	}
	t->pid = (pid_t)v;
	return target_set_names(t, TARGET_PID, "pid", rest);
}

static int pid_open(struct target *t)
{
	char path[64];
	struct stat st;
	int r;

	t->pidfd = pidfd_open(t->pid, 0);
	if (t->pidfd < 0)
		return -errno;
	/* A process has the namespaces this kernel knows; the pidfd pins which process. */
	t->available_ns = 0;
	for (int i = 0; i < _NS_COUNT; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)t->pid, ns_table[i].proc_name);
		if (lstat(path, &st) == 0)
			t->available_ns |= NS_BIT(i);
	}
	r = target_shared_namespaces(t->pid, t->pidfd, &t->shared_ns);
	if (r < 0)
		return r;
	return 0;
}

const struct target_backend target_backend_pid = {
	.prefix = "pid",
	.parse = pid_parse,
	.open = pid_open,
};
