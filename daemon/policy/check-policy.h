/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld --check-policy [--json] [FILE]: load a policy like the daemon would, and say how it went. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Split a loader message "FILE:LINE: what" (or "FILE: what") into its parts: *ret_file and
 * *ret_what point into msg, *ret_file_len is the file's length, *ret_line is 0 without a
 * line. 0, or -EINVAL when msg has neither shape.
 */
int check_policy_split(const char *msg, size_t *ret_file_len, unsigned *ret_line,
		       const char **ret_what);

/* Check path; print "FILE: N rules, OK" or the error (json: one JSON object on stdout). 0/1. */
int check_policy_run(const char *path, bool json);
