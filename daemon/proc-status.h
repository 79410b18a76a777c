/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker's view of its own /proc/self/status: signals, capabilities, ids, no_new_privs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The fields the worker resets and verifies, as the kernel reports them. Masks are bit
 * (n - 1) for signal n, bit n for capability n.
 */
struct proc_status {
	uid_t uid[4];           /* real, effective, saved, file system */
	gid_t gid[4];
	uint64_t sig_blocked;
	uint64_t sig_ignored;
	uint64_t sig_caught;
	uint64_t cap_inheritable;
	uint64_t cap_permitted;
	uint64_t cap_effective;
	uint64_t cap_bounding;
	uint64_t cap_ambient;
	bool no_new_privs;
};

/*
 * Parse the text of a status file (n bytes, not necessarily NUL-terminated). 0, or
 * -EBADMSG when a field is missing or malformed (ret untouched). No allocation: the worker
 * calls it between fork and exec.
 */
int proc_status_parse(const char *text, size_t n, struct proc_status *ret);

/* pread() the whole of fd (an open /proc/PID/status) and parse it. 0 or -errno. */
int proc_status_read(int fd, struct proc_status *ret);
