/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp filter of a session with granted capabilities, built as plain BPF. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

/* Room for the filter; the builders fail with -E2BIG rather than overflow. */
#define SECCOMP_FILTER_MAX_INSNS 96

struct seccomp_filter_prog {
	struct sock_filter insns[SECCOMP_FILTER_MAX_INSNS];
	unsigned short len;
};

/*
 * The containment filter: refuses with EPERM what would bring a handle to another
 * namespace into the session (AF_UNIX sockets, pidfd_getfd, open_by_handle_at,
 * name_to_handle_at, setns, io_uring_*, namespace flags of unshare and clone; clone3 gets
 * ENOSYS, since its flags cannot be inspected, and libc falls back to clone). A foreign
 * architecture (i386 via int 0x80, where socketcall hides the family) kills the process;
 * x32 system call numbers get ENOSYS. With exec_notify, execve and execveat go to the
 * user-notification listener too (install it with one; nsctld decides), and with the
 * listener closed the kernel fails them with ENOSYS. Returns 0, or -EOPNOTSUPP on an
 * architecture this file has no numbers for, -E2BIG if the program does not fit.
 */
int seccomp_filter_build_contain(struct seccomp_filter_prog *prog, bool exec_notify);

/*
 * Install prog on the calling thread (no_new_privs or CAP_SYS_ADMIN needed). With
 * listener, SECCOMP_FILTER_FLAG_NEW_LISTENER: *ret_listener is the new listener fd
 * (close-on-exec). No allocation: safe between fork and exec.
 */
int seccomp_filter_install(const struct seccomp_filter_prog *prog, int *ret_listener);
