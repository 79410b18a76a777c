/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker: the only code that runs between fork() and exec(). */

/*
 * The order here is the security argument, so it is spelled out:
 *
 *  1. Non-dumpable first: until exec, no process (not even root inside the target's user
 *     namespace once we have joined it) may ptrace us or open our /proc/PID/fd.
 *  2. Signal mask and dispositions reset: nothing of the daemon's signal setup (SIGPIPE
 *     ignored, handlers) may reach the command. Likewise the file mode creation mask is
 *     set to 0022 and the soft RLIMIT_NOFILE back to 1024 (nsctld raised its own).
 *  3. The client's fds become 0, 1, 2 and every other fd is closed but the status socket
 *     and the target handles: no host fd can be carried into the target.
 *  4. New session (setsid): the command has no controlling terminal of the daemon's.
 *  5. Join the namespaces with setns(pidfd, mask), atomically; the kernel orders user
 *     namespace first. Old kernels fall back to the files in /proc/PID/ns one at a time, in the
 *     order of ns_table (see protocol/namespaces.c).
 *  6. Joining a pid namespace only affects children: fork again, with CLONE_PARENT so the
 *     command is nsctld's own child and is reaped through its pidfd like any other.
 *  7. Drop: bounding set, supplementary groups, gid, uid (all three ids), then clear every
 *     capability set, then no_new_privs. After this no privilege is left to lose.
 *  8. Only now touch paths on the caller's behalf: chdir, argv[0] lookup on the fixed
 *     PATH, exec. Paths resolve in the target's mount namespace (if joined) as the caller.
 *  9. A failure at any stage is reported on the close-on-exec status socket and the
 *     worker exits 126/127; a successful exec closes the socket, which the daemon reads
 *     as "started".
 *
 * No allocation happens here: the daemon prepared argv, envp and the groups before fork.
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
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static void report(int fd, int kind, int stage, int error, int ns, pid_t pid, int pass_fd)
{
	struct worker_report r = {
		.kind = kind, .stage = stage, .error = error, .ns = ns, .pid = pid,
	};
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

static _Noreturn void fail(const struct worker_spec *spec, int stage, int error, int ns)
{
	report(spec->status_fd, WORKER_REPORT_ERROR, stage, error, ns, 0, -1);
	_exit(stage == WORKER_STAGE_EXEC && error == ENOENT ? NSCTL_EXIT_NOT_FOUND
							   : NSCTL_EXIT_CANNOT_EXECUTE);
}

static int reset_signals(void)
{
	/*
	 * The raw system call, because glibc refuses to touch the signals it reserves for
	 * itself (32 and 33), and an ignored one would outlive the exec. All zeroes is SIG_DFL,
	 * no flags and an empty mask, whatever the architecture's layout of the structure.
	 */
	static const unsigned long dfl[8];
	sigset_t all;

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, dfl, NULL, (_NSIG - 1) / 8) < 0)
			return -errno;
	}
	sigemptyset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
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
	 * that is still needed; the daemon keeps 0..2 open, so they normally are already.
	 */
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
static int join_one_by_one(const struct worker_spec *spec, int *ret_ns)
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
			*ret_ns = t;
			goto out;
		}
	}
	/* The pidfd pins the process: if it is still alive, those files were its own. */
	if (syscall(SYS_pidfd_send_signal, spec->target_pidfd, 0, NULL, 0) < 0) {
		r = -errno;
		*ret_ns = -1;
		goto out;
	}
	for (int t = 0; t < _NS_COUNT; t++) {
		if (fds[t] < 0)
			continue;
		if (setns(fds[t], ns_table[t].clone_flag) < 0) {
			r = -errno;
			*ret_ns = t;
			goto out;
		}
	}
out:
	for (int t = 0; t < _NS_COUNT; t++)
		safe_close(fds[t]);
	return r;
}

static int join_namespaces(const struct worker_spec *spec, int *ret_ns)
{
	*ret_ns = -1;
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
	return join_one_by_one(spec, ret_ns);
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

static int drop_privileges(const struct worker_spec *spec)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	/* Nothing the command execs may ever regain a capability beyond this set: none. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(spec->n_groups, spec->groups) < 0)
		return -errno;
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
		return -errno;
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		return -errno;
	/* setresuid() to non-zero clears permitted and effective, not inheritable: clear all. */
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;

	/* Trust, but verify: every id is the caller's. */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid != spec->uid || euid != spec->uid || suid != spec->uid ||
	    rgid != spec->gid || egid != spec->gid || sgid != spec->gid)
		return -EPERM;
	return 0;
}

/* execvp() with a fixed PATH and without the shell fallback. Returns the errno to report. */
static int exec_command(const struct worker_spec *spec)
{
	const char *name = spec->argv[0];
	char path[PATH_MAX];
	bool denied = false;
	int last = ENOENT;

	if (strchr(name, '/')) {
		execve(name, spec->argv, spec->envp);
		return errno;
	}
	for (const char *p = WORKER_PATH; *p;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = end - p;

		if (dlen + 1 + strlen(name) + 1 <= sizeof(path)) {
			memcpy(path, p, dlen);
			path[dlen] = '/';
			strcpy(path + dlen + 1, name);
			execve(path, spec->argv, spec->envp);
			switch (errno) {
			case EACCES:
				denied = true;
				break;
			case ENOENT:
			case ENOTDIR:
				break;
			default:
				return errno;
			}
		} else {
			last = ENAMETOOLONG;
		}
		p = *end ? end + 1 : end;
	}
	return denied ? EACCES : last;
}

_Noreturn void worker_run(const struct worker_spec *spec)
{
	int keep[6], moved[3] = { -1, -1, -1 };
	size_t n_keep = 0;
	int r, ns;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);
	r = reset_signals();
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	r = reset_process_settings();
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	r = install_stdio(spec->stdio, moved);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	keep[n_keep++] = spec->status_fd;
	if (spec->target_pidfd >= 0)
		keep[n_keep++] = spec->target_pidfd;
	if (spec->target_nsfd >= 0)
		keep[n_keep++] = spec->target_nsfd;
	r = close_all_but(keep, n_keep);
	if (r < 0)
		fail(spec, WORKER_STAGE_SETUP, -r, -1);
	if (setsid() < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);

	r = join_namespaces(spec, &ns);
	if (r < 0)
		fail(spec, WORKER_STAGE_JOIN, -r, ns);
	if (spec->target_pidfd >= 0)
		close(spec->target_pidfd);
	if (spec->target_nsfd >= 0)
		close(spec->target_nsfd);

	if (spec->join_pid) {
		fork_into_pid_namespace(spec);
		/* The command's own session, now that it is a new process. */
		if (setsid() < 0)
			fail(spec, WORKER_STAGE_SETUP, errno, -1);
	}

	r = drop_privileges(spec);
	if (r < 0)
		fail(spec, WORKER_STAGE_CREDS, -r, -1);
	/*
	 * If nsctld dies, its sessions die with it rather than run on unaccounted. Set after
	 * the drop, since changing credentials clears it; our parent is nsctld in both cases
	 * (CLONE_PARENT). A daemon that died during setup never reads our status: harmless.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(spec, WORKER_STAGE_SETUP, errno, -1);

	if (chdir(spec->cwd ? spec->cwd : "/") < 0)
		fail(spec, WORKER_STAGE_CHDIR, errno, -1);

	r = exec_command(spec);
	fail(spec, WORKER_STAGE_EXEC, r, -1);
}
