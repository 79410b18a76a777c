/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "netns:NAME": a network namespace bound at /run/netns/NAME (ip netns). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "daemon/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define NETNS_DIR "/run/netns"

static int netns_parse(const char *rest, struct target *t)
{
	size_t len = strlen(rest);

	/* One path component, as `ip netns` names them. */
	if (len == 0 || len > NAME_MAX || strchr(rest, '/') || strcmp(rest, ".") == 0 ||
	    strcmp(rest, "..") == 0)
		return -EINVAL;
	return target_set_names(t, TARGET_NETNS, "netns", rest);
}

static int netns_open(struct target *t)
{
	_cleanup_close_ int dir = -EBADF;
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;
	int type;

	dir = open(NETNS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	fd = openat(dir, t->bare, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	/* Only a real network namespace file counts: not a stale file or anything else. */
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != NSFS_MAGIC)
		return -ENOENT;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return -errno;
	if (type != CLONE_NEWNET)
		return -ENOENT;
	t->nsfd = TAKE_FD(fd);
	t->available_ns = NS_BIT(NS_NET);
	t->shared_ns = 0;
	return 0;
}

const struct target_backend target_backend_netns = {
	.prefix = "netns",
	.parse = netns_parse,
	.open = netns_open,
};
