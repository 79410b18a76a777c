/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend interface: what a target backend implements (one file and one line in
 * backends.def), what it is given (struct target_context, never the daemon), and the
 * helpers it shares (pinning, names, listing a few pid look-ups at a time).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/targets/target.h"

struct event_base;

struct target_cache;

struct bus;

struct runtime_cache;

#define TARGET_DOCKER_SOCKET "/run/docker.sock"
#define TARGET_PODMAN_SOCKET "/run/podman/podman.sock"

/*
 * What the backends and the resolver get: the loop, what is enabled and where the services
 * are, and the daemon-wide state they share. Owned by the manager; nothing here points back
 * to it.
 */
struct target_context {
	struct event_base *base;
	uint32_t kinds;             /* TARGET_KIND_BIT()s of the enabled backends */
	unsigned backend_timeout_ms; /* one request to a container engine or the bus */
	unsigned cache_sec;         /* how long a resolved name is kept; 0: not at all */
	char *docker_socket;        /* the Docker Engine API */
	char *podman_socket;        /* Podman's Docker-compatible API */
	char *containerd_state;     /* containerd's state directory (k8s, containerd) */
	char *crio_state;           /* CRI-O's storage run root (k8s, crio) */
	struct target_cache *cache;
	struct bus *bus;            /* the system bus, connected on first use */
	struct runtime_cache *runtime_cache; /* k8s, containerd, crio: parsed config.json */
};

/*
 * Result of a backend's lookup. r == 0: t is pinned, owned by the callee. r < 0: -ENOENT
 * (no such target, or not running), -EHOSTDOWN (the backend's service is not there: socket
 * missing or refusing, not on the bus), other -errno (the service failed); reason says
 * what happened for the last two.
 */
typedef void (*target_lookup_fn)(int r, struct target *t, const char *reason, void *userdata);

/* Result of a backend's listing: entries (the callee takes them) or r < 0 and reason. */
typedef void (*target_list_fn)(int r, struct target_entry *entries, size_t n,
			       const char *reason, void *userdata);

/*
 * A target backend: the name prefix it owns, how to check the rest of a name, and how to
 * pin it: open() when it can be done at once (pid, netns), else lookup() through the loop.
 * Listing likewise: list_now() or list(); neither for backends that are not listed (pid).
 */
struct target_backend {
	const char *prefix;     /* "pid" */
	enum target_kind kind;
	bool bare_names;        /* bare names are tried against this backend */
	/* Syntax of the rest of a name; sets kind/canonical/bare when they follow from it. */
	int (*parse)(const char *rest, struct target *t);
	int (*open)(struct target *t);
	int (*lookup)(struct target_context *ctx, const char *rest, target_lookup_fn cb,
		      void *userdata, struct target_op **ret);
	int (*list)(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		    target_list_fn cb, void *userdata, struct target_op **ret);
	int (*list_now)(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
			struct target_entry **ret, size_t *ret_n);
};

/* target_backend_pid, ...: each backend's definition, one per line of backends.def. */
#define TARGET_BACKEND(kind, name) extern const struct target_backend target_backend_##name;
#include "daemon/targets/backends.def"
#undef TARGET_BACKEND

/*
 * For backends that found a process: a target named "PREFIX:NAME" for pid, pinned by pidfd
 * (taken), its namespaces read. -ENOENT when the process has exited meanwhile.
 */
int target_new_pinned(const struct target_backend *b, const char *name, pid_t pid, int pidfd,
		      struct target **ret);

/*
 * Fill available_ns, shared_ns and ns_inodes of a process target from t->pid, pinned by
 * t->pidfd: one stat() per namespace type, the only look-up of /proc/PID/ns.
 */
int target_pin_namespaces(struct target *t);

/* For backends: set kind, "PREFIX:REST" as the canonical name and REST as the bare one. */
int target_set_names(struct target *t, enum target_kind kind, const char *prefix,
		     const char *rest);

/*
 * target-list.c: a backend's listing in progress, for backends that list their targets in
 * one request and then need one more per target for its pid (containers, machines, units).
 * The backend embeds a struct target_lister first in its own listing struct, adds what its
 * listing request answered with target_lister_add(), then calls target_lister_run(): pid
 * look-ups run LIST_PARALLEL at a time through pid_start(), each answered with
 * target_lister_pid_done(), and the listing ends by itself. target_lister_finish() ends it
 * early (a failure). Everything is freed after the callback; cancel frees it silently.
 */
#define TARGET_LIST_MAX 1024       /* targets of one backend in one listing */
#define TARGET_LIST_PARALLEL 8     /* pid look-ups in flight at once */

struct target_list_slot {
	struct target_lister *lister;
	size_t idx;                /* the entry being looked up */
	void *handle;              /* the backend's request in flight, NULL when free */
};

struct target_lister {
	struct target_op op;
	struct target_context *ctx;
	const struct target_backend *b;
	target_filter_fn filter;
	void *filter_userdata;
	target_list_fn cb;
	void *userdata;
	/* Start the look-up of key for slot->idx (setting slot->handle): 0 or -errno. */
	int (*pid_start)(struct target_list_slot *slot, const char *key);
	void (*pid_cancel)(void *handle);
	void (*done)(struct target_lister *l);   /* free the backend's own parts */
	struct target_entry *entries;
	char **keys;               /* per entry: what its pid look-up needs, or NULL: none */
	size_t n, alloc, next, in_flight;
	struct target_list_slot slots[TARGET_LIST_PARALLEL];
};

void target_lister_init(struct target_lister *l, struct target_context *ctx,
			const struct target_backend *b, target_filter_fn filter,
			void *filter_userdata, target_list_fn cb, void *userdata);

/* One target (name, state) if the filter lets it through; key NULL: no pid look-up. 0 or
 * -ENOMEM. Beyond TARGET_LIST_MAX targets are left out. */
int target_lister_add(struct target_lister *l, const char *name, const char *state,
		      const char *key);

void target_lister_run(struct target_lister *l);

/*
 * The answer of a pid look-up: r == 0 with the pid (0: none) and, if not NULL, a new state;
 * -ENOENT: the target went away meanwhile, it is left out; other r: the listing fails
 * with reason.
 */
void target_lister_pid_done(struct target_list_slot *slot, int r, pid_t pid, const char *state,
			    const char *reason);

void target_lister_finish(struct target_lister *l, int r, const char *reason);
