/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error replies the methods share: one place builds each of them. */
#include <errno.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/nsctl-protocol.h"

void method_error_reply(struct conn *c, const char *error, struct json_object *p, int r)
{
	if (r < 0) {
		json_object_put(p);
		p = NULL;
	}
	conn_error(c, error, p);
}

void method_error_system(struct conn *c, const char *operation, int r)
{
	struct json_object *p = proto_json_object_of("operation",
						     json_object_new_string(operation));
	int k = p ? proto_json_add(p, "errno", json_object_new_int(-r)) : -ENOMEM;

	method_error_reply(c, NSCTL_ERROR_SYSTEM, p, k);
}

void method_error_target(struct conn *c, const char *error, const char *target)
{
	conn_error(c, error, proto_json_object_of("target", json_object_new_string(target)));
}

void method_error_denied(struct conn *c, const char *target, uint32_t ns_mask,
			 const char *reason)
{
	struct json_object *p = proto_json_object_of("target", json_object_new_string(target));
	int k = p ? proto_json_add(p, "namespaces", ns_mask_to_json(ns_mask)) : -ENOMEM;

	if (k >= 0 && reason)
		k = proto_json_add(p, "reason", json_object_new_string(reason));
	method_error_reply(c, NSCTL_ERROR_PERMISSION_DENIED, p, k);
}

void method_error_limit(struct conn *c, const char *limit)
{
	conn_error(c, NSCTL_ERROR_LIMIT_EXCEEDED,
		   proto_json_object_of("limit", json_object_new_string(limit)));
}

struct json_object *method_error_limit_new(const char *limit)
{
	return proto_error_new(NSCTL_ERROR_LIMIT_EXCEEDED,
			       proto_json_object_of("limit", json_object_new_string(limit)));
}

void method_error_interface(struct conn *c, const char *interface, size_t len)
{
	conn_error(c, VARLINK_ERROR_INTERFACE_NOT_FOUND,
		   proto_json_object_of("interface", json_object_new_string_len(interface,
										  (int)len)));
}

void method_error_method(struct conn *c, const char *method)
{
	conn_error(c, VARLINK_ERROR_METHOD_NOT_FOUND,
		   proto_json_object_of("method", json_object_new_string(method)));
}

void method_error_policy(struct conn *c, const char *message)
{
	conn_error(c, NSCTL_ERROR_POLICY_INVALID,
		   message ? proto_json_object_of("message", json_object_new_string(message))
			   : NULL);
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
		p = proto_json_object_of("target", json_object_new_string(name));
		k = p ? proto_json_add(p, "candidates", strv_to_json(res->candidates)) : -ENOMEM;
		method_error_reply(c, NSCTL_ERROR_AMBIGUOUS_TARGET, p, k);
		return;
	}
	if (res->reason && res->r != -ENOMEM) {
		p = proto_json_object_of("backend", json_object_new_string(res->backend));
		k = p ? proto_json_add(p, "reason", json_object_new_string(res->reason)) : -ENOMEM;
		method_error_reply(c, NSCTL_ERROR_BACKEND_UNAVAILABLE, p, k);
		return;
	}
	method_error_system(c, res->r == -ENOMEM ? "resolve-target" : "open-target", res->r);
}
