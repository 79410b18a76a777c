/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Children that share nsctld's memory until their exec, made by spawner threads. */
#pragma once

#include <linux/sched.h>
#include <stdbool.h>
#include <sys/types.h>

struct spawner;

/* A child's stack: the one in each spawner thread, and what a caller's must hold. */
#define SPAWN_STACK_SIZE (512 * 1024)

/* Threads held by children that have not exec'd, beyond which spawner_spawn() says -EBUSY. */
#define SPAWNER_THREADS_MAX 64

/* Whether this build can spawn at all (the clone3() entry is written per architecture). */
bool spawner_supported(void);

/*
 * A spawner with no thread yet (one is made by the first spawn). Makes the process
 * non-dumpable for good: its children share its memory (spawn.c says why).
 */
int spawner_new(struct spawner **ret);

/*
 * Start fn(arg) in a child made by clone3() with args' flags and cgroup plus CLONE_VM |
 * CLONE_VFORK and CLONE_PIDFD, on a spawner thread. Returns once the child runs: its pid,
 * with *ret_pidfd set; or -errno when the clone failed, or -EBUSY when every thread is
 * held by a child that has not exec'd yet and no more may be made (the caller forks).
 * The child runs in our memory with every signal blocked; it must not write what the
 * process uses, nor call glibc's set*id() (raw system calls only). done(arg) runs exactly
 * once, whatever the result: on the spawner thread once the child has exec'd or exited
 * (or the clone failed), or before spawner_spawn() returns when no thread took the
 * child. arg and what it points to must stay valid until then, and done frees them.
 * With args->stack set, the child runs on that stack (args->stack_size bytes) instead of
 * the thread's, and done may be NULL: for a child whose own children share its stack and
 * arg, which the caller then keeps until they are all gone (spawn.c says why).
 */
pid_t spawner_spawn(struct spawner *sp, const struct clone_args *args, int (*fn)(void *),
		    void *arg, void (*done)(void *), int *ret_pidfd);

/*
 * The clone3() entry itself, for a child that shares its parent's memory: args names the
 * child's stack (16-byte aligned top); the child calls fn(arg) there and exits with its
 * value. The pid, or -errno (-ENOSYS where spawner_supported() is false).
 */
long spawn_clone3(struct clone_args *args, int (*fn)(void *), void *arg);

/* How many threads exist (tests). */
unsigned spawner_threads(const struct spawner *sp);

/* The threads stay (see spawn.c): only what they do not use is freed, at exit. */
void spawner_free(struct spawner *sp);

/*
 * A stack for args->stack of spawner_spawn() (SPAWN_STACK_SIZE bytes), NULL when none can
 * be had; and one given back once every process that ran on it is gone. A few are kept
 * for the next worker: their pages are there already, where a new mapping faults in each
 * one its processes touch (and the compiler's stack-clash probes touch every page of a
 * large frame). The loop's thread only, like spawner_spawn().
 */
void *spawner_stack_get(struct spawner *sp);
void spawner_stack_put(struct spawner *sp, void *stack);
