/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loop of a contained session's pid 1, for contain.c and for the init image. */
#pragma once

/*
 * Included by the two programs that run it, after they define the system calls it makes:
 *
 *   static int init_sigwait(void);                    a signal taken (every one is blocked), or <0
 *   static void init_kill(pid_t pid, int sig);
 *   static pid_t init_wait(int *status, bool block);  a child reaped, 0 (none has exited), or -errno
 *   static void init_send(int fd, const void *buf, size_t n);
 *   static _Noreturn void init_exit(int code);
 *
 * daemon/nsctl-init.c, the image nsctld executes as pid 1 once the command runs, makes them
 * with raw system calls (it has no C library); daemon/contain.c, where pid 1 stays in
 * nsctld's code when the image cannot be executed, with the C library's.
 *
 * Every signal is blocked, and taken here: SIGCHLD reaps, every other one that can be
 * caught goes on to the command (SIGKILL and SIGSTOP cannot be waited for). A blocked
 * signal stays queued until taken, also one sent before we wait (or while the image was
 * being executed), and none is forwarded once the command has been reaped.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon/worker.h"
#include "protocol/nsctl-protocol.h"

/*
 * Kill and reap whatever the command left in the namespace. Every process there descends
 * from us (an orphan is ours), so when no child is left to wait for, none is left at all,
 * and the scan of every process on the host that kill(-1) makes is skipped.
 */
static void init_reap_rest(void)
{
	pid_t pid;

	while ((pid = init_wait(NULL, false)) > 0)
		;
	if (pid == -ECHILD)
		return;
	init_kill(-1, SIGKILL);
	for (;;) {
		pid = init_wait(NULL, true);
		if (pid > 0 || pid == -EINTR)
			continue;
		return; /* ECHILD */
	}
}

/* Reap every child that has exited; true (and its wait status) once the command has. */
static bool init_reaped_command(pid_t cmd, int *ret_status)
{
	for (;;) {
		int status;
		pid_t pid = init_wait(&status, false);

		if (pid == -ECHILD)
			init_exit(NSCTL_EXIT_ERROR); /* no command to wait for: cannot happen */
		if (pid <= 0)
			return false;
		if (pid == cmd) {
			*ret_status = status;
			return true;
		}
		/* an orphan of the session, reaped */
	}
}

/*
 * Until the command has ended; then, before the report, what the command left behind is
 * killed and reaped (our exit would kill it too, but only after the report): nsctld
 * replies to the client on the report, and by then nothing of the session runs but this
 * init, which is exiting. kill(-1) from pid 1 reaches every other process of the
 * namespace, and one that forks meanwhile has its SIGKILL pending, which makes the fork
 * fail.
 */
static _Noreturn void init_loop(pid_t cmd, int exit_fd)
{
	struct worker_report rep = { .kind = WORKER_REPORT_EXIT, .ns = -1 };

	for (;;) {
		int sig = init_sigwait();

		if (sig <= 0)
			continue; /* EINTR */
		if (sig != SIGCHLD)
			init_kill(cmd, sig);
		else if (init_reaped_command(cmd, &rep.wstatus))
			break;
	}
	init_reap_rest();
	init_send(exit_fd, &rep, sizeof(rep));
	init_exit(0);
}
