/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Containment of a session with granted capabilities: its own pid and mount namespaces. */
#pragma once

#include <sys/types.h>

/*
 * In a new mount namespace (the caller unshared it, or was cloned with CLONE_NEWNS), as
 * the first process of a new pid namespace: make every mount private, detach every nsfs
 * and procfs mount (deepest first, with MNT_DETACH), and mount a fresh /proc, made by
 * this process, so that it shows this pid namespace. 0 or -errno (the caller fails closed).
 */
int contain_mounts(void);

/*
 * A /proc of the pid namespace the caller is a member of, over the one in place, in a new
 * private mount namespace (unshared here). For pid joins without the mount namespace.
 */
int contain_remount_proc(void);

/*
 * From the worker, after its joins: start st->init(st) as pid 1 of new pid and mount
 * namespaces (the pid one the child of the joined pid namespace, if any: then through a
 * helper born there, on st->helper_stack, else with helper_stack NULL), as nsctld's child
 * (CLONE_PARENT). The init shares the worker's memory and fd table and runs on
 * st->stack_top's stack, an array in a frame the worker does not leave before it exits;
 * the worker (or the helper) is suspended until the init has executed the init image
 * (contain_run_command()) or exited (CLONE_VM | CLONE_VFORK). When st->init runs, the
 * kernel has written st->pidfd, its pidfd, and with a helper st->helper_pidfd, both in
 * that fd table: for the init to report (the helper is nsctld's child, to be reaped).
 * 0 or -errno of a clone(); the init reports its own failures.
 */
#define CONTAIN_INIT_STACK_SIZE (256 * 1024)
#define CONTAIN_HELPER_STACK_SIZE (64 * 1024)
struct contain_start {
	int (*init)(void *st);
	void *arg;              /* for init */
	char *stack_top;
	char *helper_stack;     /* NULL: no pid namespace joined */
	char *helper_stack_top;
	int flags;              /* the init's clone flags */
	int pidfd;              /* the init's */
	int helper_pidfd;
	int error;              /* -errno of the helper's clone() */
};
int contain_start_init(struct contain_start *st);

/* The fd by which the init image (daemon/nsctl-init.c) reads its exit channel. */
#define INIT_IMAGE_EXIT_FD 3

/*
 * Called as pid 1 of the session's pid namespace: start the command, command(arg, error)
 * in a child (error: 0, or -errno of its signal reset), which must exec or _exit. The child
 * shares our memory until then, on a stack of its own; its signals are back to default
 * and its mask is empty. We never return but on failure. Once the command has executed,
 * pid 1 executes the init image from image_fd (init_image_open()), and if that cannot be
 * done (image_fd -1 or the exec fails) stays in nsctld's code; either way it stays pid 1
 * (init semantics: a signal without a handler is ignored), forwards every signal it can
 * catch to the command, reaps orphans, and when the command ends kills and reaps what is
 * left in the namespace, sends the command's wait status on exit_fd (a
 * WORKER_REPORT_EXIT) and exits (daemon/init-loop.h).
 * close_in_init (n of them) and fds 0, 1, 2 are closed in pid 1 and kept in the command;
 * exit_fd the other way round. -errno when the command cannot be started.
 */
int contain_run_command(int exit_fd, int image_fd, const int *close_in_init, size_t n,
			void (*command)(void *arg, int error), void *arg);
