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

#include "daemon/access.h"
#include "daemon/conn.h"
#include "daemon/manager.h"
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
