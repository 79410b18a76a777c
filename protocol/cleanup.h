/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound release of memory, fds and json objects (after systemd's alloc-util/fd-util). */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <json-c/json.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_json_ _cleanup_(json_object_putp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p_ = (p); (p) = NULL; _p_; })
#define TAKE_FD(fd) ({ int _fd_ = (fd); (fd) = -EBADF; _fd_; })

/* close() that keeps errno and accepts any negative value; always returns -EBADF. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}

static inline void json_object_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

/* A NULL-terminated array of malloc'd strings. */
static inline char **strv_free(char **l)
{
	if (l) {
		for (char **s = l; *s; s++)
			free(*s);
		free(l);
	}
	return NULL;
}

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}

static inline size_t strv_length(char *const *l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

/* Close every fd of an array of n; leaves -EBADF behind. */
static inline void close_many(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = safe_close(fds[i]);
}
