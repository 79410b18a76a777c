/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.nsctl.ListTargets: the targets of every enabled backend that the caller may see. */

/*
 * A target is listed when some request for it could be permitted to this caller (see
 * access.c): the listing shows what the caller could use, and nothing else. Processes
 * (pid:N) are not listed: every process of the host would be. The listing is not audited;
 * it decides nothing. Backends answer through the loop; the connection holds the listing
 * and cancels it if it closes first.
 */

#include <errno.h>
#include <stdlib.h>

#include "daemon/policy/access.h"
#include "daemon/conn.h"
#include "daemon/dispatch.h"
#include "daemon/manager.h"
#include "daemon/targets/target.h"
#include "daemon/targets/target-resolve.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

struct list_call {
	struct target_op op;       /* conn->pending while the backends are asked */
	struct conn *c;
	struct access_filter filter;
	struct target_op *listing;
};

static void list_call_free(struct list_call *lc)
{
	target_op_cancel(lc->listing);
	free(lc);
}

static void list_call_cancel(struct target_op *op)
{
	list_call_free((struct list_call *)op);
}

static bool list_filter(const char *canonical, const char *bare, void *userdata)
{
	struct list_call *lc = userdata;

	return access_filter_visible(canonical, bare, &lc->filter);
}

static struct json_object *reply_new(const struct access_filter *filter,
				     const struct target_entry *entries, size_t n,
				     const struct target_problem *problems, size_t n_problems)
{
	_cleanup_json_ struct json_object *p = json_object_new_object();
	struct json_object *targets = json_object_new_array();
	struct json_object *unavailable = json_object_new_array();

	if (!p || proto_json_add(p, "targets", targets) < 0 ||
	    proto_json_add(p, "unavailable", unavailable) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct target_entry *e = &entries[i];
		struct target_info info = {
			.kind = (char *)target_kind_prefix(e->kind),
			.target = e->canonical,
			.name = e->bare,
			.pid = e->pid,
			.state = e->state,
		};
		struct json_object *o = target_info_to_json(&info);

		if (!o || json_object_array_add(targets, o) < 0) {
			json_object_put(o);
			return NULL;
		}
	}
	for (size_t i = 0; i < n_problems; i++) {
		/* A backend the caller could never use: its troubles are none of theirs. */
		if (filter && !access_could_see_kind(filter->m->policy, &filter->caller,
						     problems[i].backend))
			continue;
		struct backend_problem bp = {
			.backend = (char *)problems[i].backend,
			.reason = (char *)problems[i].reason,
		};
		struct json_object *o = backend_problem_to_json(&bp);

		if (!o || json_object_array_add(unavailable, o) < 0) {
			json_object_put(o);
			return NULL;
		}
	}
	return TAKE_PTR(p);
}

static void on_listed(struct target_entry *entries, size_t n, struct target_problem *problems,
		      size_t n_problems, void *userdata)
{
	struct list_call *lc = userdata;
	struct conn *c = lc->c;
	struct json_object *p;

	lc->listing = NULL; /* finishing: target-resolve.c frees it */
	conn_op_done(c);
	p = reply_new(&lc->filter, entries, n, problems, n_problems);
	if (p) {
		conn_reply(c, p, false, NULL, 0);
	} else {
		method_error_system(c, "list-targets", -ENOMEM);
	}
	list_call_free(lc);
}

void method_list_targets(struct conn *c, const struct proto_call *call,
			 struct proto_message *msg)
{
	struct list_call *lc;
	const char *bad = NULL;
	uint32_t kinds = 0;
	int r;

	if (empty_request_from_json(call->parameters, &bad) < 0) {
		conn_error_invalid(c, bad ? bad : "parameters");
		return;
	}
	/*
	 * Deny before look-up (identity branch): only the backends of kinds some rule could
	 * let the caller see are asked; a caller no rule permits anything sees an empty
	 * listing, and no backend is asked for it.
	 */
	{
		struct policy_caller caller;

		access_caller(c, &caller);
		for (int k = 0; k < _TARGET_KIND_COUNT; k++)
			if (access_could_see_kind(c->m->policy, &caller,
						  target_kind_prefix((enum target_kind)k)))
				kinds |= TARGET_KIND_BIT(k);
		if (kinds == 0) {
			struct json_object *p = reply_new(NULL, NULL, 0, NULL, 0);

			if (p)
				conn_reply(c, p, false, NULL, 0);
			else
				method_error_system(c, "list-targets", -ENOMEM);
			return;
		}
	}
	lc = calloc(1, sizeof(*lc));
	r = lc ? 0 : -ENOMEM;
	if (lc) {
		lc->op.cancel = list_call_cancel;
		lc->c = c;
		lc->filter.m = c->m;
		access_caller(c, &lc->filter.caller);
		r = target_list_kinds(c->m->targets, kinds, list_filter, lc, on_listed,
				      &lc->listing);
	}
	if (r < 0) {
		free(lc);
		method_error_system(c, "list-targets", r);
		return;
	}
	conn_wait_on(c, &lc->op, false);
}
