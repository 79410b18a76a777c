/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fd rule: which file descriptors from a client may become a command's stdio. */

/*
 * A client's fds are hostile. The command runs inside a target (a container, a foreign
 * network namespace) and keeps its stdio for as long as it likes, so an fd is accepted
 * only when it is a data channel that leads nowhere else:
 *  - pipes, FIFOs and sockets carry bytes; a socket's peer sees the caller's credentials
 *    (taken at connect time), and netlink checks the opener's capabilities too;
 *  - terminals and /dev/null are what interactive and batch use need;
 *  - a regular file is the caller's own open file, which is no gain while the command
 *    runs as the caller; with more privilege (run-as, capabilities) it could be a file
 *    the caller may not write in the way the command would, so it is refused then.
 * Everything that is a handle rather than a channel is refused: an O_PATH fd or a
 * directory is a way back into the host's file system (openat(dirfd, "..") walks out of
 * any container), a namespace file or a pidfd is a way into a host namespace or process,
 * a block or other character device is hardware, and anonymous inodes (epoll, eventfd,
 * signalfd, timerfd, inotify, userfaultfd, io_uring, bpf, ...) are kernel objects whose
 * meaning depends on where they were made. Unknown kinds are refused too.
 * Only the opened fd is inspected (fcntl, fstat, fstatfs, tcgetattr); no path is used.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "daemon/policy/fd-rules.h"
#include "daemon/policy/grant-scope.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC 0x09041934
#endif
#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif

/* Why an fd that is no regular file, directory, device, pipe or socket is refused. */
static const char *special_reason(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return "unknown file type";
	switch (sfs.f_type) {
	case NSFS_MAGIC:
		return "namespace file";
	case PIDFS_MAGIC:
		return "pidfd";
	case ANON_INODE_FS_MAGIC:
		return "anonymous inode (epoll, eventfd, signalfd, timerfd, ...)";
	default:
		return NULL;
	}
}

int fd_rules_check(int fd, bool command_more_privileged, const char **ret_reason)
{
	return fd_rules_check_grant(fd, command_more_privileged ? FD_RULES_NO_FILES : 0,
				    ret_reason);
}

/*
 * What the grant changes. A regular file is refused only where the grant acts on open
 * files or identities (another identity, dac_override, fowner, ...: grant-scope.c): a
 * command with net_admin writing a capture into the caller's own file gains nothing
 * over the caller. A socket is refused for a contained session (any capability): a unix
 * socket carries fds (SCM_RIGHTS), a namespace file among them, from outside the
 * session. In both cases the client interposes a pipe of its own and copies.
 */
unsigned fd_rules_for_grant(uint64_t caps, bool run_as_caller)
{
	unsigned flags = 0;

	if (grant_scope_acts_on_files(caps, run_as_caller))
		flags |= FD_RULES_NO_FILES;
	if (caps != 0)
		flags |= FD_RULES_NO_SOCKETS;
	return flags;
}

int fd_rules_check_grant(int fd, unsigned rules, const char **ret_reason)
{
	struct termios tio;
	const char *reason;
	struct stat st;
	int flags;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	if (flags & O_PATH) {
		reason = "O_PATH file descriptor";
		goto refuse;
	}
	if (fstat(fd, &st) < 0)
		return -errno;

	switch (st.st_mode & S_IFMT) {
	case S_IFIFO:
		return 0;
	case S_IFSOCK:
		if (!(rules & FD_RULES_NO_SOCKETS))
			return 0;
		reason = "socket, and the command holds capabilities";
		break;
	case S_IFCHR:
		if (st.st_rdev == makedev(1, 3)) /* /dev/null, wherever its node is */
			return 0;
		if (tcgetattr(fd, &tio) == 0)
			return 0;
		reason = "character device that is not a terminal or /dev/null";
		break;
	case S_IFDIR:
		reason = "directory";
		break;
	case S_IFBLK:
		reason = "block device";
		break;
	case S_IFLNK:
		reason = "symbolic link";
		break;
	case S_IFREG:
		/* Namespace files (and pidfds on some kernels) look like regular files. */
		reason = special_reason(fd);
		if (reason)
			break;
		if (!(rules & FD_RULES_NO_FILES))
			return 0;
		reason = "regular file, and the command acts on files or runs as another user";
		break;
	default:
		reason = special_reason(fd);
		if (!reason)
			reason = "unknown file type";
		break;
	}
refuse:
	*ret_reason = reason;
	return -EPERM;
}
