/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A cgroup per session: nsctld's subtree, uid-U/session-N, task limits, kill and removal. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <event2/event.h>

/* How nsctld finds the subtree it manages (see docs/architecture.md, "Session cgroups"). */
struct cgroup_settings {
	const char *root;            /* --cgroup-root: a v2 directory to use as is; NULL: find */
	unsigned max_tasks_per_uid;  /* pids.max of each uid-U; 0: no limit */
};

struct cgroup_session;
LIST_HEAD(cgroup_session_list, cgroup_session);

/*
 * A uid's cgroups uid-U (v2, and the v1 mirror), made with its limit by its first session
 * and kept while it has sessions, then for CGROUP_USER_LINGER_USEC: a user who runs one
 * command after another pays for them once.
 */
struct cgroup_user {
	uid_t uid;
	char *dirs[2];               /* the v2 and the v1 uid-U (NULL: none) */
	unsigned sessions;           /* sessions whose cgroups are (still) below it */
	uint64_t idle_since_usec;    /* when sessions went to 0 */
	bool partial;                /* a removal failed half-way: make it again before use */
	LIST_ENTRY(cgroup_user) entry;
};
LIST_HEAD(cgroup_user_list, cgroup_user);

#define CGROUP_USER_LINGER_USEC 10000000u

struct cgroup_tree {
	struct event_base *base;
	pid_t pid;                   /* nsctld's, in session cgroup names ("cgroup" option) */
	char *v2_base;               /* the directory under which uid-U/session-N are made */
	char *v2_own;                /* nsctld-PID made here (shared mode): removed at the end */
	char *v1_pids_base;          /* the mirror in a v1 pids hierarchy (hybrid), or NULL */
	bool v2_pids;                /* the pids controller is enabled below v2_base */
	unsigned max_tasks_per_uid;
	struct cgroup_session_list removing; /* released, waiting until empty to be removed */
	struct event *ev_retry;
	unsigned retries;
	struct cgroup_user_list users;       /* the uid-U made and kept */
	struct event *ev_linger;             /* removes the users idle for long enough */
};

struct cgroup_session {
	struct cgroup_tree *tree;
	char *v2_dir;                /* the session's cgroup */
	int v2_fd;                   /* that directory, for clone3(CLONE_INTO_CGROUP) */
	char *v1_dir;                /* its mirror in the v1 pids hierarchy, or NULL */
	int v1_procs_fd;             /* its cgroup.procs, which the worker writes itself into */
	struct cgroup_user *user;    /* its uid-U; NULL for a "cgroup" session */
	LIST_ENTRY(cgroup_session) entry;
};

/*
 * Pure helpers, exported for the tests. The cgroup path of the line of /proc/PID/cgroup
 * text for the v2 hierarchy (controller NULL) or the v1 hierarchy that has controller.
 */
int cgroup_path_from_proc(const char *text, const char *controller, char **ret);
/*
 * The directory, in this mount namespace, of cgroup path in the hierarchy mounted as
 * fstype "cgroup2" (controller NULL) or "cgroup" with controller among its options, from
 * /proc/self/mountinfo text. -ENOENT when no mount covers path.
 */
int cgroup_dir_from_mountinfo(const char *mountinfo, const char *controller, const char *path,
			      char **ret);
/* "DIR/uid-U" and "DIR/uid-U/session-N"; parent non-NULL: "PARENT/nsctl-P-session-N". */
int cgroup_session_paths(const char *base, const char *parent, pid_t daemon_pid, uid_t uid,
			 uint64_t id, char **ret_uid_dir, char **ret_dir);

/* Is fd a file of the cgroup v2 hierarchy? */
bool cgroup_fd_is_v2(int fd);
/* The v2 cgroup directory of process pid, as this mount namespace sees it. */
int cgroup_v2_dir_of_pid(pid_t pid, char **ret);

/*
 * Find (or take from settings) nsctld's subtree and prepare it: with a delegated cgroup
 * (systemd's Delegate=yes) nsctld moves itself into its leaf "supervisor" and sessions go
 * beside it; otherwise into a child "nsctld-PID" of its own, which nobody else touches.
 * The pids controller is enabled below it where the hierarchy has it, or mirrored in the
 * v1 pids hierarchy (hybrid). -errno, with a message in *ret_error.
 */
int cgroup_tree_new(struct event_base *base, const struct cgroup_settings *settings,
		    struct cgroup_tree **ret, char **ret_error);
/* Kill what is left, wait (bounded) until the cgroups can be removed, remove them. */
void cgroup_tree_free(struct cgroup_tree *t);
/* Is any task limit enforceable (pids in v2, or the v1 mirror)? */
bool cgroup_tree_has_pids(const struct cgroup_tree *t);

/*
 * Make the cgroups of session id of uid with at most tasks tasks (0: no limit of its own).
 * parent_v2: the target's v2 cgroup (the rule's "cgroup" option), where the session's
 * cgroup is made instead, without a v1 mirror; NULL: below nsctld's subtree.
 */
int cgroup_session_new(struct cgroup_tree *t, uid_t uid, uint64_t id, unsigned tasks,
		       const char *parent_v2, struct cgroup_session **ret);
/*
 * The worker is born in its cgroups: the fds that put it there (clone3's v2 directory, the
 * v1 cgroup.procs it wrote itself into) are closed, two fewer per running session.
 */
void cgroup_session_forked(struct cgroup_session *cs);
/* Signal every process in the session's cgroup (SIGHUP, SIGTERM). Count, or -errno. */
int cgroup_session_signal(struct cgroup_session *cs, int sig);
/* SIGKILL every process in the session's cgroup (cgroup.kill). */
int cgroup_session_kill(struct cgroup_session *cs);
/*
 * The session is over: kill what is left and remove the cgroups, from the loop once they
 * are empty (rmdir fails with EBUSY until then). Takes cs; NULL is fine.
 */
void cgroup_session_release(struct cgroup_session *cs);
