/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init image (daemon/nsctl-init.c), built into nsctld, as a file it can execute. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/init-image.h"
#include "protocol/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int init_image_open(void)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64];
	size_t done = 0;
	int ro;

	if (init_image_size == 0)
		return -ENOSYS;
	/* MFD_EXEC says "executable" where vm.memfd_noexec asks; older kernels refuse it. */
	fd = memfd_create("nsctl-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("nsctl-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (done < init_image_size) {
		ssize_t n = write(fd, init_image_data + done, init_image_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	/* A read-only open of its own; the writable one goes. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return -errno;
	return ro;
}
