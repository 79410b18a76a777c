/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "No second program": nsctld's side of a session's seccomp exec listener. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>

struct exec_guard;

/*
 * Watch listener (taken, closed on failure too) in the loop: the first notification, if
 * it is execveat(expected_fd, "", ..., AT_EMPTY_PATH) (the worker's exec of the checked
 * file), continues; every other one, and every later exec, fails with EACCES.
 * 0 and *ret, or -errno.
 */
int exec_guard_new(struct event_base *base, int listener, int expected_fd,
		   struct exec_guard **ret);

/* Execs refused so far (for the audit of the session's end). */
unsigned exec_guard_refused(const struct exec_guard *g);

/* Stop watching and close the listener: execs still to come fail with ENOSYS. */
void exec_guard_free(struct exec_guard *g);

/*
 * The decision for one notification, apart from the I/O: 1 to let it continue, 0 to
 * refuse. *first is cleared by the first call.
 */
int exec_guard_decide(bool *first, int nr, uint64_t arg0, uint64_t arg4, int expected_fd);
