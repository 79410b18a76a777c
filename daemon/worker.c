/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker: the only code that runs between fork() and exec(). */

/*
 * The order here is the security argument, so it is spelled out:
 *
 *  1. Non-dumpable first: until exec, no process (not even root inside the target's user
 *     namespace once we have joined it) may ptrace us or open our /proc/PID/fd.
 *  2. Signal mask and dispositions reset: nothing of the daemon's signal setup (SIGPIPE
 *     ignored, handlers) may reach the command. nsctld clones us with every signal
 *     blocked, so none of its handlers can run here; the worker reads its own status
 *     (/proc/self/status, opened now, from nsctld's /proc, before any join) and sets back
 *     to SIG_DFL exactly the signals ignored or caught, then empties the mask. Likewise
 *     the file mode creation mask is set to 0022 and the soft RLIMIT_NOFILE back to 1024
 *     (nsctld raised its own).
 *  3. The client's fds become 0, 1, 2 and every other fd is closed but the status socket,
 *     the status file of step 2 (ours, read-only, closed after step 7a) and the target
 *     handles: no host fd can be carried into the target. (With a terminal
 *     the daemon passes /dev/null here; the terminal replaces it in step 9.)
 *  4. New session (setsid): the command has no controlling terminal of the daemon's.
 *  5. (With nsctld --host-mount-ns, first the node's mount namespace: see 5a below.)
 *     Join the namespaces with setns(pidfd, mask), atomically; the kernel orders user
 *     namespace first. Old kernels fall back to the files in /proc/PID/ns one at a time, in the
 *     order of ns_table (see protocol/namespaces.c).
 *     With -U, the user namespace is not in that mask: the supplementary groups are
 *     emptied first (a namespace whose setgroups says "deny" would otherwise keep the
 *     daemon's), the other namespaces are joined with the host's privilege, and then the
 *     user namespace through the fd whose uid_map and gid_map the daemon read
 *     (daemon/idmap.c): the ids set in step 7 are the ones inside that map to the host ids
 *     the policy decided on, whatever the target does meanwhile.
 *  6. Joining a pid namespace only affects children: fork again, with CLONE_PARENT so the
 *     command is nsctld's own child and is reaped through its pidfd like any other (a
 *     spawned worker's child shares nsctld's memory as the worker does, CLONE_VM, and the
 *     worker waits for its exec, CLONE_VFORK; that child sends its own pidfd). Without
 *     the target's mount namespace, that child mounts a /proc of the joined pid namespace
 *     in a private mount namespace of its own (contain_remount_proc()), so that ps works.
 *     A grant with capabilities is contained instead (daemon/contain.c): a clone makes
 *     new pid and mount namespaces (the pid one the child of the target's, if joined, made
 *     by a helper born there, which the kernel wants); the child, pid 1 there, reports
 *     itself, detaches every nsfs and procfs mount, mounts /proc afresh, starts the
 *     command, and once it runs executes the init image (daemon/nsctl-init.c), staying its
 *     init: it forwards signals and reports the command's status to nsctld on its own
 *     socket. Every clone shares memory rather than copy it (CLONE_VM, each parent
 *     suspended until its child has executed, CLONE_VFORK), which is what makes
 *     containment cheap; the image gives pid 1 a memory of its own for the session.
 *  7. Drop, in two parts. 7a, in the worker after the last join and before step 6's fork
 *     (the order above is the reading order; 7a runs first): the bounding set (but for
 *     the capabilities the rule grants) and the ambient set, verified from the status
 *     file; a fork copies both, and only joining a user namespace could fill them again.
 *     7b, in the process that executes: supplementary groups, gid, uid (all three ids),
 *     then every capability set to exactly the granted ones (ambient for a uid other than
 *     0, see set_capabilities()), then no_new_privs, each verified. After this no
 *     privilege is left to lose but the granted capabilities.
 *  8. Only now touch paths on the caller's behalf: chdir, the terminal (9), argv[0] lookup
 *     on the fixed PATH, exec. Paths resolve in the target's mount namespace (if joined) as
 *     the run-as user, with no effective capability. When the rule names the command, the
 *     file found is opened, checked against the rule's path, and that very fd is executed
 *     (exec_verified()). A contained session executes an opened fd too, and installs its
 *     seccomp filter right before (install_filters()): the containment rules, and unless
 *     the rule says "exec" a listener for every exec, which goes to nsctld, which lets
 *     this one execveat() through and refuses every later exec (daemon/exec-guard.c).
 *  9. A terminal is opened after the drop, as the run-as user, not before as root:
 *     - /dev/ptmx is looked up in the target's mount namespace, which whoever controls the
 *       target controls. Opened as root, a device node or FIFO planted there would be
 *       opened with root's rights and its fd handed to the client; opened as the user, the
 *       master that travels to the client is one the user could have opened, and TIOCGPTN
 *       must succeed on it (only a pty master answers it).
 *     - devpts gives a new slave the opener's fsuid and fsgid (or the instance's gid=):
 *       the run-as user owns the terminal with no chown as root, as grantpt() would have
 *       arranged through a set-uid helper.
 *     - The slave comes from the master with TIOCGPTPEER, not from a path in /dev/pts that
 *       the target could swap.
 *     The window size is set, the master goes to the daemon (a TTY report), and the
 *     worker waits for one byte back, which the daemon sends once the reply carrying the
 *     master has been written to the client: the command never runs on a terminal that
 *     nobody holds. EOF instead means the session was abandoned: exit, no exec. Then the
 *     slave becomes the controlling terminal (we lead a session and have none) and 0, 1, 2.
 * 10. A failure at any stage is reported on the close-on-exec status socket and the
 *     worker exits 126/127; a successful exec closes the socket, which the daemon reads
 *     as "started" (with a terminal the daemon has already replied "started", and a
 *     failure after that is the session's final reply).
 *
 * No allocation happens here: the daemon prepared argv, envp and the groups before fork.
 *
 * The worker is made one of two ways (daemon/session.c): forked, a copy of nsctld; or
 * spawned (daemon/spawn.c), sharing nsctld's memory until its exec, which is cheaper. A
 * spawned worker reads its own copy of the spec (worker_spec_copy()), writes only its
 * stack, sets its ids with raw system calls, and its memory is non-dumpable throughout
 * (step 1 is then already true, and after step 7b's change of uid it is made so again).
 *
 * Before all of this, with the rule's "cgroup" option, the worker moves itself into the
 * target's v1 cgroups (the files were opened by the daemon; in v2 it was created in a
 * child of the target's cgroup, see daemon/cgroup.c); its children, the command among
 * them, are born there. It still runs in nsctld's cgroup namespace then, which is
 * what the kernel's migration check wants.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

#include "daemon/contain.h"
#include "daemon/proc-status.h"
#include "daemon/seccomp-filter.h"
#include "daemon/spawn.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static void send_report(int fd, struct worker_report r, int pass_fd)
{
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static void report(int fd, int kind, int stage, int error, int ns, pid_t pid, int pass_fd)
{
	send_report(fd, (struct worker_report){
		.kind = kind, .stage = stage, .error = error, .ns = ns, .pid = pid,
	}, pass_fd);
}

static _Noreturn void fail(const struct worker_spec *spec, int stage, int error, int ns)
{
	report(spec->status_fd, WORKER_REPORT_ERROR, stage, error, ns, 0, -1);
	_exit(stage == WORKER_STAGE_EXEC && error == ENOENT ? NSCTL_EXIT_NOT_FOUND
							   : NSCTL_EXIT_CANNOT_EXECUTE);
}

/*
 * Only what differs from the default needs resetting: execve() sets every caught signal
 * back to SIG_DFL but keeps SIG_IGN and the mask. The caught ones are reset too, so that
 * none of nsctld's handlers (its own, libevent's, glibc's) can run in the worker once the
 * mask opens; until then nsctld's clone left every signal blocked (session.c). st is the
 * worker's status as read before any change: which signals are ignored or caught.
 */
static int reset_signals(const struct proc_status *st)
{
	/*
	 * The raw system calls, because glibc refuses to touch the signals it reserves for
	 * itself (32 and 33), and an ignored one would outlive the exec. All zeroes is SIG_DFL,
	 * no flags and an empty mask, whatever the architecture's layout of the structure.
	 */
	static const unsigned long dfl[8], none[8];
	uint64_t differ = st->sig_ignored | st->sig_caught;

	for (int sig = 1; sig < _NSIG && sig <= 64; sig++) {
		if (!(differ & (UINT64_C(1) << (sig - 1))) || sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, dfl, NULL, (_NSIG - 1) / 8) < 0)
			return -errno;
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, none, NULL, (_NSIG - 1) / 8) < 0)
		return -errno;
	return 0;
}

/*
 * The daemon's own process settings are not the command's: a fixed umask, and the soft fd
 * limit of an ordinary process (FD_SETSIZE, so that select() works), not the one nsctld
 * raised to its hard limit for itself. Other resource limits are the service's.
 */
static int reset_process_settings(void)
{
	struct rlimit rl;

	umask(0022);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rl.rlim_cur = rl.rlim_max < FD_SETSIZE ? rl.rlim_max : FD_SETSIZE;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Close every fd >= 3 that is not in keep[] (n <= 8); the gaps between them go. */
static int close_all_but(int *keep, size_t n)
{
	unsigned from = 3;

	qsort(keep, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from && close_range(from, keep[i] - 1, 0) < 0)
			return -errno;
		from = keep[i] + 1;
	}
	if (close_range(from, ~0U, 0) < 0)
		return -errno;
	return 0;
}

/* Make the client's fds 0, 1, 2 (not close-on-exec), keeping the others where they are. */
static int install_stdio(const int stdio[3], int *moved)
{
	/*
	 * First lift every source above 2 so that no dup2() onto 0..2 can clobber a source
	 * that is still needed; the daemon keeps 0..2 open, so they normally are already, and
	 * then there is nothing to lift.
	 */
	if (stdio[0] > 2 && stdio[1] > 2 && stdio[2] > 2) {
		for (int i = 0; i < 3; i++)
			if (dup2(stdio[i], i) < 0)
				return -errno;
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		moved[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		if (moved[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(moved[i], i) < 0)
			return -errno;
	return 0;
}

/* Per-namespace fallback for kernels without setns(pidfd): open all first, then join. */
static int join_one_by_one(const struct worker_spec *spec, int *failed_ns)
{
	int fds[_NS_COUNT];
	char path[64];
	int r = 0;

	for (int t = 0; t < _NS_COUNT; t++) {
		fds[t] = -1;
		if (!(spec->clone_flags & ns_table[t].clone_flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)spec->target_pid,
			 ns_table[t].proc_name);
		fds[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			r = -errno;
			*failed_ns = t;
			goto out;
		}
	}
	/* The pidfd pins the process: if it is still alive, those files were its own. */
	if (syscall(SYS_pidfd_send_signal, spec->target_pidfd, 0, NULL, 0) < 0) {
		r = -errno;
		*failed_ns = -1;
		goto out;
	}
	for (int t = 0; t < _NS_COUNT; t++) {
		if (fds[t] < 0)
			continue;
		if (setns(fds[t], ns_table[t].clone_flag) < 0) {
			r = -errno;
			*failed_ns = t;
			goto out;
		}
	}
out:
	for (int t = 0; t < _NS_COUNT; t++)
		safe_close(fds[t]);
	return r;
}

/*
 * 0 or -errno. failed_ns is the error's detail, not a result: on failure the namespace
 * (enum ns_type) that could not be joined, -1 when no single one is to blame.
 */
static int join_namespaces(const struct worker_spec *spec, int *failed_ns)
{
	*failed_ns = -1;
	if (spec->target_nsfd >= 0) {
		if (setns(spec->target_nsfd, spec->clone_flags) < 0)
			return -errno;
		return 0;
	}
	if (spec->clone_flags == 0)
		return 0;
	if (setns(spec->target_pidfd, spec->clone_flags) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* EINVAL: a kernel before 5.8 does not take a pidfd here. */
	return join_one_by_one(spec, failed_ns);
}

static _Noreturn void run_in_pid_namespace(const struct worker_spec *spec);

/* The stack of a spawned worker's child in a joined pid namespace, in the worker's frame. */
#define PID_CHILD_STACK_SIZE (64 * 1024)

/* The child of a spawned worker in the joined pid namespace: it reports itself. */
static int pid_namespace_child(void *arg)
{
	const struct worker_spec *spec = arg;
	int pidfd;

	/* Our own pidfd: our pid as our pid namespace (the target's) sees it names us. */
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)syscall(SYS_getpid), 0);
	if (pidfd < 0)
		fail(spec, WORKER_STAGE_FORK, errno, -1);
	report(spec->status_fd, WORKER_REPORT_CHILD, WORKER_STAGE_FORK, 0, -1, 0, pidfd);
	close(pidfd);
	run_in_pid_namespace(spec);
}

/*
 * A spawned worker shares nsctld's memory: its child in the pid namespace does too
 * (CLONE_VM) instead of copying it, on a stack in this frame, and the worker waits for
 * its exec or exit (CLONE_VFORK), then exits. The child reports itself, before its
 * terminal and its exec, as a forked one is reported (nsctld reads its pid from the
 * pidfd). Only where the spawn's clone3() entry exists, which made this worker.
 */
static _Noreturn void spawn_into_pid_namespace(const struct worker_spec *spec)
{
	char stack[PID_CHILD_STACK_SIZE] __attribute__((aligned(16)));
	struct clone_args args = {
		.flags = CLONE_PARENT | CLONE_VM | CLONE_VFORK,
		.stack = (uint64_t)(uintptr_t)stack,
		.stack_size = sizeof(stack),
		/* The kernel wants no exit signal with CLONE_PARENT; nsctld watches pidfds. */
		.exit_signal = 0,
	};
	long pid = spawn_clone3(&args, pid_namespace_child, (void *)spec);

	if (pid < 0)
		fail(spec, WORKER_STAGE_FORK, (int)-pid, -1);
	_exit(0);
}

/* Fork into the joined pid namespace; the child returns, the worker reports and exits. */
static void fork_into_pid_namespace(const struct worker_spec *spec)
{
	int pidfd = -1;
	struct clone_args args = {
		.flags = CLONE_PARENT | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		/* The kernel wants no exit signal with CLONE_PARENT; nsctld watches pidfds. */
		.exit_signal = 0,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid < 0)
		fail(spec, WORKER_STAGE_FORK, errno, -1);
	if (pid == 0)
		return;
	report(spec->status_fd, WORKER_REPORT_CHILD, WORKER_STAGE_FORK, 0, -1, (pid_t)pid, pidfd);
	_exit(0);
}

/*
 * Exactly the granted capabilities: permitted and inheritable are spec->caps, effective
 * is empty until execve(). For a uid other than 0 they are raised as ambient, the one set
 * that survives execve() of an ordinary binary, so that the command runs with
 * CapEff = CapAmb = the granted set (no_new_privs keeps setuid and file capabilities
 * from adding any). For uid 0, execve() itself hands on the bounding set, which holds
 * the granted capabilities only.
 */
static int set_capabilities(const struct worker_spec *spec)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	data[0].permitted = data[0].inheritable = (uint32_t)spec->caps;
	data[1].permitted = data[1].inheritable = (uint32_t)(spec->caps >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	if (spec->uid == 0 || spec->caps == 0)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	for (unsigned cap = 0; cap < 64; cap++)
		if ((spec->caps & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -errno;
	return 0;
}

/*
 * Step 7's first part, in the worker after the last join and before any fork: the two
 * capability sets that can only shrink from here on. The bounding set keeps only the
 * granted capabilities, the ambient set is emptied, and the status file is read back:
 * unless both are exactly that, the worker refuses to go on. Every process forked after
 * this has the same sets (fork copies the credentials, and no user namespace is joined
 * after this, the one way to a full bounding set again). Each capability still there but
 * not granted takes one PR_CAPBSET_DROP (the kernel drops them one at a time); those
 * already absent (a unit's CapabilityBoundingSet=) take none. st: the worker's status as
 * read before the joins.
 *
 * A contained session keeps CAP_KILL there too: its pid 1 executes the init image as
 * root, which gives it the bounding set as its capabilities, and it signals the command
 * and whatever is left of the session, whoever they run as. The command drops it before
 * its own exec unless it was granted (contained_command()).
 */
static uint64_t bounding_set_kept(const struct worker_spec *spec)
{
	return spec->caps | (spec->contain ? UINT64_C(1) << CAP_KILL : 0);
}

static int drop_bounding_set(const struct worker_spec *spec, int proc_status_fd,
			     const struct proc_status *before)
{
	struct proc_status st = *before;
	uint64_t drop;
	int r;

	/* Joining a user namespace gave us every capability there, the bounding set too. */
	if (spec->join_userns) {
		r = proc_status_read(proc_status_fd, &st);
		if (r < 0)
			return r;
	}
	drop = st.cap_bounding & ~bounding_set_kept(spec);
	for (int cap = 0; cap < 64; cap++)
		if ((drop & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	if (st.cap_ambient && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;

	/* Trust, but verify: a granted capability missing from the bounding set fails too. */
	r = proc_status_read(proc_status_fd, &st);
	if (r < 0)
		return r;
	if (st.cap_bounding != bounding_set_kept(spec) || st.cap_ambient != 0)
		return -EPERM;
	return 0;
}

/*
 * Read every set back: it is the granted one, nothing more, nothing less. The bounding set
 * was verified by drop_bounding_set(). The ambient set needs asking only for the granted
 * capabilities: the kernel keeps it within permitted and inheritable, which capget() shows
 * to be exactly the granted ones (capabilities(7): "no capability can ever be ambient if
 * it is not both permitted and inheritable").
 */
static int verify_capabilities(const struct worker_spec *spec)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uint64_t permitted, inheritable, effective;
	bool ambient = spec->uid != 0;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	effective = (uint64_t)data[1].effective << 32 | data[0].effective;
	if (permitted != spec->caps || inheritable != spec->caps || effective != 0)
		return -EPERM;
	for (int cap = 0; cap < 64; cap++) {
		if (!(spec->caps & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) != ambient)
			return -EPERM;
	}
	return 0;
}

/*
 * The ids are set with the raw system calls, which change the caller's alone. glibc's
 * set*id() in a process with threads change every thread's (they signal each one), and a
 * spawned worker (daemon/spawn.c) shares nsctld's memory, its list of threads included.
 * Where the old calls take 16-bit ids, the ...32 ones are the real ones.
 */
#ifdef SYS_setresuid32
#define NR_setgroups SYS_setgroups32
#define NR_setresgid SYS_setresgid32
#define NR_setresuid SYS_setresuid32
#else
#define NR_setgroups SYS_setgroups
#define NR_setresgid SYS_setresgid
#define NR_setresuid SYS_setresuid
#endif

static int set_groups(size_t n, const gid_t *groups)
{
	return syscall(NR_setgroups, n, groups) < 0 ? -errno : 0;
}

static int set_ids(uid_t uid, gid_t gid)
{
	if (syscall(NR_setresgid, gid, gid, gid) < 0)
		return -errno;
	if (syscall(NR_setresuid, uid, uid, uid) < 0)
		return -errno;
	return 0;
}

/* Step 7's second part, in the process that executes: groups, ids, capabilities, nnp. */
static int drop_privileges(const struct worker_spec *spec)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int r;

	/* In a user namespace, no groups to set: they were emptied before the join. */
	if (!(spec->join_userns && spec->n_groups == 0)) {
		r = set_groups(spec->n_groups, spec->groups);
		if (r < 0)
			return r;
	}
	/* Granted capabilities must survive the uid change to be raised as ambient. */
	if (spec->caps && spec->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	r = set_ids(spec->uid, spec->gid);
	if (r < 0)
		return r;
	r = set_capabilities(spec);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;

	/* Trust, but verify: every id is the caller's. */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid != spec->uid || euid != spec->uid || suid != spec->uid ||
	    rgid != spec->gid || egid != spec->gid || sgid != spec->gid)
		return -EPERM;
	return verify_capabilities(spec);
}

/*
 * The next place on the fixed PATH to look for name: writes "DIR/name" into path (of
 * PATH_MAX bytes) and advances *cursor. 1 when written, 0 at the end of PATH,
 * -ENAMETOOLONG when that one did not fit (the cursor advances all the same).
 */
static int next_candidate(const char **cursor, const char *name, char *path)
{
	const char *p = *cursor, *end;
	size_t dlen;

	if (!*p)
		return 0;
	end = strchrnul(p, ':');
	dlen = end - p;
	*cursor = *end ? end + 1 : end;
	if (dlen + 1 + strlen(name) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(path, p, dlen);
	path[dlen] = '/';
	strcpy(path + dlen + 1, name);
	return 1;
}

static _Noreturn void run_command(const struct worker_spec *spec);


/* What the session's init starts from, in the worker's frame (contain.c). */
struct contained {
	struct contain_start start;
	const struct worker_spec *spec;
	int exit_fd;   /* the init's end of the exit channel */
	int nsctld_fd; /* nsctld's end, which goes to nsctld in a report */
};

/* The command, the session's init's child, sharing its memory until the exec. */
static void contained_command(void *arg, int error)
{
	const struct worker_spec *spec = arg;

	if (error < 0)
		fail(spec, WORKER_STAGE_CONTAIN, -error, -1);
	/* The capability pid 1 kept for itself (bounding_set_kept()), unless granted. */
	if (!(spec->caps & (UINT64_C(1) << CAP_KILL))) {
		if (prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0) < 0)
			fail(spec, WORKER_STAGE_CREDS, errno, -1);
		if (prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 0)
			fail(spec, WORKER_STAGE_CREDS, EPERM, -1);
	}
	/* The command's own session, now that it is a new process. */
	if (setsid() < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	run_command(spec);
}

/*
 * Pid 1 of the session's namespaces, while the worker waits for its exec: it reports the
 * helper, itself and the exit channel (before its command can report a terminal, which
 * nsctld hands over only once it knows the command's pid 1), mounts, then the command,
 * then init's loop. The pidfds and nsctld's end go from the fd table it shares with the
 * worker once reported.
 */
static int contained_init(void *userdata)
{
	struct contained *c = ((struct contain_start *)userdata)->arg;
	const struct worker_spec *spec = c->spec;
	int r;

	if (c->start.helper_pidfd >= 0) {
		report(spec->status_fd, WORKER_REPORT_HELPER, WORKER_STAGE_FORK, 0, -1, 0,
		       c->start.helper_pidfd);
		close(c->start.helper_pidfd);
	}
	report(spec->status_fd, WORKER_REPORT_CHILD, WORKER_STAGE_FORK, 0, -1, 0, c->start.pidfd);
	close(c->start.pidfd);
	report(spec->status_fd, WORKER_REPORT_EXIT_CHANNEL, WORKER_STAGE_FORK, 0, -1, 0,
	       c->nsctld_fd);
	close(c->nsctld_fd);
	r = contain_mounts();
	if (r < 0)
		fail(spec, WORKER_STAGE_CONTAIN, -r, -1);
	r = contain_run_command(c->exit_fd, spec->init_image_fd, &spec->status_fd, 1,
				contained_command, (void *)spec);
	fail(spec, WORKER_STAGE_CONTAIN, -r, -1);
}

/*
 * Containment (daemon/contain.c): new pid and mount namespaces, the child of the
 * target's where its pid namespace was joined (made there by a helper). Their first
 * process, the init, reports itself, detaches every nsfs and procfs mount, mounts /proc
 * afresh, starts the command as its child and executes the init image; the worker
 * waits for that exec, and exits.
 */
static _Noreturn void contain_session(const struct worker_spec *spec)
{
	/* The init's and the helper's stacks, in this frame: we leave it only by exiting. */
	char init_stack[CONTAIN_INIT_STACK_SIZE] __attribute__((aligned(16)));
	char helper_stack[CONTAIN_HELPER_STACK_SIZE] __attribute__((aligned(16)));
	struct contained c = { .spec = spec };
	int pair[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		fail(spec, WORKER_STAGE_CONTAIN, errno, -1);
	c.exit_fd = pair[1];
	c.nsctld_fd = pair[0];
	c.start = (struct contain_start){
		.init = contained_init, .arg = &c, .stack_top = init_stack + sizeof(init_stack),
	};
	if (spec->join_pid) {
		c.start.helper_stack = helper_stack;
		c.start.helper_stack_top = helper_stack + sizeof(helper_stack);
	}
	r = contain_start_init(&c.start);
	if (r < 0) {
		/* A helper that was made is nsctld's child: reported, to be reaped. */
		if (c.start.helper_pidfd >= 0 && c.start.pidfd < 0)
			report(spec->status_fd, WORKER_REPORT_HELPER, WORKER_STAGE_FORK, 0, -1, 0,
			       c.start.helper_pidfd);
		fail(spec, WORKER_STAGE_FORK, -r, -1);
	}
	_exit(0);
}

/*
 * The last step before the exec of fd in a contained session: the containment filter,
 * which unless the rule says "exec" also sends every exec to a listener, which goes to
 * the daemon with the fd to expect. From here on every execve/execveat waits for
 * nsctld's answer; the first one, ours, is let through.
 */
static int install_filters(const struct worker_spec *spec, int fd)
{
	struct seccomp_filter_prog prog;
	int listener, r;

	r = seccomp_filter_build_contain(&prog, spec->exec_once);
	if (r < 0)
		return r;
	r = seccomp_filter_install(&prog, spec->exec_once ? &listener : NULL);
	if (r < 0 || !spec->exec_once)
		return r;
	send_report(spec->status_fd, (struct worker_report){
		.kind = WORKER_REPORT_LISTENER, .stage = WORKER_STAGE_CONTAIN, .ns = -1,
		.exec_fd = fd,
	}, listener);
	close(listener);
	return 0;
}

/* Open a terminal pair in the current mount namespace as the current (run-as) user. */
static int open_terminal(const struct worker_spec *spec, int *ret_master, int *ret_slave)
{
	_cleanup_close_ int master = -EBADF;
	unsigned ptn;
	int unlock = 0, slave;

	/* posix_openpt(), spelt out: the path is the target's, O_CLOEXEC is ours. */
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	/* Only a pty master answers TIOCGPTN: anything else planted at /dev/ptmx is refused. */
	if (ioctl(master, TIOCGPTN, &ptn) < 0)
		return -errno;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	if (spec->window.ws_row > 0 && ioctl(slave, TIOCSWINSZ, &spec->window) < 0) {
		int r = -errno;

		safe_close(slave);
		return r;
	}
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

/*
 * The terminal, from opening it to making it our stdio (step 9 above). Returns -errno on
 * failure; exits quietly when the daemon abandons the session instead of confirming.
 */
static int setup_terminal(const struct worker_spec *spec)
{
	int master = -EBADF, slave = -EBADF, r;
	ssize_t n;
	char go;

	r = open_terminal(spec, &master, &slave);
	if (r < 0)
		return r;
	report(spec->status_fd, WORKER_REPORT_TTY, WORKER_STAGE_TTY, 0, -1, 0, master);
	/* The report holds its own reference until the client has it; ours must go. */
	safe_close(master);
	do
		n = recv(spec->status_fd, &go, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(NSCTL_EXIT_ERROR);
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		r = -errno;
		safe_close(slave);
		return r;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0) {
			r = -errno;
			safe_close(slave);
			return r;
		}
	safe_close(slave);
	return 0;
}

/* execvp() with a fixed PATH and without the shell fallback. Returns -errno to report. */
static int exec_command(const struct worker_spec *spec)
{
	const char *name = spec->argv[0];
	char path[PATH_MAX];
	bool denied = false;
	int last = ENOENT, k;

	if (strchr(name, '/')) {
		execve(name, spec->argv, spec->envp);
		return -errno;
	}
	for (const char *cur = WORKER_PATH; (k = next_candidate(&cur, name, path)) != 0;) {
		if (k < 0) {
			last = ENAMETOOLONG;
			continue;
		}
		execve(path, spec->argv, spec->envp);
		switch (errno) {
		case EACCES:
			denied = true;
			break;
		case ENOENT:
		case ENOTDIR:
			break;
		default:
			return -errno;
		}
	}
	return denied ? -EACCES : -last;
}

/*
 * The rule names the command: find argv[0] like exec_command() does (the first file on
 * the fixed PATH, or the path given), open it, and check that it is the rule's: the same
 * path, and the same file as a stat() of the rule's path made here, as the run-as user,
 * in the joined mount namespace. Then execute that very fd: no swap can come between the
 * check and the exec. A file that is not the rule's fails at WORKER_STAGE_VERIFY; other
 * failures return -errno to report at WORKER_STAGE_EXEC.
 */
static int exec_verified(const struct worker_spec *spec)
{
	const char *name = spec->argv[0];
	struct stat opened, wanted;
	char path[PATH_MAX];
	bool denied = false;
	int fd = -1, last = ENOENT, k;

	if (strchr(name, '/')) {
		if (strlen(name) >= sizeof(path))
			return -ENAMETOOLONG;
		strcpy(path, name);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	for (const char *cur = WORKER_PATH; fd < 0 && (k = next_candidate(&cur, name, path));) {
		if (k < 0) {
			last = ENAMETOOLONG;
			continue;
		}
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0 && errno == EACCES)
			denied = true;
		else if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	if (fd < 0)
		return denied ? -EACCES : -last;

	if (spec->cmd_path && strcmp(path, spec->cmd_path) != 0)
		fail(spec, WORKER_STAGE_VERIFY, EPERM, -1);
	if (fstat(fd, &opened) < 0)
		return -errno;
	if (spec->cmd_path && stat(spec->cmd_path, &wanted) < 0)
		fail(spec, WORKER_STAGE_VERIFY, errno, -1);
	if (spec->cmd_path && (opened.st_dev != wanted.st_dev || opened.st_ino != wanted.st_ino))
		fail(spec, WORKER_STAGE_VERIFY, ESTALE, -1);
	if (!S_ISREG(opened.st_mode))
		return -EACCES;
	if (spec->contain) {
		int r = install_filters(spec, fd);

		if (r < 0)
			fail(spec, WORKER_STAGE_CONTAIN, -r, -1);
	}
	execveat(fd, "", spec->argv, spec->envp, AT_EMPTY_PATH);
	/*
	 * The file is open, so ENOENT is about an interpreter: a script's, which cannot open
	 * the close-on-exec fd it is given as /dev/fd/N, or a missing ELF interpreter. Not
	 * "command not found": the rule's command is there but cannot run this way.
	 */
	return errno == ENOENT ? -ENOEXEC : -errno;
}

/*
 * Hybrid cgroups: the session's task limits live in the v1 pids hierarchy, which
 * CLONE_INTO_CGROUP cannot reach. The worker writes itself into its session's cgroup
 * there before anything else: it is the session's only process and has started none, so
 * every process of the session is born inside the limit (children inherit the cgroup).
 */
static int join_session_pids(const struct worker_spec *spec)
{
	if (spec->pids_procs_fd < 0)
		return 0;
	if (write(spec->pids_procs_fd, "0", 1) != 1)
		return errno ? -errno : -EIO;
	return 0;
}

/* Move the worker into the target's cgroups: "0" names the writer. */
static int join_cgroups(const struct worker_spec *spec)
{
	for (size_t i = 0; i < spec->n_cgroup_fds; i++)
		if (write(spec->cgroup_fds[i], "0", 1) != 1)
			return errno ? -errno : -EIO;
	return 0;
}

_Noreturn void worker_run(const struct worker_spec *spec)
{
	int keep[8], moved[3] = { -1, -1, -1 };
	struct proc_status st;
	size_t n_keep = 0;
	int proc_status_fd, r, ns;

	r = join_session_pids(spec);
	if (r < 0)
		fail(spec, WORKER_STAGE_CGROUP, -r, -1);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	r = join_cgroups(spec);
	if (r < 0)
		fail(spec, WORKER_STAGE_CGROUP, -r, -1);
	/* Our own status, from nsctld's /proc: opened before any join, read at each step. */
	proc_status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (proc_status_fd < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	r = proc_status_read(proc_status_fd, &st);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	r = reset_signals(&st);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	r = install_stdio(spec->stdio, moved);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	keep[n_keep++] = spec->status_fd;
	keep[n_keep++] = proc_status_fd;
	if (spec->target_pidfd >= 0)
		keep[n_keep++] = spec->target_pidfd;
	if (spec->target_nsfd >= 0)
		keep[n_keep++] = spec->target_nsfd;
	if (spec->host_mntns_fd >= 0)
		keep[n_keep++] = spec->host_mntns_fd;
	if (spec->join_userns)
		keep[n_keep++] = spec->target_usernsfd;
	if (spec->contain && spec->init_image_fd >= 0)
		keep[n_keep++] = spec->init_image_fd;
	r = close_all_but(keep, n_keep);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	/*
	 * Only now, with nsctld's fds closed: lowered earlier, a daemon holding more than
	 * FD_SETSIZE fds (a thousand sessions) would leave install_stdio() no fd number below
	 * the limit (EMFILE).
	 */
	r = reset_process_settings();
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	if (setsid() < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);

	/*
	 * 5a. nsctld --host-mount-ns (a DaemonSet's nsctld in its pod's mount namespace): the
	 * node's mount namespace first, so that a target whose mount namespace is not joined
	 * runs the node's tools and sees the node's files, not the image's. Joining the
	 * target's mount namespace next replaces it.
	 */
	if (spec->host_mntns_fd >= 0) {
		if (setns(spec->host_mntns_fd, CLONE_NEWNS) < 0)
			fail(spec, WORKER_STAGE_JOIN, errno, NS_MNT);
		close(spec->host_mntns_fd);
	}
	if (spec->join_userns) {
		r = set_groups(0, NULL);
		if (r < 0)
			fail(spec, WORKER_STAGE_CREDS, -r, -1);
	}
	r = join_namespaces(spec, &ns);
	if (r < 0)
		fail(spec, WORKER_STAGE_JOIN, -r, ns);
	if (spec->join_userns && setns(spec->target_usernsfd, CLONE_NEWUSER) < 0)
		fail(spec, WORKER_STAGE_JOIN, errno, NS_USER);
	if (spec->target_pidfd >= 0)
		close(spec->target_pidfd);
	if (spec->target_nsfd >= 0)
		close(spec->target_nsfd);
	if (spec->join_userns)
		close(spec->target_usernsfd);

	r = drop_bounding_set(spec, proc_status_fd, &st);
	if (r < 0)
		fail(spec, WORKER_STAGE_CREDS, -r, -1);
	close(proc_status_fd);

	if (spec->contain)
		contain_session(spec);
	if (spec->join_pid) {
		if (spec->spawned)
			spawn_into_pid_namespace(spec);
		fork_into_pid_namespace(spec);
		run_in_pid_namespace(spec);
	}
	run_command(spec);
}

/* The worker's child in the joined pid namespace, forked or spawned: on to the exec. */
static _Noreturn void run_in_pid_namespace(const struct worker_spec *spec)
{
	int r;

	/* The target's /proc, when its mount namespace is not joined (contain.c). */
	if (!(spec->clone_flags & CLONE_NEWNS)) {
		r = contain_remount_proc();
		if (r < 0)
			fail(spec, WORKER_STAGE_CONTAIN, -r, -1);
	}
	/* The command's own session, now that it is a new process. */
	if (setsid() < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	run_command(spec);
}

/* Steps 7 to 10: drop, then everything done as the run-as user, then exec. */
static _Noreturn void run_command(const struct worker_spec *spec)
{
	int r;

	r = drop_privileges(spec);
	if (r < 0)
		fail(spec, WORKER_STAGE_CREDS, -r, -1);
	/*
	 * The change of uid made our memory as dumpable as fs.suid_dumpable says: not
	 * dumpable again, as in step 1. A contained command shares its init's memory until
	 * the exec, a spawned worker nsctld's (daemon/spawn.c): no process of the run-as user
	 * may reach either through it.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	/*
	 * If nsctld dies, its sessions die with it rather than run on unaccounted. Set after
	 * the drop, since changing credentials clears it; our parent is nsctld (CLONE_PARENT),
	 * or a contained session's init, which dies with nsctld. A daemon that died during
	 * setup never reads our status: harmless.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);

	if (chdir(spec->cwd ? spec->cwd : "/") < 0)
		fail(spec, WORKER_STAGE_CHDIR, errno, -1);

	if (spec->tty) {
		r = setup_terminal(spec);
		if (r < 0)
			fail(spec, WORKER_STAGE_TTY, -r, -1);
	}

	/* A contained session executes an opened fd too: exactly one exec to let through. */
	r = spec->cmd_path || spec->contain ? exec_verified(spec) : exec_command(spec);
	fail(spec, WORKER_STAGE_EXEC, -r, -1);
}

/* The bytes a string vector takes, pointers and NULL included; counts its entries. */
static size_t strv_bytes(char *const *v, size_t *ret_n)
{
	size_t bytes = sizeof(char *), n = 0;

	for (; v && v[n]; n++)
		bytes += sizeof(char *) + strlen(v[n]) + 1;
	*ret_n = n;
	return bytes;
}

static char *align_pointer(char *p)
{
	return (char *)(((uintptr_t)p + _Alignof(char *) - 1) & ~(uintptr_t)(_Alignof(char *) - 1));
}

/* Lay out a copy of v at *p, aligned (pointers first, then the strings); advance *p. */
static char **strv_place(char *const *v, size_t n, char **p)
{
	char **copy = (char **)(void *)align_pointer(*p);
	char *str = (char *)(copy + n + 1);

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		copy[i] = memcpy(str, v[i], len);
		str += len;
	}
	copy[n] = NULL;
	*p = str;
	return copy;
}

static char *str_place(const char *s, char **p)
{
	size_t len;
	char *copy;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	copy = memcpy(*p, s, len);
	*p += len;
	return copy;
}

int worker_spec_copy(const struct worker_spec *spec, struct worker_spec **ret)
{
	size_t n_argv, n_envp, size = sizeof(struct worker_spec);
	struct worker_spec *copy;
	char *p;

	/* The arrays of ids and fds first, then each vector, aligned (the slack counted). */
	size += spec->n_groups * sizeof(gid_t) + spec->n_cgroup_fds * sizeof(int);
	size += strv_bytes(spec->argv, &n_argv) + _Alignof(char *);
	size += strv_bytes(spec->envp, &n_envp) + _Alignof(char *);
	size += (spec->cwd ? strlen(spec->cwd) + 1 : 0) +
		(spec->cmd_path ? strlen(spec->cmd_path) + 1 : 0);
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	*copy = *spec;
	p = (char *)(copy + 1);
	copy->groups = spec->n_groups ? memcpy(p, spec->groups, spec->n_groups * sizeof(gid_t))
				      : NULL;
	p += spec->n_groups * sizeof(gid_t);
	copy->cgroup_fds = spec->n_cgroup_fds
				   ? memcpy(p, spec->cgroup_fds, spec->n_cgroup_fds * sizeof(int))
				   : NULL;
	p += spec->n_cgroup_fds * sizeof(int);
	copy->argv = spec->argv ? strv_place(spec->argv, n_argv, &p) : NULL;
	copy->envp = spec->envp ? strv_place(spec->envp, n_envp, &p) : NULL;
	copy->cwd = str_place(spec->cwd, &p);
	copy->cmd_path = str_place(spec->cmd_path, &p);
	*ret = copy;
	return 0;
}

int worker_main(void *spec)
{
	worker_run(spec);
}
