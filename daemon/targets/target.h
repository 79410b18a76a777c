/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Targets: the objects a name ("pid:42", "docker:web", "web") resolves to, pinned by kernel
 * handles, and listings. Resolving: target-resolve.h; writing a backend: target-backend.h;
 * the name cache: target-cache.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol/nsctl-protocol.h"

/* The kinds, one per backend (backends.def), in the order bare names are tried. */
enum target_kind {
#define TARGET_BACKEND(kind, name) TARGET_##kind,
#include "daemon/targets/backends.def"
#undef TARGET_BACKEND
	_TARGET_KIND_COUNT,
};

#define TARGET_KIND_BIT(k) (1u << (k))
#define TARGET_KINDS_ALL ((1u << _TARGET_KIND_COUNT) - 1)

struct target_backend;

struct target {
	const struct target_backend *backend;
	enum target_kind kind;
	char *canonical;        /* "pid:42", "docker:web" */
	char *bare;             /* "42", "web" */
	pid_t pid;              /* every kind but TARGET_NETNS */
	int pidfd;              /* every kind but TARGET_NETNS once pinned, else -EBADF */
	int nsfd;               /* TARGET_NETNS once pinned: the nsfs file, else -EBADF */
	uint32_t available_ns;  /* NS_BIT()s that can be joined */
	uint32_t shared_ns;     /* NS_BIT()s the target shares with nsctld (join is a no-op) */
	uint64_t ns_inodes[_NS_COUNT]; /* nsfs inodes read when pinned; 0: not available */
};

/* One line of a listing. */
struct target_entry {
	enum target_kind kind;
	char *canonical;
	char *bare;
	pid_t pid;              /* 0: none (netns, stopped containers) */
	char *state;            /* "running", "exited", "active", "present" */
};

/* A failing backend: its name and why ("cannot connect to /run/docker.sock: ..."). */
struct target_problem {
	const char *backend;    /* static: the backend's prefix */
	const char *reason;
};

/*
 * An operation in flight (a resolution, a listing, a backend's request). Its callback is
 * called exactly once, always from the event loop and never from inside the call that
 * started it, unless the operation is cancelled first; after the callback the handle is
 * gone.
 */
struct target_op {
	void (*cancel)(struct target_op *op);
};

/* Stop an operation: its callback will not be called. NULL is fine. */
void target_op_cancel(struct target_op *op);

/* Does the caller get to see this target? (the resolver's and the lister's filter) */
typedef bool (*target_filter_fn)(const char *canonical, const char *bare, void *userdata);

/* The backend of a kind, and of a prefix ("docker"), or NULL. */
const struct target_backend *target_backend_of_kind(enum target_kind kind);
const struct target_backend *target_backend_of_prefix(const char *prefix, size_t len);

/* The name prefix of a kind ("docker"). */
const char *target_kind_prefix(enum target_kind kind);

/* "pid,netns,docker" -> a mask of TARGET_KIND_BIT()s; -EINVAL for an unknown or empty item. */
int target_kinds_from_string(const char *s, uint32_t *ret);

/*
 * Parse a name with a kind into a new, unpinned target, without asking anyone: the names
 * are as written (docker:3f2a stays an ID; the engine would say docker:web). -EINVAL for a
 * malformed name, and for a bare one (which backend it means is only known by asking).
 */
int target_parse(const char *name, struct target **ret);

void target_free(struct target *t);
static inline void target_freep(struct target **t)
{
	target_free(*t);
}

struct target *target_new(const struct target_backend *b);

/* A pinned copy: the same names and pid, duplicated fds. -errno. */
int target_dup(const struct target *t, struct target **ret);

/* Has the process behind pidfd exited? */
bool target_pidfd_exited(int pidfd);

void target_entry_done(struct target_entry *e);
void target_entries_free(struct target_entry *e, size_t n);
