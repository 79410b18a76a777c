/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespace id maps: parse uid_map/gid_map, map host ids to the ids inside a target. */

/*
 * Why this exists: a process that joins a user namespace and then calls setresuid(N) runs
 * as whatever host uid N maps to there, not as host uid N. So the worker is given the ids
 * inside that the caller's host ids (or the rule's "as" identity) map to, and a host id
 * that is not mapped is refused before anything runs: everything else nsctld decides
 * (the policy, the terminal hand-off, the fd rule, the audit) speaks of host ids.
 *
 * The maps are read through /proc/PID of the pinned target. A user namespace's maps are
 * written once and never change, so the maps read belong to the namespace that is held
 * open here (usernsfd) as long as the process did not move to another one while we read:
 * its /proc/PID/ns/user is compared before and after, and the pidfd confirms that PID was
 * still that process. The worker joins that very namespace through usernsfd.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/idmap.h"
#include "protocol/cleanup.h"

#define MAP_FILE_MAX 16384 /* 340 lines of 33 bytes, and room */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A decimal number of at most 32 bits at *p; advances *p. */
static int parse_u32(const char **p, const char *end, uint32_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*p = s;
	*ret = (uint32_t)v;
	return 0;
}

int idmap_parse(const char *text, size_t len, struct idmap *ret)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (p < end) {
		struct idmap_extent x;

		if (n == IDMAP_EXTENTS_MAX)
			return -EINVAL;
		while (p < end && is_blank(*p))
			p++;
		if (parse_u32(&p, end, &x.inside) < 0)
			return -EINVAL;
		if (p >= end || !is_blank(*p))
			return -EINVAL;
		while (p < end && is_blank(*p))
			p++;
		if (parse_u32(&p, end, &x.outside) < 0)
			return -EINVAL;
		if (p >= end || !is_blank(*p))
			return -EINVAL;
		while (p < end && is_blank(*p))
			p++;
		if (parse_u32(&p, end, &x.count) < 0)
			return -EINVAL;
		while (p < end && is_blank(*p))
			p++;
		if (p >= end || *p != '\n')
			return -EINVAL;
		p++;
		/* The last id of a range must stay below (uint32_t)-1, on both sides. */
		if (x.count == 0 || (uint64_t)x.inside + x.count > UINT32_MAX ||
		    (uint64_t)x.outside + x.count > UINT32_MAX)
			return -EINVAL;
		ret->e[n++] = x;
	}
	ret->n = n;
	return 0;
}

int idmap_to_inside(const struct idmap *m, uint32_t host, uint32_t *ret_inside)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_extent *x = &m->e[i];

		if (host >= x->outside && host - x->outside < x->count) {
			*ret_inside = x->inside + (host - x->outside);
			return 0;
		}
	}
	return -ENOENT;
}

void idmap_identity_done(struct idmap_identity *id)
{
	free(id->groups);
	safe_close(id->usernsfd);
	*id = (struct idmap_identity){ .usernsfd = -EBADF };
}

int idmap_identity_from_maps(const struct idmap *uids, const struct idmap *gids,
			     bool setgroups_allowed, uid_t uid, gid_t gid, const gid_t *groups,
			     size_t n_groups, struct idmap_identity *ret,
			     struct idmap_unmapped *unmapped)
{
	_cleanup_free_ gid_t *inner = NULL;
	uint32_t u, g, x;
	size_t n = 0;

	if (idmap_to_inside(uids, uid, &u) < 0) {
		*unmapped = (struct idmap_unmapped){ .kind = "uid", .id = uid };
		return -EOVERFLOW;
	}
	if (idmap_to_inside(gids, gid, &g) < 0) {
		*unmapped = (struct idmap_unmapped){ .kind = "gid", .id = gid };
		return -EOVERFLOW;
	}
	if (n_groups > IDMAP_GROUPS_MAX)
		return -E2BIG;
	if (setgroups_allowed && n_groups > 0) {
		inner = calloc(n_groups, sizeof(gid_t));
		if (!inner)
			return -ENOMEM;
		for (size_t i = 0; i < n_groups; i++)
			if (idmap_to_inside(gids, groups[i], &x) == 0)
				inner[n++] = x;
	}
	*ret = (struct idmap_identity){
		.uid = u, .gid = g, .groups = TAKE_PTR(inner), .n_groups = n, .usernsfd = -EBADF,
	};
	return 0;
}

/* Read /proc/PID/NAME whole (at most MAP_FILE_MAX bytes) into buf; its length or -errno. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64];
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	for (;;) {
		ssize_t k;

		if (n == size)
			return -EFBIG;
		k = read(fd, buf + n, size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return (ssize_t)n;
		n += (size_t)k;
	}
}

int idmap_identity_read(int pidfd, pid_t pid, uid_t uid, gid_t gid, const gid_t *groups,
			size_t n_groups, struct idmap_identity *ret,
			struct idmap_unmapped *unmapped)
{
	_cleanup_free_ struct idmap *uids = NULL, *gids = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int nsfd = -EBADF;
	struct idmap_identity id;
	struct stat before, after;
	char path[64], setgroups[16];
	bool allowed;
	ssize_t k;
	int r;

	uids = malloc(sizeof(*uids));
	gids = malloc(sizeof(*gids));
	buf = malloc(MAP_FILE_MAX);
	if (!uids || !gids || !buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(nsfd, &before) < 0)
		return -errno;

	k = read_proc(pid, "uid_map", buf, MAP_FILE_MAX);
	if (k < 0)
		return (int)k;
	if (idmap_parse(buf, (size_t)k, uids) < 0)
		return -EBADMSG;
	k = read_proc(pid, "gid_map", buf, MAP_FILE_MAX);
	if (k < 0)
		return (int)k;
	if (idmap_parse(buf, (size_t)k, gids) < 0)
		return -EBADMSG;
	k = read_proc(pid, "setgroups", setgroups, sizeof(setgroups) - 1);
	if (k < 0)
		return (int)k;
	setgroups[k] = '\0';
	allowed = strcmp(setgroups, "allow\n") == 0;

	/* The same user namespace all along, and the same process. */
	if (stat(path, &after) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
		return -EAGAIN;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -errno;

	r = idmap_identity_from_maps(uids, gids, allowed, uid, gid, groups, n_groups, &id,
				     unmapped);
	if (r == -EOVERFLOW)
		unmapped->userns_inode = (uint64_t)before.st_ino;
	if (r < 0)
		return r;
	id.usernsfd = TAKE_FD(nsfd);
	id.userns_inode = (uint64_t)before.st_ino;
	*ret = id;
	return 0;
}
