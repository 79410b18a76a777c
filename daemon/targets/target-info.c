/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What enforcement and audit learn about a pinned target: namespace inodes, cgroups. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/targets/target-info.h"
#include "daemon/text-file.h"
#include "daemon/targets/target.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

#define PROC_FILE_MAX (4u << 20) /* bytes of /proc/self/mountinfo we are willing to read */

/* The pidfd still refers to a live process: what we read under /proc/PID was its. */
static int confirm_alive(const struct target *t)
{
	if (syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0)
		return -errno;
	return 0;
}

int target_ns_inodes(const struct target *t, uint32_t mask, uint64_t *inodes)
{
	if (t->nsfd < 0 && t->pidfd < 0)
		return -EBADF;
	/* Read when the target was pinned (target_pin_namespaces(), netns_open()). */
	for (int i = 0; i < _NS_COUNT; i++)
		inodes[i] = (mask & NS_BIT(i)) ? t->ns_inodes[i] : 0;
	if (t->nsfd >= 0)
		return 0;
	return confirm_alive(t);
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Is every comma-separated item of want among the comma-separated items of have? */
static bool all_in(const char *want, const char *have)
{
	for (const char *w = want; *w;) {
		size_t wl = strcspn(w, ",");
		bool found = false;

		for (const char *h = have; *h && !found;) {
			size_t hl = strcspn(h, ",");

			found = hl == wl && strncmp(h, w, wl) == 0;
			h += hl + (h[hl] == ',');
		}
		if (!found)
			return false;
		w += wl + (w[wl] == ',');
	}
	return true;
}

/*
 * The directory, in nsctld's mount namespace, of cgroup path of the hierarchy whose
 * controllers are ctrls ("" with v2). mountinfo is modified (split into fields).
 */
static int cgroup_dir(char *mountinfo, bool v2, const char *ctrls, const char *path,
		      char **ret)
{
	for (char *line = mountinfo; line && *line;) {
		char *next = strchr(line, '\n'), *f[6], *sep, *fstype, *opts;
		size_t n = 0;

		if (next)
			*next++ = '\0';
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPT...] - FSTYPE SOURCE SUPEROPTS" */
		sep = strstr(line, " - ");
		if (!sep)
			goto skip;
		*sep = '\0';
		for (char *t = strtok(line, " "); t && n < ELEMENTSOF(f); t = strtok(NULL, " "))
			f[n++] = t;
		fstype = strtok(sep + 3, " ");
		(void)strtok(NULL, " ");
		opts = strtok(NULL, " ");
		if (n < 5 || !fstype || !opts)
			goto skip;
		if (v2 ? strcmp(fstype, "cgroup2") != 0
		       : strcmp(fstype, "cgroup") != 0 || !all_in(ctrls, opts))
			goto skip;
		unescape(f[3]);
		unescape(f[4]);
		/* A mount of a subtree: the path must be inside it. */
		if (strcmp(f[3], "/") != 0) {
			size_t rl = strlen(f[3]);

			if (strncmp(path, f[3], rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
				goto skip;
			path += rl;
		}
		if (asprintf(ret, "%s%s", f[4], path) < 0)
			return -ENOMEM;
		return 0;
	skip:
		line = next;
	}
	return -ENOENT;
}

/*
 * Open cgroup.procs for one line "ID:CONTROLLERS:PATH" of /proc/PID/cgroup ("0::PATH" is
 * the unified hierarchy). 0 with *ret_fd = -EBADF when that hierarchy is not mounted here.
 */
static int open_procs(char *line, int *ret_fd)
{
	_cleanup_free_ char *mountinfo = NULL, *dir = NULL, *procs = NULL;
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	bool v2;
	int fd, r;

	*ret_fd = -EBADF;
	if (!c2 || c2[1] != '/')
		return 0;
	*c1 = *c2 = '\0';
	v2 = strcmp(line, "0") == 0 && c1[1] == '\0';
	if (!v2 && c1[1] == '\0')
		return 0; /* a v1 hierarchy without a name or controller: cannot be found */
	r = read_text_file("/proc/self/mountinfo", PROC_FILE_MAX, &mountinfo);
	if (r < 0)
		return r;
	r = cgroup_dir(mountinfo, v2, c1 + 1, c2 + 1, &dir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (asprintf(&procs, "%s/cgroup.procs", dir) < 0)
		return -ENOMEM;
	fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int target_cgroup_open(const struct target *t, int *fds, size_t max, size_t *ret_n)
{
	_cleanup_free_ char *cgroups = NULL;
	char path[64];
	size_t n = 0;
	int fd, r;

	if (t->pidfd < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)t->pid);
	r = read_text_file(path, PROC_FILE_MAX, &cgroups);
	if (r < 0)
		return r;
	for (char *line = cgroups, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = open_procs(line, &fd);
		if (r < 0)
			break;
		if (fd < 0)
			continue;
		if (n == max) {
			safe_close(fd);
			r = -E2BIG;
			break;
		}
		fds[n++] = fd;
	}
	if (r >= 0 && n == 0)
		r = -ENOENT;
	if (r >= 0)
		r = confirm_alive(t);
	if (r < 0) {
		close_many(fds, n);
		return r;
	}
	*ret_n = n;
	return 0;
}
