/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whose terminal may reach which command: the rule against handing a terminal to another user. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * May the caller's fds be handed to a command that runs as run_as? Not when run_as is
 * not the caller and one of them is a terminal: whoever holds a terminal fd can push
 * input into it (TIOCSTI) or drive the console (TIOCLINUX), that is type commands into
 * the caller's shell once the session is over. Returns 0, or -EPERM.
 */
int terminal_handoff_check(uid_t caller, uid_t run_as, const int *fds, size_t n_fds);
