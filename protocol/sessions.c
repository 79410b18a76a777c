/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.ListSessions: the request and the Session records, for daemon and client. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

int list_sessions_request_from_json(struct json_object *params,
				    struct list_sessions_request *ret, const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "all", proto_field_bool, offsetof(struct list_sessions_request, all), false },
		{}
	};
	struct list_sessions_request req = {};
	int r;

	if (!params) {
		*ret = req;
		return 0;
	}
	r = proto_dispatch(params, table, &req, ret_bad_field);
	if (r < 0)
		return r;
	*ret = req;
	return 0;
}

struct json_object *list_sessions_request_to_json(const struct list_sessions_request *req)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (req->all && proto_json_add(o, "all", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *session_info_to_json(const struct session_info *s)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (proto_json_add(o, "session", json_object_new_int64(s->session)) < 0 ||
	    proto_json_add(o, "uid", json_object_new_int64(s->uid)) < 0 ||
	    proto_json_add(o, "target", json_object_new_string(s->target)) < 0 ||
	    proto_json_add(o, "namespaces", strv_to_json(s->namespaces)) < 0 ||
	    proto_json_add(o, "pid", json_object_new_int64(s->pid)) < 0 ||
	    proto_json_add(o, "start_usec", json_object_new_int64(s->start_usec)) < 0 ||
	    proto_json_add(o, "elapsed_usec", json_object_new_int64(s->elapsed_usec)) < 0 ||
	    proto_json_add(o, "state", json_object_new_string(s->state)) < 0 ||
	    proto_json_add(o, "argv", strv_to_json(s->argv)) < 0)
		return NULL;
	if (s->reason && proto_json_add(o, "reason", json_object_new_string(s->reason)) < 0)
		return NULL;
	if (s->timeout > 0 && proto_json_add(o, "timeout", json_object_new_int64(s->timeout)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int session_info_from_json(struct json_object *o, struct session_info *ret,
			   const char **ret_bad_field)
{
#define SF(key, fn, member, req) { key, fn, offsetof(struct session_info, member), req }
	static const struct proto_field table[] = {
		SF("session", proto_field_int64, session, true),
		SF("uid", proto_field_int64, uid, true),
		SF("target", proto_field_string, target, true),
		SF("namespaces", proto_field_strv, namespaces, true),
		SF("pid", proto_field_int64, pid, true),
		SF("start_usec", proto_field_int64, start_usec, true),
		SF("elapsed_usec", proto_field_int64, elapsed_usec, true),
		SF("state", proto_field_string, state, true),
		SF("argv", proto_field_strv, argv, true),
		SF("reason", run_field_reason, reason, false),
		SF("timeout", proto_field_int64, timeout, false),
		{}
	};
#undef SF
	struct session_info s = {};
	int r;

	r = proto_dispatch(o, table, &s, ret_bad_field);
	if (r < 0) {
		session_info_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void session_info_done(struct session_info *s)
{
	free(s->target);
	strv_free(s->namespaces);
	free(s->state);
	free(s->reason);
	strv_free(s->argv);
	*s = (struct session_info){};
}
