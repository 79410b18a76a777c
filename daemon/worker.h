/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker: the only code between fork() and exec(). Joins, drops, execs, reports. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

/* Stages that report an error back to the daemon. */
enum worker_stage {
	WORKER_STAGE_SETUP,     /* fds, signals, session */
	WORKER_STAGE_JOIN,      /* setns */
	WORKER_STAGE_FORK,      /* the second fork for a pid namespace */
	WORKER_STAGE_CREDS,     /* groups, gid, uid, capabilities, no_new_privs */
	WORKER_STAGE_CHDIR,
	WORKER_STAGE_EXEC,
	WORKER_STAGE_CGROUP,    /* joining the target's cgroups */
	WORKER_STAGE_VERIFY,    /* argv[0] is not the file the rule's cmd names */
	WORKER_STAGE_TTY,       /* open the terminal in the target, make it the controlling one */
	WORKER_STAGE_CONTAIN,   /* the session's pid and mount namespaces, /proc, seccomp */
};

enum worker_report_kind {
	WORKER_REPORT_ERROR,    /* stage + errno: the command will not run */
	WORKER_REPORT_CHILD,    /* the command's pid (0: nsctld reads it from the pidfd);
				 * its pidfd rides as SCM_RIGHTS */
	WORKER_REPORT_TTY,      /* the terminal's master rides as SCM_RIGHTS; the worker then
				 * waits for one byte back before it goes on to exec */
	/* Containment (daemon/contain.c): */
	WORKER_REPORT_EXIT_CHANNEL, /* a socket rides along; the session's pid 1 sends the
				     * command's WORKER_REPORT_EXIT on its other end */
	WORKER_REPORT_EXIT,     /* wstatus: how the command ended (sent by pid 1) */
	WORKER_REPORT_LISTENER, /* the seccomp listener of the exec filter rides along;
				 * exec_fd: the fd the worker will execveat() */
	WORKER_REPORT_HELPER,   /* the pidfd of the helper that makes pid 1 in a joined pid
				 * namespace rides along: nsctld's child, to be reaped */
};

/* One datagram on the status socket (SOCK_SEQPACKET). */
struct worker_report {
	int kind;
	int stage;
	int error;              /* errno */
	int ns;                 /* enum ns_type for JOIN errors, -1 when unknown */
	pid_t pid;
	int wstatus;            /* WORKER_REPORT_EXIT */
	int exec_fd;            /* WORKER_REPORT_LISTENER */
};

/* Everything the worker needs, prepared by the daemon before fork(): no allocation after. */
struct worker_spec {
	int target_pidfd;       /* pid targets, else -1 */
	pid_t target_pid;
	int target_nsfd;        /* nsfs file targets, else -1 */
	int clone_flags;        /* CLONE_NEW* to join */
	bool join_pid;          /* a pid namespace is joined: fork again */
	/*
	 * The target's user namespace (identity branch): when join_userns, joined last through
	 * target_usernsfd, the namespace whose maps gave uid, gid and groups (clone_flags
	 * never holds CLONE_NEWUSER then). A zeroed spec joins none.
	 */
	bool join_userns;
	int target_usernsfd;
	uid_t uid;              /* as the joined user namespace sees them (daemon/idmap.c) */
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	int stdio[3];
	int status_fd;          /* SOCK_SEQPACKET, CLOEXEC */
	char *const *argv;
	char *const *envp;
	const char *cwd;
	/* What the deciding rule grants. */
	uint64_t caps;          /* kept in the bounding set; raised as ambient unless uid 0 */
	const char *cmd_path;   /* the rule's cmd: argv[0] must resolve to it; NULL: any */
	const int *cgroup_fds;  /* cgroup.procs files of the target's cgroups, joined first */
	size_t n_cgroup_fds;
	bool tty;               /* open a terminal in the target; it replaces stdio */
	struct winsize window;  /* its initial size; 0 x 0: leave the kernel's */
	int pids_procs_fd;      /* the session's cgroup.procs in a v1 pids hierarchy, or -1 */
	int host_mntns_fd;      /* nsctld --host-mount-ns: joined before the target, else -1 */
	/* Containment of a grant with capabilities (daemon/contain.c, seccomp-filter.c). */
	bool contain;           /* own pid + mount namespaces, /proc afresh, seccomp filter */
	bool exec_once;         /* only the checked program is executed (no "exec" option) */
	int init_image_fd;      /* the init image (daemon/init-image.h), or -1: pid 1 stays */
	/* Set in a spawned worker's copy (daemon/session.c): it shares nsctld's memory. */
	bool spawned;
};

/* Run in the forked child; never returns. */
_Noreturn void worker_run(const struct worker_spec *spec);

/* worker_run() as a clone()'s function, for a spawned worker (daemon/spawn.c). */
int worker_main(void *spec);

/*
 * A copy of spec and of everything it points to (the fds excepted: numbers), in one
 * allocation that free() releases: what a spawned worker reads while nsctld goes on.
 */
int worker_spec_copy(const struct worker_spec *spec, struct worker_spec **ret);

/* The fixed PATH commands are looked up in and run with. */
#define WORKER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
