/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.ListRules: the rules of the policy that apply to the caller, like sudo -l. */
#include <errno.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/policy/policy-json.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/*
 * A rule applies when its identity is the caller's uid, primary gid or a supplementary
 * group, as the kernel reported them; deny rules are listed too, in file order, since
 * the last match decides and a caller cannot read the order off anything else. Rules
 * for others are not shown: the policy is not the caller's to read.
 */
void method_list_rules(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	const struct policy_caller caller = {
		.uid = c->cred.uid, .gid = c->cred.gid,
		.groups = c->groups, .n_groups = c->n_groups,
	};
	const struct policy *policy = c->m->policy;
	_cleanup_json_ struct json_object *rules = json_object_new_array();
	_cleanup_json_ struct json_object *p = json_object_new_object();
	const char *bad = NULL;
	bool ok = p && rules;

	if (empty_request_from_json(call->parameters, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	for (size_t i = 0; ok && policy && i < policy->n_rules; i++) {
		struct json_object *r;

		if (!policy_rule_applies_to(&policy->rules[i], &caller))
			continue;
		r = policy_rule_to_json(&policy->rules[i]);
		if (!r || json_object_array_add(rules, r) < 0) {
			json_object_put(r);
			ok = false;
		}
	}
	if (!ok || proto_json_add(p, "uid", json_object_new_int64(caller.uid)) < 0 ||
	    proto_json_add(p, "rules", TAKE_PTR(rules)) < 0) {
		method_error_system(c, "list-rules", -ENOMEM);
		return;
	}
	conn_reply(c, TAKE_PTR(p), false, NULL, 0);
}
