/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rule that keeps a caller's terminal away from a command of another identity. */
#include <errno.h>
#include <unistd.h>

#include "daemon/policy/terminal.h"

int terminal_handoff_check(uid_t caller, uid_t run_as, const int *fds, size_t n_fds)
{
	if (run_as == caller)
		return 0;
	/* isatty() is TCGETS: true for either side of a pty, a console, a serial line. */
	for (size_t i = 0; i < n_fds; i++)
		if (isatty(fds[i]))
			return -EPERM;
	return 0;
}
