/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a caller may see and enter, asked of the policy one namespace at a time. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/policy/policy.h"

struct conn;
struct manager;

/* The caller of a connection, as the kernel reported it at accept. */
void access_caller(const struct conn *c, struct policy_caller *ret);

/*
 * The namespaces of a target (by its canonical and bare names) that the caller may enter
 * one at a time: NS_BIT(n) is set when the policy permits a request for n alone, for some
 * command. A request for several namespaces is permitted only if each alone is, so this is
 * the most the caller can get: a mask of 0 means no request for this target can be
 * permitted.
 */
uint32_t access_ns_mask(const struct policy *p, const struct policy_caller *caller,
			const char *canonical, const char *bare);

/* May the caller see the target: could some request for it be permitted? */
bool access_visible(const struct policy *p, const struct policy_caller *caller,
		    const char *canonical, const char *bare);

/*
 * A filter for target_resolve_as() and target_list_kinds(): userdata is a struct access_filter. The
 * policy is the manager's at the time of the call (a reload may come while a resolution is
 * in flight); the caller's groups belong to the connection, which outlives its calls.
 */
struct access_filter {
	const struct manager *m;
	struct policy_caller caller;
};
bool access_filter_visible(const char *canonical, const char *bare, void *userdata);

/*
 * Deny before look-up (identity branch). Could a request for name, as the caller wrote
 * it ("docker:web", "web", "pid:42"), in the ns_mask namespaces (0: any of them, for some
 * command), running argv (when !any_command), be permitted, whatever the name turns out
 * to be? Decided on the policy alone: nothing is looked up. For kinds whose names are
 * their canonical names (pid:, netns:: the backend opens them at once) the policy decides
 * on the name itself; for kinds whose names a service resolves (an ID prefix may turn out
 * to be docker:web) it asks whether some permit rule for the caller covers the
 * namespaces and has a target glob that could match a name of that kind. false: no rule
 * could permit it, answer PermissionDenied without looking anything up. A name that has
 * no well-formed reading at all gives true: it is refused without any look-up anyway.
 * *ret_kinds (if not NULL): the TARGET_KIND_BIT()s of the readings that could be
 * permitted, the only backends worth asking for a bare name (all for a malformed name).
 */
bool access_could_permit(const struct manager *m, const struct policy_caller *caller,
			 const char *name, uint32_t ns_mask, char *const *argv, bool any_command,
			 uint32_t *ret_kinds);

/* Could the caller see some target of the backend with this prefix ("docker")? */
bool access_could_see_kind(const struct policy *p, const struct policy_caller *caller,
			   const char *prefix);
