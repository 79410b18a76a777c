/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target names: the backend table, target objects, namespaces compared with nsctld's own. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* Indexed by enum target_kind: the order in which bare names are tried and lists sorted. */
static const struct target_backend *const backends[_TARGET_KIND_COUNT] = {
#define TARGET_BACKEND(kind, name) [TARGET_##kind] = &target_backend_##name,
#include "daemon/targets/backends.def"
#undef TARGET_BACKEND
};

void target_op_cancel(struct target_op *op)
{
	if (op)
		op->cancel(op);
}

const struct target_backend *target_backend_of_kind(enum target_kind kind)
{
	return (unsigned)kind < _TARGET_KIND_COUNT ? backends[kind] : NULL;
}

const char *target_kind_prefix(enum target_kind kind)
{
	const struct target_backend *b = target_backend_of_kind(kind);

	return b ? b->prefix : NULL;
}

const struct target_backend *target_backend_of_prefix(const char *prefix, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(backends); i++) {
		const char *p = backends[i]->prefix;

		if (strlen(p) == len && strncmp(prefix, p, len) == 0)
			return backends[i];
	}
	return NULL;
}

int target_kinds_from_string(const char *s, uint32_t *ret)
{
	uint32_t mask = 0;

	for (const char *p = s;;) {
		size_t len = strcspn(p, ",");
		const struct target_backend *b = target_backend_of_prefix(p, len);

		if (len == 0 || !b)
			return -EINVAL;
		mask |= TARGET_KIND_BIT(b->kind);
		if (!p[len])
			break;
		p += len + 1;
	}
	*ret = mask;
	return 0;
}

struct target *target_new(const struct target_backend *b)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->backend = b;
	t->kind = b->kind;
	t->pidfd = -EBADF;
	t->nsfd = -EBADF;
	return t;
}

int target_parse(const char *name, struct target **ret)
{
	const char *colon = strchr(name, ':');
	const struct target_backend *b;
	struct target *t;
	int r;

	if (!colon)
		return -EINVAL;
	b = target_backend_of_prefix(name, (size_t)(colon - name));
	if (!b)
		return -EINVAL;
	t = target_new(b);
	if (!t)
		return -ENOMEM;
	r = b->parse(colon + 1, t);
	/* Backends that ask a service learn the canonical name from it: until then, as written. */
	if (r >= 0 && !t->canonical)
		r = target_set_names(t, b->kind, b->prefix, colon + 1);
	if (r < 0) {
		target_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

int target_set_names(struct target *t, enum target_kind kind, const char *prefix,
		     const char *rest)
{
	t->kind = kind;
	if (asprintf(&t->canonical, "%s:%s", prefix, rest) < 0) {
		t->canonical = NULL;
		return -ENOMEM;
	}
	t->bare = strdup(rest);
	if (!t->bare)
		return -ENOMEM;
	return 0;
}

void target_free(struct target *t)
{
	if (!t)
		return;
	free(t->canonical);
	free(t->bare);
	safe_close(t->pidfd);
	safe_close(t->nsfd);
	free(t);
}

int target_dup(const struct target *t, struct target **ret)
{
	struct target *n = target_new(t->backend);

	if (!n)
		return -ENOMEM;
	n->canonical = strdup(t->canonical);
	n->bare = strdup(t->bare);
	if (!n->canonical || !n->bare) {
		target_free(n);
		return -ENOMEM;
	}
	n->pid = t->pid;
	n->available_ns = t->available_ns;
	n->shared_ns = t->shared_ns;
	memcpy(n->ns_inodes, t->ns_inodes, sizeof(n->ns_inodes));
	if (t->pidfd >= 0 && (n->pidfd = fcntl(t->pidfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		target_free(n);
		return -errno;
	}
	if (t->nsfd >= 0 && (n->nsfd = fcntl(t->nsfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		target_free(n);
		return -errno;
	}
	*ret = n;
	return 0;
}

int target_new_pinned(const struct target_backend *b, const char *name, pid_t pid, int pidfd,
		      struct target **ret)
{
	struct target *t = target_new(b);
	int r;

	if (!t) {
		safe_close(pidfd);
		return -ENOMEM;
	}
	t->pid = pid;
	t->pidfd = pidfd;
	r = target_set_names(t, b->kind, b->prefix, name);
	if (r >= 0)
		r = target_pin_namespaces(t);
	if (r < 0) {
		target_free(t);
		return r == -ESRCH ? -ENOENT : r;
	}
	*ret = t;
	return 0;
}

/*
 * nsctld's own namespaces, looked up once: the daemon never changes them (workers join
 * namespaces only after fork). A type this kernel lacks has dev 0.
 */
static const struct stat *self_namespaces(void)
{
	static struct stat self[_NS_COUNT];
	static bool loaded;
	char path[64];

	if (!loaded) {
		for (int i = 0; i < _NS_COUNT; i++) {
			snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_table[i].proc_name);
			if (stat(path, &self[i]) < 0)
				memset(&self[i], 0, sizeof(self[i]));
		}
		loaded = true;
	}
	return self;
}

int target_pin_namespaces(struct target *t)
{
	const struct stat *self = self_namespaces();
	uint32_t available = 0, shared = 0;
	uint64_t inodes[_NS_COUNT] = { 0 };
	char path[64];

	/* One stat() per type: the process has it, and is it nsctld's own? */
	for (int i = 0; i < _NS_COUNT; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)t->pid, ns_table[i].proc_name);
		if (stat(path, &st) < 0)
			continue;
		available |= NS_BIT(i);
		inodes[i] = (uint64_t)st.st_ino;
		if (self[i].st_dev != 0 && self[i].st_dev == st.st_dev && self[i].st_ino == st.st_ino)
			shared |= NS_BIT(i);
	}
	/*
	 * Every live process has a mount namespace; a zombie keeps its pid, its pidfd and its
	 * user namespace (that one comes with its credentials) but not the others: no target.
	 */
	if (!(available & NS_BIT(NS_MNT)))
		return -ESRCH;
	/* Still alive, so the pid was not reused while we looked at /proc/PID: the pidfd pins it. */
	if (syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0)
		return -errno;
	t->available_ns = available;
	t->shared_ns = shared;
	memcpy(t->ns_inodes, inodes, sizeof(t->ns_inodes));
	return 0;
}

bool target_pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	/* A pidfd polls readable once its process has exited (a zombie counts as exited). */
	return poll(&p, 1, 0) != 0;
}

void target_entry_done(struct target_entry *e)
{
	free(e->canonical);
	free(e->bare);
	free(e->state);
	*e = (struct target_entry){ 0 };
}

void target_entries_free(struct target_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		target_entry_done(&e[i]);
	free(e);
}
