/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container runtimes' state on the node, read strictly: see the rules in runtime-state.h. */

/*
 * Where the runtimes keep it (read from their sources, see docs/kubernetes.md):
 *   containerd  STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/{config.json,init.pid}
 *               (the runc v2 shim's bundle; the CRI plugin uses the namespace k8s.io)
 *   CRI-O       STATE/overlay-containers/ID/userdata/{config.json,pidfile}
 *               (containers/storage's run directory of the container, CRI-O's bundle)
 * config.json is the OCI runtime spec; its "annotations" carry the Kubernetes names.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <json-c/json.h>

#include "daemon/targets/runtime-state.h"
#include "protocol/cleanup.h"
#include "protocol/varlink.h"

#define CONFIG_DEPTH_MAX 64
#define LABELS_DEPTH_MAX 2

/* containerd's CRI plugin (pkg/cri/annotations) */
#define CTRD_TYPE "io.kubernetes.cri.container-type"
#define CTRD_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
#define CTRD_SANDBOX_NAME "io.kubernetes.cri.sandbox-name"
#define CTRD_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define CTRD_CONTAINER_NAME "io.kubernetes.cri.container-name"
/* CRI-O (pkg/annotations/internal.go), and the kubelet's labels it keeps in Labels */
#define CRIO_TYPE "io.kubernetes.cri-o.ContainerType"
#define CRIO_SANDBOX_ID "io.kubernetes.cri-o.SandboxID"
#define CRIO_KUBE_NAME "io.kubernetes.cri-o.KubeName"
#define CRIO_NAMESPACE "io.kubernetes.cri-o.Namespace"
#define CRIO_LABELS "io.kubernetes.cri-o.Labels"
#define CRIO_MANAGER "io.container.manager"
#define KUBELET_POD_NAME "io.kubernetes.pod.name"
#define KUBELET_POD_NAMESPACE "io.kubernetes.pod.namespace"
#define KUBELET_CONTAINER_NAME "io.kubernetes.container.name"

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool runtime_id_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > RUNTIME_STATE_ID_MAX || !alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([a-z0-9-]*[a-z0-9])?, with '.' too when dots, at most max bytes. */
static bool dns_name_valid(const char *s, size_t max, bool dots)
{
	size_t len = strlen(s);

	if (len == 0 || len > max || !lower_alnum(s[0]) || !lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-' && !(dots && s[i] == '.'))
			return false;
	return true;
}

bool runtime_k8s_label_valid(const char *s)
{
	return dns_name_valid(s, 63, false);
}

bool runtime_k8s_subdomain_valid(const char *s)
{
	return dns_name_valid(s, 253, true);
}

const char *runtime_state_strerror(int r)
{
	switch (r) {
	case -EPERM:
		return "not owned by root, or writable by group or others";
	case -ELOOP:
		return "a symbolic link";
	case -ENOTDIR:
		return "not a directory";
	case -EINVAL:
		return "not a regular file";
	case -EFBIG:
		return "larger than allowed";
	case -EBADMSG:
		return "malformed";
	default:
		return strerror(-r);
	}
}

/* --- files ------------------------------------------------------------------------------ */

static bool component_valid(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* One component below dir, never through a link, then the owner, mode and type (rule 1). */
static int open_checked(int dir, const char *name, bool want_dir, int *ret_fd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
			 (want_dir ? O_DIRECTORY : 0),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (!component_valid(name))
		return -EINVAL;
	fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dir, name, (int)how.flags);
	if (fd < 0) {
		int e = errno;

		/* O_DIRECTORY on a link says ENOTDIR: say what it is. */
		if (e == ENOTDIR && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			e = ELOOP;
		return -e;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (want_dir && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!want_dir && !S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int runtime_state_open_dir(int dir, const char *name, int *ret_fd)
{
	return open_checked(dir, name, true, ret_fd);
}

int runtime_state_open_root(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *copy = NULL;
	struct stat st;
	char *save = NULL;

	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return -EINVAL;
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;
		int r = open_checked(fd, c, true, &next);

		if (r < 0)
			return r;
		safe_close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Read an open file to its end, at most max bytes (-EFBIG beyond); NUL-terminated. */
static int read_bounded(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 4096;

	buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (alloc - len < 2) {
			char *nb;

			if (alloc > max + 1)
				return -EFBIG;
			alloc = alloc * 2 > max + 2 ? max + 2 : alloc * 2;
			nb = realloc(buf, alloc);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int runtime_state_read_file(int dir, const char *name, size_t max, char **ret, size_t *ret_len,
			    struct timespec *ret_mtime)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	r = open_checked(dir, name, false, &fd);
	if (r < 0)
		return r;
	if (ret_mtime && fstat(fd, &st) < 0)
		return -errno;
	r = read_bounded(fd, max, ret, ret_len);
	if (r >= 0 && ret_mtime)
		*ret_mtime = st.st_mtim;
	return r;
}

int runtime_state_parse_pid(const char *text, size_t len, pid_t *ret)
{
	unsigned long v = 0;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0 || text[0] < '1' || text[0] > '9')
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long)(text[i] - '0');
		if (v > INT_MAX)
			return -EBADMSG;
	}
	*ret = (pid_t)v;
	return 0;
}

/* --- config.json ------------------------------------------------------------------------ */

void runtime_meta_done(struct runtime_meta *m)
{
	free(m->pod_namespace);
	free(m->pod_name);
	free(m->container_name);
	free(m->sandbox_id);
	*m = (struct runtime_meta){ 0 };
}

/* Is o a map of strings to strings (OCI annotations, the kubelet's labels)? */
static bool all_strings(struct json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return false;
	json_object_object_foreach(o, key, v)
	{
		(void)key;
		if (!json_object_is_type(v, json_type_string))
			return false;
	}
	return true;
}

/* The value of key in a map checked by all_strings(), or NULL. */
static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* A copy of s if valid says so, else NULL (the bundle has no such name); -ENOMEM in *r. */
static char *name_copy(const char *s, bool (*valid)(const char *), int *r)
{
	char *c;

	if (!s || !valid(s))
		return NULL;
	c = strdup(s);
	if (!c)
		*r = -ENOMEM;
	return c;
}

static int role_of(const char *type, enum runtime_role *ret)
{
	if (!type)
		*ret = RUNTIME_ROLE_NONE;
	else if (strcmp(type, "sandbox") == 0)
		*ret = RUNTIME_ROLE_SANDBOX;
	else if (strcmp(type, "container") == 0)
		*ret = RUNTIME_ROLE_CONTAINER;
	else
		return -EBADMSG;
	return 0;
}

static int containerd_meta(struct json_object *ann, struct runtime_meta *m)
{
	int r = 0;

	r = role_of(member(ann, CTRD_TYPE), &m->role);
	if (r < 0 || m->role == RUNTIME_ROLE_NONE)
		return r;
	m->pod_namespace =
		name_copy(member(ann, CTRD_SANDBOX_NAMESPACE), runtime_k8s_label_valid, &r);
	m->pod_name = name_copy(member(ann, CTRD_SANDBOX_NAME), runtime_k8s_subdomain_valid, &r);
	if (m->role == RUNTIME_ROLE_CONTAINER)
		m->container_name =
			name_copy(member(ann, CTRD_CONTAINER_NAME), runtime_k8s_label_valid, &r);
	m->sandbox_id = name_copy(member(ann, CTRD_SANDBOX_ID), runtime_id_valid, &r);
	return r;
}

/* CRI-O keeps the kubelet's labels as a JSON object in one annotation. */
static int crio_labels(const char *text, struct runtime_meta *m)
{
	_cleanup_json_ struct json_object *o = NULL;
	int r = 0;

	if (!text)
		return 0;
	r = proto_json_parse(text, strlen(text), LABELS_DEPTH_MAX, &o);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	if (!all_strings(o))
		return -EBADMSG;
	m->pod_namespace = name_copy(member(o, KUBELET_POD_NAMESPACE), runtime_k8s_label_valid, &r);
	m->pod_name = name_copy(member(o, KUBELET_POD_NAME), runtime_k8s_subdomain_valid, &r);
	m->container_name =
		name_copy(member(o, KUBELET_CONTAINER_NAME), runtime_k8s_label_valid, &r);
	return r;
}

static int crio_meta(struct json_object *ann, struct runtime_meta *m)
{
	const char *manager;
	int r = 0;

	/* Podman keeps its containers in the same storage: only CRI-O's are CRI-O's. */
	manager = member(ann, CRIO_MANAGER);
	if (manager && strcmp(manager, "cri-o") != 0)
		return 0;
	r = role_of(member(ann, CRIO_TYPE), &m->role);
	if (r < 0 || m->role == RUNTIME_ROLE_NONE)
		return r;
	m->sandbox_id = name_copy(member(ann, CRIO_SANDBOX_ID), runtime_id_valid, &r);
	if (m->role == RUNTIME_ROLE_SANDBOX) {
		m->pod_namespace =
			name_copy(member(ann, CRIO_NAMESPACE), runtime_k8s_label_valid, &r);
		m->pod_name =
			name_copy(member(ann, CRIO_KUBE_NAME), runtime_k8s_subdomain_valid, &r);
		return r;
	}
	return crio_labels(member(ann, CRIO_LABELS), m);
}

int runtime_state_parse_config(enum runtime_kind runtime, const char *text, size_t len,
			       struct runtime_meta *ret)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct runtime_meta m = { 0 };
	struct json_object *ann;
	int r;

	r = proto_json_parse(text, len, CONFIG_DEPTH_MAX, &o);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if (json_object_object_get_ex(o, "annotations", &ann)) {
		/* The OCI spec: a map of strings to strings. */
		if (!all_strings(ann))
			return -EBADMSG;
		r = runtime == RUNTIME_CONTAINERD ? containerd_meta(ann, &m) : crio_meta(ann, &m);
		if (r < 0) {
			runtime_meta_done(&m);
			return r;
		}
	}
	*ret = m;
	return 0;
}

/* --- the process ------------------------------------------------------------------------ */

/* Is component (len bytes, ".scope" already cut) the container id's own cgroup? */
static bool component_names(const char *c, size_t len, const char *id, size_t id_len)
{
	static const char *const prefixes[] = { "", "cri-containerd-", "crio-" };

	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);

		if (len == pl + id_len && memcmp(c, prefixes[i], pl) == 0 &&
		    memcmp(c + pl, id, id_len) == 0)
			return true;
	}
	return false;
}

bool runtime_state_cgroup_names(const char *text, size_t len, const char *id)
{
	size_t id_len = strlen(id);
	const char *end = text + len;

	if (id_len == 0)
		return false;
	for (const char *line = text; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *p, *c1, *c2;

		if (!eol)
			eol = end;
		/* "ID:CONTROLLERS:PATH" */
		c1 = memchr(line, ':', (size_t)(eol - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		for (p = c2 ? c2 + 1 : eol; p < eol;) {
			const char *slash = memchr(p, '/', (size_t)(eol - p));
			const char *ce = slash ? slash : eol;
			size_t clen = (size_t)(ce - p);

			if (clen > 6 && memcmp(ce - 6, ".scope", 6) == 0)
				clen -= 6;
			if (component_names(p, clen, id, id_len))
				return true;
			p = ce + 1;
		}
		line = eol + 1;
	}
	return false;
}

int runtime_state_started_by(pid_t pid, const struct timespec *t)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	struct timespec real, boot;
	unsigned long long start_ticks = 0;
	long ticks = sysconf(_SC_CLK_TCK);
	double started;
	const char *p;
	char path[64];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	r = read_bounded(fd, 4096, &text, &len);
	if (r < 0)
		return r;
	/* "PID (COMM) STATE ..." with starttime the 22nd field; COMM may hold ") ". */
	p = strrchr(text, ')');
	if (!p)
		return -EBADMSG;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start_ticks) != 1 || ticks <= 0)
		return -EBADMSG;
	/* starttime counts from boot (CLOCK_BOOTTIME); the mtime is realtime. */
	if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return -errno;
	started = (double)real.tv_sec + real.tv_nsec / 1e9 - (double)boot.tv_sec -
		  boot.tv_nsec / 1e9 + (double)start_ticks / (double)ticks;
	if (started > (double)t->tv_sec + t->tv_nsec / 1e9 + RUNTIME_STATE_START_SLACK_SEC)
		return -ESTALE;
	return 0;
}

int runtime_state_pin(pid_t pid, const char *id, const struct timespec *started_by, int *ret_pidfd)
{
	_cleanup_close_ int pidfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;
	int r;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	r = read_bounded(fd, RUNTIME_STATE_CGROUP_MAX, &text, &len);
	if (r < 0)
		return r == -ESRCH ? r : r == -EFBIG ? -ESTALE : r;
	r = started_by ? runtime_state_started_by(pid, started_by) : 0;
	if (r < 0 && r != -ESTALE)
		return r;
	/* Still alive after the read: /proc/PID was the pidfd's process, not a successor. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	if (r == -ESTALE || !runtime_state_cgroup_names(text, len, id))
		return -ESTALE;
	*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

/* --- scanning --------------------------------------------------------------------------- */

void runtime_bundles_free(struct runtime_bundle *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].ns);
		free(b[i].id);
		runtime_meta_done(&b[i].meta);
		safe_close(b[i].pidfd);
	}
	free(b);
}

struct scan {
	struct runtime_cache *cache;
	enum runtime_kind runtime;
	const char *root;
	const char *id_prefix;
	struct runtime_bundle *b;
	size_t n, alloc;
	char **reason;
};

static int scan_fail(struct scan *s, int r, const char *ns, const char *id, const char *file)
{
	if (r != -ENOMEM && s->reason && !*s->reason &&
	    asprintf(s->reason, "%s%s%s%s%s%s%s: %s", s->root,
		     s->runtime == RUNTIME_CONTAINERD ? "/" RUNTIME_CONTAINERD_TASKS
						      : "/" RUNTIME_CRIO_CONTAINERS,
		     ns ? "/" : "", ns ? ns : "", id ? "/" : "", id ? id : "", file ? file : "",
		     runtime_state_strerror(r)) < 0)
		*s->reason = NULL;
	return r;
}

/* A live process has a mount namespace; a zombie (exited, not yet reaped) has none. */
static bool pid_is_zombie(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	return stat(path, &st) < 0;
}

/* The bundle id in dir bundle_fd: config, pid file, process. */
static int scan_bundle(struct scan *s, int bundle_fd, const char *ns, const char *id)
{
	const char *pidfile = s->runtime == RUNTIME_CONTAINERD ? "init.pid" : "pidfile";
	const char *sub = s->runtime == RUNTIME_CONTAINERD ? "" : "/userdata";
	_cleanup_free_ char *config = NULL, *pidtext = NULL;
	_cleanup_close_ int cfd = -EBADF;
	struct runtime_bundle *e;
	struct stat st;
	char file[64];
	size_t len;
	int r;

	snprintf(file, sizeof(file), "%s/config.json", sub);
	r = open_checked(bundle_fd, "config.json", false, &cfd);
	if (r == -ENOENT)
		return 0; /* being created or removed */
	if (r >= 0 && fstat(cfd, &st) < 0)
		r = -errno;
	if (r < 0)
		return scan_fail(s, r, ns, id, file);
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 16;
		struct runtime_bundle *nb = reallocarray(s->b, na, sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		s->b = nb;
		s->alloc = na;
	}
	e = &s->b[s->n];
	*e = (struct runtime_bundle){ .runtime = s->runtime, .pidfd = -EBADF };
	r = s->cache ? runtime_cache_get(s->cache, s->runtime, &st, &e->meta) : -ENOENT;
	if (r == -ENOENT) {
		r = read_bounded(cfd, RUNTIME_STATE_CONFIG_MAX, &config, &len);
		if (r >= 0)
			r = runtime_state_parse_config(s->runtime, config, len, &e->meta);
		if (r >= 0 && s->cache)
			runtime_cache_put(s->cache, s->runtime, &st, &e->meta);
	}
	if (r < 0)
		return scan_fail(s, r, ns, id, file);
	s->n++;
	e->id = strdup(id);
	if (!e->id || (ns && !(e->ns = strdup(ns))))
		return -ENOMEM;
	snprintf(file, sizeof(file), "%s/%s", sub, pidfile);
	r = runtime_state_read_file(bundle_fd, pidfile, RUNTIME_STATE_PIDFILE_MAX, &pidtext, &len,
				    &e->written);
	if (r == -ENOENT)
		return 0; /* created, not started (or CRI-O's sandbox without infra) */
	if (r >= 0)
		r = runtime_state_parse_pid(pidtext, len, &e->pid_file);
	if (r < 0)
		return scan_fail(s, r, ns, id, file);
	return 0;
}

int runtime_bundle_pin(struct runtime_bundle *b)
{
	int r;

	if (b->state)
		return 0;
	b->state = "exited";
	if (b->pid_file <= 0)
		return 0;
	r = runtime_state_pin(b->pid_file, b->id, &b->written, &b->pidfd);
	if (r == -ESTALE) {
		b->state = "stale";
		return 0;
	}
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	if (pid_is_zombie(b->pid_file)) {
		b->pidfd = safe_close(b->pidfd);
		return 0;
	}
	b->pid = b->pid_file;
	b->state = "running";
	return 0;
}

/* Every bundle in the directory dir (a containerd namespace, or CRI-O's containers). */
static int scan_dir(struct scan *s, int dir, const char *ns)
{
	_cleanup_close_ int dup = -EBADF;
	struct dirent *de;
	DIR *d;
	int r = 0;

	dup = fcntl(dir, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	d = fdopendir(dup);
	if (!d)
		return -errno;
	dup = -EBADF;
	for (;;) {
		_cleanup_close_ int bundle = -EBADF, userdata = -EBADF;
		const char *id;

		errno = 0;
		de = readdir(d);
		if (!de) {
			r = -errno; /* 0 at the end */
			break;
		}
		id = de->d_name;
		if (!runtime_id_valid(id))
			continue;
		if (s->id_prefix && strncmp(id, s->id_prefix, strlen(s->id_prefix)) != 0)
			continue;
		if (s->n >= RUNTIME_STATE_BUNDLES_MAX)
			break;
		r = runtime_state_open_dir(dirfd(d), id, &bundle);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0) {
			scan_fail(s, r, ns, id, NULL);
			break;
		}
		if (s->runtime == RUNTIME_CRIO) {
			r = runtime_state_open_dir(bundle, "userdata", &userdata);
			if (r == -ENOENT) {
				r = 0;
				continue;
			}
			if (r < 0) {
				scan_fail(s, r, ns, id, "/userdata");
				break;
			}
		}
		r = scan_bundle(s, s->runtime == RUNTIME_CRIO ? userdata : bundle, ns, id);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int scan_namespaces(struct scan *s, int tasks, const char *ns)
{
	_cleanup_close_ int dup = -EBADF;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (ns) {
		_cleanup_close_ int fd = -EBADF;

		r = runtime_state_open_dir(tasks, ns, &fd);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return scan_fail(s, r, ns, NULL, NULL);
		return scan_dir(s, fd, ns);
	}
	dup = fcntl(tasks, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	d = fdopendir(dup);
	if (!d)
		return -errno;
	dup = -EBADF;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			r = -errno; /* 0 at the end */
			break;
		}
		if (!runtime_id_valid(de->d_name))
			continue;
		r = scan_namespaces(s, dirfd(d), de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int runtime_state_scan(struct runtime_cache *cache, enum runtime_kind runtime, const char *root,
		       const char *ns, const char *id_prefix, struct runtime_bundle **ret,
		       size_t *ret_n, char **ret_reason)
{
	_cleanup_close_ int root_fd = -EBADF, top = -EBADF;
	struct scan s = { .cache = cache,
			  .runtime = runtime,
			  .root = root,
			  .id_prefix = id_prefix,
			  .reason = ret_reason };
	int r;

	if (cache)
		runtime_cache_begin_scan(cache);
	if (ret_reason)
		*ret_reason = NULL;
	r = runtime_state_open_root(root, &root_fd);
	if (r == -ENOENT)
		return -EHOSTDOWN;
	if (r < 0) {
		if (ret_reason && r != -ENOMEM &&
		    asprintf(ret_reason, "%s: %s", root, runtime_state_strerror(r)) < 0)
			*ret_reason = NULL;
		return r;
	}
	r = runtime_state_open_dir(root_fd,
				   runtime == RUNTIME_CONTAINERD ? RUNTIME_CONTAINERD_TASKS
								 : RUNTIME_CRIO_CONTAINERS,
				   &top);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0; /* no container yet */
	}
	if (r < 0)
		return scan_fail(&s, r, NULL, NULL, NULL);
	if (runtime == RUNTIME_CONTAINERD)
		r = scan_namespaces(&s, top, ns);
	else
		r = scan_dir(&s, top, NULL);
	if (r < 0) {
		runtime_bundles_free(s.b, s.n);
		return r;
	}
	*ret = s.b;
	*ret_n = s.n;
	return 0;
}
