/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.CheckAccess: a dry run of Run's decision, and what a permit would grant. */

/*
 * The request is checked like Run's, and the policy decides on the same terms, but
 * nothing is looked up or started: the target is only parsed (so the answer says what
 * the policy allows, not whether the target exists), and no audit record is written,
 * since nothing was decided for real. What only the worker can check (the file argv[0]
 * resolves to, for a rule with cmd; the working directory) is not checked here.
 */

#include <errno.h>

#include "daemon/conn.h"
#include "daemon/policy/decision.h"
#include "daemon/dispatch.h"
#include "daemon/policy/environment.h"
#include "daemon/manager.h"
#include "daemon/policy/policy-json.h"
#include "daemon/policy/policy.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* The reply's parameters for decision d; NULL on ENOMEM. */
static struct json_object *answer(const struct decision *d, const struct target *t,
				  uint32_t ns_mask, char *const *argv)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	const struct policy_grant *g = d->grant;
	bool allowed = d->action == POLICY_PERMIT;

	if (!o)
		return NULL;
	if (proto_json_add(o, "allowed", json_object_new_boolean(allowed)) < 0 ||
	    proto_json_add(o, "rule", json_object_new_string(d->rule)) < 0 ||
	    proto_json_add(o, "target", json_object_new_string(t->canonical)) < 0 ||
	    proto_json_add(o, "namespaces", ns_mask_to_json(ns_mask)) < 0)
		return NULL;
	if (d->refused_env &&
	    proto_json_add(o, "refused_env", json_object_new_string(d->refused_env)) < 0)
		return NULL;
	if (d->reason && proto_json_add(o, "reason", json_object_new_string(d->reason)) < 0)
		return NULL;
	if (!allowed)
		return TAKE_PTR(o);
	if (proto_json_add(o, "run_as", policy_run_as_to_json(g->uid, g->gid, g->groups,
							      g->n_groups)) < 0 ||
	    proto_json_add(o, "argv", strv_to_json(argv ? argv : d->argv)) < 0 ||
	    proto_json_add(o, "caps", policy_caps_to_json(d->caps)) < 0 ||
	    proto_json_add(o, "env", strv_to_json(d->envp)) < 0 ||
	    proto_json_add(o, "tty", json_object_new_boolean(policy_grant_allows_tty(g))) < 0 ||
	    proto_json_add(o, "cgroup", json_object_new_boolean(
		    (g->options & POLICY_OPT_CGROUP) != 0)) < 0 ||
	    proto_json_add(o, "log", json_object_new_boolean(
		    (g->options & POLICY_OPT_NOLOG) == 0)) < 0)
		return NULL;
	if (g->cmd && proto_json_add(o, "command", json_object_new_string(g->cmd)) < 0)
		return NULL;
	if (g->tasks && proto_json_add(o, "tasks", json_object_new_int64(g->tasks)) < 0)
		return NULL;
	if (g->timeout_usec && proto_json_add(o, "timeout", json_object_new_int64(
		    (int64_t)(g->timeout_usec / 1000000))) < 0)
		return NULL;
	if ((g->options & POLICY_OPT_REASON) &&
	    proto_json_add(o, "reason_required", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

void method_check_access(struct conn *c, const struct proto_call *call,
			 struct proto_message *msg)
{
	const struct policy_caller caller = {
		.uid = c->cred.uid, .gid = c->cred.gid,
		.groups = c->groups, .n_groups = c->n_groups,
	};
	struct check_request req = {};
	struct decision d = { .action = POLICY_DENY };
	struct target *t = NULL;
	struct json_object *p;
	const char *bad = NULL;
	int r;

	r = check_request_from_json(call->parameters, &req, &bad);
	if (r < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		return;
	}
	if (!environment_request_valid(req.env)) {
		conn_error_invalid(c, "env");
		goto out;
	}
	r = target_parse(req.target, &t);
	if (r == -EINVAL) {
		method_error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, req.target);
		goto out;
	}
	if (r >= 0)
		r = decision_make(c->m->policy, &caller,
				  &(const struct policy_request){
					  .target = t->canonical, .bare_name = t->bare,
					  .ns_mask = req.ns_mask, .argv = req.argv,
					  .env = req.env, .tty = req.tty,
				  },
				  &d);
	p = r >= 0 ? answer(&d, t, req.ns_mask, req.argv) : NULL;
	if (!p) {
		method_error_system(c, "check-access", r < 0 ? r : -ENOMEM);
		goto out;
	}
	conn_reply(c, p, false, NULL, 0);
out:
	decision_done(&d);
	target_free(t);
	check_request_done(&req);
}
