/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A cgroup per session: nsctld's subtree, uid-U/session-N, task limits, kill and removal. */

/*
 * Layout, in the cgroup v2 hierarchy wherever it is mounted:
 *
 *   BASE/supervisor            nsctld itself (delegated mode only)
 *   BASE/uid-U                 pids.max = --max-tasks-per-user, all of U's sessions
 *   BASE/uid-U/session-N       pids.max = the rule's "tasks"; the worker is created here
 *
 * BASE is, in this order: --cgroup-root; nsctld's own cgroup when it was delegated to it
 * (systemd marks that with the xattr trusted.delegate, Delegate=yes), in which case nsctld
 * moves into the leaf "supervisor" so that its cgroup may enable controllers for its
 * children ("no internal processes"); else a child "nsctld-PID" of nsctld's cgroup, made
 * and removed by this daemon alone, so that daemons started side by side from one shell
 * never touch each other's sessions. nsctld itself stays where it was started then.
 *
 * Where the pids controller lives in a v1 hierarchy (hybrid mounts), the same uid-U/
 * session-N is mirrored below "nsctld-PID" of nsctld's v1 pids cgroup, and the worker
 * writes itself into its session's cgroup.procs before it does anything else.
 *
 * Nothing here blocks the loop: a released session's cgroup is killed (cgroup.kill) and
 * removed once empty, retried on a timer while rmdir says EBUSY.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "daemon/cgroup.h"
#include "daemon/text-file.h"
#include "protocol/cleanup.h"
#include "protocol/util.h"

#define CGROUP_FILE_MAX (16u << 20) /* bytes of a /proc or cgroupfs file we are willing to read */
#define RETRY_FAST_USEC 20000u     /* the first retries of a removal */
#define RETRY_SLOW_USEC 1000000u   /* after RETRY_FAST_COUNT of them */
#define RETRY_FAST_COUNT 50u
#define TEARDOWN_WAIT_USEC 3000000u /* at exit, for killed tasks to be gone */

/* --- pure helpers ------------------------------------------------------------------- */

/* Is item among the comma-separated items of list? */
static bool list_has(const char *list, size_t len, const char *item)
{
	size_t il = strlen(item);

	for (const char *p = list, *end = list + len; p < end;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = c ? (size_t)(c - p) : (size_t)(end - p);

		if (l == il && strncmp(p, item, il) == 0)
			return true;
		p += l + 1;
	}
	return false;
}

int cgroup_path_from_proc(const char *text, const char *controller, char **ret)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c2 && c2[1] == '/') {
			bool match = controller
				? list_has(c1 + 1, (size_t)(c2 - c1 - 1), controller)
				: c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
			if (match) {
				char *p = strndup(c2 + 1, (size_t)(end - c2 - 1));

				if (!p)
					return -ENOMEM;
				*ret = p;
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

int cgroup_dir_from_mountinfo(const char *mountinfo, const char *controller, const char *path,
			      char **ret)
{
	_cleanup_free_ char *copy = strdup(mountinfo);

	if (!copy)
		return -ENOMEM;
	for (char *line = copy, *next; line && *line; line = next) {
		char *sep, *f[5], *fstype, *opts, *save = NULL;
		const char *rest = path;
		size_t n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPT...] - FSTYPE SOURCE SUPEROPTS" */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (char *t = strtok_r(line, " ", &save); t && n < ELEMENTSOF(f);
		     t = strtok_r(NULL, " ", &save))
			f[n++] = t;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		opts = strtok_r(NULL, " ", &save);
		if (n < 5 || !fstype || !opts)
			continue;
		if (controller ? strcmp(fstype, "cgroup") != 0 ||
				 !list_has(opts, strlen(opts), controller)
			       : strcmp(fstype, "cgroup2") != 0)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		/* A mount of a subtree: the path must be inside it. */
		if (strcmp(f[3], "/") != 0) {
			size_t rl = strlen(f[3]);

			if (strncmp(path, f[3], rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
				continue;
			rest = path + rl;
		}
		if (strcmp(rest, "/") == 0)
			rest = "";
		if (asprintf(ret, "%s%s", strcmp(f[4], "/") == 0 && *rest ? "" : f[4], rest) < 0)
			return -ENOMEM;
		return 0;
	}
	return -ENOENT;
}

int cgroup_session_paths(const char *base, const char *parent, pid_t daemon_pid, uid_t uid,
			 uint64_t id, char **ret_uid_dir, char **ret_dir)
{
	_cleanup_free_ char *u = NULL, *d = NULL;

	if (parent) {
		if (asprintf(&d, "%s/nsctl-%d-session-%llu", parent, (int)daemon_pid,
			     (unsigned long long)id) < 0)
			return -ENOMEM;
	} else {
		if (asprintf(&u, "%s/uid-%u", base, (unsigned)uid) < 0) {
			u = NULL;
			return -ENOMEM;
		}
		if (asprintf(&d, "%s/session-%llu", u, (unsigned long long)id) < 0)
			d = NULL;
	}
	if (!d)
		return -ENOMEM;
	*ret_uid_dir = TAKE_PTR(u);
	*ret_dir = TAKE_PTR(d);
	return 0;
}

/* --- small file operations ---------------------------------------------------------- */

/* A message for *ret (NULL when it cannot be had). */
__attribute__((format(printf, 2, 3))) static void set_error(char **ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret, fmt, ap) < 0)
		*ret = NULL;
	va_end(ap);
}

static int write_file_at(const char *dir, const char *name, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(value);

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/* Does DIR/cgroup.controllers list controller? */
static bool has_controller(const char *dir, const char *controller)
{
	_cleanup_free_ char *path = NULL, *text = NULL;

	if (asprintf(&path, "%s/cgroup.controllers", dir) < 0)
		return false;
	if (read_text_file(path, CGROUP_FILE_MAX, &text) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	for (char *save = NULL, *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strcmp(w, controller) == 0)
			return true;
	return false;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int set_pids_max(const char *dir, unsigned n)
{
	char v[32];

	if (n == 0)
		snprintf(v, sizeof(v), "max");
	else
		snprintf(v, sizeof(v), "%u", n);
	return write_file_at(dir, "pids.max", v);
}

static bool is_cgroup2(const char *dir)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static bool is_delegated(const char *dir)
{
	char v[8] = "";
	ssize_t n = getxattr(dir, "trusted.delegate", v, sizeof(v) - 1);

	if (n < 0)
		n = getxattr(dir, "user.delegate", v, sizeof(v) - 1);
	return n == 1 && v[0] == '1';
}

bool cgroup_fd_is_v2(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup_v2_dir_of_pid(pid_t pid, char **ret)
{
	_cleanup_free_ char *proc = NULL, *mountinfo = NULL, *path = NULL;
	char file[64];
	int r;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	r = read_text_file(file, CGROUP_FILE_MAX, &proc);
	if (r == -ENOENT)
		return -ESRCH;
	if (r == 0)
		r = read_text_file("/proc/self/mountinfo", CGROUP_FILE_MAX, &mountinfo);
	if (r == 0)
		r = cgroup_path_from_proc(proc, NULL, &path);
	if (r == 0)
		r = cgroup_dir_from_mountinfo(mountinfo, NULL, path, ret);
	return r;
}

/* --- the tree ----------------------------------------------------------------------- */

static void on_retry(evutil_socket_t fd, short what, void *userdata);
static void on_linger(evutil_socket_t fd, short what, void *userdata);

bool cgroup_tree_has_pids(const struct cgroup_tree *t)
{
	return t->v2_pids || t->v1_pids_base;
}

/* Remove dir and every cgroup below it, depth first; empty ones only (EBUSY otherwise). */
static void remove_tree(int parent_fd, const char *name, unsigned depth)
{
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;

	if (fd < 0)
		return;
	d = depth < 4 ? fdopendir(fd) : NULL;
	if (!d) {
		safe_close(fd);
	} else {
		for (struct dirent *e; (e = readdir(d));)
			if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				remove_tree(dirfd(d), e->d_name, depth + 1);
		closedir(d);
	}
	(void)unlinkat(parent_fd, name, AT_REMOVEDIR);
}

/* Does process pid exist? (A reused pid keeps a stale subtree until the next start.) */
static bool pid_exists(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * A daemon that died without cleaning up (SIGKILL, a crash) left cgroups behind, perhaps
 * with processes its sessions started: kill them and remove the cgroups. prefix "nsctld-":
 * the subtrees DIR/nsctld-PID whose daemon is gone (a running nsctld's is never touched);
 * prefix "uid-": a base that is this daemon's alone (--cgroup-root, delegated), where any
 * uid-U left is a predecessor's. With kill false (a v1 mirror: no cgroup.kill there) only
 * the removal.
 */
static void remove_stale(const char *dir, const char *prefix, bool kill)
{
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	size_t pl = strlen(prefix);
	DIR *d = opendir(dir);

	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long pid;

		if (e->d_type != DT_DIR || strncmp(e->d_name, prefix, pl) != 0)
			continue;
		pid = strtol(e->d_name + pl, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (strcmp(prefix, "nsctld-") == 0 && (pid == getpid() || pid_exists(pid)))
			continue;
		if (kill) {
			_cleanup_free_ char *sub = NULL;

			if (asprintf(&sub, "%s/%s", dir, e->d_name) < 0)
				continue;
			(void)write_file_at(sub, "cgroup.kill", "1");
			/* Bounded: killed tasks take a moment to leave their cgroups. */
			for (int i = 0; i < 100; i++) {
				remove_tree(dirfd(d), e->d_name, 0);
				if (access(sub, F_OK) < 0)
					break;
				nanosleep(&pause, NULL);
			}
		} else {
			remove_tree(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/* nsctld's v2 base: --cgroup-root, its delegated cgroup, or a child of its own. */
static int find_v2_base(struct cgroup_tree *t, const struct cgroup_settings *settings,
			const char *proc, const char *mountinfo, char **ret_error)
{
	_cleanup_free_ char *path = NULL, *own = NULL, *leaf = NULL;
	char pid[32];
	int r;

	if (settings->root) {
		if (!is_cgroup2(settings->root)) {
			set_error(ret_error, "--cgroup-root %s: not a cgroup v2 directory",
				       settings->root);
			return -ENOTDIR;
		}
		t->v2_base = strdup(settings->root);
		if (!t->v2_base)
			return -ENOMEM;
		remove_stale(t->v2_base, "uid-", true);
		return 0;
	}
	r = cgroup_path_from_proc(proc, NULL, &path);
	if (r == 0)
		r = cgroup_dir_from_mountinfo(mountinfo, NULL, path, &own);
	if (r < 0) {
		set_error(ret_error, "no cgroup v2 hierarchy is mounted for nsctld's cgroup "
			       "(/proc/self/cgroup \"0::\", /proc/self/mountinfo): %s",
			       strerror(-r));
		return r;
	}
	if (strcmp(path, "/") != 0 && is_delegated(own)) {
		if (asprintf(&leaf, "%s/supervisor", own) < 0)
			return -ENOMEM;
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		r = make_dir(leaf);
		if (r == 0)
			r = write_file_at(leaf, "cgroup.procs", pid);
		if (r < 0) {
			set_error(ret_error, "cannot move nsctld into %s: %s", leaf,
				       strerror(-r));
			return r;
		}
		t->v2_base = TAKE_PTR(own);
		remove_stale(t->v2_base, "uid-", true);
		return 0;
	}
	remove_stale(own, "nsctld-", true);
	if (asprintf(&t->v2_base, "%s/nsctld-%d", own, (int)getpid()) < 0) {
		t->v2_base = NULL;
		return -ENOMEM;
	}
	r = make_dir(t->v2_base);
	if (r < 0) {
		set_error(ret_error, "cannot make the session cgroup %s: %s", t->v2_base,
			       strerror(-r));
		return r;
	}
	t->v2_own = strdup(t->v2_base);
	return t->v2_own ? 0 : -ENOMEM;
}

/* Where the v1 pids controller is mounted (hybrid): nsctld-PID below nsctld's pids cgroup. */
static int find_v1_pids(struct cgroup_tree *t, const char *proc, const char *mountinfo)
{
	_cleanup_free_ char *path = NULL, *own = NULL;
	int r;

	if (cgroup_path_from_proc(proc, "pids", &path) < 0 ||
	    cgroup_dir_from_mountinfo(mountinfo, "pids", path, &own) < 0)
		return 0;
	remove_stale(own, "nsctld-", false);
	if (asprintf(&t->v1_pids_base, "%s/nsctld-%d", own, (int)getpid()) < 0) {
		t->v1_pids_base = NULL;
		return -ENOMEM;
	}
	r = make_dir(t->v1_pids_base);
	if (r < 0)
		t->v1_pids_base = mfree(t->v1_pids_base);
	return 0;
}

int cgroup_tree_new(struct event_base *base, const struct cgroup_settings *settings,
		    struct cgroup_tree **ret, char **ret_error)
{
	_cleanup_free_ char *proc = NULL, *mountinfo = NULL;
	struct cgroup_tree *t;
	int r;

	*ret_error = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->base = base;
	t->pid = getpid();
	t->max_tasks_per_uid = settings->max_tasks_per_uid;
	LIST_INIT(&t->removing);
	LIST_INIT(&t->users);
	t->ev_retry = evtimer_new(base, on_retry, t);
	t->ev_linger = evtimer_new(base, on_linger, t);
	if (!t->ev_retry || !t->ev_linger) {
		r = -ENOMEM;
		goto fail;
	}
	r = read_text_file("/proc/self/cgroup", CGROUP_FILE_MAX, &proc);
	if (r == 0)
		r = read_text_file("/proc/self/mountinfo", CGROUP_FILE_MAX, &mountinfo);
	if (r < 0) {
		set_error(ret_error, "cannot read /proc/self: %s", strerror(-r));
		goto fail;
	}
	r = find_v2_base(t, settings, proc, mountinfo, ret_error);
	if (r < 0)
		goto fail;
	/* Possible only where the parent has it and nsctld's base holds no process. */
	if (has_controller(t->v2_base, "pids") &&
	    write_file_at(t->v2_base, "cgroup.subtree_control", "+pids") == 0)
		t->v2_pids = true;
	else {
		r = find_v1_pids(t, proc, mountinfo);
		if (r < 0)
			goto fail;
	}
	*ret = t;
	return 0;
fail:
	cgroup_tree_free(t);
	return r;
}

/* rmdir that tolerates absence; -EBUSY while tasks or children remain. */
static int remove_dir(const char *path)
{
	if (!path || rmdir(path) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

/* --- users: uid-U --------------------------------------------------------------------- */

static void user_free(struct cgroup_user *u)
{
	LIST_REMOVE(u, entry);
	for (size_t i = 0; i < ELEMENTSOF(u->dirs); i++)
		free(u->dirs[i]);
	free(u);
}

/* Remove u's cgroups (empty by now) and forget it; false (u kept) while one is busy. */
static bool user_remove(struct cgroup_user *u)
{
	bool all = true;

	for (size_t i = 0; i < ELEMENTSOF(u->dirs); i++)
		if (remove_dir(u->dirs[i]) < 0)
			all = false;
	if (!all) {
		u->partial = true; /* made again by its next session */
		return false;
	}
	user_free(u);
	return true;
}

/*
 * Make (again: they may have been removed behind nsctld's back) u's cgroups and write
 * their limit and, in v2, the pids controller for the sessions below. Idempotent.
 */
static int user_prepare(struct cgroup_tree *t, struct cgroup_user *u)
{
	int r;

	r = make_dir(u->dirs[0]);
	if (r == 0 && t->v2_pids) {
		r = set_pids_max(u->dirs[0], t->max_tasks_per_uid);
		if (r == 0)
			r = write_file_at(u->dirs[0], "cgroup.subtree_control", "+pids");
	}
	if (r == 0 && u->dirs[1]) {
		r = make_dir(u->dirs[1]);
		if (r == 0)
			r = set_pids_max(u->dirs[1], t->max_tasks_per_uid);
	}
	return r;
}

/* uid's uid-U, made on first use; one more session below it. */
static int user_get(struct cgroup_tree *t, uid_t uid, struct cgroup_user **ret)
{
	struct cgroup_user *u;
	int r;

	LIST_FOREACH(u, &t->users, entry)
		if (u->uid == uid) {
			if (u->partial) {
				r = user_prepare(t, u);
				if (r < 0)
					return r;
				u->partial = false;
			}
			u->sessions++;
			*ret = u;
			return 0;
		}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->uid = uid;
	LIST_INSERT_HEAD(&t->users, u, entry);
	if (asprintf(&u->dirs[0], "%s/uid-%u", t->v2_base, (unsigned)uid) < 0) {
		u->dirs[0] = NULL;
		user_free(u);
		return -ENOMEM;
	}
	if (t->v1_pids_base &&
	    asprintf(&u->dirs[1], "%s/uid-%u", t->v1_pids_base, (unsigned)uid) < 0) {
		u->dirs[1] = NULL;
		user_free(u);
		return -ENOMEM;
	}
	r = user_prepare(t, u);
	if (r < 0) {
		if (!user_remove(u))
			user_free(u);
		return r;
	}
	u->sessions = 1;
	*ret = u;
	return 0;
}

/* A session's cgroups below u are gone; u lingers, then on_linger removes it. */
static void user_put(struct cgroup_tree *t, struct cgroup_user *u)
{
	struct timeval tv = {
		.tv_sec = CGROUP_USER_LINGER_USEC / 1000000u,
		.tv_usec = CGROUP_USER_LINGER_USEC % 1000000u,
	};

	if (!u || --u->sessions > 0)
		return;
	u->idle_since_usec = now_usec();
	if (!evtimer_pending(t->ev_linger, NULL))
		evtimer_add(t->ev_linger, &tv);
}

static void on_linger(evutil_socket_t fd, short what, void *userdata)
{
	struct cgroup_tree *t = userdata;
	struct cgroup_user *u, *next;
	uint64_t now = now_usec(), wait = 0;

	for (u = LIST_FIRST(&t->users); u; u = next) {
		uint64_t idle = now - u->idle_since_usec, left;

		next = LIST_NEXT(u, entry);
		if (u->sessions > 0)
			continue;
		if (idle < CGROUP_USER_LINGER_USEC)
			left = CGROUP_USER_LINGER_USEC - idle;
		else if (user_remove(u))
			continue;
		else
			left = CGROUP_USER_LINGER_USEC; /* busy: again later */
		if (wait == 0 || left < wait)
			wait = left;
	}
	if (wait > 0) {
		struct timeval tv = { .tv_sec = wait / 1000000u, .tv_usec = wait % 1000000u };

		evtimer_add(t->ev_linger, &tv);
	}
}

/* Remove the session's cgroups if they are empty; 1 when all of them are gone. */
static int try_remove(struct cgroup_session *cs)
{
	if (remove_dir(cs->v2_dir) < 0)
		return 0;
	cs->v2_dir = mfree(cs->v2_dir);
	if (remove_dir(cs->v1_dir) < 0)
		return 0;
	cs->v1_dir = mfree(cs->v1_dir);
	/* Its uid-U stays a while for the user's next session (on_linger removes it). */
	user_put(cs->tree, TAKE_PTR(cs->user));
	return 1;
}

static void session_cgroup_free(struct cgroup_session *cs)
{
	safe_close(cs->v2_fd);
	safe_close(cs->v1_procs_fd);
	free(cs->v2_dir);
	free(cs->v1_dir);
	user_put(cs->tree, TAKE_PTR(cs->user));
	free(cs);
}

static void schedule_retry(struct cgroup_tree *t)
{
	struct timeval tv = { 0 };
	unsigned usec = t->retries < RETRY_FAST_COUNT ? RETRY_FAST_USEC : RETRY_SLOW_USEC;

	if (LIST_EMPTY(&t->removing)) {
		t->retries = 0;
		evtimer_del(t->ev_retry);
		return;
	}
	tv.tv_sec = usec / 1000000u;
	tv.tv_usec = usec % 1000000u;
	evtimer_add(t->ev_retry, &tv);
}

static void on_retry(evutil_socket_t fd, short what, void *userdata)
{
	struct cgroup_tree *t = userdata;
	struct cgroup_session *cs, *next;

	t->retries++;
	for (cs = LIST_FIRST(&t->removing); cs; cs = next) {
		next = LIST_NEXT(cs, entry);
		/* A process forked while the kill was under way: kill again. */
		(void)cgroup_session_kill(cs);
		if (try_remove(cs)) {
			LIST_REMOVE(cs, entry);
			session_cgroup_free(cs);
		}
	}
	schedule_retry(t);
}

void cgroup_tree_free(struct cgroup_tree *t)
{
	struct cgroup_session *cs;
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	if (!t)
		return;
	/* Teardown only: the tasks were sent SIGKILL, so this wait is bounded. */
	for (unsigned waited = 0; !LIST_EMPTY(&t->removing) && waited < TEARDOWN_WAIT_USEC;
	     waited += 10000) {
		struct cgroup_session *next;

		for (cs = LIST_FIRST(&t->removing); cs; cs = next) {
			next = LIST_NEXT(cs, entry);
			(void)cgroup_session_kill(cs);
			if (try_remove(cs)) {
				LIST_REMOVE(cs, entry);
				session_cgroup_free(cs);
			}
		}
		if (!LIST_EMPTY(&t->removing))
			nanosleep(&pause, NULL);
	}
	while ((cs = LIST_FIRST(&t->removing))) {
		LIST_REMOVE(cs, entry);
		session_cgroup_free(cs);
	}
	while (!LIST_EMPTY(&t->users)) {
		struct cgroup_user *u = LIST_FIRST(&t->users);

		if (!user_remove(u))
			user_free(u);
	}
	(void)remove_dir(t->v1_pids_base);
	(void)remove_dir(t->v2_own);
	if (t->ev_retry)
		event_free(t->ev_retry);
	if (t->ev_linger)
		event_free(t->ev_linger);
	free(t->v2_base);
	free(t->v2_own);
	free(t->v1_pids_base);
	free(t);
}

/* --- sessions ----------------------------------------------------------------------- */

int cgroup_session_new(struct cgroup_tree *t, uid_t uid, uint64_t id, unsigned tasks,
		       const char *parent_v2, struct cgroup_session **ret)
{
	struct cgroup_session *cs;
	_cleanup_free_ char *uid_dir = NULL, *procs = NULL;
	int r;

	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->tree = t;
	cs->v2_fd = -EBADF;
	cs->v1_procs_fd = -EBADF;
	r = cgroup_session_paths(t->v2_base, parent_v2, t->pid, uid, id, &uid_dir, &cs->v2_dir);
	if (r < 0)
		goto fail;
	if (!parent_v2) {
		/* uid-U with its limit: made by the user's first session, then kept a while. */
		r = user_get(t, uid, &cs->user);
		if (r < 0)
			goto fail;
	}
	r = mkdir(cs->v2_dir, 0755) < 0 ? -errno : 0;
	if (r == -ENOENT && cs->user) {
		/* uid-U was removed behind nsctld's back: made again, with its limit. */
		r = user_prepare(t, cs->user);
		if (r == 0)
			r = mkdir(cs->v2_dir, 0755) < 0 ? -errno : 0;
	}
	if (r < 0) {
		cs->v2_dir = mfree(cs->v2_dir); /* not ours to remove */
		goto fail;
	}
	if (t->v2_pids && !parent_v2 && tasks > 0) {
		r = set_pids_max(cs->v2_dir, tasks);
		if (r < 0)
			goto fail;
	}
	cs->v2_fd = open(cs->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cs->v2_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* Hybrid: the limits live in the v1 pids hierarchy; a "cgroup" session joins the target's. */
	if (t->v1_pids_base && !parent_v2) {
		if (asprintf(&cs->v1_dir, "%s/session-%llu", cs->user->dirs[1],
			     (unsigned long long)id) < 0) {
			cs->v1_dir = NULL;
			r = -ENOMEM;
			goto fail;
		}
		if (mkdir(cs->v1_dir, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			cs->v1_dir = mfree(cs->v1_dir);
			goto fail;
		}
		/* A new pids cgroup starts at "max": only a rule's "tasks" is written. */
		if (tasks > 0) {
			r = set_pids_max(cs->v1_dir, tasks);
			if (r < 0)
				goto fail;
		}
		if (asprintf(&procs, "%s/cgroup.procs", cs->v1_dir) < 0) {
			procs = NULL;
			r = -ENOMEM;
			goto fail;
		}
		cs->v1_procs_fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (cs->v1_procs_fd < 0) {
			r = -errno;
			goto fail;
		}
	}
	*ret = cs;
	return 0;
fail:
	(void)try_remove(cs);
	session_cgroup_free(cs);
	return r;
}

/*
 * Signal each process listed in dir/cgroup.procs through a pidfd. Between the read and
 * pidfd_open() a listed process may exit and its pid be reused: only within that window,
 * and only for signals other than SIGKILL, which cgroup.kill delivers without pids.
 */
static int signal_procs(const char *dir, int sig)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int n = 0, r;

	if (!dir)
		return 0;
	if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
		return -ENOMEM;
	r = read_text_file(path, CGROUP_FILE_MAX, &text);
	if (r < 0)
		return r;
	for (char *save = NULL, *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		long pid = strtol(w, NULL, 10);
		int fd;

		if (pid <= 0 || pid == getpid())
			continue;
		fd = pidfd_open((pid_t)pid, 0);
		if (fd < 0)
			continue;
		if (pidfd_send_signal(fd, sig, NULL, 0) == 0)
			n++;
		safe_close(fd);
	}
	return n;
}

void cgroup_session_forked(struct cgroup_session *cs)
{
	if (!cs)
		return;
	cs->v2_fd = safe_close(cs->v2_fd);
	cs->v1_procs_fd = safe_close(cs->v1_procs_fd);
}

int cgroup_session_signal(struct cgroup_session *cs, int sig)
{
	if (!cs)
		return 0;
	return signal_procs(cs->v2_dir, sig);
}

int cgroup_session_kill(struct cgroup_session *cs)
{
	int r;

	if (!cs || !cs->v2_dir)
		return 0;
	r = write_file_at(cs->v2_dir, "cgroup.kill", "1");
	if (r == -ENOENT) /* before Linux 5.14: one process at a time */
		r = signal_procs(cs->v2_dir, SIGKILL);
	return r < 0 ? r : 0;
}

void cgroup_session_release(struct cgroup_session *cs)
{
	struct cgroup_tree *t;

	if (!cs)
		return;
	t = cs->tree;
	cs->v2_fd = safe_close(cs->v2_fd);
	cs->v1_procs_fd = safe_close(cs->v1_procs_fd);
	/*
	 * rmdir first: it succeeds only on an empty cgroup, which has nothing to kill (the
	 * session's end has usually written cgroup.kill already). Else kill, and remove once
	 * empty.
	 */
	if (try_remove(cs)) {
		session_cgroup_free(cs);
		return;
	}
	(void)cgroup_session_kill(cs);
	if (try_remove(cs)) {
		session_cgroup_free(cs);
		return;
	}
	LIST_INSERT_HEAD(&t->removing, cs, entry);
	if (!evtimer_pending(t->ev_retry, NULL)) {
		t->retries = 0;
		schedule_retry(t);
	}
}
