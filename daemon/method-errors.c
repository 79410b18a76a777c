/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error replies the methods share: one place builds each of them. */
#include <errno.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/nsctl-protocol.h"

/* The error with params, or without them when they could not be built (out of memory). */
static void reply_error(struct conn *c, const char *error, struct json_object *p, int r)
{
	if (r < 0) {
		json_object_put(p);
		p = NULL;
	}
	conn_error(c, error, p);
}

void method_error_system(struct conn *c, const char *operation, int r)
{
	struct json_object *p = json_object_new_object();
	int k = p ? 0 : -ENOMEM;

	if (k >= 0)
		k = proto_json_add(p, "operation", json_object_new_string(operation));
	if (k >= 0)
		k = proto_json_add(p, "errno", json_object_new_int(-r));
	reply_error(c, NSCTL_ERROR_SYSTEM, p, k);
}

void method_error_target(struct conn *c, const char *error, const char *target)
{
	struct json_object *p = json_object_new_object();
	int k = p ? proto_json_add(p, "target", json_object_new_string(target)) : -ENOMEM;

	reply_error(c, error, p, k);
}

void method_error_limit(struct conn *c, const char *limit)
{
	struct json_object *p = json_object_new_object();
	int k = p ? proto_json_add(p, "limit", json_object_new_string(limit)) : -ENOMEM;

	reply_error(c, NSCTL_ERROR_LIMIT_EXCEEDED, p, k);
}

void method_error_resolve(struct conn *c, const char *name, const struct target_result *res)
{
	struct json_object *p;
	int k;

	switch (res->r) {
	case -EINVAL:
		method_error_target(c, NSCTL_ERROR_TARGET_NOT_FOUND, name);
		return;
	case -ENOTUNIQ:
		p = json_object_new_object();
		k = p ? proto_json_add(p, "target", json_object_new_string(name)) : -ENOMEM;
		if (k >= 0)
			k = proto_json_add(p, "candidates", strv_to_json(res->candidates));
		reply_error(c, NSCTL_ERROR_AMBIGUOUS_TARGET, p, k);
		return;
	}
	if (res->reason && res->r != -ENOMEM) {
		p = json_object_new_object();
		k = p ? proto_json_add(p, "backend", json_object_new_string(res->backend))
		      : -ENOMEM;
		if (k >= 0)
			k = proto_json_add(p, "reason", json_object_new_string(res->reason));
		reply_error(c, NSCTL_ERROR_BACKEND_UNAVAILABLE, p, k);
		return;
	}
	method_error_system(c, res->r == -ENOMEM ? "resolve-target" : "open-target", res->r);
}
