/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init image: a contained session's pid 1 once its command runs (daemon/contain.c). */

/*
 * A program of its own, without the C library, built into nsctld (daemon/init-image.c)
 * and executed from a sealed memfd: so that pid 1, which lives as long as the session,
 * has a memory of its own, a few pages, rather than nsctld's (a spawned worker's) or a
 * copy of it (a forked one's), whose making and tearing down cost more than the rest of
 * containment together (docs/benchmarks.md).
 *
 * It starts with every signal blocked (the mask survives execve(), handlers do not), its
 * parent-death signal set (kept across the exec of an ordinary binary), and exactly one
 * file descriptor: 3, the exit channel. argv[1] is the command's pid, our child. It makes
 * its memory non-dumpable again (execve() set it dumpable), then runs the loop of
 * daemon/init-loop.h until the command has ended, and reports.
 *
 * Built with -nostdlib -static -fno-stack-protector and no sanitizer (Makemodule.am): no
 * TLS, no relocations, nothing but the system calls below.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <linux/prctl.h>

#ifndef __x86_64__
#error "the init image is written for x86-64; elsewhere pid 1 stays in nsctld (contain.c)"
#endif

#define INIT_EXIT_FD 3

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static int init_sigwait(void)
{
	uint64_t all = ~UINT64_C(0); /* the kernel's sigset: 64 bits; it leaves out KILL, STOP */

	return (int)sys6(SYS_rt_sigtimedwait, (long)&all, 0, 0, sizeof(all), 0, 0);
}

static void init_kill(int pid, int sig)
{
	(void)sys6(SYS_kill, pid, sig, 0, 0, 0, 0);
}

#define INIT_WNOHANG 1
#define INIT_WALL 0x40000000

static int init_wait(int *status, _Bool block)
{
	return (int)sys6(SYS_wait4, -1, (long)status, INIT_WALL | (block ? 0 : INIT_WNOHANG), 0,
			 0, 0);
}

static void init_send(int fd, const void *buf, size_t n)
{
	long r;

	do
		r = sys6(SYS_sendto, fd, (long)buf, (long)n, 0x4000 /* MSG_NOSIGNAL */, 0, 0);
	while (r == -4 /* EINTR */);
}

static _Noreturn void init_exit(int code)
{
	for (;;)
		(void)sys6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

/* What a compiler may call for a structure's initialization, freestanding or not. */
void *memset(void *s, int c, size_t n);
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *w = d;
	const unsigned char *r = s;

	while (n--)
		*w++ = *r++;
	return d;
}

#include "daemon/init-loop.h"

/* A decimal pid, 1 or more; 0 for anything else. */
static int parse_pid(const char *s)
{
	long v = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0x3fffffff / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return (int)v;
}

void init_main(long *sp);
__attribute__((used, noreturn)) void init_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	int cmd = argc == 2 ? parse_pid(argv[1]) : 0;

	/* Not dumpable, as pid 1 was until its exec: no process of the session reaches in. */
	(void)sys6(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
	if (cmd <= 0)
		init_exit(NSCTL_EXIT_ERROR); /* not executed by nsctld: nothing to wait for */
	init_loop(cmd, INIT_EXIT_FD);
}

/* The entry: the kernel's stack holds argc, argv, envp; align it and go on in C. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call init_main\n"
	"	hlt\n");
