/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.Run: validate, resolve the target, decide (audited), start a session. */

/*
 * The order is deliberate. Everything the request says is checked first, and the stdio fds
 * are taken out of the message. Then the target's name is resolved, through the event loop
 * (a container engine or the bus may take a while; other clients are served meanwhile), to
 * a pinned target and its canonical name; the connection holds the resolution and cancels
 * it if the client leaves. The policy then decides on the canonical name, and only a
 * permitted request forks a worker.
 *
 * Resolving comes before deciding because a bare name ("web") or an ID has no canonical
 * name until it is resolved. What a caller may learn stays the same: a bare name only means
 * targets the caller may see (some request for them could be permitted), and when nothing
 * is found the policy decides on what the name would mean (docker:web, netns:web, ...), so
 * a caller who would be denied gets PermissionDenied whether or not the target exists, and
 * TargetNotFound only when the request would have been permitted. Errors name the target as
 * the caller wrote it.
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
#include <sys/pidfd.h>
#include <unistd.h>

#include "daemon/policy/access.h"
#include "daemon/cgroup.h"
#include "daemon/conn.h"
#include "daemon/policy/decision.h"
#include "daemon/dispatch.h"
#include "daemon/policy/environment.h"
#include "daemon/policy/fd-rules.h"
#include "daemon/idmap.h"
#include "daemon/policy/grant-scope.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "daemon/run-call.h"
#include "daemon/session.h"
#include "daemon/targets/target-info.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "daemon/policy/terminal.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/util.h"

/* The denial of a request without a reason that its rule requires (io.nsctl.ReasonRequired). */
static const char reason_required[] = "the rule requires a reason (nsctl run --reason TEXT)";

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

/*
 * The error for a request the policy refused: a variable the rule does not pass on, or
 * PermissionDenied, with what a permitting rule still refuses as its reason.
 */
static void error_denied(struct conn *c, const struct decision *d, const char *target,
			 uint32_t ns_mask)
{
	struct json_object *p;
	int r;

	if (!d->refused_env) {
		method_error_denied(c, target, ns_mask, d->reason);
		return;
	}
	p = proto_json_object_of("name", json_object_new_string(d->refused_env));
	r = p ? proto_json_add(p, "rule", json_object_new_string(d->rule)) : -ENOMEM;
	method_error_reply(c, NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED, p, r);
}

/* Does the request join a user namespace of t other than nsctld's own? */
static bool joins_userns(const struct target *t, uint32_t ns_mask)
{
	return t && t->pidfd >= 0 &&
	       (ns_mask & t->available_ns & ~t->shared_ns & NS_BIT(NS_USER));
}

static void error_identity(struct conn *c, const char *target, const struct run_identity *ri)
{
	struct json_object *p = proto_json_object_of("target", json_object_new_string(target));
	int r = p ? 0 : -ENOMEM;
	char ns[64];

	snprintf(ns, sizeof(ns), "user:[%llu]", (unsigned long long)ri->unmapped.userns_inode);
	if (r >= 0)
		r = proto_json_add(p, "kind", json_object_new_string(ri->unmapped.kind));
	if (r >= 0)
		r = proto_json_add(p, "id", json_object_new_int64(ri->unmapped.id));
	if (r >= 0)
		r = proto_json_add(p, "namespace", json_object_new_string(ns));
	method_error_reply(c, NSCTL_ERROR_IDENTITY_NOT_MAPPED, p, r);
}

/* What the policy is asked about a Run request on the target (canonical, bare). */
static struct policy_request policy_request_of(const struct run_request *req,
					       const char *canonical, const char *bare)
{
	return (struct policy_request){
		.target = canonical, .bare_name = bare, .ns_mask = req->ns_mask,
		.argv = req->argv, .env = req->env, .tty = req->tty,
	};
}

/*
 * Decide and audit: may the caller do this, as whom, with what (decision_make(), shared
 * with CheckAccess), and may the fds it hands over go to that user? One record, written
 * once everything is known, so that it says how the request ends; none for a permit of a
 * nolog rule, always one for a denial. stdio are the fds the request hands to the command
 * (n_stdio 0 with a terminal).
 */
static int decide(struct conn *c, const struct run_request *req, const char *canonical,
		  const char *bare, const int *stdio, size_t n_stdio, const struct target *t,
		  struct decision *d, struct run_identity *ri)
{
	int missing;

	struct policy_caller caller;
	struct policy_request preq;
	_cleanup_free_ char *message = NULL;
	bool permit;
	int r;

	access_caller(c, &caller);
	preq = policy_request_of(req, canonical, bare);
	r = decision_make(c->m->policy, &caller, &preq, d);
	if (r < 0)
		return r;
	if (d->action == POLICY_PERMIT &&
	    terminal_handoff_check(c->cred.uid, d->grant->uid, stdio, n_stdio) < 0) {
		d->action = POLICY_DENY;
		d->reason = "the command runs as another user: your terminal cannot be passed to "
			    "it (use a terminal session, --tty)";
	}
	/* The rule's "reason" option: a request without one is a denial, audited as such. */
	if (d->action == POLICY_PERMIT && (d->grant->options & POLICY_OPT_REASON) &&
	    !req->reason) {
		d->action = POLICY_DENY;
		d->reason = reason_required;
	}
	/* The host identity decided on, as the target's user namespace sees it. */
	if (d->action == POLICY_PERMIT && ri && joins_userns(t, req->ns_mask)) {
		r = idmap_identity_read(t->pidfd, t->pid, d->grant->uid, d->grant->gid,
					d->grant->groups, d->grant->n_groups, &ri->inner,
					&ri->unmapped);
		ri->joined = r >= 0;
		ri->error = r < 0 ? r : 0;
		if (r < 0) {
			d->action = POLICY_DENY;
			d->reason = r == -EOVERFLOW ? "the run-as identity is not mapped in the "
						      "target's user namespace"
						    : "the target's user namespace could not be read";
		}
	}
	/*
	 * A capability acts on the namespace the command is in: net_admin without joining
	 * the target's network namespace would act on nsctld's, the host's (grant-scope.c).
	 */
	missing = d->action == POLICY_PERMIT && d->caps != 0
			  ? grant_scope_missing_ns(d->caps, req->ns_mask, t ? t->shared_ns : ~0u) : -1;
	if (missing >= 0) {
		d->action = POLICY_DENY;
		d->reason = missing == NS_NET
				    ? "the granted capabilities act on the network namespace: join "
				      "the target's (--net)"
				    : "the granted capabilities act on the IPC namespace: join the "
				      "target's (--ipc)";
	}
	permit = d->action == POLICY_PERMIT;
	if (permit && (d->grant->options & POLICY_OPT_NOLOG))
		return 0;
	if (d->refused_env)
		r = asprintf(&message, "request denied: variable %s not permitted", d->refused_env);
	else if (ri && ri->error == -EOVERFLOW)
		r = asprintf(&message, "request denied: host %s %u is not mapped in user:[%llu]",
			     ri->unmapped.kind, ri->unmapped.id,
			     (unsigned long long)ri->unmapped.userns_inode);
	else if (d->reason)
		r = asprintf(&message, "request denied: %s", d->reason);
	if (r < 0)
		message = NULL;
	audit_log(&(struct audit_record){
		.event = "decision",
		.caller = &c->cred,
		.target = canonical,
		.ns_mask = req->ns_mask,
		.argv = req->argv ? req->argv : d->argv,
		.decision = permit ? "permit" : "deny",
		.rule = d->rule,
		.exit_status = -1,
		.error = d->refused_env ? NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED
		       : d->reason == reason_required ? NSCTL_ERROR_REASON_REQUIRED
		       : ri && ri->error == -EOVERFLOW ? NSCTL_ERROR_IDENTITY_NOT_MAPPED : NULL,
		.reason = req->reason,
		.message = permit ? "request permitted" : message ? message : "request denied",
		.granted = permit,
		.run_as_uid = permit ? d->grant->uid : 0,
		.run_as_gid = permit ? d->grant->gid : 0,
		.caps = d->caps,
		.inside_set = permit && ri && ri->joined,
		.inside_uid = ri && ri->joined ? ri->inner.uid : 0,
		.inside_gid = ri && ri->joined ? ri->inner.gid : 0,
	});
	return 0;
}

/*
 * The rule's "cgroup" option keeps the target's cgroups, but in the v2 hierarchy the
 * session's own cgroup is made as a child of the target's (so the target's limits still
 * hold, and the session can be found and killed as a unit): the target's v2 cgroup.procs
 * is not joined but named as *ret_parent; its v1 hierarchies are joined as before.
 */
static int session_cgroup_option(const struct target *t, const struct decision *d, int *fds,
				 size_t *n_fds, char **ret_parent)
{
	size_t k = 0;
	int r;

	*ret_parent = NULL;
	if (!(d->grant->options & POLICY_OPT_CGROUP) || t->pidfd < 0)
		return 0;
	for (size_t i = 0; i < *n_fds; i++) {
		if (cgroup_fd_is_v2(fds[i]))
			fds[i] = safe_close(fds[i]);
		else
			fds[k++] = fds[i];
	}
	*n_fds = k;
	r = cgroup_v2_dir_of_pid(t->pid, ret_parent);
	if (r < 0)
		return r;
	/* The pid was read from /proc: the pidfd says whether it is still the target's. */
	if (pidfd_is_alive(t->pidfd) < 0) {
		*ret_parent = mfree(*ret_parent);
		return -ESRCH;
	}
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

static const char *const stdio_names[3] = { "stdin", "stdout", "stderr" };

/*
 * Take the three stdio fds out of the message; an index used twice is duplicated. Each
 * must pass the fd rule (daemon/policy/fd-rules.c): -EPERM with *ret_param and *ret_reason when
 * one does not.
 */
static int take_stdio(struct proto_message *msg, const int idx[3], int fds[3],
		      bool more_privileged, const char **ret_param, const char **ret_reason)
{
	int r;

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
		r = fd_rules_check(fds[i], more_privileged, ret_reason);
		if (r == -EPERM)
			*ret_param = stdio_names[i];
		if (r < 0)
			return r;
	}
	return 0;
}

static void error_fd_refused(struct conn *c, const char *param, const char *reason)
{
	struct json_object *p = proto_json_object_of("parameter", json_object_new_string(param));
	int r = p ? proto_json_add(p, "reason", json_object_new_string(reason)) : -ENOMEM;

	method_error_reply(c, NSCTL_ERROR_FD_REFUSED, p, r);
}

static void run_call_cancel(struct target_op *op)
{
	run_call_free((struct run_call *)op);
}

static bool run_filter(const char *canonical, const char *bare, void *userdata)
{
	struct run_call *rc = userdata;

	return access_filter_visible(canonical, bare, &rc->filter);
}

/*
 * Decide (audited) for rc on (canonical, bare), with the fds the command would get, for the
 * pinned target t (NULL when there is none: it then shares every namespace with nsctld).
 */
static int run_decide(struct run_call *rc, const char *canonical, const char *bare,
		      const struct target *t, struct decision *d, struct run_identity *ri)
{
	return decide(rc->c, &rc->req, canonical, bare, rc->stdio, rc->req.tty ? 0 : 3, t, d,
		      ri);
}

struct reading {
	struct run_call *rc;
	char *canonical, *bare;
};

/* Would the policy permit this request on (canonical, bare)? Not audited. */
static bool reading_permitted(const char *canonical, const char *bare, void *userdata)
{
	struct reading *rd = userdata;
	const struct run_request *req = &rd->rc->req;
	const struct policy_request preq = policy_request_of(req, canonical, bare);
	struct decision d = { .action = POLICY_DENY };
	bool permit;

	permit = decision_make(rd->rc->c->m->policy, &rd->rc->filter.caller, &preq, &d) >= 0 &&
		 d.action == POLICY_PERMIT;
	decision_done(&d);
	if (!permit)
		return false;
	rd->canonical = strdup(canonical);
	rd->bare = strdup(bare);
	return true;
}

/*
 * Nothing the caller may see has this name. The answer is the policy's for what the name
 * would mean (audited like any decision): TargetNotFound if some meaning would be
 * permitted, else PermissionDenied, the same as for a target that exists.
 */
static void answer_not_found(struct conn *c, struct run_call *rc)
{
	struct reading rd = { .rc = rc };
	const char *name = rc->req.target, *colon = strchr(name, ':');
	struct decision d = { .action = POLICY_DENY };
	int r;

	(void)target_readings(c->m->targets, name, reading_permitted, &rd);
	r = run_decide(rc, rd.canonical ? rd.canonical : name,
		       rd.bare ? rd.bare : colon ? colon + 1 : name, NULL, &d, NULL);
	free(rd.canonical);
	free(rd.bare);
	if (r < 0)
		method_error_system(c, "decide", r);
	else if (d.action == POLICY_PERMIT)
		method_error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, name);
	else
		error_denied(c, &d, name, rc->req.ns_mask);
	decision_done(&d);
}

/*
 * What the decision refuses, as its error reply: the rule's reason option, an identity not
 * mapped in (or not read from) the target's user namespace, a denial. True when refused.
 */
static bool refuse_decision(struct conn *c, const struct run_call *rc, const struct decision *d)
{
	const struct run_identity *ri = &rc->identity;

	if (d->action != POLICY_PERMIT && d->reason == reason_required) {
		conn_error(c, NSCTL_ERROR_REASON_REQUIRED,
			   proto_json_object_of("rule", json_object_new_string(d->rule)));
	} else if (ri->error == -EOVERFLOW) {
		error_identity(c, rc->req.target, ri);
	} else if (ri->error == -ESRCH) {
		method_error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, rc->req.target);
	} else if (ri->error < 0) {
		method_error_system(c, "read-userns-map", ri->error);
	} else if (d->action != POLICY_PERMIT) {
		error_denied(c, d, rc->req.target, rc->req.ns_mask);
	} else {
		return false;
	}
	return true;
}

/*
 * The second half of the fd rule: what the grant adds (no regular file where it acts on
 * files or identities, no socket for a contained session). True when refused.
 */
static bool refuse_stdio(struct conn *c, const struct run_call *rc, const struct decision *d)
{
	unsigned rules = fd_rules_for_grant(d->caps, d->grant->run_as_caller);

	if (rc->req.tty || rules == 0)
		return false;
	for (int i = 0; i < 3; i++) {
		const char *reason = NULL;
		int r = fd_rules_check_grant(rc->stdio[i], rules, &reason);

		if (r == -EPERM) {
			error_fd_refused(c, stdio_names[i], reason);
			return true;
		}
		if (r < 0) {
			method_error_system(c, "stdio", r);
			return true;
		}
	}
	return false;
}

/* Namespaces the target lacks; the session limit, again. True when refused. */
static bool refuse_target(struct conn *c, const struct run_call *rc, const struct target *t)
{
	struct manager *m = c->m;

	if (rc->req.ns_mask & ~t->available_ns) {
		int missing = __builtin_ctz(rc->req.ns_mask & ~t->available_ns);
		struct json_object *p = proto_json_object_of("target",
							     json_object_new_string(t->canonical));
		int r = p ? proto_json_add(p, "namespace",
					   json_object_new_string(ns_table[missing].name))
			  : -ENOMEM;

		method_error_reply(c, NSCTL_ERROR_NAMESPACE_UNAVAILABLE, p, r);
		return true;
	}
	/* Again: other calls of this uid may have started sessions while this one waited. */
	if (session_count_uid(m, c->cred.uid) >= m->settings.max_sessions_per_uid) {
		method_error_limit(c, "sessions-per-user");
		return true;
	}
	return false;
}

/* What the session needs to know about t, into rc. -ESRCH when t went away meanwhile. */
static int read_target(struct run_call *rc, const struct decision *d, const struct target *t)
{
	int r;

	r = target_details(t, d, rc->req.ns_mask, rc->ns_inodes, rc->cgroup_fds,
			   &rc->n_cgroup_fds);
	if (r < 0)
		return r;
	return session_cgroup_option(t, d, rc->cgroup_fds, &rc->n_cgroup_fds, &rc->cgroup_parent);
}

/* The target is pinned: decide, check its namespaces, start the session. Takes rc and t. */
static void run_start(struct conn *c, struct run_call *rc_, struct target *t_)
{
	_cleanup_(run_call_freep) struct run_call *rc = rc_;
	_cleanup_(target_freep) struct target *t = t_;
	_cleanup_(decision_done) struct decision d = { .action = POLICY_DENY };
	const char *failed = NULL;
	struct session *s;
	int r;

	r = run_decide(rc, t->canonical, t->bare, t, &d, &rc->identity);
	if (r < 0) {
		method_error_system(c, "decide", r);
		return;
	}
	if (refuse_decision(c, rc, &d) || refuse_stdio(c, rc, &d) || refuse_target(c, rc, t))
		return;
	r = read_target(rc, &d, t);
	if (r == -ESRCH) {
		method_error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, rc->req.target);
		return;
	}
	if (r < 0) {
		method_error_system(c, "target-cgroup", r);
		return;
	}
	/* Without argv (a terminal session): the run-as user's shell, as decided. */
	if (!rc->req.argv)
		rc->req.argv = TAKE_PTR(d.argv);
	r = session_start(TAKE_PTR(rc), &d, TAKE_PTR(t), &s, &failed);
	if (r < 0) {
		method_error_system(c, failed, r);
		return;
	}
	conn_session_begin(c, s);
}

static void on_resolved(struct target_result *res, void *userdata)
{
	struct run_call *rc = userdata;
	struct conn *c = rc->c;

	rc->resolve = NULL; /* finishing: target-resolve.c frees it */
	conn_op_done(c);
	if (c->m->stopping || conn_is_closing(c)) {
		/* No session for a connection on its way out (its answer is dropped then). */
		conn_error(c, NSCTL_ERROR_SHUTTING_DOWN, NULL);
	} else if (res->r == -ENOENT) {
		answer_not_found(c, rc);
	} else if (res->r < 0) {
		method_error_resolve(c, rc->req.target, res);
	} else {
		run_start(c, TAKE_PTR(rc), TAKE_PTR(res->t)); /* takes both */
	}
	run_call_free(rc);
}

void method_run(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	struct manager *m = c->m;
	struct run_call *rc = NULL;
	const char *bad = NULL, *reason = NULL;
	uint32_t kinds;
	int idx[3], r;

	if (!call->more || call->oneway) {
		conn_error(c, VARLINK_ERROR_EXPECTED_MORE, NULL);
		return;
	}
	if (conn_read_shut(c)) {
		conn_protocol_error(c, "Run on a connection that was shut down for writing");
		return;
	}
	rc = run_call_new(c);
	if (!rc) {
		method_error_system(c, "allocate", -ENOMEM);
		return;
	}
	rc->op.cancel = run_call_cancel;
	r = run_request_from_json(call->parameters, &rc->req, &bad);
	if (r < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		goto fail;
	}
	idx[0] = rc->req.stdin_fd;
	idx[1] = rc->req.stdout_fd;
	idx[2] = rc->req.stderr_fd;
	for (int i = 0; i < 3 && !rc->req.tty; i++)
		if (idx[i] < 0 || (size_t)idx[i] >= msg->n_fds) {
			conn_error_invalid(c, stdio_names[i]);
			goto fail;
		}
	if (!environment_request_valid(rc->req.env)) {
		conn_error_invalid(c, "env");
		goto fail;
	}
	if (session_count_uid(m, c->cred.uid) >= m->settings.max_sessions_per_uid) {
		method_error_limit(c, "sessions-per-user");
		goto fail;
	}
	/*
	 * The message goes away when this returns; its fds wait with the call. Kinds that are
	 * never handed on are refused now; regular files once the decision shows whether the
	 * command runs with more privilege than the caller (run_start()).
	 */
	r = rc->req.tty ? null_stdio(rc->stdio)
			: take_stdio(msg, idx, rc->stdio, false, &bad, &reason);
	if (r == -EPERM) {
		error_fd_refused(c, bad, reason);
		goto fail;
	}
	if (r < 0) {
		method_error_system(c, "stdio", r);
		goto fail;
	}
	rc->filter.m = m;
	access_caller(c, &rc->filter.caller);
	/*
	 * Deny before look-up: when no rule could permit this request, whatever the name
	 * turns out to be, nothing is asked of anyone (no engine, bus, /proc or /run/netns):
	 * the policy's answer for what the name would mean, PermissionDenied, audited, the
	 * same work whether or not the target exists.
	 */
	if (!access_could_permit(m, &rc->filter.caller, rc->req.target, rc->req.ns_mask,
				 rc->req.argv, false, &kinds)) {
		answer_not_found(c, rc);
		goto fail;
	}
	r = target_resolve_as(m->targets, c->cred.uid, kinds, rc->req.target, run_filter, rc,
			      on_resolved, &rc->resolve);
	if (r < 0) {
		method_error_system(c, "resolve-target", r);
		goto fail;
	}
	conn_wait_on(c, &rc->op, true);
	return;
fail:
	run_call_free(rc);
}
