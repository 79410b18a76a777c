/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.Run: validate, decide (audited), pin the target, start a session. */

/*
 * The order is deliberate. Everything the request says is checked first; then the policy
 * decides on the target's name, before the target is looked up, so that a caller who may
 * not enter a target cannot learn whether it exists; only a permitted request pins the
 * target and forks a worker. A denied request never forks.
 */

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/fd-rules.h"
#include "daemon/manager.h"
#include "daemon/policy.h"
#include "daemon/session.h"
#include "daemon/target.h"
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

static void error_limit(struct conn *c, const char *limit)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "limit", json_object_new_string(limit));
	conn_error(c, NSCTL_ERROR_LIMIT_EXCEEDED, p);
}

/* Decide and audit. Returns the deciding rule as "FILE:LINE" (or "default"), or NULL. */
static enum policy_action decide(struct conn *c, const struct run_request *req,
				 const struct target *t, char **ret_rule)
{
	const struct policy_rule *rule = NULL;
	struct policy_caller caller = {
		.uid = c->cred.uid, .gid = c->cred.gid,
		.groups = c->groups, .n_groups = c->n_groups,
	};
	struct policy_request preq = {
		.target = t->canonical, .bare_name = t->bare, .ns_mask = req->ns_mask,
	};
	enum policy_action a = policy_check(c->m->policy, &caller, &preq, &rule);
	char *where = NULL;

	if (rule) {
		if (asprintf(&where, "%s:%u", rule->file, rule->line) < 0)
			where = NULL;
	} else {
		where = strdup("default");
	}
	audit_log(&(struct audit_record){
		.event = "decision",
		.caller = &c->cred,
		.target = t->canonical,
		.ns_mask = req->ns_mask,
		.argv = req->argv,
		.decision = a == POLICY_PERMIT ? "permit" : "deny",
		.rule = where ? where : "?",
		.exit_status = -1,
		.message = a == POLICY_PERMIT ? "request permitted" : "request denied",
	});
	*ret_rule = where;
	return a;
}

static const char *const stdio_names[3] = { "stdin", "stdout", "stderr" };

/*
 * Take the three stdio fds out of the message; an index used twice is duplicated. Each
 * must pass the fd rule (daemon/fd-rules.c): -EPERM with *ret_param and *ret_reason when
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
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "parameter", json_object_new_string(param));
	json_object_object_add(p, "reason", json_object_new_string(reason));
	conn_error(c, NSCTL_ERROR_FD_REFUSED, p);
}

void method_run(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	struct manager *m = c->m;
	struct run_request req = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	struct session_params sp = { .stdio = { -EBADF, -EBADF, -EBADF } };
	struct target *t = NULL;
	struct session *s;
	const char *bad = NULL, *reason = NULL;
	char *rule = NULL;
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
	r = run_request_from_json(call->parameters, &req, &bad);
	if (r < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		return;
	}
	idx[0] = req.stdin_fd;
	idx[1] = req.stdout_fd;
	idx[2] = req.stderr_fd;
	for (int i = 0; i < 3; i++)
		if (idx[i] < 0 || (size_t)idx[i] >= msg->n_fds) {
			conn_error_invalid(c, stdio_names[i]);
			goto out;
		}
	if (!env_valid(req.env)) {
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
	if (decide(c, &req, t, &rule) != POLICY_PERMIT) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "target", json_object_new_string(t->canonical));
		json_object_object_add(p, "namespaces", ns_array(req.ns_mask));
		conn_error(c, NSCTL_ERROR_PERMISSION_DENIED, p);
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
	r = build_environment(c->cred.uid, req.env, &sp.envp);
	if (r < 0) {
		error_errno(c, "environment", r);
		goto out;
	}
	/* The command runs as the caller, without capabilities: no more privileged. */
	r = take_stdio(msg, idx, sp.stdio, false, &bad, &reason);
	if (r == -EPERM) {
		error_fd_refused(c, bad, reason);
		goto out;
	}
	if (r < 0) {
		error_errno(c, "stdio", r);
		goto out;
	}
	sp.conn = c;
	sp.target = t;
	sp.ns_mask = req.ns_mask;
	sp.argv = TAKE_PTR(req.argv);
	sp.cwd = TAKE_PTR(req.cwd);
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
	target_free(t);
	run_request_done(&req);
}
