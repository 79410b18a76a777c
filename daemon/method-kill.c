/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.Kill: signal a running session, from any connection of its owner, or root. */
#include <errno.h>

#include "daemon/audit.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/session.h"
#include "protocol/nsctl-protocol.h"

void method_kill(struct conn *c, const struct proto_call *call, struct proto_message *msg)
{
	struct kill_request req = { 0 };
	const char *bad = NULL;
	struct session *s;

	if (kill_request_from_json(call->parameters, &req, &bad) < 0) {
		conn_error_invalid(c, bad);
		return;
	}
	/*
	 * Another uid's session is reported as absent: ids reveal nothing across users.
	 * Root may signal any session; the audit's session-end says who did (NSCTL_KILLED_BY_UID).
	 */
	s = req.session > 0 ? session_find(c->m, (uint64_t)req.session) : NULL;
	if (!s || (s->caller.uid != c->cred.uid && c->cred.uid != 0) ||
	    session_kill(s, c->cred.uid, req.signal) < 0) {
		conn_error(c, NSCTL_ERROR_SESSION_NOT_FOUND,
			   proto_json_object_of("session", json_object_new_int64(req.session)));
		return;
	}
	audit_log(&(struct audit_record){
		.event = "kill",
		.caller = &c->cred,
		.target = s->target,
		.ns_mask = s->ns_mask,
		.argv = s->argv,
		.rule = s->rule,
		.session = s->id,
		.pid = s->cmd_pid ? s->cmd_pid : s->worker_pid,
		.exit_status = -1,
		.signal = req.signal,
		.message = s->caller.uid == c->cred.uid ? "session signalled by its owner"
							: "session signalled by root",
	});
	conn_reply(c, NULL, false, NULL, 0);
}
