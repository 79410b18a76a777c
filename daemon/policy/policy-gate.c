/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PolicyInvalid mode: nsctld without a usable policy serves, but refuses every call. */

/*
 * Fail closed, but say so. A daemon that exits on a broken policy leaves its users with
 * "connection refused" and the reason in a log they may not read; one that keeps serving
 * can tell every caller what is wrong and whom to ask. Nothing is decided without a
 * policy: every method but the introspection ones and root's Reload is refused before it
 * looks at its parameters. The error text never quotes the file (its rules may be
 * private); the FILE:LINE is in nsctld's log, where the admins look.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/policy/policy-gate.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static const char *const always_served[] = {
	VARLINK_METHOD_GET_INFO,
	VARLINK_METHOD_GET_INTERFACE,
	NSCTL_METHOD_RELOAD,
};

bool policy_gate_refuses(struct conn *c, const char *method)
{
	_cleanup_free_ char *text = NULL;

	if (c->m->policy)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(always_served); i++)
		if (strcmp(method, always_served[i]) == 0)
			return false;
	if (asprintf(&text, "the policy %s is broken or missing", c->m->settings.policy_path) < 0)
		text = NULL;
	/* Out of memory: the error without its message. */
	method_error_policy(c, text);
	return true;
}
