/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Session lifecycle: fork the worker, read its reports, reap through pidfds, reply, audit. */

/*
 * A session moves STARTING -> RUNNING -> ENDING and is freed once every process it
 * forked has been reaped. The event loop never waits: the worker's reports arrive on a
 * non-blocking SOCK_SEQPACKET socket whose EOF means "exec happened" (it is close-on-exec
 * in the worker), and exits arrive as readable pidfds, reaped with waitid(P_PIDFD, WNOHANG).
 * Every event handler runs the same three steps: drain the reports, reap, advance.
 *
 * A terminal session starts differently: the worker reports the terminal's master (and,
 * in a pid namespace, the command's pidfd, in either order), the started reply carries
 * the master to the client, and once that reply has been written out (conn.c calls
 * session_output_flushed()) one byte on the report socket tells the worker to exec. Until
 * then nothing runs on the terminal; a client that leaves before it makes the daemon shut
 * its side of the report socket, on which the worker gives up. An exec failure after the
 * started reply is the session's final reply.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/sched.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#include "daemon/cgroup.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/idmap.h"
#include "daemon/exec-guard.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/policy/decision.h"
#include "daemon/run-call.h"
#include "daemon/session.h"
#include "daemon/spawn.h"
#include "daemon/text-file.h"
#include "daemon/targets/target.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/util.h"

static void on_event(evutil_socket_t fd, short what, void *userdata);

/* The command is the worker itself unless a pid namespace made it fork again. */
static bool command_is_worker(const struct session *s)
{
	return s->cmd_pidfd < 0 && s->cmd_pid == 0;
}

static bool command_done(const struct session *s)
{
	if (s->exit_reported)
		return true; /* a contained session's init said so (read_exit_report()) */
	return command_is_worker(s) ? s->worker_reaped : s->cmd_reaped;
}

static bool all_reaped(const struct session *s)
{
	return s->worker_reaped && (s->cmd_pidfd < 0 || s->cmd_reaped);
}

static int command_pidfd(const struct session *s)
{
	if (!command_is_worker(s))
		return s->cmd_pidfd;
	return s->worker_reaped ? -EBADF : s->worker_pidfd;
}

static void audit_session(const struct session *s, const char *event, const char *error,
			  const char *message)
{
	struct audit_record r = {
		.event = event,
		.caller = &s->caller,
		.target = s->target,
		.ns_mask = s->ns_mask,
		.argv = s->argv,
		.rule = s->rule,
		.session = s->id,
		.pid = s->cmd_pid ? s->cmd_pid : s->worker_pid,
		.exit_status = -1,
		.error = error,
		.message = message,
		.granted = true,
		.run_as_uid = s->run_as_uid,
		.run_as_gid = s->run_as_gid,
		.caps = s->caps,
		.ns_inodes = s->ns_inodes,
		.reason = s->reason,
		.inside_set = s->inside_set,
		.inside_uid = s->inside_uid,
		.inside_gid = s->inside_gid,
	};

	/* nolog silences what the rule permitted, never a failure. */
	if (s->nolog && !error)
		return;
	if (strcmp(event, "session-end") == 0) {
		r.duration_usec = now_usec() - s->start_usec;
		if (!s->failed) {
			r.exit_status = s->signal ? -1 : s->exit_code;
			r.signal = s->signal;
		}
		r.ended_by = s->timed_out ? "timeout" : s->ended_by_kill && s->signal ? "kill"
			   : s->m->stopping && s->hung_up ? "stop" : s->hung_up ? "disconnect"
			   : "exit";
		r.killed = s->ended_by_kill;
		r.killed_by_uid = s->ended_by_uid;
	}
	audit_log(&r);
}

static void reply_start_error(struct session *s, const struct worker_report *rep)
{
	/*
	 * Each error names at most one thing (key: value) and, but for one, the errno; a
	 * SystemError names its operation.
	 */
	const char *error, *key = NULL, *value = NULL, *operation = NULL;
	bool with_errno = true;
	struct json_object *p;
	int r;

	switch (rep->stage) {
	case WORKER_STAGE_JOIN:
		error = NSCTL_ERROR_JOIN_FAILED;
		key = "namespace";
		value = rep->ns >= 0 && rep->ns < _NS_COUNT ? ns_table[rep->ns].name : "*";
		break;
	case WORKER_STAGE_CREDS:
		error = NSCTL_ERROR_CREDENTIALS_FAILED;
		break;
	case WORKER_STAGE_CHDIR:
		error = NSCTL_ERROR_WORKING_DIRECTORY;
		key = "cwd";
		value = s->cwd ? s->cwd : "/";
		break;
	case WORKER_STAGE_VERIFY:
		error = NSCTL_ERROR_COMMAND_NOT_PERMITTED;
		key = "executable";
		value = s->argv[0];
		break;
	case WORKER_STAGE_CGROUP:
		error = NSCTL_ERROR_SYSTEM;
		operation = "join-cgroup";
		break;
	case WORKER_STAGE_CONTAIN:
		error = NSCTL_ERROR_SYSTEM;
		operation = "contain";
		break;
	case WORKER_STAGE_TTY:
		error = NSCTL_ERROR_TERMINAL_FAILED;
		break;
	case WORKER_STAGE_EXEC:
		error = rep->error == ENOENT ? NSCTL_ERROR_EXECUTABLE_NOT_FOUND
					     : NSCTL_ERROR_CANNOT_EXECUTE;
		key = "executable";
		value = s->argv[0];
		with_errno = rep->error != ENOENT;
		break;
	default:
		error = NSCTL_ERROR_SYSTEM;
		operation = rep->stage == WORKER_STAGE_FORK ? "clone3" : "worker-setup";
		break;
	}
	s->failed = true;
	audit_session(s, "session-end", error, "session failed to start");
	if (!s->conn)
		return;
	if (operation) {
		method_error_system(s->conn, operation, -rep->error);
		return;
	}
	p = json_object_new_object();
	r = p ? 0 : -ENOMEM;
	if (r >= 0 && key)
		r = proto_json_add(p, key, json_object_new_string(value));
	if (r >= 0 && with_errno)
		r = proto_json_add(p, "errno", json_object_new_int(rep->error));
	method_error_reply(s->conn, error, p, r);
}

/*
 * The pid, as nsctld sees it, of the process a pidfd refers to: the "Pid:" line of the
 * pidfd's fdinfo, which procfs shows in the pid namespace of nsctld's /proc. 0 when it
 * cannot be read. For the init of a contained session that joined a pid namespace: the
 * helper that made it there, and so the worker, sees only its pid in that namespace.
 */
static pid_t pidfd_pid(int pidfd)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64], buf[512];
	const char *line;
	ssize_t n;
	long pid;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	line = strstr(buf, "\nPid:\t");
	if (!line)
		return 0;
	pid = strtol(line + 6, NULL, 10);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

/* Read every report that is there; notes EOF. */
static void drain_status(struct session *s)
{
	while (!s->status_eof) {
		struct worker_report rep;
		struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} control;
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
		};
		int passed = -EBADF;
		ssize_t n;

		n = recvmsg(s->status_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			s->status_eof = true;
			break;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&passed, CMSG_DATA(cm), sizeof(int));
		if ((size_t)n != sizeof(rep) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			safe_close(passed);
			continue; /* cannot come from our worker; ignore */
		}
		if (rep.kind == WORKER_REPORT_CHILD && passed >= 0 && s->cmd_pidfd < 0) {
			s->cmd_pidfd = TAKE_FD(passed);
			s->cmd_pid = rep.pid > 0 ? rep.pid : pidfd_pid(s->cmd_pidfd);
			s->ev_cmd = event_new(s->m->base, s->cmd_pidfd, EV_READ | EV_PERSIST,
					      on_event, s);
			if (!s->ev_cmd || event_add(s->ev_cmd, NULL) < 0) {
				/* Unwatchable: end it now rather than let it run unseen. */
				(void)pidfd_send_signal(s->cmd_pidfd, SIGKILL, NULL, 0);
				rep.kind = WORKER_REPORT_ERROR;
				rep.stage = WORKER_STAGE_SETUP;
				rep.error = ENOMEM;
				if (!s->failed)
					reply_start_error(s, &rep);
			}
		} else if (rep.kind == WORKER_REPORT_EXIT_CHANNEL && passed >= 0 && s->contained &&
			   s->exit_fd < 0) {
			s->exit_fd = TAKE_FD(passed);
			/* Unwatched, the report is still read once the init is reaped. */
			s->ev_exit = event_new(s->m->base, s->exit_fd, EV_READ | EV_PERSIST, on_event,
					       s);
			if (s->ev_exit && event_add(s->ev_exit, NULL) < 0) {
				event_free(s->ev_exit);
				s->ev_exit = NULL;
			}
		} else if (rep.kind == WORKER_REPORT_HELPER && passed >= 0 && s->contained &&
			   s->helper_pidfd < 0) {
			/* Reaped in reap() once it has exited, which the worker waits for. */
			s->helper_pidfd = TAKE_FD(passed);
		} else if (rep.kind == WORKER_REPORT_LISTENER && passed >= 0 && s->contained &&
			   !s->exec_guard) {
			/* On failure the listener is closed: the exec fails (ENOSYS), closed. */
			(void)exec_guard_new(s->m->base, TAKE_FD(passed), rep.exec_fd,
					     &s->exec_guard);
		} else if (rep.kind == WORKER_REPORT_TTY && passed >= 0 && s->tty &&
			   s->tty_master < 0 && s->state == SESSION_STARTING) {
			s->tty_master = TAKE_FD(passed);
		} else if (rep.kind == WORKER_REPORT_ERROR && !s->failed) {
			reply_start_error(s, &rep);
		}
		safe_close(passed);
	}
	if (s->ev_status)
		event_del(s->ev_status);
	s->status_fd = safe_close(s->status_fd);
}

/*
 * A contained session's init reports how the command ended, once it has killed and reaped
 * whatever the command left in its namespace, and then exits. The session ends on that
 * report: the init's exit, in which the kernel tears its namespaces down, is not waited
 * for (the init is still reaped, and only then is the session freed and its cgroup
 * removed). The report is final whenever there is one, also when read after the init was
 * reaped; EOF without one (the init was killed) leaves the init's own wait status.
 */
static void read_exit_report(struct session *s)
{
	struct worker_report rep;
	ssize_t n;

	if (s->exit_fd < 0)
		return;
	n = recv(s->exit_fd, &rep, sizeof(rep), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(rep) && rep.kind == WORKER_REPORT_EXIT) {
		s->exit_code = WIFEXITED(rep.wstatus) ? WEXITSTATUS(rep.wstatus) : 0;
		s->signal = WIFSIGNALED(rep.wstatus) ? WTERMSIG(rep.wstatus) : 0;
		s->exit_reported = true;
	}
	if (s->ev_exit)
		event_free(TAKE_PTR(s->ev_exit));
	s->exit_fd = safe_close(s->exit_fd);
}

/*
 * Reap whichever of our processes has exited. __WALL: a command made with CLONE_PARENT
 * has no exit signal, which makes it a "clone" child to waitid().
 */
static void reap(struct session *s)
{
	siginfo_t si;

	if (!s->worker_reaped) {
		memset(&si, 0, sizeof(si));
		if (waitid((idtype_t)P_PIDFD, (id_t)s->worker_pidfd, &si, WEXITED | WNOHANG | __WALL) == 0 &&
		    si.si_pid != 0) {
			s->worker_reaped = true;
			event_del(s->ev_worker);
			if (command_is_worker(s)) {
				s->exit_code = si.si_code == CLD_EXITED ? si.si_status : 0;
				s->signal = si.si_code == CLD_EXITED ? 0 : si.si_status;
			}
		}
	}
	/*
	 * The helper of a contained session in a joined pid namespace exits as soon as it has
	 * made the init, before the worker goes on: by the worker's exit it is there to reap.
	 */
	if (s->helper_pidfd >= 0 && !s->helper_reaped) {
		memset(&si, 0, sizeof(si));
		if (waitid((idtype_t)P_PIDFD, (id_t)s->helper_pidfd, &si, WEXITED | WNOHANG | __WALL) == 0 &&
		    si.si_pid != 0)
			s->helper_reaped = true;
	}
	if (s->cmd_pidfd >= 0 && !s->cmd_reaped) {
		memset(&si, 0, sizeof(si));
		if (waitid((idtype_t)P_PIDFD, (id_t)s->cmd_pidfd, &si, WEXITED | WNOHANG | __WALL) == 0 &&
		    si.si_pid != 0) {
			s->cmd_reaped = true;
			event_del(s->ev_cmd);
			if (!s->exit_reported) {
				s->exit_code = si.si_code == CLD_EXITED ? si.si_status : 0;
				s->signal = si.si_code == CLD_EXITED ? 0 : si.si_status;
				read_exit_report(s);
			}
			/* A contained session's init is gone: no exec can come any more. */
			s->execs_refused = exec_guard_refused(s->exec_guard);
			exec_guard_free(TAKE_PTR(s->exec_guard));
		}
	}
}

/*
 * The end of a session the command did not choose (client gone, nsctld stopping, time
 * limit): sig to the command and to everything else in the session's cgroup, SIGKILL to
 * all of it after the grace period.
 */
static void send_end_signal(struct session *s, int sig)
{
	int fd = command_pidfd(s);
	struct timeval grace = { .tv_sec = s->m->settings.kill_grace_sec };

	if (fd >= 0)
		(void)pidfd_send_signal(fd, sig, NULL, 0);
	(void)cgroup_session_signal(s->cgroup, sig);
	if (!evtimer_pending(s->ev_grace, NULL))
		evtimer_add(s->ev_grace, &grace);
}

static void send_hangup(struct session *s)
{
	if (s->hung_up)
		return;
	s->hung_up = true;
	send_end_signal(s, SIGHUP);
}

/* The rule's time limit: SIGTERM now, SIGKILL after the grace period. */
static void on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct session *s = userdata;

	if (s->state == SESSION_ENDING || s->timed_out)
		return;
	s->timed_out = true;
	send_end_signal(s, SIGTERM);
}

static void on_grace(evutil_socket_t fd, short what, void *userdata)
{
	struct session *s = userdata;

	(void)cgroup_session_kill(s->cgroup);
	if (!s->worker_reaped)
		(void)pidfd_send_signal(s->worker_pidfd, SIGKILL, NULL, 0);
	if (s->cmd_pidfd >= 0 && !s->cmd_reaped)
		(void)pidfd_send_signal(s->cmd_pidfd, SIGKILL, NULL, 0);
	if (s->helper_pidfd >= 0 && !s->helper_reaped)
		(void)pidfd_send_signal(s->helper_pidfd, SIGKILL, NULL, 0);
}

/* The session-end record of a session that ran, written as it ends. */
static void audit_end(struct session *s)
{
	char message[128];

	if (s->exec_guard)
		s->execs_refused = exec_guard_refused(s->exec_guard);
	if (s->execs_refused > 0)
		snprintf(message, sizeof(message), "%s; %u later exec%s refused (no second program)",
			 s->signal ? "session ended by signal" : "session ended", s->execs_refused,
			 s->execs_refused == 1 ? "" : "s");
	else
		snprintf(message, sizeof(message), "%s",
			 s->signal ? "session ended by signal" : "session ended");
	audit_session(s, "session-end", NULL, message);
}

/*
 * The parameters of the first reply; NULL when out of memory: the reply then goes without
 * them, and the client, finding no pid, refuses it and hangs up, which ends the session.
 */
static struct json_object *started_params(const struct session *s, size_t n_fds)
{
	_cleanup_json_ struct json_object *p = json_object_new_object();

	if (!p || proto_json_add(p, "session", json_object_new_int64((int64_t)s->id)) < 0 ||
	    proto_json_add(p, "pid", json_object_new_int64(
		    s->cmd_pid ? s->cmd_pid : s->worker_pid)) < 0)
		return NULL;
	if (n_fds > 0 && proto_json_add(p, "terminal", json_object_new_int(0)) < 0)
		return NULL;
	return TAKE_PTR(p);
}

/* The last reply's parameters; NULL when out of memory (the client refuses the reply). */
static struct json_object *ended_params(const struct session *s)
{
	_cleanup_json_ struct json_object *p = json_object_new_object();

	if (!p)
		return NULL;
	if (s->signal ? proto_json_add(p, "signal", json_object_new_int(s->signal)) < 0
		      : proto_json_add(p, "exit_code", json_object_new_int(s->exit_code)) < 0)
		return NULL;
	if (s->timed_out &&
	    (proto_json_add(p, "timeout", json_object_new_int64(
		     (int64_t)(s->timeout_usec / 1000000u))) < 0 ||
	     proto_json_add(p, "rule", json_object_new_string(s->rule)) < 0))
		return NULL;
	/* The client says why its command ended (nsctl prints a line). */
	if (s->m->stopping &&
	    proto_json_add(p, "daemon_stopping", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(p);
}

/* The first reply: the session has started; a terminal's master rides along as fd 0. */
static void reply_started(struct session *s, int *fds, size_t n_fds)
{
	s->state = SESSION_RUNNING;
	if (s->timeout_usec > 0) {
		struct timeval tv = {
			.tv_sec = (time_t)(s->timeout_usec / 1000000u),
			.tv_usec = (suseconds_t)(s->timeout_usec % 1000000u),
		};
		evtimer_add(s->ev_timeout, &tv);
	}
	audit_session(s, "session-start", NULL, "session started");
	if (s->conn)
		conn_reply(s->conn, started_params(s, n_fds), true, fds, n_fds);
	else
		close_many(fds, n_fds);
	if (s->hangup_pending)
		send_hangup(s);
}

/* A terminal session starts once the master is here and the command's pid is known. */
static void advance_tty(struct session *s)
{
	int fds[1];

	if (s->state != SESSION_STARTING || s->failed || s->tty_master < 0)
		return;
	if (s->join_pid && s->cmd_pidfd < 0)
		return; /* the pid-namespace child may report its terminal before its parent */
	if (!s->conn) {
		/* Abandoned: the worker was told to give up (session_detach). */
		s->tty_master = safe_close(s->tty_master);
		return;
	}
	fds[0] = TAKE_FD(s->tty_master);
	s->tty_delivering = true;
	reply_started(s, fds, 1);
}

static void advance(struct session *s)
{
	if (s->tty)
		advance_tty(s);
	/* A terminal session that failed after its started reply: the error was the last. */
	if (s->state == SESSION_RUNNING && s->failed)
		s->state = SESSION_ENDING;
	if (!s->status_eof)
		return;
	if (s->state == SESSION_STARTING) {
		if (!s->failed && s->join_pid && s->cmd_pidfd < 0) {
			/* The pid-namespace fork did not report a child: nothing runs. */
			struct worker_report rep = {
				.kind = WORKER_REPORT_ERROR, .stage = WORKER_STAGE_FORK, .error = EIO,
			};
			reply_start_error(s, &rep);
		}
		if (!s->failed && s->tty) {
			/* The worker went without handing over a terminal. */
			struct worker_report rep = {
				.kind = WORKER_REPORT_ERROR, .stage = WORKER_STAGE_TTY, .error = EPIPE,
			};
			reply_start_error(s, &rep);
		}
		if (s->failed)
			s->state = SESSION_ENDING;
		else
			reply_started(s, NULL, 0);
	}
	if (s->state == SESSION_RUNNING && command_done(s)) {
		s->state = SESSION_ENDING;
		/* The command is gone: nothing it left behind outlives it. */
		(void)cgroup_session_kill(s->cgroup);
		/* Recorded before the client hears of it. */
		audit_end(s);
		if (s->conn)
			conn_reply(s->conn, ended_params(s), false, NULL, 0);
	}
	if (s->state == SESSION_ENDING && all_reaped(s))
		session_free(s);
}

static void on_event(evutil_socket_t fd, short what, void *userdata)
{
	struct session *s = userdata;

	drain_status(s);
	read_exit_report(s);
	reap(s);
	advance(s);
}

/*
 * The worker's instructions for call as d permits, in t. The identity is the one inside
 * the target's user namespace when one is joined, else the run-as identity decided on
 * (s->run_as_*) with the grant's groups, or the caller's own without a grant.
 */
static void worker_spec_build(const struct session *s, const struct run_call *call,
			      const struct decision *d, const struct target *t, int status_fd,
			      struct worker_spec *ret)
{
	const struct idmap_identity *inner = call->identity.joined ? &call->identity.inner : NULL;
	const struct policy_grant *g = d->grant;
	uint32_t join = call->req.ns_mask & ~t->shared_ns;
	/* A user namespace is joined through the fd its maps were read from (worker.c). */
	uint32_t userns = inner ? NS_BIT(NS_USER) : 0;

	*ret = (struct worker_spec){
		.target_pidfd = t->pidfd,
		.target_pid = t->pid,
		.target_nsfd = t->nsfd,
		.clone_flags = ns_mask_to_clone_flags(join & ~userns),
		.join_pid = join & NS_BIT(NS_PID),
		.join_userns = inner != NULL,
		.target_usernsfd = inner ? inner->usernsfd : -EBADF,
		.uid = inner ? inner->uid : s->run_as_uid,
		.gid = inner ? inner->gid : s->run_as_gid,
		.groups = inner ? inner->groups : g ? g->groups : call->c->groups,
		.n_groups = inner ? inner->n_groups : g ? g->n_groups : call->c->n_groups,
		.stdio = { call->stdio[0], call->stdio[1], call->stdio[2] },
		.status_fd = status_fd,
		.argv = s->argv,
		.envp = d->envp,
		.cwd = s->cwd,
		.caps = d->caps,
		.cmd_path = g ? g->cmd : NULL,
		.cgroup_fds = call->cgroup_fds,
		.n_cgroup_fds = call->n_cgroup_fds,
		.tty = call->req.tty,
		.window = { .ws_row = call->req.window.rows, .ws_col = call->req.window.columns },
		.pids_procs_fd = s->cgroup->v1_procs_fd,
		.host_mntns_fd = s->m->settings.host_mntns_fd,
		/* A grant with capabilities is contained; "exec" lets it run more programs. */
		.contain = d->caps != 0,
		.exec_once = d->caps != 0 && !(g && (g->options & POLICY_OPT_EXEC)),
		.init_image_fd = d->caps != 0 ? manager_init_image(s->m) : -EBADF,
	};
}

/*
 * Whether a change of uid leaves our memory non-dumpable: fs.suid_dumpable is 0 or 2,
 * not 1 ("debug"), which would let the run-as user ptrace a spawned worker, and so
 * nsctld, between its change of uid and the prctl() that follows it (worker.c).
 */
static bool uid_change_keeps_memory_private(void)
{
	_cleanup_free_ char *text = NULL;

	if (read_text_file("/proc/sys/fs/suid_dumpable", 16, &text) < 0)
		return false;
	return text[0] == '0' || text[0] == '2';
}

static void worker_spec_free(void *spec)
{
	free(spec);
}

/*
 * Spawn the worker (daemon/spawn.c): it shares our memory until its exec, on a copy of
 * spec. So does a contained session's worker until its pid 1 has executed the init image,
 * which gives pid 1 a memory of its own (contain.c). On any failure the caller forks: a
 * clone the kernel refuses (the session's pids.max) fails the same way there and is
 * reported from there.
 */
static long spawn_worker(struct session *s, const struct worker_spec *spec,
			 const struct clone_args *args, int *ret_pidfd)
{
	struct clone_args own = *args;
	struct worker_spec *copy;
	void *stack;
	long pid;
	int r;

	if (!s->m->spawner || !uid_change_keeps_memory_private())
		return -ENOSYS;
	r = worker_spec_copy(spec, &copy);
	if (r < 0)
		return r;
	copy->spawned = true;
	if (!spec->join_pid && !spec->contain)
		return spawner_spawn(s->m->spawner, args, worker_main, copy, worker_spec_free,
				     ret_pidfd);
	/*
	 * Its children share its stack and spec until their exec, and may outlive it (a
	 * SIGKILL to the worker alone): both are the session's until it is freed.
	 */
	stack = spawner_stack_get(s->m->spawner);
	if (!stack) {
		free(copy);
		return -ENOMEM;
	}
	own.stack = (uint64_t)(uintptr_t)stack;
	own.stack_size = SPAWN_STACK_SIZE;
	pid = spawner_spawn(s->m->spawner, &own, worker_main, copy, NULL, ret_pidfd);
	if (pid < 0) {
		/* No child ran on them. */
		spawner_stack_put(s->m->spawner, stack);
		free(copy);
		return pid;
	}
	s->worker_stack = stack;
	s->worker_copy = copy;
	return pid;
}

static int fork_worker(struct session *s, const struct worker_spec *spec)
{
	int pidfd = -EBADF;
	/*
	 * The worker is born in the session's cgroup (CLONE_INTO_CGROUP): no moment in which
	 * it, or anything it starts, is in nsctld's own. Its pidfd comes from the same call.
	 */
	struct clone_args args = {
		.flags = CLONE_PIDFD | CLONE_INTO_CGROUP,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)s->cgroup->v2_fd,
	};
	/*
	 * Every signal blocked across the clone (the raw call: glibc's own 32 and 33 too), so
	 * that none of nsctld's handlers can run in the worker: it resets what differs from
	 * the default and then opens its mask (worker.c). Ours is restored right after.
	 */
	unsigned long all[_NSIG / (8 * sizeof(unsigned long))], saved[sizeof(all) / sizeof(long)];
	long pid;
	int r = 0;

	/* Containment makes a second process too: the command's pid 1, which nsctld watches. */
	s->join_pid = spec->join_pid || spec->contain;
	s->contained = spec->contain;
	pid = spawn_worker(s, spec, &args, &pidfd);
	if (pid > 0)
		goto done;
	memset(all, 0xff, sizeof(all));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, saved, sizeof(all)) < 0)
		return -errno;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		worker_run(spec);
	if (pid < 0)
		r = -errno;
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, saved, NULL, sizeof(all));
	if (r < 0)
		return r;
done:
	s->worker_pid = (pid_t)pid;
	s->worker_pidfd = pidfd;
	return 0;
}

/* A session for call, not yet started: what it records is taken from call, d and t. */
static struct session *session_new(struct run_call *call, struct decision *d,
				   const struct target *t)
{
	struct manager *m = call->c->m;
	const struct policy_grant *g = d->grant;
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->m = m;
	s->id = ++m->next_session_id;
	s->caller = call->c->cred;
	s->ns_mask = call->req.ns_mask;
	s->worker_pidfd = -EBADF;
	s->cmd_pidfd = -EBADF;
	s->status_fd = -EBADF;
	s->tty = call->req.tty;
	s->tty_master = -EBADF;
	s->exit_fd = -EBADF;
	s->helper_pidfd = -EBADF;
	s->state = SESSION_STARTING;
	s->start_usec = now_usec();
	s->target = strdup(t->canonical);
	s->argv = TAKE_PTR(call->req.argv);
	s->cwd = TAKE_PTR(call->req.cwd);
	s->rule = TAKE_PTR(d->rule);
	s->nolog = g && (g->options & POLICY_OPT_NOLOG);
	s->run_as_uid = g ? g->uid : s->caller.uid;
	s->run_as_gid = g ? g->gid : s->caller.gid;
	s->caps = d->caps;
	s->reason = TAKE_PTR(call->req.reason);
	s->timeout_usec = g ? g->timeout_usec : 0;
	{
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		s->start_realtime_usec = (uint64_t)rt.tv_sec * 1000000u +
					 (uint64_t)rt.tv_nsec / 1000u;
	}
	if (call->identity.joined) {
		s->inside_set = true;
		s->inside_uid = call->identity.inner.uid;
		s->inside_gid = call->identity.inner.gid;
	}
	memcpy(s->ns_inodes, call->ns_inodes, sizeof(s->ns_inodes));
	LIST_INSERT_HEAD(&m->sessions, s, entry);
	m->n_sessions++;
	s->worker_reaped = true; /* until there is a worker */
	return s;
}

int session_start(struct run_call *call_, struct decision *d_, struct target *t_,
		  struct session **ret, const char **ret_failed)
{
	_cleanup_(run_call_freep) struct run_call *call = call_;
	_cleanup_(decision_done) struct decision d = *d_;
	_cleanup_(target_freep) struct target *t = t_;
	_cleanup_close_ int worker_status = -EBADF;
	struct manager *m = call->c->m;
	struct worker_spec spec;
	struct session *s;
	int pair[2];
	int r;

	*d_ = (struct decision){ .action = POLICY_DENY };
	*ret_failed = "fork";
	s = session_new(call, &d, t);
	if (!s)
		return -ENOMEM;
	s->ev_grace = evtimer_new(m->base, on_grace, s);
	s->ev_timeout = evtimer_new(m->base, on_timeout, s);
	if (!s->target || !s->ev_grace || !s->ev_timeout) {
		r = -ENOMEM;
		goto fail;
	}
	r = cgroup_session_new(m->cgroups, s->caller.uid, s->id, d.grant ? d.grant->tasks : 0,
			       call->cgroup_parent, &s->cgroup);
	if (r < 0) {
		*ret_failed = "session-cgroup";
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		r = -errno;
		goto fail;
	}
	s->status_fd = pair[0];
	worker_status = pair[1];
	if (fcntl(s->status_fd, F_SETFL, O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	s->worker_reaped = false;
	worker_spec_build(s, call, &d, t, worker_status, &spec);
	r = fork_worker(s, &spec);
	if (r < 0)
		goto fail;
	cgroup_session_forked(s->cgroup);
	s->ev_status = event_new(m->base, s->status_fd, EV_READ | EV_PERSIST, on_event, s);
	s->ev_worker = event_new(m->base, s->worker_pidfd, EV_READ | EV_PERSIST, on_event, s);
	if (!s->ev_status || !s->ev_worker) {
		r = -ENOMEM;
		goto fail;
	}
	event_add(s->ev_status, NULL);
	event_add(s->ev_worker, NULL);
	s->conn = call->c;
	*ret = s;
	return 0;
fail:
	session_free(s);
	return r;
}

void session_detach(struct session *s)
{
	s->conn = NULL;
	if (s->tty && !s->tty_confirmed && !s->failed) {
		/* The master never reached the client: the worker reads EOF and exits, no exec. */
		if (s->status_fd >= 0)
			(void)shutdown(s->status_fd, SHUT_WR);
		s->failed = true;
		audit_session(s, "session-end", NULL, "client left before the terminal was delivered");
	}
	session_hangup(s);
}

void session_output_flushed(struct session *s)
{
	static const char go = 1;

	if (!s->tty_delivering)
		return;
	s->tty_delivering = false;
	s->tty_confirmed = true;
	/* A worker that is gone cannot hear it; its end arrives through its pidfd. */
	if (s->status_fd >= 0)
		(void)send(s->status_fd, &go, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void session_hangup(struct session *s)
{
	if (s->state == SESSION_STARTING) {
		/* Not executed yet: hang up the command once it runs; the grace starts now. */
		struct timeval grace = { .tv_sec = s->m->settings.kill_grace_sec };

		s->hangup_pending = true;
		evtimer_add(s->ev_grace, &grace);
		return;
	}
	if (s->state == SESSION_RUNNING)
		send_hangup(s);
}

/* Signal the running command. -ESRCH when it is not running. */
static int session_signal(struct session *s, int sig)
{
	int fd;

	if (s->state != SESSION_RUNNING)
		return -ESRCH;
	fd = command_pidfd(s);
	if (fd < 0)
		return -ESRCH;
	if (pidfd_send_signal(fd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

int session_kill(struct session *s, uid_t by, int sig)
{
	int r = session_signal(s, sig);

	if (r >= 0 && !s->ended_by_kill) {
		s->ended_by_kill = true;
		s->ended_by_uid = by;
	}
	return r;
}

struct session *session_find(struct manager *m, uint64_t id)
{
	struct session *s;

	LIST_FOREACH(s, &m->sessions, entry)
		if (s->id == id)
			return s;
	return NULL;
}

unsigned session_count_uid(const struct manager *m, uid_t uid)
{
	const struct session *s;
	unsigned n = 0;

	LIST_FOREACH(s, &m->sessions, entry)
		if (s->caller.uid == uid)
			n++;
	return n;
}

/* Kill and reap synchronously: only on teardown paths, where waiting is bounded by SIGKILL. */
static void kill_and_reap(int pidfd, bool *reaped)
{
	siginfo_t si;

	if (pidfd < 0 || *reaped)
		return;
	(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	*reaped = true;
}

void session_free(struct session *s)
{
	struct conn *c;

	if (!s)
		return;
	/*
	 * Everything of a session that still runs is killed at once first, then reaped: killed
	 * one by one, a spawned worker would go before the children that share its memory and
	 * stack until their exec (daemon/spawn.c), and its spawner thread go on with them.
	 */
	if (!all_reaped(s))
		(void)cgroup_session_kill(s->cgroup);
	kill_and_reap(s->worker_pidfd, &s->worker_reaped);
	kill_and_reap(s->cmd_pidfd, &s->cmd_reaped);
	kill_and_reap(s->helper_pidfd, &s->helper_reaped);
	if (s->ev_status)
		event_free(s->ev_status);
	if (s->ev_worker)
		event_free(s->ev_worker);
	if (s->ev_cmd)
		event_free(s->ev_cmd);
	if (s->ev_exit)
		event_free(s->ev_exit);
	if (s->ev_grace)
		event_free(s->ev_grace);
	if (s->ev_timeout)
		event_free(s->ev_timeout);
	/* Everything the session started is killed; its cgroup goes once empty. */
	cgroup_session_release(s->cgroup);
	/* Nothing of the session runs on them any more: reaped, or killed by the cgroup. */
	spawner_stack_put(s->m->spawner, s->worker_stack);
	free(s->worker_copy);
	safe_close(s->status_fd);
	safe_close(s->tty_master);
	safe_close(s->worker_pidfd);
	safe_close(s->cmd_pidfd);
	safe_close(s->exit_fd);
	safe_close(s->helper_pidfd);
	exec_guard_free(s->exec_guard);
	LIST_REMOVE(s, entry);
	s->m->n_sessions--;
	c = s->conn;
	free(s->target);
	strv_free(s->argv);
	free(s->cwd);
	free(s->rule);
	free(s->reason);
	manager_check_idle(s->m);
	free(s);
	if (c)
		conn_session_done(c);
}
