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
 * With a pid namespace joined, the init is made by a helper born in that namespace (the
 * kernel makes a new pid namespace only from a process that is itself in the one its
 * children go to). It runs on stack (size bytes, at least CONTAIN_HELPER_STACK_SIZE), kept
 * like the init's; report(pidfd) is called with its pidfd as soon as it exists, before the
 * worker waits for its exit: it is nsctld's child, for nsctld to reap.
 */
#define CONTAIN_HELPER_STACK_SIZE (64 * 1024)
struct contain_helper {
	char *stack;
	size_t size;
	void (*report)(int pidfd);
};

/*
 * From the worker, after its joins: start init(arg) as pid 1 of new pid and mount
 * namespaces (the pid one the child of the joined pid namespace, if any: then through
 * helper, else NULL), as nsctld's child (CLONE_PARENT), sharing the worker's memory when
 * that is the worker's own. Its pid (0 when the helper made it: the worker does not see
 * it from nsctld's pid namespace, nsctld reads it from the pidfd), or -errno; *ret_pidfd
 * is its pidfd. init must not return; it runs on stack (size bytes, at least
 * CONTAIN_INIT_STACK_SIZE), which must stay the init's: an array in a frame the worker does
 * not leave before it exits.
 */
#define CONTAIN_INIT_STACK_SIZE (256 * 1024)
int contain_start_init(int (*init)(void *arg), void *arg, char *stack, size_t size,
		       const struct contain_helper *helper, int *ret_pidfd);

/*
 * Called as pid 1 of the session's pid namespace: start the command, command(arg, error)
 * in a child (error: 0, or -errno of its signal reset), which must exec or _exit. The child
 * shares our memory until then, on a stack of its own; its signals are back to default
 * and its mask is empty. We never return but on failure: we stay pid 1 (init semantics: a
 * signal without a handler is ignored), forward every signal we can catch to the command,
 * reap orphans, and when the command ends kill and reap what is left in the namespace,
 * send the command's wait status on exit_fd (a WORKER_REPORT_EXIT) and exit.
 * close_in_init (n of them) and fds 0, 1, 2 are closed in pid 1 and kept in the command;
 * exit_fd the other way round. -errno when the command cannot be started.
 */
int contain_run_command(int exit_fd, const int *close_in_init, size_t n,
			void (*command)(void *arg, int error), void *arg);
