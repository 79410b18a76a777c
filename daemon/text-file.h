/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * All of a text file (a /proc or cgroupfs file, whose size stat() does not tell), read to
 * its end and NUL-terminated, into *ret (free it). -EFBIG when it is larger than max bytes;
 * -errno otherwise, *ret untouched on failure.
 */
int read_text_file(const char *path, size_t max, char **ret);
