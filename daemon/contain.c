/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Containment of a session with granted capabilities: its own pid and mount namespaces. */

/*
 * A command holding capabilities in the initial user namespace can act on every network
 * namespace it can name: by pid (`ip link ... netns PID`, IFLA_NET_NS_PID, NETNSA_PID),
 * by a namespace file (a bind mount under /run/netns, /proc/PID/ns/net) or by an fd it
 * receives. Containment takes the names away:
 *  - a new pid namespace (the child of the target's when its pid namespace was joined):
 *    pids resolve there, so the kernel finds only processes of the session;
 *  - a new, private mount namespace (a copy of the target's when it was joined, else of
 *    the host's). Private, not slave: a bind mount made later on the host (`ip netns add`)
 *    must not propagate in. Every nsfs mount is detached (MNT_DETACH, not hidden: an
 *    overmounted nsfs file would come back with a umount), and so is every procfs mount,
 *    since /proc/PID/ns of an old procfs names the host's processes. /proc is mounted
 *    afresh by the first process of the new pid namespace: procfs shows the pid
 *    namespace of the process that mounts it. The new mount API is used so that the
 *    fresh procfs exists, unattached, while the old ones go, and is attached only after;
 *  - the seccomp filter of seccomp-filter.c refuses what would bring a handle in anyway.
 *
 * Pid 1 of a pid namespace ignores every signal it has no handler for and does not
 * block, also those sent by nsctld (but SIGKILL and SIGSTOP from an ancestor namespace),
 * and when it exits the kernel kills the rest of the namespace. So the command does not
 * run as pid 1: pid 1 is a small init of nsctld's (this file until the command runs, then
 * the init image, daemon/nsctl-init.c), the process nsctld watches, signals and reaps. It
 * keeps every signal blocked, takes each as it comes and forwards it to the command, reaps
 * orphans, and reports the command's wait status on its own channel before it exits
 * (daemon/init-loop.h): Kill, SIGHUP on hang-up and the exit status work as without
 * containment, and nothing the command started outlives it. Its parent is nsctld
 * (CLONE_PARENT), and PR_SET_PDEATHSIG ties it to nsctld.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>

#include "daemon/contain.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* Passes over mountinfo, each detaching at least one mount, before giving up (fail closed). */
#define DETACH_PASSES_MAX 4096

/* Decode mountinfo's octal escapes (\040 and the like) of a field, in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/*
 * From one mountinfo line (NUL-terminated, no newline), the mount point when the file
 * system type is nsfs or proc; NULL otherwise. Fields: ID PARENT MAJ:MIN ROOT MOUNTPOINT
 * OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS.
 */
static char *handle_mount_point(char *line)
{
	char *field[5], *p = line, *fstype;
	int n = 0;

	while (n < 5) {
		field[n++] = p;
		p = strchr(p, ' ');
		if (!p)
			return NULL;
		*p++ = '\0';
	}
	fstype = strstr(p, " - ");
	if (!fstype)
		return NULL;
	fstype += 3;
	if (strncmp(fstype, "nsfs ", 5) != 0 && strncmp(fstype, "proc ", 5) != 0)
		return NULL;
	unescape(field[4]);
	return field[4];
}

/*
 * Mount points found in one pass over mountinfo, packed, and the buffer the pass reads
 * into: on the stack of contain_mounts() (no allocation, and nothing written outside the
 * stack of the process that runs it, which may share nsctld's memory).
 */
#define HANDLE_MOUNTS_MAX 256
struct handle_scan {
	char buf[1 << 16];
	char paths[1 << 16];
	size_t used;
	size_t offset[HANDLE_MOUNTS_MAX];
	size_t n;
};

static void handle_mounts_add(struct handle_scan *hs, const char *path)
{
	size_t len = strlen(path) + 1;

	/* What does not fit waits for the next pass, which only detaching makes shorter. */
	if (hs->n == HANDLE_MOUNTS_MAX || len > sizeof(hs->paths) - hs->used)
		return;
	memcpy(hs->paths + hs->used, path, len);
	hs->offset[hs->n++] = hs->used;
	hs->used += len;
}

/*
 * Scan mountinfo (read through procfd, a procfs of ours) and list the mount point of every
 * nsfs and procfs mount in hs, in mountinfo's order: parents first.
 */
static int find_handle_mounts(struct handle_scan *hs, int procfd)
{
	char *buf = hs->buf;
	size_t have = 0;
	bool eof = false;
	_cleanup_close_ int fd = -EBADF;

	hs->used = 0;
	hs->n = 0;
	fd = openat(procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!eof || have > 0) {
		char *nl;

		if (!eof && have < sizeof(hs->buf) - 1) {
			ssize_t k = read(fd, buf + have, sizeof(hs->buf) - 1 - have);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			if (k == 0)
				eof = true;
			have += (size_t)k;
		}
		buf[have] = '\0';
		nl = strchr(buf, '\n');
		if (!nl && !eof) {
			if (have == sizeof(hs->buf) - 1)
				return -E2BIG; /* a line longer than the buffer */
			continue;
		}
		if (!nl)
			nl = buf + have;
		*nl = '\0';
		{
			size_t used = (size_t)(nl - buf) + (nl < buf + have ? 1 : 0);
			char *mp = handle_mount_point(buf);

			if (mp) {
				if (strlen(mp) >= PATH_MAX)
					return -ENAMETOOLONG;
				handle_mounts_add(hs, mp);
			}
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	return 0;
}

/* A procfs instance of the caller's pid namespace, not attached anywhere yet. */
static int new_proc_mount(void)
{
	_cleanup_close_ int fs = -EBADF;
	int mnt;

	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -errno;
	return mnt;
}

int contain_mounts(void)
{
	_cleanup_close_ int procfd = -EBADF;
	struct handle_scan hs;
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	procfd = new_proc_mount();
	if (procfd < 0)
		return procfd;
	/*
	 * Each pass detaches every mount one read of mountinfo lists, the last listed first:
	 * mounts are listed parents first, so what sits on a mount (below it, or over it at
	 * the same place) goes before it. The next pass reads again: done when it finds none.
	 * A path that no longer names the mount listed (another mount went over it, taking
	 * it along, or covering it) is the next pass's business; a pass that detaches
	 * nothing fails.
	 */
	for (int pass = 0;; pass++) {
		size_t detached = 0;

		if (pass == DETACH_PASSES_MAX)
			return -ELOOP;
		r = find_handle_mounts(&hs, procfd);
		if (r < 0)
			return r;
		if (hs.n == 0)
			break;
		r = 0;
		for (size_t i = hs.n; i-- > 0;) {
			const char *path = hs.paths + hs.offset[i];

			if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
				detached++;
			else if (r == 0)
				r = -errno;
		}
		if (detached == 0)
			return r;
	}
	if (move_mount(procfd, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int contain_remount_proc(void)
{
	_cleanup_close_ int procfd = -EBADF;

	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	procfd = new_proc_mount();
	if (procfd < 0)
		return procfd;
	if (move_mount(procfd, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/*
 * The session's init and the command until its exec are clones that share memory instead
 * of copying it (CLONE_VM | CLONE_VFORK, as posix_spawn() does): the worker's memory,
 * which is nsctld's when the worker was spawned (daemon/spawn.c) and a copy of it when it
 * was forked. Each runs on a stack of its own, an array in a frame of its parent's stack
 * that the parent does not leave meanwhile, and each parent is suspended until its child
 * has executed something: the worker (or the helper) until the init has executed the init
 * image, the init until the command has executed the command. So at any time one of them
 * runs nsctld's code in that memory, with the thread-local storage (errno) they all
 * share, and writes only its stack; what they hand each other travels in the frame of
 * the suspended one. The init image (daemon/nsctl-init.c) then gives pid 1 a memory of
 * its own for the rest of the session, of a few pages: neither nsctld's nor a copy.
 */
#define COMMAND_STACK_SIZE (64 * 1024)

/*
 * A joined pid namespace (the target's) is the worker's pid_for_children, not its own: the
 * kernel refuses CLONE_NEWPID then (copy_pid_ns() wants the caller's active pid namespace
 * to be the one its children go to). So a helper is born there first, and makes the init,
 * whose pid namespace is then the child of the target's. The helper:
 *  - is nsctld's child (CLONE_PARENT), so that the init it makes with CLONE_PARENT is
 *    too; the init reports it to nsctld, which reaps it;
 *  - shares the worker's memory and fd table (CLONE_VM | CLONE_FILES): its pidfd and the
 *    init's, written by the kernel into the worker's frame and installed in that table
 *    before either runs, are the init's to report;
 *  - runs nsctld's code only, with every signal blocked, non-dumpable (the memory's
 *    flag), and is suspended from its clone() of the init until the init has executed
 *    the image, then exits: for the target's processes it is a process they can at most
 *    see, kill or stop, as they can the worker's child in a pid join without containment
 *    (docs/security.md).
 */
static int helper_main(void *userdata)
{
	struct contain_start *st = userdata;

	if (clone(st->init, st->stack_top, st->flags, st, &st->pidfd) < 0)
		st->error = -errno;
	_exit(0);
}

int contain_start_init(struct contain_start *st)
{
	int flags = CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PARENT | CLONE_PIDFD;
	sigset_t all;

	st->pidfd = -EBADF;
	st->helper_pidfd = -EBADF;
	st->error = 0;
	/*
	 * The init is born with every signal blocked (it inherits our mask and keeps it
	 * through its exec): pid 1 drops a signal for which it has no handler when it is
	 * sent, unless it is blocked, which queues it (init-loop.h takes it).
	 */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
		return -errno;
	/* No exit signal (the low byte of flags): the kernel wants none with CLONE_PARENT. */
	st->flags = flags | CLONE_NEWPID | CLONE_NEWNS;
	if (st->helper_stack) {
		if (clone(helper_main, st->helper_stack_top, flags, st, &st->helper_pidfd) < 0)
			return -errno;
		return st->error;
	}
	if (clone(st->init, st->stack_top, st->flags, st, &st->pidfd) < 0)
		return -errno;
	return 0;
}

/* The C library's calls for init-loop.h, where pid 1 stays in nsctld's code. */
static int init_sigwait(void)
{
	sigset_t all;
	int sig;

	sigfillset(&all);
	sig = sigwaitinfo(&all, NULL);
	return sig < 0 ? -errno : sig;
}

static void init_kill(pid_t pid, int sig)
{
	(void)kill(pid, sig);
}

static pid_t init_wait(int *status, bool block)
{
	pid_t pid = waitpid(-1, status, __WALL | (block ? 0 : WNOHANG));

	return pid < 0 ? -errno : pid;
}

static void init_send(int fd, const void *buf, size_t n)
{
	while (send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static _Noreturn void init_exit(int code)
{
	_exit(code);
}

#include "daemon/init-loop.h"

/*
 * Execute the init image as pid 1 of the session, with exit_fd as its fd 3 and nothing
 * else open, cmd its argument; returns only if it could not be executed. The image's fd
 * is close-on-exec, and so is every other fd left here: only 3 goes along.
 */
static void exec_init_image(int image_fd, pid_t cmd, int *exit_fd)
{
	char pid[16], arg0[] = "nsctl-init";
	char *argv[] = { arg0, pid, NULL }, *envp[] = { NULL };

	if (image_fd < 0)
		return;
	/* Out of the way of the exit channel's number first (only what the exec uses). */
	if (image_fd == INIT_IMAGE_EXIT_FD) {
		image_fd = fcntl(image_fd, F_DUPFD_CLOEXEC, INIT_IMAGE_EXIT_FD + 1);
		if (image_fd < 0)
			return;
	}
	if (*exit_fd != INIT_IMAGE_EXIT_FD) {
		if (dup2(*exit_fd, INIT_IMAGE_EXIT_FD) < 0)
			return;
		close(*exit_fd);
		*exit_fd = INIT_IMAGE_EXIT_FD;
	} else if (fcntl(*exit_fd, F_SETFD, 0) < 0) {
		return;
	}
	snprintf(pid, sizeof(pid), "%d", (int)cmd);
	execveat(image_fd, "", argv, envp, AT_EMPTY_PATH);
}

struct command_start {
	int exit_fd;
	void (*command)(void *arg, int error);
	void *arg;
};

/*
 * The command's first steps, on its own stack, while its init waits (CLONE_VFORK). Its
 * signal handlers are the default ones the worker set; only the mask is the init's.
 */
static int command_main(void *userdata)
{
	const struct command_start *cs = userdata;
	sigset_t none;
	int r = 0;

	close(cs->exit_fd);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		r = -errno;
	cs->command(cs->arg, r);
	_exit(NSCTL_EXIT_ERROR); /* command() does not return */
}

int contain_run_command(int exit_fd, int image_fd, const int *close_in_init, size_t n,
			void (*command)(void *arg, int error), void *arg)
{
	struct command_start cs = { .exit_fd = exit_fd, .command = command, .arg = arg };
	char stack[COMMAND_STACK_SIZE] __attribute__((aligned(16)));
	pid_t pid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	/*
	 * The command runs in our memory, on its own stack, and we are stopped until it has
	 * executed (or exited). Its own fd table, signal handlers and mask, credentials and
	 * seccomp filters are its own.
	 */
	pid = clone(command_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &cs);
	if (pid < 0)
		return -errno;
	/*
	 * The command set the memory non-dumpable after its change of credentials (worker.c);
	 * so do we, whatever happened in between.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (size_t i = 0; i < n; i++)
		safe_close(close_in_init[i]);
	for (int fd = 0; fd < 3; fd++)
		close(fd);
	/* Our memory is the worker's, which waits for this exec: pid 1's own from here. */
	exec_init_image(image_fd, pid, &exit_fd);
	/*
	 * No image (another architecture), or it could not be executed: pid 1 stays here, and
	 * the worker stays suspended with it, its memory this one.
	 */
	init_loop(pid, exit_fd);
}
