/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The method table: a call's name -> its handler; unknown names get Varlink's errors. */
#include <string.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/policy/policy-gate.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static const struct {
	const char *name;
	method_fn fn;
	bool starts_work; /* looks targets up or starts a session: refused while stopping */
} methods[] = {
	{ NSCTL_METHOD_RUN, method_run, true },
	{ NSCTL_METHOD_KILL, method_kill, false },
	{ NSCTL_METHOD_LIST_TARGETS, method_list_targets, true },
	{ NSCTL_METHOD_DESCRIBE_TARGET, method_describe_target, true },
	{ NSCTL_METHOD_CHECK_ACCESS, method_check_access, false },
	{ NSCTL_METHOD_LIST_RULES, method_list_rules, false },
	{ NSCTL_METHOD_RELOAD, method_reload, false },
	{ NSCTL_METHOD_LIST_SESSIONS, method_list_sessions, false },
	{ VARLINK_METHOD_GET_INFO, method_get_info, false },
	{ VARLINK_METHOD_GET_INTERFACE, method_get_interface_description, false },
};

void dispatch_call(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	const char *dot;

	if (policy_gate_refuses(c, call->method))
		return;
	for (size_t i = 0; i < ELEMENTSOF(methods); i++)
		if (strcmp(call->method, methods[i].name) == 0) {
			if (methods[i].starts_work && c->m->stopping)
				conn_error(c, NSCTL_ERROR_SHUTTING_DOWN, NULL);
			else
				methods[i].fn(c, call, msg);
			return;
		}

	dot = strrchr(call->method, '.');
	if (dot && (((size_t)(dot - call->method) == strlen(NSCTL_INTERFACE) &&
		     strncmp(call->method, NSCTL_INTERFACE, strlen(NSCTL_INTERFACE)) == 0) ||
		    strncmp(call->method, "org.varlink.service.", 20) == 0)) {
		method_error_method(c, call->method);
		return;
	}
	method_error_interface(c, call->method,
			       dot ? (size_t)(dot - call->method) : strlen(call->method));
}
