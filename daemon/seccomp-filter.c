/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp filter of a session with granted capabilities, built as plain BPF. */

/*
 * Plain BPF rather than libseccomp: a short deny list (and, unless the rule says "exec",
 * execve and execveat for nsctld to decide), built into a fixed array with no allocation
 * (the worker runs it between fork and exec), and every instruction is here to read. One
 * program, not one per purpose: each filter installed costs a JIT compilation, and the
 * kernel's verdict for two stacked filters (the most restrictive one) is what the single
 * program returns, since none of the calls it refuses is an exec. Each program starts by checking the architecture: system call numbers
 * mean something else on another one (a 32-bit process on x86-64 enters through int 0x80
 * with AUDIT_ARCH_I386, and there socket() hides inside socketcall(), whose family an
 * argument check cannot see), so a foreign architecture kills the process.
 *
 * Why each system call is refused in a session with granted capabilities (the command
 * holds them in the initial user namespace, so any namespace it can name is in reach):
 *  - socket/socketpair(AF_UNIX): a unix socket receives fds (SCM_RIGHTS), namespace
 *    files among them, from any helper of the caller's outside the session; a bound or
 *    abstract socket could also reach nsctld or a container engine;
 *  - pidfd_getfd: copies an fd out of another process;
 *  - open_by_handle_at, name_to_handle_at: file handles open files by inode, outside any
 *    mount the session can see (open_by_handle_at needs CAP_DAC_READ_SEARCH, which cannot
 *    be scoped anyway: refused so that nothing depends on that);
 *  - setns: joins whatever namespace fd the command holds;
 *  - io_uring_setup/enter/register: io_uring performs socket, open and accept operations
 *    from kernel context, where this filter does not see them;
 *  - unshare/clone with a CLONE_NEW* flag: a user namespace of the command's own would
 *    give it every capability over namespaces it then creates, and a new pid or mount
 *    namespace would bring nothing but confusion; clone3 passes its flags in memory,
 *    which BPF cannot read, so it gets ENOSYS and libc falls back to clone.
 * Not refused, because they need CAP_SYS_ADMIN (a grant that cannot be scoped, see
 * docs/security.md): mount, umount2, fsopen, fsmount, fspick, open_tree, move_mount,
 * mount_setattr, pivot_root. Refusing them would break "as root" rules for nothing.
 */

#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/seccomp-filter.h"

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#define FILTER_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define CLONE_NEW_ANY                                                                              \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

#define ARG0_LO offsetof(struct seccomp_data, args[0])

static void emit(struct seccomp_filter_prog *p, struct sock_filter insn)
{
	/* One past the end marks the overflow; the builder checks it once. */
	if (p->len < SECCOMP_FILTER_MAX_INSNS)
		p->insns[p->len] = insn;
	if (p->len <= SECCOMP_FILTER_MAX_INSNS)
		p->len++;
}

#ifdef FILTER_ARCH
static void emit_arch_check(struct seccomp_filter_prog *p)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, arch)));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, nr)));
#ifdef FILTER_X32_BIT
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, FILTER_X32_BIT, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
#endif
}

/* nr (in the accumulator) == sys: return ret; else fall through, accumulator unchanged. */
static void emit_return_on(struct seccomp_filter_prog *p, uint32_t sys, uint32_t ret)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sys, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret));
}

/*
 * nr == sys: EPERM when the low word of argument 0 is value (or, with mask, has any of
 * value's bits), else allow. Falls through with nr in the accumulator otherwise.
 */
static void emit_arg0_check(struct seccomp_filter_prog *p, uint32_t sys, uint32_t value, bool mask)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sys, 0, 4));
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO));
	if (mask)
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, value, 0, 1));
	else
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static int finish(struct seccomp_filter_prog *p)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	return p->len > SECCOMP_FILTER_MAX_INSNS ? -E2BIG : 0;
}

int seccomp_filter_build_contain(struct seccomp_filter_prog *p, bool exec_notify)
{
	static const uint32_t refused[] = {
		__NR_pidfd_getfd,    __NR_open_by_handle_at, __NR_name_to_handle_at, __NR_setns,
		__NR_io_uring_setup, __NR_io_uring_enter,    __NR_io_uring_register,
	};

	p->len = 0;
	emit_arch_check(p);
	if (exec_notify) {
		emit_return_on(p, __NR_execve, SECCOMP_RET_USER_NOTIF);
		emit_return_on(p, __NR_execveat, SECCOMP_RET_USER_NOTIF);
	}
	emit_arg0_check(p, __NR_socket, AF_UNIX, false);
	emit_arg0_check(p, __NR_socketpair, AF_UNIX, false);
	emit_arg0_check(p, __NR_unshare, CLONE_NEW_ANY, true);
	emit_arg0_check(p, __NR_clone, CLONE_NEW_ANY, true);
	emit_return_on(p, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		emit_return_on(p, refused[i], SECCOMP_RET_ERRNO | EPERM);
	return finish(p);
}

#else
int seccomp_filter_build_contain(struct seccomp_filter_prog *p, bool exec_notify)
{
	(void)exec_notify;
	p->len = 0;
	return -EOPNOTSUPP;
}
#endif

int seccomp_filter_install(const struct seccomp_filter_prog *prog, int *ret_listener)
{
	struct sock_fprog fprog = {
		.len = prog->len,
		.filter = (struct sock_filter *)prog->insns,
	};
	long r;

	if (prog->len == 0 || prog->len > SECCOMP_FILTER_MAX_INSNS)
		return -EINVAL;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    ret_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &fprog);
	if (r < 0)
		return -errno;
	if (ret_listener)
		*ret_listener = (int)r;
	return 0;
}
