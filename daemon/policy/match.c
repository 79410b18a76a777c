/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Matching a request against the policy (default deny, the last matching rule decides: MUST
 * 1, 2, 5, 9, 12 of load.c), and the grant copied out of the deciding rule. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/* --- matching ----------------------------------------------------------------------- */

bool policy_rule_applies_to(const struct policy_rule *rule, const struct policy_caller *c)
{
	if (rule->identity_kind == POLICY_IDENTITY_USER)
		return c->uid == rule->uid;

	if (c->gid == rule->gid)
		return true;
	for (size_t i = 0; i < c->n_groups; i++)
		if (c->groups[i] == rule->gid)
			return true;
	return false;
}

static bool target_matches(const struct policy_rule *rule, const struct policy_request *req)
{
	if (!rule->targets)
		return true;
	for (char **g = rule->targets; *g; g++) {
		if (req->target && fnmatch(*g, req->target, 0) == 0)
			return true;
		if (req->bare_name && fnmatch(*g, req->bare_name, 0) == 0)
			return true;
	}
	return false;
}

/*
 * A permit covers a request only if it lists every namespace the request needs; a deny
 * applies as soon as the request needs any namespace it lists. Both err towards denying.
 */
static bool ns_matches(const struct policy_rule *rule, const struct policy_request *req)
{
	if (rule->ns_mask == 0)
		return true;
	if (rule->action == POLICY_DENY)
		return (req->ns_mask & rule->ns_mask) != 0;
	return (req->ns_mask & ~rule->ns_mask) == 0;
}

static const char *last_component(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * A permit's cmd matches argv[0] written as its path, or as the bare name of its path
 * (the worker resolves that name and refuses any other file). A deny's cmd matches any
 * argv[0] with the same last component, wherever it points: again towards denying.
 * Listed arguments must be exactly argv[1..]. Asked for any command, a permit's cmd may be
 * satisfied and a deny's need not be: what could be permitted.
 */
static bool cmd_matches(const struct policy_rule *rule, const struct policy_request *req)
{
	char *const *argv = req->argv;

	if (!rule->cmd)
		return true;
	if (req->any_command)
		return rule->action == POLICY_PERMIT;
	if (!argv || !argv[0])
		return false;
	if (rule->action == POLICY_DENY) {
		if (strcmp(last_component(argv[0]), last_component(rule->cmd)) != 0)
			return false;
	} else if (strcmp(argv[0], rule->cmd) != 0) {
		if (strchr(argv[0], '/') || strcmp(argv[0], last_component(rule->cmd)) != 0)
			return false;
	}
	if (!rule->cmd_args)
		return true;
	for (size_t i = 0;; i++) {
		const char *a = argv[i + 1], *b = rule->cmd_args[i];

		if (!a || !b)
			return !a && !b;
		if (strcmp(a, b) != 0)
			return false;
	}
}

enum policy_action policy_check(const struct policy *p, const struct policy_caller *caller,
				const struct policy_request *req,
				const struct policy_rule **ret_rule)
{
	if (ret_rule)
		*ret_rule = NULL;
	if (!p || !caller || !req)
		return POLICY_DENY;

	/* Last match wins: the first match walking backwards. */
	for (size_t i = p->n_rules; i > 0; i--) {
		const struct policy_rule *rule = &p->rules[i - 1];

		if (policy_rule_applies_to(rule, caller) && target_matches(rule, req) &&
		    ns_matches(rule, req) && cmd_matches(rule, req)) {
			if (ret_rule)
				*ret_rule = rule;
			return rule->action;
		}
	}
	return POLICY_DENY;
}

/* --- grants ------------------------------------------------------------------------- */

void policy_grant_free(struct policy_grant *g)
{
	if (!g)
		return;
	free(g->rule);
	free(g->groups);
	free(g->cmd);
	strv_free(g->setenv);
	free(g);
}

static char **strv_copy(char *const *l)
{
	size_t n = strv_length(l);
	_cleanup_strv_free_ char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(l[i]);
		if (!c[i])
			return NULL;
	}
	return TAKE_PTR(c);
}

int policy_grant_new(const struct policy_rule *rule, const struct policy_caller *caller,
		     struct policy_grant **ret)
{
	struct policy_grant *g;
	const gid_t *groups;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (asprintf(&g->rule, "%s:%u", rule->file, rule->line) < 0) {
		g->rule = NULL;
		goto nomem;
	}
	g->run_as_caller = !rule->run_as_set;
	g->uid = rule->run_as_set ? rule->run_as_uid : caller->uid;
	g->gid = rule->run_as_set ? rule->run_as_gid : caller->gid;
	groups = rule->run_as_set ? rule->run_as_groups : caller->groups;
	g->n_groups = rule->run_as_set ? rule->n_run_as_groups : caller->n_groups;
	if (g->n_groups > 0) {
		g->groups = calloc(g->n_groups, sizeof(gid_t));
		if (!g->groups)
			goto nomem;
		memcpy(g->groups, groups, g->n_groups * sizeof(gid_t));
	}
	/* "as root" says root: with every capability, unless caps names fewer. */
	if (rule->caps_set)
		g->caps = rule->caps;
	else if (rule->run_as_set && rule->run_as_uid == 0)
		g->caps = POLICY_CAPS_ALL;
	if (rule->cmd) {
		g->cmd = strdup(rule->cmd);
		if (!g->cmd)
			goto nomem;
	}
	g->options = rule->options;
	g->tasks = rule->tasks;
	g->timeout_usec = rule->timeout_usec;
	if (rule->setenv) {
		g->setenv = strv_copy(rule->setenv);
		if (!g->setenv)
			goto nomem;
	}
	*ret = g;
	return 0;
nomem:
	policy_grant_free(g);
	return -ENOMEM;
}

bool policy_grant_allows_tty(const struct policy_grant *g)
{
	return !(g->options & POLICY_OPT_NOTTY);
}

const char *policy_caps_to_string(uint64_t caps, char *buf, size_t n)
{
	size_t used = 0;

	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	if (caps == POLICY_CAPS_ALL) {
		snprintf(buf, n, "all");
		return buf;
	}
	for (unsigned v = 0; v < 64; v++) {
		char *name;
		int k;

		if (!(caps & (UINT64_C(1) << v)))
			continue;
		name = cap_to_name((cap_value_t)v);
		k = snprintf(buf + used, n - used, "%s%s", used > 0 ? "," : "",
			     name ? name : "?");
		cap_free(name);
		if (k < 0 || (size_t)k >= n - used) {
			buf[used] = '\0'; /* truncated: drop the partial name */
			break;
		}
		used += (size_t)k;
	}
	return buf;
}
