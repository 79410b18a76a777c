/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fd rule: which file descriptors from a client may become a command's stdio. */
#pragma once

#include <stdbool.h>

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
