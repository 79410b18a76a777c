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
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/access.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/policy.h"
#include "daemon/session.h"
#include "daemon/target.h"
#include "daemon/terminal.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* Names a caller may pass into the command's environment. */
static bool env_name_allowed(const char *entry)
{
	static const char *const names[] = { "TERM", "LANG", "LANGUAGE", "COLORTERM" };
	size_t len = strcspn(entry, "=");

	if (entry[len] != '=' || len == 0)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strlen(names[i]) == len && strncmp(entry, names[i], len) == 0)
			return true;
	if (len > 3 && strncmp(entry, "LC_", 3) == 0) {
		for (size_t i = 3; i < len; i++)
			if (!((entry[i] >= 'A' && entry[i] <= 'Z') || entry[i] == '_'))
				return false;
		return true;
	}
	return false;
}

static bool env_valid(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		size_t len = strcspn(env[i], "=");

		if (!env_name_allowed(env[i]))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strncmp(env[i], env[j], len + 1) == 0)
				return false; /* the same name twice */
	}
	return true;
}

static int strv_push(char ***l, size_t *n, char *s)
{
	char **nl;

	if (!s)
		return -ENOMEM;
	nl = realloc(*l, (*n + 2) * sizeof(char *));
	if (!nl) {
		free(s);
		return -ENOMEM;
	}
	nl[(*n)++] = s;
	nl[*n] = NULL;
	*l = nl;
	return 0;
}

static char *concat(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

/* The command's whole environment: a fixed base from the caller's passwd entry, plus env. */
static int build_environment(uid_t uid, char *const *env, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *pwp = NULL;
	char uidbuf[16];
	const char *home = "/", *user = uidbuf, *shell = "/bin/sh";
	long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t n = 0;
	int r;

	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	if (bufsize <= 0)
		bufsize = 16384;
	buf = malloc((size_t)bufsize);
	if (!buf)
		return -ENOMEM;
	/* The host's user database, read by the daemon: never NSS inside a target. */
	if (getpwuid_r(uid, &pw, buf, (size_t)bufsize, &pwp) == 0 && pwp) {
		home = pw.pw_dir && pw.pw_dir[0] == '/' ? pw.pw_dir : "/";
		user = pw.pw_name;
		shell = pw.pw_shell && pw.pw_shell[0] == '/' ? pw.pw_shell : "/bin/sh";
	}
	if ((r = strv_push(&l, &n, strdup("PATH=" WORKER_PATH))) < 0 ||
	    (r = strv_push(&l, &n, concat("HOME=", home))) < 0 ||
	    (r = strv_push(&l, &n, concat("USER=", user))) < 0 ||
	    (r = strv_push(&l, &n, concat("LOGNAME=", user))) < 0 ||
	    (r = strv_push(&l, &n, concat("SHELL=", shell))) < 0)
		return r;
	for (size_t i = 0; env && env[i]; i++)
		if ((r = strv_push(&l, &n, strdup(env[i]))) < 0)
			return r;
	*ret = TAKE_PTR(l);
	return 0;
}

/* With no argv (a terminal session), the run-as user's shell: SHELL of the environment. */
static int shell_argv(char *const *envp, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "SHELL=", 6) == 0) {
			r = strv_push(&l, &n, strdup(envp[i] + 6));
			if (r < 0)
				return r;
			*ret = TAKE_PTR(l);
			return 0;
		}
	return -ENOENT; /* build_environment() always sets it */
}

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
 * Whether the deciding rule lets the command have a terminal. The policy's tty/notty
 * options (POLICY_OPT_TTY, POLICY_OPT_NOTTY in rule->options) come with the policy
 * branch and are wired in here at merge; until then a permitting rule allows one.
 */
static bool tty_allowed_by(const struct policy_rule *rule)
{
	return true;
}

static struct json_object *ns_array(uint32_t mask)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < _NS_COUNT; i++)
		if (mask & NS_BIT(i))
			json_object_array_add(a, json_object_new_string(ns_table[i].name));
	return a;
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

/* PermissionDenied; reason (may be NULL) says what was refused besides target and namespaces. */
static void error_denied(struct conn *c, const char *target, uint32_t ns_mask, const char *reason)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "target", json_object_new_string(target));
	json_object_object_add(p, "namespaces", ns_array(ns_mask));
	if (reason)
		json_object_object_add(p, "reason", json_object_new_string(reason));
	conn_error(c, NSCTL_ERROR_PERMISSION_DENIED, p);
}

static void error_limit(struct conn *c, const char *limit)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "limit", json_object_new_string(limit));
	conn_error(c, NSCTL_ERROR_LIMIT_EXCEEDED, p);
}

/*
 * Decide and audit: may the caller do this, and as whom does the command run (*ret_run_as)?
 * Returns the deciding rule as "FILE:LINE" (or "default"), or NULL, in *ret_rule; when a
 * permitting rule still refuses a part of the request, what it refuses in *ret_reason.
 * stdio are the fds the request hands to the command (n_stdio 0 with a terminal).
 */
static enum policy_action decide(struct conn *c, const struct run_request *req,
				 const char *canonical, const char *bare, const int *stdio,
				 size_t n_stdio, char **ret_rule, uid_t *ret_run_as,
				 const char **ret_reason)
{
	const struct policy_rule *rule = NULL;
	struct policy_caller caller;
	struct policy_request preq = {
		.target = canonical, .bare_name = bare, .ns_mask = req->ns_mask,
	};
	enum policy_action a;
	/* Who the command runs as: the caller; a rule's "as USER" is fed in here. */
	uid_t run_as = c->cred.uid;
	const char *reason = NULL, *message = "request denied";
	char *where = NULL;

	access_caller(c, &caller);
	a = policy_check(c->m->policy, &caller, &preq, &rule);

	if (a == POLICY_PERMIT && req->tty && !tty_allowed_by(rule)) {
		reason = "the rule permits no terminal";
		message = "request denied: no terminal permitted";
	} else if (a == POLICY_PERMIT &&
		   terminal_handoff_check(c->cred.uid, run_as, stdio, n_stdio) < 0) {
		reason = "the command runs as another user: your terminal cannot be passed to it "
			 "(use a terminal session, --tty)";
		message = "request denied: the caller's terminal for another user";
	}
	if (reason)
		a = POLICY_DENY;

	if (rule) {
		if (asprintf(&where, "%s:%u", rule->file, rule->line) < 0)
			where = NULL;
	} else {
		where = strdup("default");
	}
	audit_log(&(struct audit_record){
		.event = "decision",
		.caller = &c->cred,
		.target = canonical,
		.ns_mask = req->ns_mask,
		.argv = req->argv,
		.decision = a == POLICY_PERMIT ? "permit" : "deny",
		.rule = where ? where : "?",
		.exit_status = -1,
		.message = a == POLICY_PERMIT ? "request permitted" : message,
	});
	*ret_rule = where;
	*ret_run_as = run_as;
	*ret_reason = reason;
	return a;
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

/* One Run from its decoding until the session starts: it waits for the target. */
struct run_call {
	struct target_op op;       /* conn->pending while the target is resolved */
	struct conn *c;
	struct run_request req;
	int stdio[3];              /* the caller's fds, or /dev/null for a terminal session */
	struct access_filter filter;
	struct target_op *resolve;
};

static void run_call_free(struct run_call *rc)
{
	target_op_cancel(rc->resolve);
	close_many(rc->stdio, 3);
	run_request_done(&rc->req);
	free(rc);
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

/* Decide for rc on (canonical, bare), with the fds the command would get. */
static enum policy_action run_decide(struct run_call *rc, const char *canonical,
				     const char *bare, char **ret_rule, uid_t *ret_run_as,
				     const char **ret_reason)
{
	return decide(rc->c, &rc->req, canonical, bare, rc->stdio, rc->req.tty ? 0 : 3, ret_rule,
		      ret_run_as, ret_reason);
}

struct reading {
	struct run_call *rc;
	char *canonical, *bare;
};

static bool reading_permitted(const char *canonical, const char *bare, void *userdata)
{
	struct reading *rd = userdata;
	struct policy_request preq = {
		.target = canonical, .bare_name = bare, .ns_mask = rd->rc->req.ns_mask,
	};

	if (policy_check(rd->rc->c->m->policy, &rd->rc->filter.caller, &preq, NULL) !=
	    POLICY_PERMIT)
		return false;
	rd->canonical = strdup(canonical);
	rd->bare = strdup(bare);
	return true;
}

/*
 * Nothing the caller may see has this name. The answer is the policy's for what the name
 * would mean: TargetNotFound if some meaning would be permitted, else PermissionDenied.
 */
static void answer_not_found(struct conn *c, struct run_call *rc)
{
	struct reading rd = { .rc = rc };
	const char *name = rc->req.target, *colon = strchr(name, ':'), *reason = NULL;
	_cleanup_free_ char *rule = NULL;
	enum policy_action a;
	uid_t run_as;

	(void)target_readings(c->m, name, reading_permitted, &rd);
	a = run_decide(rc, rd.canonical ? rd.canonical : name,
		       rd.bare ? rd.bare : colon ? colon + 1 : name, &rule, &run_as, &reason);
	free(rd.canonical);
	free(rd.bare);
	if (a == POLICY_PERMIT)
		error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, name);
	else
		error_denied(c, name, rc->req.ns_mask, reason);
}

/* The target is pinned: decide, check its namespaces, start the session. */
static void run_start(struct conn *c, struct run_call *rc, struct target *t)
{
	struct manager *m = c->m;
	struct session_params sp = { .stdio = { -EBADF, -EBADF, -EBADF } };
	const char *reason = NULL;
	struct session *s;
	char *rule = NULL;
	uid_t run_as;
	int r;

	if (run_decide(rc, t->canonical, t->bare, &rule, &run_as, &reason) != POLICY_PERMIT) {
		error_denied(c, rc->req.target, rc->req.ns_mask, reason);
		goto out;
	}
	if (rc->req.ns_mask & ~t->available_ns) {
		struct json_object *p = json_object_new_object();
		int missing = __builtin_ctz(rc->req.ns_mask & ~t->available_ns);

		json_object_object_add(p, "target", json_object_new_string(t->canonical));
		json_object_object_add(p, "namespace", json_object_new_string(ns_table[missing].name));
		conn_error(c, NSCTL_ERROR_NAMESPACE_UNAVAILABLE, p);
		goto out;
	}
	/* Again: other calls of this uid may have started sessions while this one waited. */
	if (session_count_uid(m, c->cred.uid) >= m->settings.max_sessions_per_uid) {
		error_limit(c, "sessions-per-user");
		goto out;
	}
	r = build_environment(run_as, rc->req.env, &sp.envp);
	if (r < 0) {
		error_errno(c, "environment", r);
		goto out;
	}
	if (!rc->req.argv) {
		r = shell_argv(sp.envp, &rc->req.argv);
		if (r < 0) {
			error_errno(c, "shell", r);
			goto out;
		}
	}
	memcpy(sp.stdio, rc->stdio, sizeof(sp.stdio));
	rc->stdio[0] = rc->stdio[1] = rc->stdio[2] = -EBADF;
	sp.conn = c;
	sp.target = t;
	sp.ns_mask = rc->req.ns_mask;
	sp.tty = rc->req.tty;
	sp.rows = rc->req.window.rows;
	sp.columns = rc->req.window.columns;
	sp.argv = TAKE_PTR(rc->req.argv);
	sp.cwd = TAKE_PTR(rc->req.cwd);
	sp.rule = TAKE_PTR(rule);
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
	free(rule);
}

static void on_resolved(struct target_result *res, void *userdata)
{
	struct run_call *rc = userdata;
	struct conn *c = rc->c;
	struct target *t;

	rc->resolve = NULL; /* finishing: target-resolve.c frees it */
	c->pending = NULL;
	if (c->m->stopping || c->closing) {
		/* No session for a connection on its way out (its answer is dropped then). */
		conn_error(c, NSCTL_ERROR_SHUTTING_DOWN, NULL);
	} else if (res->r == -ENOENT) {
		answer_not_found(c, rc);
	} else if (res->r < 0) {
		method_error_resolve(c, rc->req.target, res);
	} else {
		t = TAKE_PTR(res->t);
		run_start(c, rc, t);
		target_free(t);
	}
	run_call_free(rc);
}

void method_run(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	struct manager *m = c->m;
	struct run_call *rc = NULL;
	const char *bad = NULL;
	int idx[3], r;

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
	rc = calloc(1, sizeof(*rc));
	if (!rc) {
		error_errno(c, "allocate", -ENOMEM);
		return;
	}
	rc->op.cancel = run_call_cancel;
	rc->c = c;
	rc->req = (struct run_request){ .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	rc->stdio[0] = rc->stdio[1] = rc->stdio[2] = -EBADF;
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
			conn_error_invalid(c, (const char *[]){ "stdin", "stdout", "stderr" }[i]);
			goto fail;
		}
	if (!env_valid(rc->req.env)) {
		conn_error_invalid(c, "env");
		goto fail;
	}
	if (session_count_uid(m, c->cred.uid) >= m->settings.max_sessions_per_uid) {
		error_limit(c, "sessions-per-user");
		goto fail;
	}
	/* The message goes away when this returns; its fds wait with the call. */
	r = rc->req.tty ? null_stdio(rc->stdio) : take_stdio(msg, idx, rc->stdio);
	if (r < 0) {
		error_errno(c, "stdio", r);
		goto fail;
	}
	rc->filter.m = m;
	access_caller(c, &rc->filter.caller);
	r = target_resolve(m, rc->req.target, run_filter, rc, on_resolved, &rc->resolve);
	if (r < 0) {
		error_errno(c, "resolve-target", r);
		goto fail;
	}
	c->pending = &rc->op;
	c->pending_needs_peer = true;
	return;
fail:
	run_call_free(rc);
}
