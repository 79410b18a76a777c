/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The three-line helpers that would otherwise be written in every file: time, pidfds, free. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <time.h>

/* free() in an expression: p = mfree(p). */
static inline void *mfree(void *p)
{
	free(p);
	return NULL;
}

/* CLOCK_MONOTONIC in microseconds. */
static inline uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * 0 while the pidfd's process has not exited (signal 0: nothing is sent), else -errno
 * (-ESRCH once it has). What was read under /proc/PID before was that process's.
 */
static inline int pidfd_is_alive(int pidfd)
{
	if (pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		return -errno;
	return 0;
}
