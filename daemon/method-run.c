/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.Run: validate, decide (audited), pin the target, start a session. */

/*
 * The order is deliberate. Everything the request says is checked first; then the policy
 * decides on the target's name, before the target is looked up, so that a caller who may
 * not enter a target cannot learn whether it exists; only a permitted request pins the
 * target and forks a worker. A denied request never forks.
 *
 * Terminals. A request with tty names no stdio fds: the worker opens a terminal inside
 * the target and the client gets its master. A request without tty hands the caller's
 * own fds to the command, and those may be the caller's terminal; that is only allowed
 * while the command runs as the caller (terminal_handoff_check()).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conn.h"
#include "daemon/decision.h"
#include "daemon/dispatch.h"
#include "daemon/environment.h"
#include "daemon/manager.h"
#include "daemon/policy.h"
#include "daemon/session.h"
#include "daemon/target-info.h"
#include "daemon/target.h"
#include "daemon/terminal.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* stdio for a worker that will put a terminal there: /dev/null until it does. */
static int null_stdio(int fds[3])
{
	int null = open("/dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (null < 0)
		return -errno;
	fds[0] = null;
	for (int i = 1; i < 3; i++) {
		fds[i] = fcntl(null, F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			return -errno; /* the caller closes what is there */
	}
	return 0;
}

static void error_target(struct conn *c, const char *error, const char *target)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "target", json_object_new_string(target));
	conn_error(c, error, p);
}

static void error_errno(struct conn *c, const char *operation, int r)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "operation", json_object_new_string(operation));
	json_object_object_add(p, "errno", json_object_new_int(-r));
	conn_error(c, NSCTL_ERROR_SYSTEM, p);
}

/*
 * The error for a request the policy refused: a variable the rule does not pass on, or
 * PermissionDenied, with what a permitting rule still refuses as its reason.
 */
static void error_denied(struct conn *c, const struct decision *d, const char *target,
			 uint32_t ns_mask)
{
	struct json_object *p = json_object_new_object();

	if (d->refused_env) {
		json_object_object_add(p, "name", json_object_new_string(d->refused_env));
		json_object_object_add(p, "rule", json_object_new_string(d->rule));
		conn_error(c, NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED, p);
		return;
	}
	json_object_object_add(p, "target", json_object_new_string(target));
	json_object_object_add(p, "namespaces", ns_mask_to_json(ns_mask));
	if (d->reason)
		json_object_object_add(p, "reason", json_object_new_string(d->reason));
	conn_error(c, NSCTL_ERROR_PERMISSION_DENIED, p);
}

static void error_limit(struct conn *c, const char *limit)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "limit", json_object_new_string(limit));
	conn_error(c, NSCTL_ERROR_LIMIT_EXCEEDED, p);
}

/*
 * Decide and audit: may the caller do this, as whom, with what (decision_make(), shared
 * with CheckAccess), and may the fds it hands over go to that user? One record, written
 * once everything is known, so that it says how the request ends; none for a permit of a
 * nolog rule, always one for a denial. stdio are the fds the request hands to the command
 * (n_stdio 0 with a terminal).
 */
static int decide(struct conn *c, const struct run_request *req, const struct target *t,
		  const int *stdio, size_t n_stdio, struct decision *d)
{
	const struct policy_caller caller = {
		.uid = c->cred.uid, .gid = c->cred.gid,
		.groups = c->groups, .n_groups = c->n_groups,
	};
	_cleanup_free_ char *message = NULL;
	bool permit;
	int r;

	r = decision_make(c->m->policy, &caller, t->canonical, t->bare, req->ns_mask, req->argv,
			  req->env, req->tty, d);
	if (r < 0)
		return r;
	if (d->action == POLICY_PERMIT &&
	    terminal_handoff_check(c->cred.uid, d->grant->uid, stdio, n_stdio) < 0) {
		d->action = POLICY_DENY;
		d->reason = "the command runs as another user: your terminal cannot be passed to "
			    "it (use a terminal session, --tty)";
	}
	permit = d->action == POLICY_PERMIT;
	if (permit && (d->grant->options & POLICY_OPT_NOLOG))
		return 0;
	if (d->refused_env)
		r = asprintf(&message, "request denied: variable %s not permitted", d->refused_env);
	else if (d->reason)
		r = asprintf(&message, "request denied: %s", d->reason);
	if (r < 0)
		message = NULL;
	audit_log(&(struct audit_record){
		.event = "decision",
		.caller = &c->cred,
		.target = t->canonical,
		.ns_mask = req->ns_mask,
		.argv = req->argv ? req->argv : d->argv,
		.decision = permit ? "permit" : "deny",
		.rule = d->rule,
		.exit_status = -1,
		.error = d->refused_env ? NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED : NULL,
		.message = permit ? "request permitted" : message ? message : "request denied",
		.granted = permit,
		.run_as_uid = permit ? d->grant->uid : 0,
		.run_as_gid = permit ? d->grant->gid : 0,
		.caps = d->caps,
	});
	return 0;
}

/*
 * What the session needs to know about the pinned target: the inodes of its namespaces
 * (audit) and, with the "cgroup" option, its cgroup.procs files. A target without a
 * process (netns:) has no cgroup to join: the option does nothing there.
 */
static int target_details(const struct target *t, const struct decision *d, uint32_t ns_mask,
			  uint64_t *inodes, int *cgroup_fds, size_t *n_cgroup_fds)
{
	int r;

	r = target_ns_inodes(t, ns_mask, inodes);
	if (r < 0)
		return r;
	*n_cgroup_fds = 0;
	if (!(d->grant->options & POLICY_OPT_CGROUP) || t->pidfd < 0)
		return 0;
	return target_cgroup_open(t, cgroup_fds, TARGET_CGROUPS_MAX, n_cgroup_fds);
}

/* Take the three stdio fds out of the message; an index used twice is duplicated. */
static int take_stdio(struct proto_message *msg, const int idx[3], int fds[3])
{
	for (int i = 0; i < 3; i++) {
		fds[i] = -EBADF;
		for (int j = 0; j < i; j++)
			if (idx[j] == idx[i]) {
				fds[i] = fcntl(fds[j], F_DUPFD_CLOEXEC, 3);
				if (fds[i] < 0)
					return -errno;
				break;
			}
		if (fds[i] < 0) {
			fds[i] = proto_message_take_fd(msg, (size_t)idx[i]);
			if (fds[i] < 0)
				return fds[i];
		}
	}
	return 0;
}

void method_run(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	struct manager *m = c->m;
	struct run_request req = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	struct session_params sp = { .stdio = { -EBADF, -EBADF, -EBADF } };
	struct target *t = NULL;
	struct session *s;
	const char *bad = NULL;
	struct decision d = { .action = POLICY_DENY };
	uint64_t inodes[_NS_COUNT];
	int cgroup_fds[TARGET_CGROUPS_MAX];
	size_t n_cgroup_fds = 0;
	int idx[3], named[3] = { -EBADF, -EBADF, -EBADF }, r;

	if (m->stopping) {
		conn_error(c, NSCTL_ERROR_SHUTTING_DOWN, NULL);
		return;
	}
	if (!call->more || call->oneway) {
		conn_error(c, VARLINK_ERROR_EXPECTED_MORE, NULL);
		return;
	}
	if (c->read_eof) {
		conn_protocol_error(c, "Run on a connection that was shut down for writing");
		return;
	}
	r = run_request_from_json(call->parameters, &req, &bad);
	if (r < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		return;
	}
	idx[0] = req.stdin_fd;
	idx[1] = req.stdout_fd;
	idx[2] = req.stderr_fd;
	for (int i = 0; i < 3 && !req.tty; i++) {
		if (idx[i] < 0 || (size_t)idx[i] >= msg->n_fds) {
			conn_error_invalid(c, (const char *[]){ "stdin", "stdout", "stderr" }[i]);
			goto out;
		}
		named[i] = msg->fds[idx[i]];
	}
	if (!environment_request_valid(req.env)) {
		conn_error_invalid(c, "env");
		goto out;
	}
	if (session_count_uid(m, c->cred.uid) >= m->settings.max_sessions_per_uid) {
		error_limit(c, "sessions-per-user");
		goto out;
	}
	r = target_parse(req.target, &t);
	if (r == -ENOMEM) {
		error_errno(c, "parse-target", r);
		goto out;
	}
	if (r < 0) {
		error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, req.target);
		goto out;
	}
	r = decide(c, &req, t, named, req.tty ? 0 : 3, &d);
	if (r < 0) {
		error_errno(c, "decide", r);
		goto out;
	}
	if (d.action != POLICY_PERMIT) {
		error_denied(c, &d, t->canonical, req.ns_mask);
		goto out;
	}
	r = target_open(t);
	if (r == -ESRCH || r == -ENOENT) {
		error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, t->canonical);
		goto out;
	}
	if (r < 0) {
		error_errno(c, "open-target", r);
		goto out;
	}
	if (req.ns_mask & ~t->available_ns) {
		struct json_object *p = json_object_new_object();
		int missing = __builtin_ctz(req.ns_mask & ~t->available_ns);

		json_object_object_add(p, "target", json_object_new_string(t->canonical));
		json_object_object_add(p, "namespace", json_object_new_string(ns_table[missing].name));
		conn_error(c, NSCTL_ERROR_NAMESPACE_UNAVAILABLE, p);
		goto out;
	}
	r = target_details(t, &d, req.ns_mask, inodes, cgroup_fds, &n_cgroup_fds);
	if (r == -ESRCH) {
		error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, t->canonical);
		goto out;
	}
	if (r < 0) {
		error_errno(c, "target-cgroup", r);
		goto out;
	}
	/* Without argv (a terminal session): the run-as user's shell, as decided. */
	if (!req.argv)
		req.argv = TAKE_PTR(d.argv);
	r = req.tty ? null_stdio(sp.stdio) : take_stdio(msg, idx, sp.stdio);
	if (r < 0) {
		error_errno(c, "stdio", r);
		goto out;
	}
	sp.conn = c;
	sp.target = t;
	sp.ns_mask = req.ns_mask;
	sp.tty = req.tty;
	sp.rows = req.window.rows;
	sp.columns = req.window.columns;
	sp.argv = TAKE_PTR(req.argv);
	sp.cwd = TAKE_PTR(req.cwd);
	sp.rule = TAKE_PTR(d.rule);
	sp.envp = TAKE_PTR(d.envp);
	sp.grant = d.grant;
	sp.caps = d.caps;
	sp.cgroup_fds = cgroup_fds;
	sp.n_cgroup_fds = n_cgroup_fds;
	sp.ns_inodes = inodes;
	r = session_start(m, &sp, &s);
	if (r < 0) {
		error_errno(c, "fork", r);
		goto out;
	}
	c->session = s;
out:
	/* The worker has its own copies now: the daemon keeps no byte of the session's stdio. */
	close_many(sp.stdio, 3);
	strv_free(sp.envp);
	strv_free(sp.argv);
	free(sp.cwd);
	free(sp.rule);
	close_many(cgroup_fds, n_cgroup_fds);
	decision_done(&d);
	target_free(t);
	run_request_done(&req);
}
