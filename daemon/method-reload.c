/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.Reload: root asks for the policy to be read again, and hears how it went. */
#include <errno.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

/*
 * The same as SIGHUP, but the caller learns the outcome: the number of rules, or the
 * error with its file:line (the last good policy stays). Only uid 0 may ask, as only
 * root may send nsctld a signal.
 */
void method_reload(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	_cleanup_free_ char *error = NULL;
	const char *bad = NULL;
	struct json_object *p;

	if (empty_request_from_json(call->parameters, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	if (c->cred.uid != 0) {
		conn_error(c, VARLINK_ERROR_PERMISSION_DENIED, NULL);
		return;
	}
	if (manager_reload_policy(c->m, &error) < 0) {
		method_error_policy(c, error ? error : "out of memory");
		return;
	}
	p = proto_json_object_of("rules", json_object_new_int64((int64_t)c->m->policy->n_rules));
	if (!p) {
		method_error_system(c, "reload", -ENOMEM);
		return;
	}
	conn_reply(c, p, false, NULL, 0);
}
