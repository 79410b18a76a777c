/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON forms of rules and of what they grant, for CheckAccess and ListRules. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <unistd.h>

#include "daemon/policy/policy-json.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

struct json_object *policy_caps_to_json(uint64_t caps)
{
	_cleanup_json_ struct json_object *a = json_object_new_array();

	for (unsigned v = 0; a && v < 64; v++) {
		char *name;
		int r;

		if (!(caps & (UINT64_C(1) << v)))
			continue;
		name = cap_to_name((cap_value_t)v);
		if (!name)
			return NULL;
		r = json_object_array_add(a, json_object_new_string(name));
		cap_free(name);
		if (r < 0)
			return NULL;
	}
	return TAKE_PTR(a);
}

struct json_object *policy_run_as_to_json(uid_t uid, gid_t gid, const gid_t *groups,
					  size_t n_groups)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_json_ struct json_object *g = json_object_new_array();
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *pwp = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);

	if (!o || !g)
		return NULL;
	if (size <= 0 || size > (1 << 20))
		size = 16384;
	buf = malloc((size_t)size);
	if (buf && getpwuid_r(uid, &pw, buf, (size_t)size, &pwp) == 0 && pwp &&
	    proto_json_add(o, "user", json_object_new_string(pw.pw_name)) < 0)
		return NULL;
	for (size_t i = 0; i < n_groups; i++)
		if (json_object_array_add(g, json_object_new_int64(groups[i])) < 0)
			return NULL;
	if (proto_json_add(o, "uid", json_object_new_int64(uid)) < 0 ||
	    proto_json_add(o, "gid", json_object_new_int64(gid)) < 0 ||
	    proto_json_add(o, "groups", TAKE_PTR(g)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* The options of a rule, by their names in the language. */
static struct json_object *options_to_json(unsigned options)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ POLICY_OPT_KEEPENV, "keepenv" },
		{ POLICY_OPT_TTY, "tty" },
		{ POLICY_OPT_NOTTY, "notty" },
		{ POLICY_OPT_CGROUP, "cgroup" },
		{ POLICY_OPT_NOLOG, "nolog" },
		{ POLICY_OPT_REASON, "reason" },
		{ POLICY_OPT_EXEC, "exec" },
	};
	_cleanup_json_ struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < ELEMENTSOF(names); i++)
		if ((options & names[i].bit) &&
		    json_object_array_add(a, json_object_new_string(names[i].name)) < 0)
			return NULL;
	return TAKE_PTR(a);
}

struct json_object *policy_rule_to_json(const struct policy_rule *rule)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *where = NULL;

	if (!o || asprintf(&where, "%s:%u", rule->file, rule->line) < 0)
		return NULL;
	if (proto_json_add(o, "rule", json_object_new_string(where)) < 0 ||
	    proto_json_add(o, "text", json_object_new_string(rule->text)) < 0 ||
	    proto_json_add(o, "action", json_object_new_string(
		    rule->action == POLICY_PERMIT ? "permit" : "deny")) < 0 ||
	    proto_json_add(o, "identity", json_object_new_string(rule->identity)) < 0 ||
	    proto_json_add(o, "options", options_to_json(rule->options)) < 0)
		return NULL;
	if (rule->setenv && proto_json_add(o, "setenv", strv_to_json(rule->setenv)) < 0)
		return NULL;
	if (rule->run_as_set &&
	    proto_json_add(o, "run_as", policy_run_as_to_json(rule->run_as_uid, rule->run_as_gid,
							      rule->run_as_groups,
							      rule->n_run_as_groups)) < 0)
		return NULL;
	if (rule->targets && proto_json_add(o, "targets", strv_to_json(rule->targets)) < 0)
		return NULL;
	if (rule->ns_mask && proto_json_add(o, "namespaces", ns_mask_to_json(rule->ns_mask)) < 0)
		return NULL;
	if (rule->caps_set && proto_json_add(o, "caps", policy_caps_to_json(rule->caps)) < 0)
		return NULL;
	if (rule->cmd && proto_json_add(o, "command", json_object_new_string(rule->cmd)) < 0)
		return NULL;
	if (rule->cmd_args && proto_json_add(o, "args", strv_to_json(rule->cmd_args)) < 0)
		return NULL;
	if (rule->tasks && proto_json_add(o, "tasks", json_object_new_int64(rule->tasks)) < 0)
		return NULL;
	if (rule->timeout_usec && proto_json_add(o, "timeout", json_object_new_int64(
		    (int64_t)(rule->timeout_usec / 1000000))) < 0)
		return NULL;
	return TAKE_PTR(o);
}
