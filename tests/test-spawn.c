/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of daemon/spawn.c (children that share nsctld's memory until their exec) and of
 * worker_spec_copy(), what such a child reads. The attack cases run the real worker,
 * spawned, and try to reach its memory, which is nsctld's, in the window between its
 * change of uid and its exec.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/capability.h>
#include <linux/kcmp.h>

#include "daemon/contain.h"
#include "daemon/init-image.h"
#include "daemon/spawn.h"
#include "daemon/text-file.h"
#include "tests/daemon-loop.h"
#include "daemon/worker.h"
#include "protocol/nsctl-protocol.h"

#define NOBODY 65534

static atomic_int n_done;

static void count_done(void *arg)
{
	(void)arg;
	atomic_fetch_add(&n_done, 1);
}

/* done() runs on the spawner thread after the child is gone: wait for it, unhurried. */
static void wait_done(int n)
{
	for (int i = 0; i < 10000 && atomic_load(&n_done) < n; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&n_done), n);
}

static int wait_exit(int pidfd)
{
	siginfo_t si = { 0 };

	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	return si.si_status;
}

static pid_t pidfd_pid(int pidfd)
{
	char path[64], *text = NULL, *p;
	pid_t pid;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	assert_true(read_text_file(path, 4096, &text) >= 0);
	p = strstr(text, "Pid:");
	assert_non_null(p);
	pid = (pid_t)atoi(p + 4);
	free(text);
	return pid;
}

struct probe {
	int fd;              /* write end of a pipe */
	int release_fd;      /* read end of another: wait for a byte (or EOF), if >= 0 */
	volatile int marker; /* written by the child: shows the memory is shared */
};

/* The child: blocked signals and its pid to the pipe, then wait if told to, exit 7. */
static int probe_main(void *arg)
{
	struct probe *p = arg;
	char line[256], c;
	uint64_t blocked = 0;
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		char *sig;

		buf[n] = '\0';
		sig = strstr(buf, "SigBlk:");
		if (sig)
			blocked = strtoull(sig + 7, NULL, 16);
	}
	p->marker = 42;
	n = snprintf(line, sizeof(line), "%ld %llx\n", (long)syscall(SYS_getpid),
		     (unsigned long long)blocked);
	(void)!write(p->fd, line, (size_t)n);
	if (p->release_fd >= 0)
		(void)!read(p->release_fd, &c, 1);
	_exit(7);
}

static struct spawner *sp;


static int setup(void **state)
{
	(void)state;
	atomic_store(&n_done, 0);
	return spawner_new(&sp) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	spawner_free(sp);
	sp = NULL;
	return 0;
}

static void test_not_dumpable(void **state)
{
	(void)state;
	/* spawner_new() made the memory non-dumpable before any child shares it. */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

static void test_spawn_runs_child(void **state)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	struct probe p = { .release_fd = -1 };
	unsigned long long blocked;
	char line[256] = { 0 };
	int pipefd[2], pidfd = -1;
	long child;
	pid_t pid;

	(void)state;
	if (!spawner_supported())
		skip();
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	p.fd = pipefd[1];
	pid = spawner_spawn(sp, &args, probe_main, &p, count_done, &pidfd);
	assert_true(pid > 0);
	assert_true(pidfd >= 0);
	assert_int_equal(pidfd_pid(pidfd), pid);
	assert_int_equal(wait_exit(pidfd), 7);
	wait_done(1);
	close(pipefd[1]);
	assert_true(read(pipefd[0], line, sizeof(line) - 1) > 0);
	assert_int_equal(sscanf(line, "%ld %llx", &child, &blocked), 2);
	/* The child is the pid reported, it wrote our memory, and every signal was blocked. */
	assert_int_equal(child, pid);
	assert_int_equal(p.marker, 42);
	/* Every signal the kernel lets block (not SIGKILL, SIGSTOP), glibc's 32 and 33 too. */
	assert_true(blocked == (~0ULL & ~(1ULL << (SIGKILL - 1)) & ~(1ULL << (SIGSTOP - 1))));
	close(pipefd[0]);
	close(pidfd);
}

static void test_clone_fails(void **state)
{
	/* CLONE_INTO_CGROUP with no cgroup: the kernel refuses, and nothing was started. */
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .cgroup = (uint64_t)-1,
				   .exit_signal = SIGCHLD };
	struct clone_args good = { .exit_signal = SIGCHLD };
	struct probe p = { .release_fd = -1 };
	int pipefd[2], pidfd = -1;
	pid_t pid;

	(void)state;
	if (!spawner_supported())
		skip();
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	p.fd = pipefd[1];
	pid = spawner_spawn(sp, &args, probe_main, &p, count_done, &pidfd);
	assert_true(pid < 0);
	assert_int_equal(pidfd, -1);
	wait_done(1);
	/* The spawner goes on serving. */
	pid = spawner_spawn(sp, &good, probe_main, &p, count_done, &pidfd);
	assert_true(pid > 0);
	assert_int_equal(wait_exit(pidfd), 7);
	wait_done(2);
	close(pidfd);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_held_thread(void **state)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	struct probe p1 = { .release_fd = -1 }, p2, p3;
	int out[2], hold[2], pidfd[3];
	char c = 'x';

	(void)state;
	if (!spawner_supported())
		skip();
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	p1.fd = out[1];
	p1.release_fd = hold[0];
	p2 = p1;
	p3 = p1;
	p3.release_fd = -1;
	/* Two children wait before "exec": each holds a thread, so the second makes one. */
	assert_true(spawner_spawn(sp, &args, probe_main, &p1, count_done, &pidfd[0]) > 0);
	assert_int_equal(spawner_threads(sp), 1);
	assert_true(spawner_spawn(sp, &args, probe_main, &p2, count_done, &pidfd[1]) > 0);
	assert_int_equal(spawner_threads(sp), 2);
	assert_int_equal(atomic_load(&n_done), 0);
	assert_int_equal(write(hold[1], &c, 1), 1);
	assert_int_equal(write(hold[1], &c, 1), 1);
	assert_int_equal(wait_exit(pidfd[0]), 7);
	assert_int_equal(wait_exit(pidfd[1]), 7);
	wait_done(2);
	/* Both threads are free again: the next spawn makes none. */
	assert_true(spawner_spawn(sp, &args, probe_main, &p3, count_done, &pidfd[2]) > 0);
	assert_int_equal(wait_exit(pidfd[2]), 7);
	wait_done(3);
	assert_int_equal(spawner_threads(sp), 2);
	for (int i = 0; i < 3; i++)
		close(pidfd[i]);
	close(out[0]);
	close(out[1]);
	close(hold[0]);
	close(hold[1]);
}

static void test_all_threads_held(void **state)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	int out[2], hold[2], pidfd[SPAWNER_THREADS_MAX], extra = -1;
	struct probe p = { .release_fd = -1 };
	char c[SPAWNER_THREADS_MAX] = { 0 };

	(void)state;
	if (!spawner_supported())
		skip();
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	p.fd = out[1];
	p.release_fd = hold[0];
	for (int i = 0; i < SPAWNER_THREADS_MAX; i++)
		assert_true(spawner_spawn(sp, &args, probe_main, &p, count_done, &pidfd[i]) > 0);
	assert_int_equal(spawner_threads(sp), SPAWNER_THREADS_MAX);
	/* Every thread waits on a child: no more threads, -EBUSY, and done() has run. */
	assert_int_equal(spawner_spawn(sp, &args, probe_main, &p, count_done, &extra), -EBUSY);
	assert_int_equal(extra, -1);
	assert_int_equal(atomic_load(&n_done), 1);
	assert_int_equal(write(hold[1], c, sizeof(c)), (ssize_t)sizeof(c));
	for (int i = 0; i < SPAWNER_THREADS_MAX; i++) {
		assert_int_equal(wait_exit(pidfd[i]), 7);
		close(pidfd[i]);
	}
	wait_done(SPAWNER_THREADS_MAX + 1);
	close(out[0]);
	close(out[1]);
	close(hold[0]);
	close(hold[1]);
}

/*
 * The attacker, in a process of its own as NOBODY: every way to reach another process's
 * memory. Returns a bit per way that worked.
 */
enum { REACH_SEIZE = 1, REACH_MEM = 2, REACH_VM_READ = 4, REACH_GETFD = 8 };

static int try_reach(pid_t victim)
{
	char path[64], byte;
	struct iovec local = { .iov_base = &byte, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)&byte, .iov_len = 1 };
	int reached = 0, fd, pidfd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)victim);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		reached |= REACH_MEM;
		close(fd);
	}
	/* EFAULT and EBADF come after the permission check: an address or fd not there. */
	if (process_vm_readv(victim, &local, 1, &remote, 1, 0) == 1 || errno == EFAULT)
		reached |= REACH_VM_READ;
	pidfd = (int)syscall(SYS_pidfd_open, victim, 0);
	if (pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
		if (fd >= 0 || errno == EBADF) {
			reached |= REACH_GETFD;
			close(fd);
		}
		close(pidfd);
	}
	if (ptrace(PTRACE_SEIZE, victim, NULL, NULL) == 0) {
		reached |= REACH_SEIZE;
		(void)ptrace(PTRACE_DETACH, victim, NULL, NULL);
	}
	return reached;
}

/* Credentials an attacker or a victim takes (caps: for root's, exactly those). */
static int become_nobody(uint64_t caps)
{
	(void)caps;
	return setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
			       setresuid(NOBODY, NOBODY, NOBODY) < 0
		       ? -1 : 0;
}

/* Root holding exactly caps, in every set, the bounding one too. */
static int become_root_with(uint64_t caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (int cap = 0; cap < 64; cap++)
		if (!(caps & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return -1;
	data[0].permitted = data[0].effective = (uint32_t)caps;
	data[1].permitted = data[1].effective = (uint32_t)(caps >> 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Run try_reach(victim) in a forked process that become(caps) made; its result. */
static int attack_as(pid_t victim, int (*become)(uint64_t), uint64_t caps)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (become(caps) < 0)
			_exit(100);
		_exit(try_reach(victim));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 100);
	return WEXITSTATUS(status);
}

/* As NOBODY. */
static int attack(pid_t victim)
{
	return attack_as(victim, become_nobody, 0);
}

/* As root with caps: a contained session's command running as root with caps granted. */
static int attack_as_root_with(pid_t victim, uint64_t caps)
{
	return attack_as(victim, become_root_with, caps);
}

#define INIT_CAPS (UINT64_C(1) << CAP_NET_ADMIN | UINT64_C(1) << CAP_KILL)

/*
 * A victim for the controls: a forked process that become(caps) gives its credentials,
 * then dumpable, waiting until *ret_hold is closed (stop_victim()). Its pid, once it is so.
 */
static pid_t start_victim(int (*become)(uint64_t), uint64_t caps, int *ret_hold)
{
	int hold[2], ready[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(hold[1]);
		if (become(caps) < 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			_exit(1);
		(void)!write(ready[1], &c, 1);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	/* Attacked only once it is what become(caps) made it. */
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*ret_hold = hold[1];
	return pid;
}

static void stop_victim(pid_t pid, int hold)
{
	int status;

	close(hold);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/*
 * The control of the attacker above: a dumpable process of root's holding what a
 * contained session's pid 1 holds (net_admin granted, and kill) is within its reach.
 */
static void test_attack_reaches_root_with_same_caps(void **state)
{
	int hold;
	pid_t pid;

	(void)state;
	pid = start_victim(become_root_with, INIT_CAPS, &hold);
	assert_int_equal(attack_as_root_with(pid, INIT_CAPS),
			 REACH_SEIZE | REACH_MEM | REACH_VM_READ | REACH_GETFD);
	stop_victim(pid, hold);
}

/* The control: a process of NOBODY's own that is dumpable is within the attacker's reach. */
static void test_attack_reaches_plain_child(void **state)
{
	int hold;
	pid_t pid;

	(void)state;
	pid = start_victim(become_nobody, 0, &hold);
	/* Every way works, so the attacker can fail the test below. */
	assert_int_equal(attack(pid), REACH_SEIZE | REACH_MEM | REACH_VM_READ | REACH_GETFD);
	stop_victim(pid, hold);
}


/* Receive one worker report; the fd that rode along, or -1. */
static int recv_report(int fd, struct worker_report *ret)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	int passed = -1;

	assert_int_equal(recvmsg(fd, &mh, MSG_CMSG_CLOEXEC), (ssize_t)sizeof(*ret));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&passed, CMSG_DATA(cm), sizeof(passed));
	return passed;
}

/*
 * Spawn the real worker with a terminal, as uid:gid (inside usernsfd's namespace, if >= 0;
 * into pidfd's pid namespace, if >= 0), and take its first report (its fd in *ret_passed,
 * or closed if that is NULL): once
 * it is the TTY report, the worker has changed its ids and waits for the go byte on
 * *ret_status, which EOF turns into an exit without exec.
 */
static pid_t spawn_tty_worker_on(void *stack, struct worker_spec **ret_copy, uid_t uid,
				 gid_t gid, int usernsfd, int pidfd, int devnull,
				 struct worker_report *ret_report, int *ret_status, int *ret_pidfd,
				 int *ret_passed);

static pid_t spawn_tty_worker(uid_t uid, gid_t gid, int usernsfd, int pidfd, int devnull,
			      struct worker_report *ret_report, int *ret_status, int *ret_pidfd,
			      int *ret_passed)
{
	return spawn_tty_worker_on(NULL, NULL, uid, gid, usernsfd, pidfd, devnull, ret_report,
				   ret_status, ret_pidfd, ret_passed);
}

/*
 * The same, on stack (SPAWN_STACK_SIZE bytes) rather than the spawner thread's, as
 * session.c does for a worker whose children share its memory; then the copy of the spec
 * is the caller's to free (*ret_copy), once every process of the worker's is gone.
 */
static pid_t spawn_tty_worker_on(void *stack, struct worker_spec **ret_copy, uid_t uid,
				 gid_t gid, int usernsfd, int pidfd, int devnull,
				 struct worker_report *ret_report, int *ret_status, int *ret_pidfd,
				 int *ret_passed)
{
	static char *const argv[] = { (char *)"/bin/true", NULL }, *const envp[] = { NULL };
	struct clone_args args = { .exit_signal = SIGCHLD };
	struct worker_spec spec, *copy;
	int pair[2], passed;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	spec = (struct worker_spec){
		.target_nsfd = -1,
		.join_userns = usernsfd >= 0, .target_usernsfd = usernsfd,
		.target_pidfd = pidfd, .clone_flags = pidfd >= 0 ? CLONE_NEWPID : 0,
		.join_pid = pidfd >= 0,
		.uid = uid, .gid = gid,
		.stdio = { devnull, devnull, devnull },
		.status_fd = pair[1],
		.argv = argv, .envp = envp, .cwd = "/",
		.tty = true,
		.pids_procs_fd = -1, .host_mntns_fd = -1,
	};
	assert_int_equal(worker_spec_copy(&spec, &copy), 0);
	copy->spawned = true;
	if (stack) {
		args.stack = (uint64_t)(uintptr_t)stack;
		args.stack_size = SPAWN_STACK_SIZE;
		*ret_copy = copy;
	}
	pid = spawner_spawn(sp, &args, worker_main, copy, stack ? NULL : free, ret_pidfd);
	assert_true(pid > 0);
	close(pair[1]);
	passed = recv_report(pair[0], ret_report);
	if (ret_passed)
		*ret_passed = passed;
	else if (passed >= 0)
		close(passed);
	*ret_status = pair[0];
	return pid;
}

/*
 * The real worker, spawned, as NOBODY with a terminal: after its change of uid it stops
 * and waits for the go byte (worker.c step 9), sharing our memory meanwhile. Nothing of
 * NOBODY's may reach it then; closing the socket makes it exit without exec.
 */
static void test_worker_window_unreachable(void **state)
{
	struct worker_report rep;
	int status_fd, devnull, pidfd = -1, reached;
	pid_t pid;

	(void)state;
	if (!spawner_supported())
		skip();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);
	pid = spawn_tty_worker(NOBODY, NOBODY, -1, -1, devnull, &rep, &status_fd, &pidfd, NULL);
	assert_int_equal(rep.kind, WORKER_REPORT_TTY);
	/* The worker now runs as NOBODY, in our memory, and waits. */
	reached = attack(pid);
	/* EOF instead of the go byte: the worker exits without exec (first: it holds a thread). */
	close(status_fd);
	assert_int_equal(wait_exit(pidfd), NSCTL_EXIT_ERROR);
	assert_int_equal(reached, 0);
	close(pidfd);
	close(devnull);
}

/* A target for a pid join: pid 1 of a new pid namespace, pausing. */
struct pid_target {
	pid_t outer;  /* its parent, which made the namespace; reaps it */
	pid_t pid;
	int pidfd;
};

static void start_pid_target(struct pid_target *t)
{
	int ready[2];

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	t->outer = fork();
	assert_true(t->outer >= 0);
	if (t->outer == 0) {
		pid_t init;

		/* Gone with the test, also one that fails half-way (they hold its stdout). */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || unshare(CLONE_NEWPID) < 0)
			_exit(1);
		init = fork();
		if (init == 0) {
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			for (;;)
				pause();
		}
		(void)!write(ready[1], &init, sizeof(init));
		(void)waitpid(init, NULL, 0);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &t->pid, sizeof(t->pid)), (ssize_t)sizeof(t->pid));
	close(ready[0]);
	t->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	assert_true(t->pidfd >= 0);
}

static void stop_pid_target(struct pid_target *t)
{
	close(t->pidfd);
	kill(t->pid, SIGKILL);
	waitpid(t->outer, NULL, 0);
}

/*
 * A pid namespace joined (-p): the spawned worker's child is born in it, shares our memory
 * until its exec too, and is visible to the target's processes. As NOBODY, in its
 * terminal window, it is out of NOBODY's reach like the worker.
 */
static void test_pid_child_window_unreachable(void **state)
{
	struct worker_report rep;
	int status_fd, devnull, pidfd = -1, child_pidfd = -1;
	int passed, reached = -1;
	struct pid_target target;
	pid_t child;
	siginfo_t si;

	(void)state;
	if (!spawner_supported())
		skip();
	start_pid_target(&target);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);

	(void)spawn_tty_worker(NOBODY, NOBODY, -1, target.pidfd, devnull, &rep, &status_fd,
			       &pidfd, &child_pidfd);
	/* First the child reports itself, with its pidfd; then its terminal. */
	assert_int_equal(rep.kind, WORKER_REPORT_CHILD);
	assert_true(child_pidfd >= 0);
	child = pidfd_pid(child_pidfd);
	passed = recv_report(status_fd, &rep);
	if (passed >= 0)
		close(passed);
	if (rep.kind == WORKER_REPORT_TTY)
		reached = attack(child);
	/* EOF instead of the go byte: the child exits (125), then the worker (0). */
	close(status_fd);
	assert_int_equal(wait_exit(pidfd), 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)child_pidfd, &si, WEXITED | __WALL), 0);
	assert_int_equal(si.si_status, NSCTL_EXIT_ERROR);
	close(child_pidfd);
	close(pidfd);
	close(devnull);
	stop_pid_target(&target);
	assert_int_equal(rep.kind, WORKER_REPORT_TTY);
	assert_int_equal(reached, 0);
}

/*
 * The attack on a worker whose child shares its memory: in a pid join (with -U, the
 * target's root may signal the worker), the child waits in its terminal window while the
 * worker is killed. The spawner thread goes on and runs another worker at once; the child
 * then gets its go byte and must still exec what it was told (/bin/true, 0): it runs on
 * the caller's stack and reads the caller's copy of its spec, which the thread's next
 * worker does not touch. (Spawned on the thread's own stack, with the copy freed by the
 * thread, the child was killed by a signal instead, every time: CLD_KILLED.)
 */
static void test_worker_killed_child_goes_on(void **state)
{
	struct worker_report rep;
	struct worker_spec *copy = NULL;
	int status_fd, devnull, pidfd = -1, child_pidfd = -1, passed;
	int status_fd2, pidfd2 = -1;
	struct pid_target target;
	pid_t child;
	siginfo_t si;
	void *stack;
	char go = 1;

	(void)state;
	if (!spawner_supported())
		skip();
	start_pid_target(&target);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);
	stack = mmap(NULL, SPAWN_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	assert_true(stack != MAP_FAILED);

	(void)spawn_tty_worker_on(stack, &copy, NOBODY, NOBODY, -1, target.pidfd, devnull, &rep,
				  &status_fd, &pidfd, &child_pidfd);
	assert_int_equal(rep.kind, WORKER_REPORT_CHILD);
	assert_true(child_pidfd >= 0);
	child = pidfd_pid(child_pidfd);
	/* The terminal's master: kept open, the child's terminal would hang up. */
	passed = recv_report(status_fd, &rep);
	assert_int_equal(rep.kind, WORKER_REPORT_TTY);
	assert_true(passed >= 0);
	/* The child waits for its go byte; its parent-to-be goes. */
	assert_int_equal(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0), 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_KILLED);
	/* The thread is free again: the next worker runs on it (its own window, then EOF). */
	(void)spawn_tty_worker(NOBODY, NOBODY, -1, -1, devnull, &rep, &status_fd2, &pidfd2, NULL);
	assert_int_equal(rep.kind, WORKER_REPORT_TTY);
	close(status_fd2);
	assert_int_equal(wait_exit(pidfd2), NSCTL_EXIT_ERROR);
	/* Now the first child goes on: its terminal, its exec of /bin/true. */
	assert_int_equal(send(status_fd, &go, 1, MSG_NOSIGNAL), 1);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)child_pidfd, &si, WEXITED | __WALL), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	(void)child;
	munmap(stack, SPAWN_STACK_SIZE);
	free(copy);
	close(passed);
	close(status_fd);
	close(child_pidfd);
	close(pidfd);
	close(pidfd2);
	close(devnull);
	stop_pid_target(&target);
}

/* Write text to /proc/PID/name. */
static void write_proc(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * A container's root: a user namespace owned by NOBODY whose root is NOBODY on the host,
 * and a process in it with every capability there. The spawned worker joins that very
 * namespace (-U: as its root) and waits in its terminal window; the namespace's root tries
 * every way into it, and with it into our memory. The kernel asks for CAP_SYS_PTRACE in
 * the namespace the memory was made in, which is ours, the initial one.
 */
static void test_worker_in_userns_unreachable(void **state)
{
	struct worker_report rep;
	int to_root[2], from_root[2], status_fd, devnull, usernsfd, pidfd = -1, reached = -1;
	char path[64], c;
	pid_t root, pid;

	(void)state;
	if (!spawner_supported())
		skip();
	assert_int_equal(pipe2(to_root, O_CLOEXEC), 0);
	assert_int_equal(pipe2(from_root, O_CLOEXEC), 0);
	root = fork();
	assert_true(root >= 0);
	if (root == 0) {
		pid_t victim;

		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0 || unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		c = 'u';
		(void)!write(from_root[1], &c, 1);
		/* Mapped by the test; then the victim's pid, and the result back. */
		if (read(to_root[0], &victim, sizeof(victim)) != sizeof(victim))
			_exit(1);
		reached = try_reach(victim);
		(void)!write(from_root[1], &reached, sizeof(reached));
		_exit(0);
	}
	if (read(from_root[0], &c, 1) != 1) {
		int status;

		waitpid(root, &status, 0);
		skip(); /* no user namespaces for NOBODY here */
	}
	write_proc(root, "uid_map", "0 65534 1\n");
	write_proc(root, "setgroups", "deny");
	write_proc(root, "gid_map", "0 65534 1\n");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)root);
	usernsfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(usernsfd >= 0);

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);
	/* As the namespace's root: NOBODY on the host. */
	pid = spawn_tty_worker(0, 0, usernsfd, -1, devnull, &rep, &status_fd, &pidfd, NULL);
	if (rep.kind == WORKER_REPORT_TTY) {
		assert_int_equal(write(to_root[1], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
		assert_int_equal(read(from_root[0], &reached, sizeof(reached)),
				 (ssize_t)sizeof(reached));
	}
	close(status_fd);
	(void)wait_exit(pidfd);
	close(pidfd);
	kill(root, SIGKILL);
	waitpid(root, NULL, 0);
	close(usernsfd);
	close(devnull);
	/* The worker got as far as its terminal, in the namespace, and nothing reached it. */
	assert_int_equal(rep.kind, WORKER_REPORT_TTY);
	assert_int_equal(reached, 0);
}

/* A contained session's processes, as the tests below take them from the worker. */
struct contained_run {
	int worker_pidfd;
	int status_fd;
	int init_pidfd;  /* pid 1 of the session, reported by itself */
	int exit_fd;     /* the exit channel: pid 1 reports the command's end there */
	int release_fd;  /* the command reads a line from it, then exits 7 */
	pid_t init;
};

/*
 * Spawn the real worker for a contained session (caps net_admin, no target: new pid and
 * mount namespaces of ours), image_fd its init image or -1, and take its reports: pid 1,
 * then the exit channel. The command waits for a line on its stdin (release_fd).
 */
static void spawn_contained(int image_fd, struct contained_run *r)
{
	static char *const argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"read x; exit 7",
				      NULL };
	static char *const envp[] = { NULL };
	struct clone_args args = { .exit_signal = SIGCHLD };
	struct worker_spec spec, *copy;
	struct worker_report rep;
	int pair[2], release[2], devnull;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(devnull >= 0);
	assert_int_equal(pipe2(release, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	spec = (struct worker_spec){
		.target_nsfd = -1, .target_pidfd = -1, .target_usernsfd = -1,
		.uid = 0, .gid = 0,
		.stdio = { release[0], devnull, devnull },
		.status_fd = pair[1],
		.argv = argv, .envp = envp, .cwd = "/",
		.caps = UINT64_C(1) << CAP_NET_ADMIN,
		.contain = true, .init_image_fd = image_fd,
		.pids_procs_fd = -1, .host_mntns_fd = -1,
	};
	assert_int_equal(worker_spec_copy(&spec, &copy), 0);
	copy->spawned = true;
	assert_true(spawner_spawn(sp, &args, worker_main, copy, free, &r->worker_pidfd) > 0);
	close(pair[1]);
	close(release[0]);
	close(devnull);
	r->status_fd = pair[0];
	r->release_fd = release[1];
	r->init_pidfd = recv_report(r->status_fd, &rep);
	assert_int_equal(rep.kind, WORKER_REPORT_CHILD);
	assert_true(r->init_pidfd >= 0);
	r->init = pidfd_pid(r->init_pidfd);
	r->exit_fd = recv_report(r->status_fd, &rep);
	assert_int_equal(rep.kind, WORKER_REPORT_EXIT_CHANNEL);
	assert_true(r->exit_fd >= 0);
}

/* Let the command end; the exit status pid 1 reports, once pid 1 has exited. */
static int finish_contained(struct contained_run *r)
{
	struct worker_report rep;
	siginfo_t si = { 0 };

	assert_int_equal(write(r->release_fd, "\n", 1), 1);
	close(r->release_fd);
	assert_int_equal(recv(r->exit_fd, &rep, sizeof(rep), 0), (ssize_t)sizeof(rep));
	assert_int_equal(rep.kind, WORKER_REPORT_EXIT);
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)r->init_pidfd, &si, WEXITED | __WALL), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	close(r->exit_fd);
	close(r->init_pidfd);
	close(r->status_fd);
	assert_true(WIFEXITED(rep.wstatus));
	return WEXITSTATUS(rep.wstatus);
}

/* The "Name:" value of a line of /proc/PID/status, as a number (kB, or hex with base 16). */
static unsigned long long proc_status_value(pid_t pid, const char *name, int base)
{
	char path[64], *text = NULL, *p;
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_true(read_text_file(path, 1 << 16, &text) >= 0);
	p = strstr(text, name);
	assert_non_null(p);
	v = strtoull(p + strlen(name), NULL, base);
	free(text);
	return v;
}

/* Whether pid 1 runs the init image by now: its exe, within a few seconds. */
static bool init_is_image(pid_t init)
{
	char path[64], exe[256];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)init);
	for (int i = 0; i < 5000; i++) {
		ssize_t n = readlink(path, exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = '\0';
			if (strstr(exe, "memfd:nsctl-init"))
				return true;
		}
		usleep(1000);
	}
	return false;
}

/*
 * Pid 1 has executed the image, and the worker, which waited for that, has exited. If
 * not, the session is ended first (the worker would wait with pid 1 until then, and the
 * spawner thread with it): a failure, not a hang.
 */
static void expect_init_image(struct contained_run *r)
{
	if (!init_is_image(r->init)) {
		(void)finish_contained(r);
		(void)wait_exit(r->worker_pidfd);
		fail_msg("pid 1 did not execute the init image");
	}
	assert_int_equal(wait_exit(r->worker_pidfd), 0);
}

/*
 * A contained session's pid 1 executes the init image once the command runs: from then on
 * its memory is a few pages of its own, neither ours (the spawned worker's) nor a copy of
 * it, and the worker is gone. It holds the granted capabilities and kill, and yet a
 * command holding all of them, as root, cannot reach into it. The command's exit status
 * comes back through it.
 */
static void test_contained_init_image(void **state)
{
	struct contained_run r;
	int image_fd;

	(void)state;
	if (!spawner_supported())
		skip();
	image_fd = init_image_open();
	if (image_fd == -ENOSYS)
		skip();
	assert_true(image_fd >= 0);
	spawn_contained(image_fd, &r);
	/* The worker waits for that exec, then exits. */
	expect_init_image(&r);
	assert_int_not_equal(syscall(SYS_kcmp, getpid(), r.init, KCMP_VM, 0, 0), 0);
	assert_true(proc_status_value(r.init, "VmRSS:", 10) < 256);
	assert_true(proc_status_value(r.init, "CapEff:", 16) == INIT_CAPS);
	assert_int_equal(attack_as_root_with(r.init, INIT_CAPS), 0);
	assert_int_equal(finish_contained(&r), 7);
	close(r.worker_pidfd);
	close(image_fd);
}

/*
 * The image's fd may have the number pid 1 gives its exit channel in the image (3): it is
 * moved out of the way first, and pid 1 is still the image.
 */
static void test_contained_init_image_at_exit_fd(void **state)
{
	struct contained_run r;
	int image_fd, saved = -1, saved_flags;

	(void)state;
	if (!spawner_supported())
		skip();
	image_fd = init_image_open();
	if (image_fd == -ENOSYS)
		skip();
	assert_true(image_fd >= 0);
	/* What the test harness may hold at 3 (make's jobserver) waits elsewhere meanwhile. */
	saved_flags = fcntl(INIT_IMAGE_EXIT_FD, F_GETFD);
	if (saved_flags >= 0) {
		saved = fcntl(INIT_IMAGE_EXIT_FD, F_DUPFD_CLOEXEC, INIT_IMAGE_EXIT_FD + 1);
		assert_true(saved >= 0);
	}
	if (image_fd != INIT_IMAGE_EXIT_FD) {
		assert_int_equal(dup3(image_fd, INIT_IMAGE_EXIT_FD, O_CLOEXEC), INIT_IMAGE_EXIT_FD);
		close(image_fd);
		image_fd = INIT_IMAGE_EXIT_FD;
	}
	spawn_contained(image_fd, &r);
	expect_init_image(&r);
	assert_int_equal(finish_contained(&r), 7);
	close(r.worker_pidfd);
	if (saved >= 0) {
		assert_int_equal(dup2(saved, INIT_IMAGE_EXIT_FD), INIT_IMAGE_EXIT_FD);
		assert_int_equal(fcntl(INIT_IMAGE_EXIT_FD, F_SETFD, saved_flags), 0);
		close(saved);
	} else {
		close(image_fd);
	}
}

/*
 * Without an image (another architecture, or an exec that fails), pid 1 stays in our code
 * and memory, and the worker stays suspended with it until the session ends: the same
 * session, at the cost of a process and a spawner thread held.
 */
static void test_contained_init_in_place(void **state)
{
	struct contained_run r;
	siginfo_t si = { 0 };

	(void)state;
	if (!spawner_supported())
		skip();
	spawn_contained(-1, &r);
	assert_int_equal(syscall(SYS_kcmp, getpid(), r.init, KCMP_VM, 0, 0), 0);
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)r.worker_pidfd, &si,
				WEXITED | WNOHANG | WNOWAIT), 0);
	assert_int_equal(si.si_pid, 0);
	assert_int_equal(attack_as_root_with(r.init, INIT_CAPS), 0);
	assert_int_equal(finish_contained(&r), 7);
	assert_int_equal(wait_exit(r.worker_pidfd), 0);
	close(r.worker_pidfd);
}

static void test_spec_copy(void **state)
{
	static const gid_t groups[] = { 4, 24, 27 };
	static const int cgroup_fds[] = { 11, 12 };
	static char *const argv[] = { (char *)"ip", (char *)"-brief", (char *)"link", NULL };
	static char *const envp[] = { (char *)"PATH=/usr/bin", (char *)"TERM=xterm",
				       (char *)"LANG=C.UTF-8", NULL };
	struct worker_spec spec = {
		.target_pidfd = 5, .uid = 1000, .gid = 1000,
		.groups = groups, .n_groups = 3,
		.argv = argv, .envp = envp, .cwd = "/var/tmp", .cmd_path = "/usr/sbin/ip",
		.cgroup_fds = cgroup_fds, .n_cgroup_fds = 2, .caps = 1u << 12,
	}, *copy;
	const char *lo, *hi;

	(void)state;
	assert_int_equal(worker_spec_copy(&spec, &copy), 0);
	lo = (const char *)copy;
	hi = lo + malloc_usable_size(copy);
	assert_int_equal(copy->target_pidfd, 5);
	assert_int_equal(copy->uid, 1000);
	assert_true(copy->caps == spec.caps);
	assert_int_equal(copy->n_groups, 3);
	assert_memory_equal(copy->groups, groups, sizeof(groups));
	assert_memory_equal(copy->cgroup_fds, cgroup_fds, sizeof(cgroup_fds));
	for (int i = 0; argv[i]; i++)
		assert_string_equal(copy->argv[i], argv[i]);
	assert_null(copy->argv[3]);
	for (int i = 0; envp[i]; i++)
		assert_string_equal(copy->envp[i], envp[i]);
	assert_null(copy->envp[3]);
	assert_string_equal(copy->cwd, "/var/tmp");
	assert_string_equal(copy->cmd_path, "/usr/sbin/ip");
	/* Nothing points back at the original; the vectors are aligned. */
	assert_true(copy->argv != argv && copy->argv[0] != argv[0]);
	assert_true(copy->envp[2] != envp[2] && copy->cwd != spec.cwd);
	assert_int_equal((uintptr_t)copy->argv % _Alignof(char *), 0);
	assert_int_equal((uintptr_t)copy->envp % _Alignof(char *), 0);
	/* Everything lies in the one allocation. */
	{
		const void *inside[] = { copy->groups, copy->cgroup_fds, copy->argv, copy->argv[2],
					 copy->envp, copy->envp[2], copy->cwd, copy->cmd_path };

		for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
			assert_true((const char *)inside[i] > lo && (const char *)inside[i] < hi);
		assert_true(copy->cmd_path + strlen(copy->cmd_path) < hi);
	}
	free(copy);

	/* Nothing to point at: NULL stays NULL. */
	spec = (struct worker_spec){ .target_pidfd = -1 };
	assert_int_equal(worker_spec_copy(&spec, &copy), 0);
	assert_null(copy->argv);
	assert_null(copy->envp);
	assert_null(copy->cwd);
	assert_null(copy->cmd_path);
	assert_null(copy->groups);
	assert_null(copy->cgroup_fds);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_dumpable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_runs_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_threads_held, setup, teardown),
		ROOT_TEST(test_attack_reaches_plain_child),
		ROOT_TEST(test_attack_reaches_root_with_same_caps),
		ROOT_TEST(test_contained_init_image),
		ROOT_TEST(test_contained_init_image_at_exit_fd),
		ROOT_TEST(test_contained_init_in_place),
		ROOT_TEST(test_worker_window_unreachable),
		ROOT_TEST(test_worker_in_userns_unreachable),
		ROOT_TEST(test_pid_child_window_unreachable),
		ROOT_TEST(test_worker_killed_child_goes_on),
		cmocka_unit_test(test_spec_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
