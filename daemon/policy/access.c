/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Visibility and enterable namespaces of a target for a caller, from policy_check(). */

/*
 * Why one namespace at a time is exact: if the policy permits a request for a set S, the
 * deciding rule is a permit whose list covers S, so it covers each member of S too; the
 * later rules did not match S, so no deny among them lists any member of S and none matches
 * a member alone either. Hence "S permitted" implies "each n in S permitted alone", and the
 * union of the namespaces permitted alone bounds every permitted request. A target is
 * visible to a caller when that union is not empty. The question is asked for any command
 * (policy_request.any_command): a rule that permits only some commands makes its targets
 * visible; one that denies some commands takes nothing away.
 */

#include <string.h>

#include "daemon/policy/access.h"
#include "daemon/conn.h"
#include "daemon/manager.h"
#include "daemon/targets/target-backend.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/nsctl-protocol.h"

void access_caller(const struct conn *c, struct policy_caller *ret)
{
	*ret = (struct policy_caller){
		.uid = c->cred.uid,
		.gid = c->cred.gid,
		.groups = c->groups,
		.n_groups = c->n_groups,
	};
}

uint32_t access_ns_mask(const struct policy *p, const struct policy_caller *caller,
			const char *canonical, const char *bare)
{
	uint32_t mask = 0;

	for (int i = 0; i < _NS_COUNT; i++) {
		struct policy_request req = {
			.target = canonical, .bare_name = bare, .ns_mask = NS_BIT(i),
			.any_command = true,
		};

		if (policy_check(p, caller, &req, NULL) == POLICY_PERMIT)
			mask |= NS_BIT(i);
	}
	return mask;
}

bool access_visible(const struct policy *p, const struct policy_caller *caller,
		    const char *canonical, const char *bare)
{
	return access_ns_mask(p, caller, canonical, bare) != 0;
}

bool access_filter_visible(const char *canonical, const char *bare, void *userdata)
{
	const struct access_filter *f = userdata;

	return access_visible(f->m->policy, &f->caller, canonical, bare);
}

/*
 * Could a glob of a rule's target list match some name of the backend with this prefix?
 * A glob matches the canonical or the bare name. One without ':' may match a bare name
 * (and "*" a canonical one); one with ':' matches canonical names only, of the kind
 * before its first ':' unless glob characters make that part match others too.
 */
static bool glob_could_match_kind(const char *glob, const char *prefix)
{
	const char *colon = strchr(glob, ':');
	size_t len;

	if (!colon)
		return true;
	len = (size_t)(colon - glob);
	if (strcspn(glob, "*?[\\") < len)
		return true;
	return len == strlen(prefix) && strncmp(glob, prefix, len) == 0;
}

/* A permit rule for the caller that covers ns_mask (0: any) and could name kind prefix. */
static bool rule_could_permit(const struct policy_rule *rule, const struct policy_caller *caller,
			      uint32_t ns_mask, const char *prefix)
{
	if (rule->action != POLICY_PERMIT || !policy_rule_applies_to(rule, caller))
		return false;
	if (ns_mask && rule->ns_mask && (ns_mask & ~rule->ns_mask))
		return false;
	if (!rule->targets || !prefix)
		return true;
	for (char **g = rule->targets; *g; g++)
		if (glob_could_match_kind(*g, prefix))
			return true;
	return false;
}

struct could_permit {
	const struct manager *m;
	const struct policy_caller *caller;
	uint32_t ns_mask;
	char *const *argv;
	bool any_command;
	bool well_formed;          /* some reading had a backend and its syntax */
	uint32_t kinds;            /* of the readings that could be permitted */
};

static bool reading_could_permit_one(struct could_permit *cp, const struct target_backend *b,
				     const char *canonical, const char *bare)
{
	const struct policy *p = cp->m->policy;

	if (b->open) {
		/* The name as written is the canonical name: the policy's own answer. */
		struct policy_request req = {
			.target = canonical, .bare_name = bare, .ns_mask = cp->ns_mask,
			.argv = cp->argv, .any_command = cp->any_command,
		};

		if (cp->ns_mask == 0)
			return access_visible(p, cp->caller, canonical, bare);
		return policy_check(p, cp->caller, &req, NULL) == POLICY_PERMIT;
	}
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (rule_could_permit(&p->rules[i], cp->caller, cp->ns_mask, b->prefix))
			return true;
	return false;
}

/* Each reading in turn (never stops early): which kinds could be permitted. */
static bool reading_could_permit(const char *canonical, const char *bare, void *userdata)
{
	struct could_permit *cp = userdata;
	const char *colon = strchr(canonical, ':');
	const struct target_backend *b;
	struct target *t = NULL;

	b = colon ? target_backend_of_prefix(canonical, (size_t)(colon - canonical)) : NULL;
	if (!b || target_parse(canonical, &t) < 0)
		return false;
	target_free(t);
	cp->well_formed = true;
	if (reading_could_permit_one(cp, b, canonical, bare))
		cp->kinds |= TARGET_KIND_BIT(b->kind);
	return false;
}

bool access_could_permit(const struct manager *m, const struct policy_caller *caller,
			 const char *name, uint32_t ns_mask, char *const *argv, bool any_command,
			 uint32_t *ret_kinds)
{
	struct could_permit cp = {
		.m = m, .caller = caller, .ns_mask = ns_mask, .argv = argv,
		.any_command = any_command,
	};

	(void)target_readings(m->targets, name, reading_could_permit, &cp);
	if (ret_kinds)
		*ret_kinds = cp.well_formed ? cp.kinds : TARGET_KINDS_ALL;
	return cp.kinds != 0 || !cp.well_formed;
}

bool access_could_see_kind(const struct policy *p, const struct policy_caller *caller,
			   const char *prefix)
{
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (rule_could_permit(&p->rules[i], caller, 0, prefix))
			return true;
	return false;
}
