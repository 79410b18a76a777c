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
 * run as pid 1: pid 1 is a small init of nsctld's (this file), the process nsctld
 * watches, signals and reaps. It keeps every signal blocked, takes each with
 * sigwaitinfo() and forwards it to the command, reaps orphans, and reports the command's
 * wait status on its own channel before it exits: Kill, SIGHUP on hang-up and
 * the exit status work as without containment, and nothing the command started outlives
 * it. Its parent is nsctld (CLONE_PARENT), and PR_SET_PDEATHSIG ties it to nsctld.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>
#include <linux/kcmp.h>

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

/* Mount points found in one pass over mountinfo, packed; static: no allocation here. */
#define HANDLE_MOUNTS_MAX 256
static struct {
	char paths[1 << 16];
	size_t used;
	size_t offset[HANDLE_MOUNTS_MAX];
	size_t n;
} handle_mounts;

static void handle_mounts_add(const char *path)
{
	size_t len = strlen(path) + 1;

	/* What does not fit waits for the next pass, which only detaching makes shorter. */
	if (handle_mounts.n == HANDLE_MOUNTS_MAX ||
	    len > sizeof(handle_mounts.paths) - handle_mounts.used)
		return;
	memcpy(handle_mounts.paths + handle_mounts.used, path, len);
	handle_mounts.offset[handle_mounts.n++] = handle_mounts.used;
	handle_mounts.used += len;
}

/*
 * Scan mountinfo (read through procfd, a procfs of ours) and list the mount point of every
 * nsfs and procfs mount in handle_mounts, in mountinfo's order: parents first.
 */
static int find_handle_mounts(int procfd)
{
	static char buf[1 << 16];
	size_t have = 0;
	bool eof = false;
	_cleanup_close_ int fd = -EBADF;

	handle_mounts.used = 0;
	handle_mounts.n = 0;
	fd = openat(procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!eof || have > 0) {
		char *nl;

		if (!eof && have < sizeof(buf) - 1) {
			ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);

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
			if (have == sizeof(buf) - 1)
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
				handle_mounts_add(mp);
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
		r = find_handle_mounts(procfd);
		if (r < 0)
			return r;
		if (handle_mounts.n == 0)
			break;
		r = 0;
		for (size_t i = handle_mounts.n; i-- > 0;) {
			const char *path = handle_mounts.paths + handle_mounts.offset[i];

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
 * of copying it (CLONE_VM): a fork copies the page tables of the worker, a copy of
 * nsctld's, faults in every page written after it, and its exit or exec tears that copy
 * down again, which costs more than the rest of containment together. Each worker is its
 * own copy of nsctld (contain_start_init() checks that it does not share nsctld's memory),
 * so that memory is the session's own. Each clone runs on a stack of its own, an array in
 * a frame of its parent's stack that the parent does not leave meanwhile (on the main
 * stack, as AddressSanitizer wants it): the init's in the worker's, which exits there;
 * the command's in the init's, which waits for the exec (CLONE_VFORK).
 */
#define COMMAND_STACK_SIZE (64 * 1024)

/*
 * A joined pid namespace (the target's) is the worker's pid_for_children, not its own: the
 * kernel refuses CLONE_NEWPID then (copy_pid_ns() wants the caller's active pid namespace
 * to be the one its children go to). So a helper is born there first, and makes the init,
 * whose pid namespace is then the child of the target's. The helper:
 *  - is nsctld's child (CLONE_PARENT), so that the init it makes with CLONE_PARENT is
 *    too; the worker reports it to nsctld, which reaps it;
 *  - shares the worker's memory, when the init would (CLONE_VM), else a shared page holds
 *    what it hands back, and its fd table (CLONE_FILES), so the init's pidfd is the
 *    worker's at once: killed at any moment, the helper leaves either no init or one
 *    whose pidfd the worker holds;
 *  - runs nsctld's code only, with every signal blocked, non-dumpable (the memory's
 *    flag, copied or shared), and exits right after its clone(): for the target's
 *    processes it is a process they can at most see, kill or stop, as they can the
 *    worker's child in a pid join without containment (docs/security.md);
 *  - is waited for through its pidfd, so nothing of it is left when the worker goes on.
 * Static: the init reads it (init_main()) after the worker has moved on.
 */
static struct init_start {
	int (*init)(void *arg);
	void *arg;
	char *stack_top;
	int flags;
	int helper_pidfd; /* in the fd table the worker shares with the helper */
	int pidfd;        /* the init's, written by the kernel in the helper's clone() */
	int error;        /* -errno of that clone(); -ECHILD while it has not returned */
} init_start;

/* The init made by the helper: the helper's pidfd came along in the fd table; it goes. */
static int init_main(void *userdata)
{
	const struct init_start *is = userdata;

	close(is->helper_pidfd);
	return is->init(is->arg);
}

static int helper_main(void *userdata)
{
	struct init_start *is = userdata;

	if (clone(init_main, is->stack_top, is->flags, is, &is->pidfd) < 0)
		is->error = -errno;
	else
		is->error = 0;
	_exit(0);
}

static int start_init_by_helper(struct init_start *is, const struct contain_helper *helper,
				int *ret_pidfd)
{
	int flags = CLONE_PARENT | CLONE_PIDFD | CLONE_FILES | (is->flags & CLONE_VM);
	struct pollfd pfd = { .events = POLLIN };

	is->helper_pidfd = -EBADF;
	is->pidfd = -EBADF;
	is->error = -ECHILD;
	if (clone(helper_main, helper->stack + helper->size, flags, is, &is->helper_pidfd) < 0)
		return -errno;
	helper->report(is->helper_pidfd);
	pfd.fd = is->helper_pidfd;
	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	close(is->helper_pidfd);
	if (is->pidfd < 0)
		return is->error < 0 ? is->error : -ECHILD;
	*ret_pidfd = is->pidfd;
	return 0;
}

int contain_start_init(int (*init)(void *), void *arg, char *stack, size_t size,
		       const struct contain_helper *helper, int *ret_pidfd)
{
	int flags = CLONE_PARENT | CLONE_PIDFD | CLONE_NEWPID | CLONE_NEWNS;
	struct init_start *is = &init_start;
	int pidfd = -EBADF;
	sigset_t all;
	pid_t pid;

	/*
	 * The init is born with every signal blocked (it inherits our mask, and we exit):
	 * pid 1 drops a signal for which it has no handler when it is sent, unless it is
	 * blocked, which queues it (init_loop() takes it with sigwaitinfo()).
	 */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
		return -errno;

	/*
	 * Share only memory that is the worker's alone: a worker that shares its parent's (a
	 * CLONE_VM spawn by nsctld) gives its init a copy. kcmp() says 0 for the same memory
	 * and fails where it is not built: both keep the copy.
	 */
	if (syscall(SYS_kcmp, getpid(), getppid(), KCMP_VM, 0, 0) > 0)
		flags |= CLONE_VM;
	if (helper) {
		/* Without CLONE_VM, what the helper hands back travels on a page shared with it. */
		if (!(flags & CLONE_VM)) {
			is = mmap(NULL, sizeof(*is), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (is == MAP_FAILED)
				return -errno;
		}
		*is = (struct init_start){
			.init = init, .arg = arg, .stack_top = stack + size, .flags = flags,
		};
		return start_init_by_helper(is, helper, ret_pidfd);
	}
	/* No exit signal (the low byte of flags): the kernel wants none with CLONE_PARENT. */
	pid = clone(init, stack + size, flags, arg, &pidfd);
	if (pid < 0)
		return -errno;
	*ret_pidfd = pidfd;
	return pid;
}

/*
 * Kill and reap whatever the command left in the namespace. Every process there descends
 * from us (an orphan is ours), so when no child is left to wait for, none is left at all,
 * and the scan of every process on the host that kill(-1) makes is skipped.
 */
static void reap_rest(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, __WALL | WNOHANG)) > 0)
		;
	if (pid < 0 && errno == ECHILD)
		return;
	(void)kill(-1, SIGKILL);
	for (;;) {
		pid = waitpid(-1, NULL, __WALL);
		if (pid > 0 || (pid < 0 && errno == EINTR))
			continue;
		return; /* ECHILD */
	}
}

/* Reap every child that has exited; true (and its wait status) once the command has. */
static bool reaped_command(pid_t cmd, int *ret_status)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);

		if (pid < 0 && errno == ECHILD)
			_exit(NSCTL_EXIT_ERROR); /* no command to wait for: cannot happen */
		if (pid <= 0)
			return false;
		if (pid == cmd) {
			*ret_status = status;
			return true;
		}
		/* an orphan of the session, reaped */
	}
}

/*
 * Every signal is blocked, and taken here: SIGCHLD reaps, every other one that can be
 * caught goes on to the command (SIGKILL and SIGSTOP cannot be waited for; glibc keeps
 * its own 32 and 33 unblocked, and pid 1 drops those). A blocked signal stays queued
 * until taken, also one sent before we wait, and none is forwarded once the command has
 * been reaped.
 */
static _Noreturn void init_loop(pid_t cmd, int exit_fd)
{
	struct worker_report rep = { .kind = WORKER_REPORT_EXIT, .ns = -1 };
	sigset_t all;

	sigfillset(&all);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);

		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD)
			(void)kill(cmd, sig);
		else if (reaped_command(cmd, &rep.wstatus))
			break;
	}
	/*
	 * Before the report, what the command left behind is killed and reaped (our exit
	 * would kill it too, but only after the report): nsctld replies to the client on the
	 * report, and by then nothing of the session runs but this init, which is exiting.
	 * kill(-1) from pid 1 reaches every other process of the namespace, and one that
	 * forks meanwhile has its SIGKILL pending, which makes the fork fail.
	 */
	reap_rest();
	while (send(exit_fd, &rep, sizeof(rep), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	_exit(0);
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

int contain_run_command(int exit_fd, const int *close_in_init, size_t n,
			void (*command)(void *arg, int error), void *arg)
{
	struct command_start cs = { .exit_fd = exit_fd, .command = command, .arg = arg };
	char stack[COMMAND_STACK_SIZE] __attribute__((aligned(16)));
	pid_t pid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	/*
	 * CLONE_VM | CLONE_VFORK, as posix_spawn() does: the command runs in our memory, on
	 * its own stack, and we are stopped until it has executed (or exited); its exec then
	 * leaves us the memory, with nothing to copy or tear down. Its own fd table, signal
	 * handlers and mask, credentials and seccomp filters are its own.
	 */
	pid = clone(command_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &cs);
	if (pid < 0)
		return -errno;
	/*
	 * The memory is ours alone again. The command set it non-dumpable after its change of
	 * credentials (worker.c); so do we, whatever happened in between.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (size_t i = 0; i < n; i++)
		safe_close(close_in_init[i]);
	for (int fd = 0; fd < 3; fd++)
		close(fd);
	init_loop(pid, exit_fd);
}
