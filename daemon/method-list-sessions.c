/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.ListSessions: the caller's running sessions; every user's for root with "all". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/session.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/util.h"

static const char *state_name(enum session_state st)
{
	switch (st) {
	case SESSION_STARTING:
		return "starting";
	case SESSION_RUNNING:
		return "running";
	default:
		return "ending";
	}
}

static struct json_object *session_json(const struct session *s, uint64_t now)
{
	_cleanup_strv_free_ char **ns = NULL;
	struct session_info info = {
		.session = (int64_t)s->id,
		.uid = s->caller.uid,
		.target = s->target,
		.pid = s->state == SESSION_STARTING ? 0 : s->cmd_pid ? s->cmd_pid : s->worker_pid,
		.start_usec = (int64_t)s->start_realtime_usec,
		.elapsed_usec = (int64_t)(now - s->start_usec),
		.state = (char *)state_name(s->state),
		.reason = s->reason,
		.argv = s->argv,
		.timeout = (int64_t)(s->timeout_usec / 1000000),
	};
	size_t n = 0;

	/* The namespaces as a list of names, from the mask. */
	ns = calloc(_NS_COUNT + 1, sizeof(char *));
	if (!ns)
		return NULL;
	n = 0;
	for (int t = 0; t < _NS_COUNT; t++)
		if (s->ns_mask & NS_BIT(t))
			ns[n++] = strdup(ns_table[t].name);
	for (size_t i = 0; i < n; i++)
		if (!ns[i])
			return NULL;
	info.namespaces = ns;
	return session_info_to_json(&info);
}

void method_list_sessions(struct conn *c, const struct proto_call *call,
			  struct proto_message *msg)
{
	struct list_sessions_request req = {};
	_cleanup_json_ struct json_object *list = NULL;
	struct json_object *p;
	const char *bad = NULL;
	const struct session *s;
	uint64_t now;

	if (list_sessions_request_from_json(call->parameters, &req, &bad) < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		return;
	}
	/* Only root sees other users' sessions; for anyone else "all" is their own. */
	if (req.all && c->cred.uid != 0)
		req.all = false;
	now = now_usec();
	list = json_object_new_array();
	if (!list) {
		method_error_system(c, "list-sessions", -ENOMEM);
		return;
	}
	LIST_FOREACH(s, &c->m->sessions, entry) {
		struct json_object *o;

		if (!req.all && s->caller.uid != c->cred.uid)
			continue;
		o = session_json(s, now);
		if (!o || json_object_array_add(list, o) < 0) {
			json_object_put(o);
			method_error_system(c, "list-sessions", -ENOMEM);
			return;
		}
	}
	p = json_object_new_object();
	if (!p || proto_json_add(p, "sessions", TAKE_PTR(list)) < 0) {
		json_object_put(p);
		method_error_system(c, "list-sessions", -ENOMEM);
		return;
	}
	conn_reply(c, p, false, NULL, 0);
}
