/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.DescribeTarget: a target's namespaces, and which of them the caller may enter. */

/*
 * The target is resolved like Run's, bare names among the targets the caller may see. A
 * target the caller may not see is answered like one that does not exist: PermissionDenied,
 * unless some meaning of the name could be permitted (then TargetNotFound). "host" compares
 * with nsctld's own namespaces, which are the host's: its unit deliberately gives it no
 * namespace of its own (PID 1's could serve too, but /proc/1/ns may be closed to ptrace
 * checks). The inodes are read from /proc/PID/ns while the pidfd pins the process, and
 * confirmed afterwards with a signal 0 through it. Not audited: it decides nothing.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include "daemon/policy/access.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/util.h"

struct describe_call {
	struct target_op op;       /* conn->pending while the target is resolved */
	struct conn *c;
	struct describe_request req;
	struct access_filter filter;
	struct target_op *resolve;
};

static void describe_call_free(struct describe_call *dc)
{
	target_op_cancel(dc->resolve);
	describe_request_done(&dc->req);
	free(dc);
}

static void describe_call_cancel(struct target_op *op)
{
	describe_call_free((struct describe_call *)op);
}

static bool describe_filter(const char *canonical, const char *bare, void *userdata)
{
	struct describe_call *dc = userdata;

	return access_filter_visible(canonical, bare, &dc->filter);
}

/* The answer for a target that is not there, or that the caller may not see. */
static void answer_invisible(struct describe_call *dc)
{
	if (target_readings(dc->c->m->targets, dc->req.target, describe_filter, dc))
		method_error_target(dc->c, NSCTL_ERROR_TARGET_NOT_FOUND, dc->req.target);
	else
		method_error_denied(dc->c, dc->req.target, 0, NULL);
}

static int describe(const struct target *t, uint32_t may_enter, struct json_object **ret)
{
	_cleanup_json_ struct json_object *p = json_object_new_object();
	struct json_object *list = json_object_new_array();
	char path[64];

	if (!p || proto_json_add(p, "target", json_object_new_string(t->canonical)) < 0 ||
	    proto_json_add(p, "kind", json_object_new_string(target_kind_prefix(t->kind))) < 0 ||
	    proto_json_add(p, "name", json_object_new_string(t->bare)) < 0 ||
	    (t->pidfd >= 0 && proto_json_add(p, "pid", json_object_new_int64(t->pid)) < 0) ||
	    proto_json_add(p, "namespaces", list) < 0)
		return -ENOMEM;
	for (int i = 0; i < _NS_COUNT; i++) {
		struct stat host;
		struct namespace_info info;
		struct json_object *o;

		if (!(t->available_ns & NS_BIT(i)))
			continue;
		/* The target's inodes were read when it was pinned; nsctld's own are asked here. */
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_table[i].proc_name);
		info = (struct namespace_info){
			.type = (char *)ns_table[i].name,
			.inode = (int64_t)t->ns_inodes[i],
			.host = stat(path, &host) == 0 && (uint64_t)host.st_ino == t->ns_inodes[i],
			.may_enter = (may_enter & NS_BIT(i)) != 0,
		};
		o = namespace_info_to_json(&info);
		if (!o || json_object_array_add(list, o) < 0) {
			json_object_put(o);
			return -ENOMEM;
		}
	}
	/* The inodes were the pinned process's only if it has not exited meanwhile. */
	if (t->pidfd >= 0) {
		int r = pidfd_is_alive(t->pidfd);

		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

static void on_resolved(struct target_result *res, void *userdata)
{
	struct describe_call *dc = userdata;
	struct conn *c = dc->c;
	struct json_object *p = NULL;
	uint32_t mask;
	int r;

	dc->resolve = NULL; /* finishing: target-resolve.c frees it */
	conn_op_done(c);
	if (res->r == -ENOENT) {
		answer_invisible(dc);
	} else if (res->r < 0) {
		method_error_resolve(c, dc->req.target, res);
	} else {
		mask = access_ns_mask(c->m->policy, &dc->filter.caller, res->t->canonical,
				      res->t->bare);
		if (mask == 0) {
			answer_invisible(dc);
		} else {
			r = describe(res->t, mask, &p);
			if (r == -ESRCH)
				answer_invisible(dc);
			else if (r < 0)
				method_error_system(c, "describe-target", r);
			else
				conn_reply(c, p, false, NULL, 0);
		}
	}
	describe_call_free(dc);
}

void method_describe_target(struct conn *c, const struct proto_call *call,
			    struct proto_message *msg)
{
	struct describe_call *dc;
	const char *bad = NULL;
	uint32_t kinds;
	int r;

	dc = calloc(1, sizeof(*dc));
	if (!dc) {
		method_error_system(c, "allocate", -ENOMEM);
		return;
	}
	dc->op.cancel = describe_call_cancel;
	dc->c = c;
	r = describe_request_from_json(call->parameters, &dc->req, &bad);
	if (r < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		describe_call_free(dc);
		return;
	}
	dc->filter.m = c->m;
	access_caller(c, &dc->filter.caller);
	/* Deny before look-up (see method-run.c): nothing is asked for a hopeless caller. */
	if (!access_could_permit(c->m, &dc->filter.caller, dc->req.target, 0, NULL, true,
				 &kinds)) {
		answer_invisible(dc);
		describe_call_free(dc);
		return;
	}
	r = target_resolve_as(c->m->targets, c->cred.uid, kinds, dc->req.target, describe_filter,
			      dc, on_resolved, &dc->resolve);
	if (r < 0) {
		method_error_system(c, "resolve-target", r);
		describe_call_free(dc);
		return;
	}
	conn_wait_on(c, &dc->op, false);
}
