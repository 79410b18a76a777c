/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error replies shared by the methods that resolve a target name. */
#include <errno.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/nsctl-protocol.h"

void method_error_system(struct conn *c, const char *operation, int r)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "operation", json_object_new_string(operation));
	json_object_object_add(p, "errno", json_object_new_int(-r));
	conn_error(c, NSCTL_ERROR_SYSTEM, p);
}

void method_error_resolve(struct conn *c, const char *name, const struct target_result *res)
{
	struct json_object *p = json_object_new_object();

	switch (res->r) {
	case -EINVAL:
		json_object_object_add(p, "target", json_object_new_string(name));
		conn_error(c, NSCTL_ERROR_TARGET_NOT_FOUND, p);
		return;
	case -ENOTUNIQ:
		json_object_object_add(p, "target", json_object_new_string(name));
		json_object_object_add(p, "candidates", strv_to_json(res->candidates));
		conn_error(c, NSCTL_ERROR_AMBIGUOUS_TARGET, p);
		return;
	}
	if (res->reason && res->r != -ENOMEM) {
		json_object_object_add(p, "backend", json_object_new_string(res->backend));
		json_object_object_add(p, "reason", json_object_new_string(res->reason));
		conn_error(c, NSCTL_ERROR_BACKEND_UNAVAILABLE, p);
		return;
	}
	json_object_put(p);
	method_error_system(c, res->r == -ENOMEM ? "resolve-target" : "open-target", res->r);
}
