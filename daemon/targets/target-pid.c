/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "pid:N": a process, pinned by a pidfd. Not listed, never a bare name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include "daemon/targets/target-backend.h"
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
	t->pidfd = pidfd_open(t->pid, 0);
	if (t->pidfd < 0)
		return -errno;
	return target_pin_namespaces(t);
}

const struct target_backend target_backend_pid = {
	.prefix = "pid",
	.kind = TARGET_PID,
	.bare_names = false,
	.parse = pid_parse,
	.open = pid_open,
};
