/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "netns:NAME": a network namespace bound at /run/netns/NAME (ip netns). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define NETNS_DIR "/run/netns"

/* One path component, as `ip netns` names them. */
static bool netns_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static int netns_parse(const char *rest, struct target *t)
{
	if (!netns_name_valid(rest))
		return -EINVAL;
	return target_set_names(t, TARGET_NETNS, "netns", rest);
}

/* Open NAME in the directory dir as a network namespace: -ENOENT for anything else. */
static int netns_open_at(int dir, const char *name, int *ret)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;
	int type;

	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
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
	*ret = TAKE_FD(fd);
	return 0;
}

static int netns_open(struct target *t)
{
	_cleanup_close_ int dir = -EBADF;
	struct stat st;
	int r;

	dir = open(NETNS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	r = netns_open_at(dir, t->bare, &t->nsfd);
	if (r < 0)
		return r;
	if (fstat(t->nsfd, &st) < 0)
		return -errno;
	t->ns_inodes[NS_NET] = (uint64_t)st.st_ino;
	t->available_ns = NS_BIT(NS_NET);
	t->shared_ns = 0;
	return 0;
}

/* Every bound network namespace the filter lets through; no /run/netns means none. */
static int netns_list_now(struct target_context *ctx, target_filter_fn filter,
			  void *filter_userdata, struct target_entry **ret, size_t *ret_n)
{
	struct target_entry *l = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(NETNS_DIR);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *canonical = NULL;
		int fd = -EBADF;

		if (!netns_name_valid(de->d_name))
			continue;
		if (asprintf(&canonical, "netns:%s", de->d_name) < 0) {
			canonical = NULL;
			r = -ENOMEM;
			break;
		}
		if (filter && !filter(canonical, de->d_name, filter_userdata))
			continue;
		/* Only what could be entered: a stale file left by a crashed `ip` is not listed. */
		if (netns_open_at(dirfd(d), de->d_name, &fd) < 0)
			continue;
		safe_close(fd);
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct target_entry *nl = reallocarray(l, na, sizeof(*l));

			if (!nl) {
				r = -ENOMEM;
				break;
			}
			l = nl;
			alloc = na;
		}
		l[n] = (struct target_entry){ .kind = TARGET_NETNS, .pid = 0 };
		l[n].canonical = TAKE_PTR(canonical);
		l[n].bare = strdup(de->d_name);
		l[n].state = strdup("present");
		n++;
		if (!l[n - 1].bare || !l[n - 1].state) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	if (r < 0) {
		target_entries_free(l, n);
		return r;
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

const struct target_backend target_backend_netns = {
	.prefix = "netns",
	.kind = TARGET_NETNS,
	.bare_names = true,
	.parse = netns_parse,
	.open = netns_open,
	.list_now = netns_list_now,
};
