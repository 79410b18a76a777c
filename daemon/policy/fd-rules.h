/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fd rule: which file descriptors from a client may become a command's stdio. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Decide whether fd, received from a client, may be handed to the command as stdin,
 * stdout or stderr. Accepted: pipes and FIFOs, sockets, terminals, /dev/null, and regular
 * files unless command_more_privileged (the command runs with more privilege than the
 * caller: another identity, or capabilities). Refused: O_PATH descriptors, directories,
 * block devices, other character devices, namespace files, pidfds, anonymous inodes
 * (eventfd, epoll, signalfd, timerfd, ...) and anything else.
 * Returns 0 when accepted, -EPERM when refused with *ret_reason a short text naming what
 * the fd is, or another -errno when fd cannot be inspected (*ret_reason untouched).
 */
int fd_rules_check(int fd, bool command_more_privileged, const char **ret_reason);

/* What a grant adds to the fd rule (fd_rules_check_grant()). */
#define FD_RULES_NO_FILES   (1u << 0) /* the grant acts on files or identities: no regular file */
#define FD_RULES_NO_SOCKETS (1u << 1) /* a contained session: no socket (it could carry fds in) */

/* The FD_RULES_* for a command with caps, running as the caller or not. */
unsigned fd_rules_for_grant(uint64_t caps, bool run_as_caller);

/* fd_rules_check() with the grant's FD_RULES_* flags instead of command_more_privileged. */
int fd_rules_check_grant(int fd, unsigned flags, const char **ret_reason);
