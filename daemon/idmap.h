/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespace id maps: parse uid_map/gid_map, map host ids to the ids inside a target. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IDMAP_EXTENTS_MAX 340  /* the kernel's limit of lines in a map */
#define IDMAP_GROUPS_MAX 65536 /* NGROUPS_MAX */

/* One line of /proc/PID/uid_map: ids [inside, inside+count) are [outside, outside+count). */
struct idmap_extent {
	uint32_t inside;
	uint32_t outside;          /* as nsctld's own user namespace (the host's) sees them */
	uint32_t count;
};

struct idmap {
	struct idmap_extent e[IDMAP_EXTENTS_MAX];
	size_t n;
};

/*
 * Parse the text of a uid_map or gid_map (len bytes): lines of three decimal numbers
 * separated by blanks, each ending in a newline. -EINVAL for anything else: a count of 0,
 * a number beyond 32 bits, a range that wraps or includes (uint32_t)-1 (the kernel maps
 * neither), more than IDMAP_EXTENTS_MAX lines. No lines: nothing is mapped.
 */
int idmap_parse(const char *text, size_t len, struct idmap *ret);

/* The id inside that host id maps to: 0 and *ret_inside, or -ENOENT when not mapped. */
int idmap_to_inside(const struct idmap *m, uint32_t host, uint32_t *ret_inside);

/* The run-as identity of a command as the target's user namespace sees it. */
struct idmap_identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups;             /* those of the host's groups that are mapped */
	size_t n_groups;
	int usernsfd;              /* the user namespace the maps were read from */
	uint64_t userns_inode;
};

/* Which id of an identity is not mapped, for the error reply. */
struct idmap_unmapped {
	const char *kind;          /* "uid" or "gid" */
	uint32_t id;               /* the host id */
	uint64_t userns_inode;
};

/*
 * Map the host identity (uid, gid, groups) into the user namespace of the process pid,
 * pinned by pidfd: its uid_map, gid_map and setgroups are read through /proc/PID while the
 * user namespace is held open, and the pidfd confirms afterwards that /proc/PID was still
 * that process. Supplementary groups that are not mapped are dropped, and all of them when
 * the namespace says "deny" to setgroups. 0 and *ret (release it with
 * idmap_identity_done()); -EOVERFLOW when uid or gid is not mapped (*unmapped says which);
 * -ESRCH when the process is gone; -EAGAIN when it changed its user namespace meanwhile;
 * other -errno.
 */
int idmap_identity_read(int pidfd, pid_t pid, uid_t uid, gid_t gid, const gid_t *groups,
			size_t n_groups, struct idmap_identity *ret,
			struct idmap_unmapped *unmapped);

/* Like idmap_identity_read() with the three files' texts given (setgroups may be NULL). */
int idmap_identity_from_maps(const struct idmap *uids, const struct idmap *gids,
			     bool setgroups_allowed, uid_t uid, gid_t gid, const gid_t *groups,
			     size_t n_groups, struct idmap_identity *ret,
			     struct idmap_unmapped *unmapped);

void idmap_identity_done(struct idmap_identity *id);
