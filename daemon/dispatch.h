/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Method table: routes a decoded call to its method_<verb>() handler. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/varlink.h"

struct conn;
struct target_result;

/*
 * A handler answers through conn_reply()/conn_error(), now or later (Run replies when the
 * session starts and ends). It may take fds out of msg with proto_message_take_fd();
 * whatever it leaves there is closed after it returns.
 */
typedef void (*method_fn)(struct conn *c, const struct proto_call *call,
			  struct proto_message *msg);

void dispatch_call(struct conn *c, const struct proto_call *call, struct proto_message *msg);

void method_run(struct conn *c, const struct proto_call *call, struct proto_message *msg);
void method_kill(struct conn *c, const struct proto_call *call, struct proto_message *msg);
void method_check_access(struct conn *c, const struct proto_call *call,
			 struct proto_message *msg);
void method_list_rules(struct conn *c, const struct proto_call *call, struct proto_message *msg);
void method_reload(struct conn *c, const struct proto_call *call, struct proto_message *msg);
void method_list_sessions(struct conn *c, const struct proto_call *call,
			  struct proto_message *msg);
void method_get_info(struct conn *c, const struct proto_call *call, struct proto_message *msg);
void method_get_interface_description(struct conn *c, const struct proto_call *call,
				      struct proto_message *msg);
void method_list_targets(struct conn *c, const struct proto_call *call,
			 struct proto_message *msg);
void method_describe_target(struct conn *c, const struct proto_call *call,
			    struct proto_message *msg);

/*
 * The error reply for a resolution of name that failed other than with -ENOENT (whose
 * answer depends on the method): TargetNotFound for a malformed name, AmbiguousTarget,
 * BackendUnavailable, or SystemError.
 */
void method_error_resolve(struct conn *c, const char *name, const struct target_result *res);

/*
 * error with the parameters p when r >= 0 says they were built; else p is released and the
 * error goes without them (out of memory). Takes p.
 */
void method_error_reply(struct conn *c, const char *error, struct json_object *p, int r);
/* io.nsctl.SystemError {operation, errno} for a system call that failed with r (-errno). */
void method_error_system(struct conn *c, const char *operation, int r);
/* error {target} (TargetNotFound, ...), naming the target as the caller wrote it. */
void method_error_target(struct conn *c, const char *error, const char *target);
/* io.nsctl.PermissionDenied {target, namespaces, reason?}. */
void method_error_denied(struct conn *c, const char *target, uint32_t ns_mask,
			 const char *reason);
/* io.nsctl.LimitExceeded {limit}. */
void method_error_limit(struct conn *c, const char *limit);
/* The same as a whole error message, for a connection no call is waiting on; NULL on ENOMEM. */
struct json_object *method_error_limit_new(const char *limit);
/* org.varlink.service.InterfaceNotFound {interface}, the first len bytes of interface. */
void method_error_interface(struct conn *c, const char *interface, size_t len);
/* org.varlink.service.MethodNotFound {method}. */
void method_error_method(struct conn *c, const char *method);
/* io.nsctl.PolicyInvalid {message}; without it when message is NULL. */
void method_error_policy(struct conn *c, const char *message);
