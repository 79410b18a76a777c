/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Targets: names ("pid:42", "docker:web", "web") resolved through the loop to kernel handles. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct manager;

/* The kinds, in the order bare names are tried (pid: is never tried for a bare name). */
enum target_kind {
	TARGET_PID,
	TARGET_NETNS,
	TARGET_DOCKER,
	TARGET_PODMAN,
	TARGET_MACHINE,
	TARGET_UNIT,
	/* Kubernetes nodes: never bare names (target-k8s.c, target-containerd.c, target-crio.c) */
	TARGET_K8S,
	TARGET_CONTAINERD,
	TARGET_CRIO,
	_TARGET_KIND_COUNT,
};

#define TARGET_KIND_BIT(k) (1u << (k))
#define TARGET_KINDS_ALL ((1u << _TARGET_KIND_COUNT) - 1)

struct target_backend;
struct target_lister;

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
	int (*lookup)(struct manager *m, const char *rest, target_lookup_fn cb, void *userdata,
		      struct target_op **ret);
	int (*list)(struct manager *m, target_filter_fn filter, void *filter_userdata,
		    target_list_fn cb, void *userdata, struct target_op **ret);
	int (*list_now)(struct manager *m, target_filter_fn filter, void *filter_userdata,
			struct target_entry **ret, size_t *ret_n);
};

extern const struct target_backend target_backend_pid;
extern const struct target_backend target_backend_netns;
extern const struct target_backend target_backend_docker;
extern const struct target_backend target_backend_podman;
extern const struct target_backend target_backend_machine;
extern const struct target_backend target_backend_unit;
extern const struct target_backend target_backend_k8s;
extern const struct target_backend target_backend_containerd;
extern const struct target_backend target_backend_crio;

/* The backend of a kind, and of a prefix ("docker"), or NULL. */
const struct target_backend *target_backend_of_kind(enum target_kind kind);
const struct target_backend *target_backend_of_prefix(const char *prefix, size_t len);

/* "pid,netns,docker" -> a mask of TARGET_KIND_BIT()s; -EINVAL for an unknown or empty item. */
int target_kinds_from_string(const char *s, uint32_t *ret);

/*
 * Parse a name with a kind into a new, unpinned target, without asking anyone: the names
 * are as written (docker:3f2a stays an ID; the engine would say docker:web). -EINVAL for a
 * malformed name, and for a bare one (which backend it means is only known by asking).
 */
int target_parse(const char *name, struct target **ret);

/* Pin a parsed pid: or netns: target. -ESRCH/-ENOENT when it does not exist, -EOPNOTSUPP
 * for a kind that is resolved through the loop, other -errno. */
int target_open(struct target *t);

void target_free(struct target *t);
static inline void target_freep(struct target **t)
{
	target_free(*t);
}
struct target *target_new(const struct target_backend *b);

/* A pinned copy: the same names and pid, duplicated fds. -errno. */
int target_dup(const struct target *t, struct target **ret);

/*
 * For backends that found a process: a target named "PREFIX:NAME" for pid, pinned by pidfd
 * (taken), its namespaces read. -ENOENT when the process has exited meanwhile.
 */
int target_new_pinned(const struct target_backend *b, const char *name, pid_t pid, int pidfd,
		      struct target **ret);

/* Fill available_ns and shared_ns of a process target from t->pid, pinned by t->pidfd. */
int target_pin_namespaces(struct target *t);

/* For backends: set kind, "PREFIX:REST" as the canonical name and REST as the bare one. */
int target_set_names(struct target *t, enum target_kind kind, const char *prefix,
		     const char *rest);

/* Has the process behind pidfd exited? */
bool target_pidfd_exited(int pidfd);

void target_entry_done(struct target_entry *e);
void target_entries_free(struct target_entry *e, size_t n);

/*
 * How a resolution ended. r == 0: t is the target (the callee takes it). Else r is
 * -EINVAL (malformed name), -ENOENT (nothing the filter lets through has this name),
 * -ENOTUNIQ (candidates: the canonical names it could mean), -EHOSTDOWN or another
 * -errno from a backend (backend, and reason when it is a service that failed; without a
 * reason it is nsctld's own system call), or -ENOMEM. cb takes t (setting it to NULL);
 * the rest is freed after cb returns.
 */
struct target_result {
	int r;
	struct target *t;
	char **candidates;
	const char *backend;
	const char *reason;
};

typedef void (*target_resolve_fn)(struct target_result *res, void *userdata);

/*
 * Resolve name to a pinned target. A name with a kind ("docker:web") asks that backend;
 * a bare name ("web") asks every enabled backend that takes bare names, and means the one
 * target among the answers that filter lets through (filter NULL: all). pid: and netns:
 * complete on the next loop iteration, like the rest, through cb. -errno when nothing was
 * started (cb is then never called).
 */
int target_resolve(struct manager *m, const char *name, target_filter_fn filter,
		   void *userdata, target_resolve_fn cb, struct target_op **ret);

/*
 * target_resolve() on behalf of the caller uid: the name cache is partitioned by uid, so
 * that what one caller looked up is never served (faster) to another, who could time it
 * (identity branch; docs/security.md). A bare name asks only the backends of kinds (a
 * mask of TARGET_KIND_BIT()s: those whose targets the caller could be permitted).
 */
int target_resolve_as(struct manager *m, uid_t uid, uint32_t kinds, const char *name,
		      target_filter_fn filter, void *userdata, target_resolve_fn cb,
		      struct target_op **ret);

/*
 * The canonical and bare names that name could mean, whether or not anything exists:
 * "docker:web" is itself; "web" is KIND:web for each enabled backend that takes it. Calls
 * fn for each until it returns true; returns whether one did.
 */
bool target_readings(const struct manager *m, const char *name,
		     bool (*fn)(const char *canonical, const char *bare, void *userdata),
		     void *userdata);

/*
 * List the targets of every enabled backend that lists, those filter lets through,
 * ordered by kind and name. cb gets the entries and the problems of backends that failed
 * (a backend whose service is absent is not a problem: it has no targets).
 */
typedef void (*target_list_all_fn)(struct target_entry *entries, size_t n,
				   struct target_problem *problems, size_t n_problems,
				   void *userdata);
int target_list(struct manager *m, target_filter_fn filter, void *userdata,
		target_list_all_fn cb, struct target_op **ret);

/* target_list() of the backends of kinds only (TARGET_KIND_BIT()s; identity branch). */
int target_list_kinds(struct manager *m, uint32_t kinds, target_filter_fn filter,
		      void *userdata, target_list_all_fn cb, struct target_op **ret);

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
	struct manager *m;
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

void target_lister_init(struct target_lister *l, struct manager *m,
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

#define TARGET_DOCKER_SOCKET "/run/docker.sock"
#define TARGET_PODMAN_SOCKET "/run/podman/podman.sock"

struct target_cache;
struct bus;
struct runtime_cache;

/* The daemon-wide state of the backends; owned by the manager. */
struct target_state {
	struct manager *m;
	struct target_cache *cache;
	struct bus *bus;            /* the system bus, connected on first use */
	struct runtime_cache *runtime_cache; /* k8s, containerd, crio: parsed config.json */
};

int target_state_new(struct manager *m, struct target_state **ret);
void target_state_free(struct target_state *s);

/*
 * target-cache.c: names resolved by the backends that ask a service (containers, machines,
 * units), kept while their process lives and for at most target_cache_sec seconds.
 */
int target_cache_new(struct manager *m, struct target_cache **ret);
void target_cache_free(struct target_cache *c);
/* A pinned copy of what key resolved to, or -ENOENT. */
int target_cache_get(struct target_cache *c, const char *key, struct target **ret);
/* Remember t (duplicating its pidfd) under key; failures only mean it is not cached. */
void target_cache_put(struct target_cache *c, const char *key, const struct target *t);
