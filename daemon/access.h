/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a caller may see and enter, asked of the policy one namespace at a time. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/policy.h"

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
 * A filter for target_resolve() and target_list(): userdata is a struct access_filter. The
 * policy is the manager's at the time of the call (a reload may come while a resolution is
 * in flight); the caller's groups belong to the connection, which outlives its calls.
 */
struct access_filter {
	const struct manager *m;
	struct policy_caller caller;
};
bool access_filter_visible(const char *canonical, const char *bare, void *userdata);
