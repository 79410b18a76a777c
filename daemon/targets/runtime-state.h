/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container runtimes' state on the node (containerd, CRI-O), read strictly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct stat;

/*
 * What the k8s, containerd and crio backends know of a container comes from files the
 * runtimes keep under /run; nsctld trusts them only the way it trusts its policy:
 *  1. every directory and file on the way is owned by root and not writable by group or
 *     others (-EPERM), opened relative to its parent's fd, one component at a time,
 *     without following links (-ELOOP), and of the expected type (-ENOTDIR, -EINVAL);
 *  2. sizes are bounded (-EFBIG), the JSON is strict (protocol/json-strict.c: duplicate
 *     keys, NUL, bad UTF-8 refused) and every name in it is checked (-EBADMSG);
 *  3. the pid a pid file names is pinned with a pidfd, and only trusted while that process
 *     lives, its /proc/PID/cgroup names the container's ID, and it started before the pid
 *     file was written (the runtime writes it after creating the process; a process that
 *     got the pid later, even in a cgroup named like the container's, started after):
 *     otherwise the container is not running (-ESRCH: no process; -ESTALE: the pid is
 *     someone else's now). A pid is never taken on the file's word alone.
 */

#define RUNTIME_STATE_CONFIG_MAX (1u << 20) /* config.json */
#define RUNTIME_STATE_PIDFILE_MAX 32        /* init.pid, pidfile */
#define RUNTIME_STATE_CGROUP_MAX 65536      /* /proc/PID/cgroup */
#define RUNTIME_STATE_BUNDLES_MAX 4096      /* bundles read in one scan */
#define RUNTIME_STATE_ID_MAX 76             /* containerd's identifier limit */
/* How much later than its pid file's mtime a process may seem to have started: clock
 * granularity, and the realtime clock slewed or stepped since (boot time is not). */
#define RUNTIME_STATE_START_SLACK_SEC 10

#define RUNTIME_CONTAINERD_TASKS "io.containerd.runtime.v2.task"
#define RUNTIME_CRIO_CONTAINERS "overlay-containers"
#define RUNTIME_CONTAINERD_DEFAULT_STATE "/run/containerd"
#define RUNTIME_CRIO_DEFAULT_STATE "/run/containers/storage"
#define RUNTIME_CONTAINERD_K8S_NAMESPACE "k8s.io"

enum runtime_kind {
	RUNTIME_CONTAINERD,
	RUNTIME_CRIO,
};

enum runtime_role {
	RUNTIME_ROLE_NONE,      /* no CRI annotations: not made by Kubernetes */
	RUNTIME_ROLE_SANDBOX,   /* a pod's sandbox (pause/infra container) */
	RUNTIME_ROLE_CONTAINER, /* a container of a pod */
};

/* What a bundle's config.json says about it (CRI annotations); NULL: not given or invalid. */
struct runtime_meta {
	enum runtime_role role;
	char *pod_namespace;
	char *pod_name;
	char *container_name; /* RUNTIME_ROLE_CONTAINER only */
	char *sandbox_id;
};

/* One container of a runtime, as its state says. */
struct runtime_bundle {
	enum runtime_kind runtime;
	char *ns; /* containerd's namespace ("k8s.io"); NULL for CRI-O */
	char *id;
	struct runtime_meta meta;
	pid_t pid_file;          /* what the pid file says, 0: none (not started) */
	struct timespec written; /* the pid file's mtime */
	/* Set by runtime_bundle_pin(): */
	pid_t pid;         /* > 0 with pidfd when running */
	int pidfd;         /* pinned and cross-checked, else -EBADF */
	const char *state; /* static: "running", "exited", "stale"; NULL: not pinned */
};

/* Syntax checks, also used for names from the state: [A-Za-z0-9] then [A-Za-z0-9_.-]. */
bool runtime_id_valid(const char *s);
/* Kubernetes names: a namespace or container (DNS-1123 label), a pod (DNS-1123 subdomain). */
bool runtime_k8s_label_valid(const char *s);
bool runtime_k8s_subdomain_valid(const char *s);

/* Open the directory path (absolute) from "/", checking every component (rule 1). */
int runtime_state_open_root(const char *path, int *ret_fd);
/* Open the directory name in dir (one component), rule 1. */
int runtime_state_open_dir(int dir, const char *name, int *ret_fd);
/* Read the regular file name in dir (rule 1), at most max bytes (-EFBIG beyond). The
 * result is NUL-terminated; *ret_len excludes the NUL; ret_mtime (may be NULL) gets its
 * modification time. */
int runtime_state_read_file(int dir, const char *name, size_t max, char **ret, size_t *ret_len,
			    struct timespec *ret_mtime);
/* A pid file's pid: decimal digits, an optional final newline. -EBADMSG otherwise. */
int runtime_state_parse_pid(const char *text, size_t len, pid_t *ret);
/* config.json -> the CRI annotations of the runtime (rule 2). -EBADMSG: malformed. */
int runtime_state_parse_config(enum runtime_kind runtime, const char *text, size_t len,
			       struct runtime_meta *ret);
void runtime_meta_done(struct runtime_meta *m);
/* Does the text of a /proc/PID/cgroup name the container id (a path component id,
 * cri-containerd-ID.scope, crio-ID or crio-ID.scope)? */
bool runtime_state_cgroup_names(const char *text, size_t len, const char *id);
/* Did process pid start no later than t (plus the slack)? 0, -ESTALE, -ESRCH, -errno. */
int runtime_state_started_by(pid_t pid, const struct timespec *t);
/* Rule 3: a pidfd for pid if it is the container id's process, started by started_by (the
 * pid file's mtime; NULL: not checked). -ESRCH, -ESTALE, -errno. */
int runtime_state_pin(pid_t pid, const char *id, const struct timespec *started_by, int *ret_pidfd);

/*
 * What config.json files said, by file: (device, inode, size, ctime), which no write or
 * touch can keep (ctime is the kernel's). A scan then opens and checks every file as
 * always, and parses only the new ones. Bounded; NULL is no cache.
 */
struct runtime_cache;
int runtime_cache_new(struct runtime_cache **ret);
void runtime_cache_free(struct runtime_cache *c);
/* A scan begins: what it does not see ages. */
void runtime_cache_begin_scan(struct runtime_cache *c);
/* A copy of what the file st said, or -ENOENT (-ENOMEM). */
int runtime_cache_get(struct runtime_cache *c, enum runtime_kind runtime, const struct stat *st,
		      struct runtime_meta *ret);
/* Remember what the file st said; failing only means it is parsed again next time. */
void runtime_cache_put(struct runtime_cache *c, enum runtime_kind runtime, const struct stat *st,
		       const struct runtime_meta *m);

/*
 * Read the bundles of a runtime under the state directory root: containerd's namespace ns
 * (NULL: every namespace), CRI-O's containers (ns ignored); only IDs starting with
 * id_prefix (NULL: all). Not pinned yet: see runtime_bundle_pin().
 * -EHOSTDOWN: no state directory (the runtime is not there: no containers). Other -errno:
 * *ret_reason (when not NULL) says which file and why.
 */
int runtime_state_scan(struct runtime_cache *cache, enum runtime_kind runtime, const char *root,
		       const char *ns, const char *id_prefix, struct runtime_bundle **ret,
		       size_t *ret_n, char **ret_reason);
void runtime_bundles_free(struct runtime_bundle *b, size_t n);
/* Rule 3 for a scanned bundle: pid and pidfd when its pid file names its live process;
 * state says which. 0, or -errno of a failure other than "not running". */
int runtime_bundle_pin(struct runtime_bundle *b);

/* What a reader error means, for reasons: "is not owned by root or is writable by ...". */
const char *runtime_state_strerror(int r);
