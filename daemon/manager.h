/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's one state struct: settings, event loop, listener, connections, sessions. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <event2/event.h>

#include "daemon/audit.h"
#include "protocol/varlink.h"

struct conn;
struct session;
struct policy;
struct target_context;
struct cgroup_tree;

struct manager_settings {
	char *policy_path;
	char *listen_path;                 /* NULL: socket activation */
	unsigned idle_timeout_sec;         /* socket-activated only; 0: never exit when idle */
	unsigned kill_grace_sec;           /* SIGHUP -> SIGKILL for sessions whose client left */
	unsigned request_timeout_sec;      /* deadline for a complete request on an idle connection */
	unsigned max_connections;          /* in total */
	unsigned max_connections_per_uid;
	unsigned max_sessions_per_uid;
	unsigned max_pipelined;            /* complete calls queued behind a running one */
	size_t max_output;                 /* bytes queued to a client that does not read */
	struct proto_limits limits;
	enum audit_sink log;
	uint32_t backends;                 /* TARGET_KIND_BIT()s of the enabled target backends */
	char *docker_socket;               /* the Docker Engine API */
	char *podman_socket;               /* Podman's Docker-compatible API */
	char *containerd_state;            /* containerd's state directory (k8s, containerd) */
	char *crio_state;                  /* CRI-O's storage run root (k8s, crio) */
	int host_mntns_fd;                 /* --host-mount-ns: workers join it first, else -EBADF */
	unsigned backend_timeout_ms;       /* one request to a container engine or the bus */
	unsigned target_cache_sec;         /* how long a resolved name is kept; 0: not at all */
	unsigned max_tasks_per_uid;        /* pids.max of all of one uid's sessions; 0: none */
	char *cgroup_root;                 /* --cgroup-root: the v2 subtree to use, or NULL */
};

void manager_settings_init(struct manager_settings *s);
void manager_settings_done(struct manager_settings *s);

LIST_HEAD(conn_list, conn);
LIST_HEAD(session_list, session);

struct manager {
	struct manager_settings settings;
	struct event_base *base;
	struct policy *policy;
	struct target_context *targets;    /* what the target backends get (daemon/targets/) */
	struct cgroup_tree *cgroups;       /* the sessions' cgroups (daemon/cgroup.c) */
	struct spawner *spawner;           /* makes workers (daemon/spawn.c); NULL: fork */
	int init_image_fd;                 /* manager_init_image(), once opened */
	bool init_image_tried;

	int listen_fd;
	bool socket_activated;
	bool unlink_on_exit;
	struct event *ev_listen;
	struct event *ev_accept_backoff;   /* re-enables accept() after EMFILE/ENFILE */
	struct event *ev_idle;             /* idle exit when socket-activated */
	struct event *ev_sigterm, *ev_sigint, *ev_sighup;

	struct conn_list conns;
	unsigned n_conns;
	struct session_list sessions;
	unsigned n_sessions;
	uint64_t next_session_id;

	bool stopping;
	int exit_status;
};

/* Everything the daemon needs before serving; takes ownership of *settings. */
int manager_new(struct manager_settings *settings, struct manager **ret);
void manager_free(struct manager *m);

/* Adopt the listening socket: the passed one (socket activation) or a bound --listen path. */
int manager_listen(struct manager *m);

/* Find and prepare the sessions' cgroup subtree. -errno, message in *ret_error. */
int manager_setup_cgroups(struct manager *m, char **ret_error);

/* Serve until stopped. Returns the exit status. */
int manager_run(struct manager *m);

/* Load the policy file; on failure keep the old one. -errno, message in *ret_error. */
int manager_load_policy(struct manager *m, char **ret_error);

/*
 * Reload (SIGHUP, io.nsctl.Reload): like manager_load_policy(), and says so in the log,
 * with the file:line of the first error. ret_error may be NULL.
 */
int manager_reload_policy(struct manager *m, char **ret_error);

/* Begin an orderly stop: no new sessions, running ones are hung up, exit when none is left. */
void manager_stop(struct manager *m);

/* Re-evaluate whether the daemon is idle (arms or disarms the idle timer, finishes a stop). */
void manager_check_idle(struct manager *m);

/* Log a diagnostic line "nsctld: ..." to stderr (the journal picks stderr up under systemd). */
void manager_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The init image's fd for contained sessions (daemon/init-image.h), opened on first use;
 * -1 where there is none (said once in the log when it could not be made).
 */
int manager_init_image(struct manager *m);
