/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init image (daemon/nsctl-init.c), built into nsctld, as a file it can execute. */
#pragma once

#include <stddef.h>

/* The image's bytes (daemon/init-image-data.c, generated from daemon/nsctl-init). */
extern const unsigned char init_image_data[];
extern const size_t init_image_size;

/*
 * A sealed memfd holding the image, opened read-only and close-on-exec (execve() refuses
 * a file open for writing anywhere): what a contained session's pid 1 executes with
 * execveat(AT_EMPTY_PATH), whatever mount namespace it is in. -ENOSYS where no image is
 * built (it is written for x86-64), else -errno.
 */
int init_image_open(void);
