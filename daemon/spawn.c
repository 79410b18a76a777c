/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Children that share nsctld's memory until their exec, made by spawner threads. */

/*
 * Why: fork() copies nsctld's page tables and marks every private page copy-on-write, so
 * that nsctld then faults on each page it writes, and the child's exec tears that copy
 * down again. On the project's VM that was most of what a Run cost nsctld
 * (docs/benchmarks.md). A clone with CLONE_VM | CLONE_VFORK shares the memory instead, as
 * posix_spawn() does, and its caller waits until the child has exec'd or exited.
 *
 * nsctld's event loop cannot wait that long: a worker may block before its exec for as
 * long as the target wants (a chdir() into a FUSE mount it serves), or until the loop
 * itself answers (a terminal's hand-off). So the clone is made by a spawner thread, which
 * is the one that waits; the loop waits only until the child runs, then goes on.
 *
 * The child:
 *  - runs on a stack of its own, an array in its spawner thread's frame (so within the
 *    thread's stack, where AddressSanitizer expects a stack), or the caller's (below),
 *    and with the thread's thread-local storage (errno): the thread is suspended
 *    meanwhile and uses neither;
 *  - must not write memory the process uses: it reads what its caller copied for it,
 *    which done() frees on the spawner thread once the child has exec'd or exited;
 *  - must not call glibc's set*id(): in a process with threads they ask every thread of
 *    the process to change its ids too (raw system calls only, worker.c);
 *  - shares memory with a root process, so nothing may reach that memory through it: no
 *    ptrace, /proc/PID/mem, process_vm_writev() or pidfd_getfd(). The kernel allows those
 *    on a non-dumpable memory only with CAP_SYS_PTRACE in the user namespace the memory
 *    was made in (nsctld's, the initial one): spawner_new() makes it non-dumpable for
 *    good, before any child exists. A change of uid sets it to fs.suid_dumpable, which the
 *    caller checks (session.c) and the worker undoes (docs/security.md).
 *
 * A child may make children of its own that share the memory too until their exec, each
 * suspending its parent (a worker's child in a joined pid namespace, a contained
 * session's helper, pid 1 and command: worker.c, contain.c), on stacks in its frame. If
 * the child is killed meanwhile (by SIGKILL, which no mask holds off; in a joined user
 * namespace, the target's root may send it), the thread goes on while they still run: so
 * such a child gets a stack of the caller's, and the caller keeps it, and what the child
 * reads, until every process of the child's is gone (session.c frees them with the
 * session, after its cgroup was killed). The thread-local storage they share with the
 * thread's next child then: errno and the cancellation state, no memory of the process's.
 *
 * Threads never exit while nsctld runs: a child's parent is its spawner thread, and
 * PR_SET_PDEATHSIG fires when the parent *thread* exits. A spawn that finds no idle thread
 * makes one; SPAWNER_THREADS_MAX of them held by children that have not exec'd says
 * -EBUSY, and the caller forks instead.
 *
 * Only the loop's thread calls spawner_spawn(), and it waits until a thread has taken its
 * child: so at most one spawn is ever pending, and a thread counted idle is waiting.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <unistd.h>

#include "daemon/spawn.h"

/* The child's stack; the thread's own frames need little beside it. */
#define SPAWN_CHILD_STACK_SIZE SPAWN_STACK_SIZE
#define SPAWN_THREAD_STACK_SIZE (SPAWN_CHILD_STACK_SIZE + 128 * 1024)

/* Callers' stacks kept for reuse. */
#define SPAWNER_STACKS_KEPT 8

enum spawn_state {
	SPAWN_WAITING,  /* not cloned yet */
	SPAWN_RUNNING,  /* the child runs: pid and pidfd are set */
	SPAWN_FAILED,   /* the clone failed: error is set */
};

struct spawn_job {
	struct clone_args args;
	int (*fn)(void *);
	void *arg;
	void (*done)(void *);
	_Atomic int state;
	int error;
	pid_t pid;
	int pidfd;
	_Atomic int refs; /* the caller's and the thread's: the last one frees */
};

struct spawner {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct spawn_job *pending;
	unsigned n_idle;
	bool stopping;
	pthread_t *threads;
	unsigned n_threads;
	void *stacks[SPAWNER_STACKS_KEPT]; /* given back, for the next: spawner_stack_get() */
	unsigned n_stacks;
};

#if defined(__x86_64__)
/*
 * long spawn_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg):
 * the parent gets the pid or -errno; the child, on the stack args names, calls fn(arg)
 * and exits with its value. Written out because the child cannot return from a C call
 * made on the parent's stack (glibc's clone3() wrapper is not public).
 */
__asm__(".text\n"
	".p2align 4\n"
	".globl nsctl_spawn_clone3\n"
	".hidden nsctl_spawn_clone3\n"
	".type nsctl_spawn_clone3, @function\n"
	"nsctl_spawn_clone3:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	mov %rcx, %r8\n"        /* arg: r8 and rdx (fn) survive the syscall */
	"	mov $435, %eax\n"       /* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"1:\n"                    /* the child, on its own stack */
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	mov %r8, %rdi\n"
	"	call *%rdx\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"        /* __NR_exit */
	"	syscall\n"
	"	hlt\n"
	".size nsctl_spawn_clone3, .-nsctl_spawn_clone3\n");
long nsctl_spawn_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
#define HAVE_SPAWN_CLONE3 1
#else
#define HAVE_SPAWN_CLONE3 0
static long nsctl_spawn_clone3(struct clone_args *args, size_t size, int (*fn)(void *),
			       void *arg)
{
	(void)args;
	(void)size;
	(void)fn;
	(void)arg;
	return -ENOSYS;
}
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
static void unpoison_stack(char *stack, size_t size)
{
	__asan_unpoison_memory_region(stack, size);
}
#else
static void unpoison_stack(char *stack, size_t size)
{
	(void)stack;
	(void)size;
}
#endif

long spawn_clone3(struct clone_args *args, int (*fn)(void *), void *arg)
{
	return nsctl_spawn_clone3(args, sizeof(*args), fn, arg);
}

bool spawner_supported(void)
{
	return HAVE_SPAWN_CLONE3;
}

static void job_unref(struct spawn_job *job)
{
	if (atomic_fetch_sub(&job->refs, 1) == 1)
		free(job);
}

/* Tell the caller waiting in spawner_spawn(); safe in the child (a raw system call). */
static void job_publish(struct spawn_job *job, int state)
{
	atomic_store(&job->state, state);
	(void)syscall(SYS_futex, &job->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The child's first steps: say it runs, then become what the caller asked for. */
static int spawn_child_main(void *userdata)
{
	struct spawn_job *job = userdata;

	job->pid = (pid_t)syscall(SYS_getpid);
	job_publish(job, SPAWN_RUNNING);
	return job->fn(job->arg);
}

static void spawn_run(struct spawn_job *job, char *stack, size_t size)
{
	long pid;

	/* The caller's stack, for a child whose own children share it (spawner_spawn()). */
	if (job->args.stack) {
		stack = (char *)(uintptr_t)job->args.stack;
		size = job->args.stack_size;
	}

	/*
	 * AddressSanitizer marks the redzones of each frame in its shadow and clears them on
	 * return; a child's frames never return (exec, _exit), so the last child's marks
	 * would be on this stack still, where the next child's frames go.
	 */
	unpoison_stack(stack, size);
	job->args.stack = (uint64_t)(uintptr_t)stack;
	job->args.stack_size = size;
	pid = nsctl_spawn_clone3(&job->args, sizeof(job->args), spawn_child_main, job);
	if (pid < 0) {
		job->error = (int)-pid;
		job_publish(job, SPAWN_FAILED);
	} else if (atomic_load(&job->state) == SPAWN_WAITING) {
		/* Killed before its first step: it ran, briefly; its pidfd says how it ended. */
		job->pid = (pid_t)pid;
		job_publish(job, SPAWN_RUNNING);
	}
	if (job->done)
		job->done(job->arg);
	job_unref(job);
}

static void *spawner_thread(void *userdata)
{
	struct spawner *sp = userdata;
	/* Aligned for the ABI; the child's stack pointer starts at its end. */
	char stack[SPAWN_CHILD_STACK_SIZE] __attribute__((aligned(64)));
	unsigned long all[_NSIG / (8 * sizeof(unsigned long))];

	/* Every signal blocked, glibc's own too (the raw call): the children inherit it. */
	memset(all, 0xff, sizeof(all));
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, NULL, sizeof(all));
	for (;;) {
		struct spawn_job *job;

		pthread_mutex_lock(&sp->lock);
		sp->n_idle++;
		while (!sp->pending && !sp->stopping)
			pthread_cond_wait(&sp->wake, &sp->lock);
		sp->n_idle--;
		job = sp->pending;
		sp->pending = NULL;
		pthread_mutex_unlock(&sp->lock);
		if (!job)
			return NULL; /* stopping */
		spawn_run(job, stack, sizeof(stack));
	}
}

/* With sp->lock held. */
static int spawner_add_thread(struct spawner *sp)
{
	pthread_attr_t attr;
	pthread_t *threads;
	sigset_t all;
	int r;

	threads = realloc(sp->threads, (sp->n_threads + 1) * sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	sp->threads = threads;
	r = pthread_attr_init(&attr);
	if (r != 0)
		return -r;
	sigfillset(&all);
	r = pthread_attr_setstacksize(&attr, SPAWN_THREAD_STACK_SIZE);
	if (r == 0)
		r = pthread_attr_setsigmask_np(&attr, &all);
	if (r == 0)
		r = pthread_create(&sp->threads[sp->n_threads], &attr, spawner_thread, sp);
	pthread_attr_destroy(&attr);
	if (r != 0)
		return -r;
	sp->n_threads++;
	return 0;
}

int spawner_new(struct spawner **ret)
{
	struct spawner *sp;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->wake, NULL);
	*ret = sp;
	return 0;
}

pid_t spawner_spawn(struct spawner *sp, const struct clone_args *args, int (*fn)(void *),
		    void *arg, void (*done)(void *), int *ret_pidfd)
{
	struct spawn_job *job;
	int state, r = 0;

	if (!HAVE_SPAWN_CLONE3) {
		if (done)
			done(arg);
		return -ENOSYS;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		if (done)
			done(arg);
		return -ENOMEM;
	}
	job->args = *args;
	job->args.flags |= CLONE_VM | CLONE_VFORK | CLONE_PIDFD;
	job->args.pidfd = (uint64_t)(uintptr_t)&job->pidfd;
	job->pidfd = -EBADF;
	job->fn = fn;
	job->arg = arg;
	job->done = done;
	atomic_init(&job->state, SPAWN_WAITING);
	atomic_init(&job->refs, 2);

	pthread_mutex_lock(&sp->lock);
	if (sp->n_idle == 0)
		r = sp->n_threads < SPAWNER_THREADS_MAX ? spawner_add_thread(sp) : -EBUSY;
	if (r == 0) {
		sp->pending = job;
		pthread_cond_signal(&sp->wake);
	}
	pthread_mutex_unlock(&sp->lock);
	if (r < 0) {
		free(job);
		if (done)
			done(arg);
		return r;
	}

	while ((state = atomic_load(&job->state)) == SPAWN_WAITING)
		(void)syscall(SYS_futex, &job->state, FUTEX_WAIT_PRIVATE, SPAWN_WAITING, NULL,
			      NULL, 0);
	if (state == SPAWN_FAILED) {
		r = -job->error;
	} else {
		r = job->pid;
		*ret_pidfd = job->pidfd;
	}
	job_unref(job);
	return r;
}

void *spawner_stack_get(struct spawner *sp)
{
	void *stack;

	if (sp->n_stacks > 0)
		return sp->stacks[--sp->n_stacks];
	stack = mmap(NULL, SPAWN_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	return stack == MAP_FAILED ? NULL : stack;
}

void spawner_stack_put(struct spawner *sp, void *stack)
{
	if (!stack)
		return;
	if (sp->n_stacks < SPAWNER_STACKS_KEPT)
		sp->stacks[sp->n_stacks++] = stack;
	else
		munmap(stack, SPAWN_STACK_SIZE);
}

unsigned spawner_threads(const struct spawner *sp)
{
	return sp->n_threads;
}

void spawner_free(struct spawner *sp)
{
	if (!sp)
		return;
	/*
	 * By now every session is gone, killed and reaped (manager_free()), so no thread
	 * waits on a child: each takes "stopping" and returns.
	 */
	pthread_mutex_lock(&sp->lock);
	sp->stopping = true;
	pthread_cond_broadcast(&sp->wake);
	pthread_mutex_unlock(&sp->lock);
	for (unsigned i = 0; i < sp->n_threads; i++)
		pthread_join(sp->threads[i], NULL);
	free(sp->threads);
	while (sp->n_stacks > 0)
		munmap(sp->stacks[--sp->n_stacks], SPAWN_STACK_SIZE);
	pthread_cond_destroy(&sp->wake);
	pthread_mutex_destroy(&sp->lock);
	free(sp);
}
