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
 * Called as pid 1 of the session's pid namespace: fork the command. Returns 0 in the
 * command (signals back to default, mask empty). The parent never returns: it stays pid 1
 * (init semantics: a signal without a handler is ignored), forwards every signal it can
 * catch to the command, reaps orphans, and when the command ends sends its wait status
 * on exit_fd (a WORKER_REPORT_EXIT) and exits, which kills what is left in the
 * namespace. close_in_init (n of them) and fds 0, 1, 2 are closed in pid 1 and kept in the
 * command; exit_fd the other way round. -errno when the fork fails.
 */
int contain_fork_command(int exit_fd, const int *close_in_init, size_t n);
