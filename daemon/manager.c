/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager: settings, the event loop, signals, policy (re)load, idle exit, orderly stop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "daemon/cgroup.h"
#include "daemon/conn.h"
#include "daemon/policy/grant-scope.h"
#include "daemon/init-image.h"
#include "daemon/listener.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/targets/runtime-state.h"
#include "daemon/session.h"
#include "daemon/spawn.h"
#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-resolve.h"
#include "daemon/user-cache.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

void manager_log(const char *fmt, ...)
{
	va_list ap;

	fputs("nsctld: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void manager_settings_init(struct manager_settings *s)
{
	*s = (struct manager_settings){
		.idle_timeout_sec = 60,
		.kill_grace_sec = 5,
		.request_timeout_sec = 10,
		.max_connections = 512,
		.max_connections_per_uid = 64,
		.max_sessions_per_uid = 64,
		.max_tasks_per_uid = 512,
		.max_pipelined = 16,
		.max_output = 1u << 20,
		.limits = proto_limits_default,
		.log = AUDIT_AUTO,
		.backends = TARGET_KINDS_ALL,
		.backend_timeout_ms = 2000,
		.target_cache_sec = 5,
		.host_mntns_fd = -EBADF,
	};
}

void manager_settings_done(struct manager_settings *s)
{
	free(s->policy_path);
	free(s->listen_path);
	free(s->docker_socket);
	free(s->podman_socket);
	free(s->cgroup_root);
	free(s->containerd_state);
	free(s->crio_state);
	s->host_mntns_fd = safe_close(s->host_mntns_fd);
}

int manager_load_policy(struct manager *m, char **ret_error)
{
	struct policy *p = NULL;
	int r;

	r = policy_load(m->settings.policy_path, &p, ret_error);
	if (r < 0)
		return r;
	policy_free(m->policy);
	m->policy = p;
	/* A reload is also when an administrator expects changed users to be seen. */
	user_cache_flush(user_cache_host());
	/* Grants that containment cannot keep inside their target: said at every load. */
	for (size_t i = 0; i < p->n_rules; i++) {
		char warning[1536];

		if (grant_scope_warning(&p->rules[i], warning, sizeof(warning)) > 0)
			manager_log("warning: %s", warning);
	}
	return 0;
}

static void on_stop_signal(evutil_socket_t sig, short what, void *userdata)
{
	struct manager *m = userdata;

	manager_log("received %s, stopping", strsignal((int)sig));
	manager_stop(m);
}

int manager_init_image(struct manager *m)
{
	int r;

	if (m->init_image_tried)
		return m->init_image_fd;
	m->init_image_tried = true;
	r = init_image_open();
	if (r >= 0)
		m->init_image_fd = r;
	else if (r != -ENOSYS)
		manager_log("warning: no init image (%s): the pid 1 of contained sessions stays in "
			    "nsctld's memory", strerror(-r));
	return m->init_image_fd;
}

int manager_reload_policy(struct manager *m, char **ret_error)
{
	_cleanup_free_ char *error = NULL;
	int r;

	sd_notify(0, "RELOADING=1");
	r = manager_load_policy(m, &error);
	if (r < 0 && m->policy)
		manager_log("policy not reloaded, keeping the last good one: %s",
			    error ? error : "out of memory");
	else if (r < 0)
		manager_log("policy still unusable, every call is refused with "
			    NSCTL_ERROR_POLICY_INVALID ": %s", error ? error : "out of memory");
	else
		manager_log("policy reloaded from %s: %zu rule%s", m->settings.policy_path,
			    m->policy->n_rules, m->policy->n_rules == 1 ? "" : "s");
	sd_notifyf(0, "READY=1\nSTATUS=%s", m->policy ? "Serving"
		   : "No usable policy, refusing every call (see the log)");
	if (r < 0 && ret_error)
		*ret_error = TAKE_PTR(error);
	return r;
}

static void on_reload_signal(evutil_socket_t sig, short what, void *userdata)
{
	(void)manager_reload_policy(userdata, NULL);
}

static void on_idle(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	manager_log("idle for %u s, exiting", m->settings.idle_timeout_sec);
	manager_stop(m);
}

/*
 * The loop, made without reading libevent's EVENT_* variables: the backend is epoll
 * whatever the environment says, and the start saves libevent's issetugid() test of every
 * variable it would look up (16 system calls).
 */
static struct event_base *event_base_new_ignoring_env(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg && event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV) == 0)
		base = event_base_new_with_config(cfg);
	if (cfg)
		event_config_free(cfg);
	return base;
}

int manager_new(struct manager_settings *settings, struct manager **ret)
{
	struct manager *m;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->settings = *settings;
	memset(settings, 0, sizeof(*settings));
	settings->host_mntns_fd = -EBADF; /* moved: the caller's copy has none to close */
	m->listen_fd = -EBADF;
	m->init_image_fd = -EBADF;
	LIST_INIT(&m->conns);
	LIST_INIT(&m->sessions);
	m->base = event_base_new_ignoring_env();
	if (!m->base)
		goto nomem;
	if (target_context_new(&(struct target_context){
				       .base = m->base,
				       .kinds = m->settings.backends,
				       .backend_timeout_ms = m->settings.backend_timeout_ms,
				       .cache_sec = m->settings.target_cache_sec,
				       .docker_socket = m->settings.docker_socket,
				       .podman_socket = m->settings.podman_socket,
				       .containerd_state = m->settings.containerd_state,
				       .crio_state = m->settings.crio_state,
			       },
			       &m->targets) < 0)
		goto nomem;
	m->ev_sigterm = evsignal_new(m->base, SIGTERM, on_stop_signal, m);
	m->ev_sigint = evsignal_new(m->base, SIGINT, on_stop_signal, m);
	m->ev_sighup = evsignal_new(m->base, SIGHUP, on_reload_signal, m);
	m->ev_idle = evtimer_new(m->base, on_idle, m);
	if (!m->ev_sigterm || !m->ev_sigint || !m->ev_sighup || !m->ev_idle)
		goto nomem;
	if (spawner_supported() && spawner_new(&m->spawner) < 0)
		goto nomem;
	event_add(m->ev_sigterm, NULL);
	event_add(m->ev_sigint, NULL);
	event_add(m->ev_sighup, NULL);
	*ret = m;
	return 0;
nomem:
	manager_free(m);
	return -ENOMEM;
}

static int listen_on_path(struct manager *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (strlen(m->settings.listen_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, m->settings.listen_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A stale socket from an earlier run is replaced; anything else is left alone. */
	if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* Every local user may connect: the policy decides, per request. */
	if (chmod(sa.sun_path, 0666) < 0 || listen(fd, SOMAXCONN) < 0) {
		int r = -errno;
		(void)unlink(sa.sun_path);
		return r;
	}
	m->listen_fd = TAKE_FD(fd);
	m->unlink_on_exit = true;
	return 0;
}

int manager_listen(struct manager *m)
{
	int n, fl;

	if (m->settings.listen_path)
		return listen_on_path(m);
	n = sd_listen_fds(1);
	if (n < 0)
		return n;
	if (n != 1)
		return -EBADF; /* caller explains: exactly one socket, or --listen */
	if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
		return -ENOTSOCK;
	m->listen_fd = SD_LISTEN_FDS_START;
	fl = fcntl(m->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(m->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(m->listen_fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	m->socket_activated = true;
	return 0;
}

void manager_check_idle(struct manager *m)
{
	if (m->stopping) {
		if (m->n_sessions == 0)
			event_base_loopexit(m->base, NULL);
		return;
	}
	if (m->socket_activated && m->settings.idle_timeout_sec > 0 && m->n_conns == 0 &&
	    m->n_sessions == 0) {
		struct timeval tv = { .tv_sec = m->settings.idle_timeout_sec };
		evtimer_add(m->ev_idle, &tv);
	} else {
		evtimer_del(m->ev_idle);
	}
}

void manager_stop(struct manager *m)
{
	struct conn *c, *cn;
	struct session *s;

	if (m->stopping)
		return;
	m->stopping = true;
	sd_notify(0, "STOPPING=1");
	listener_stop(m);
	evtimer_del(m->ev_idle);
	/*
	 * Idle connections go now; those with a session get its final reply first; calls
	 * still waiting for their target start no session: they are answered now.
	 */
	for (c = LIST_FIRST(&m->conns); c; c = cn) {
		cn = LIST_NEXT(c, entry);
		conn_shut_down(c);
	}
	LIST_FOREACH(s, &m->sessions, entry)
		session_hangup(s);
	manager_check_idle(m);
}

int manager_setup_cgroups(struct manager *m, char **ret_error)
{
	const struct cgroup_settings cs = {
		.root = m->settings.cgroup_root,
		.max_tasks_per_uid = m->settings.max_tasks_per_uid,
	};
	int r;

	r = cgroup_tree_new(m->base, &cs, &m->cgroups, ret_error);
	if (r < 0)
		return r;
	if (!cgroup_tree_has_pids(m->cgroups))
		manager_log("no pids controller for the session cgroups: task limits "
			    "(--max-tasks-per-user, tasks) are not enforced");
	return 0;
}

int manager_run(struct manager *m)
{
	int r;

	r = listener_start(m);
	if (r < 0)
		return r;
	manager_check_idle(m);
	sd_notifyf(0, "READY=1\nSTATUS=%s on %s",
		   m->policy ? "Serving" : "No usable policy, refusing every call (see the log),",
		   m->settings.listen_path ? m->settings.listen_path : "the activated socket");
	if (event_base_dispatch(m->base) < 0)
		return -EIO;
	return 0;
}

void manager_free(struct manager *m)
{
	struct conn *c;
	struct session *s;

	if (!m)
		return;
	m->stopping = true;
	/* Last replies get one chance to go out; then every connection and session ends. */
	while ((c = LIST_FIRST(&m->conns))) {
		(void)proto_writer_flush(&c->writer, c->fd);
		conn_free(c);
	}
	while ((s = LIST_FIRST(&m->sessions)))
		session_free(s);
	/* After the sessions: no worker is left waiting on a spawner thread. */
	spawner_free(m->spawner);
	safe_close(m->init_image_fd);
	/* After the sessions: their cgroups are killed and removed here at the latest. */
	cgroup_tree_free(m->cgroups);
	/* After the connections: their resolutions in flight are cancelled by then. */
	target_context_free(m->targets);
	listener_stop(m);
	if (m->listen_fd >= 0 && m->unlink_on_exit)
		(void)unlink(m->settings.listen_path);
	safe_close(m->listen_fd);
	if (m->ev_sigterm)
		event_free(m->ev_sigterm);
	if (m->ev_sigint)
		event_free(m->ev_sigint);
	if (m->ev_sighup)
		event_free(m->ev_sighup);
	if (m->ev_idle)
		event_free(m->ev_idle);
	if (m->base)
		event_base_free(m->base);
	policy_free(m->policy);
	user_cache_flush(user_cache_host());
	manager_settings_done(&m->settings);
	free(m);
}
