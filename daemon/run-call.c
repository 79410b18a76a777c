/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One Run call: what it holds, and releasing all of it in one place. */
#include <stdlib.h>

#include "daemon/run-call.h"

void run_identity_done(struct run_identity *ri)
{
	if (ri->joined)
		idmap_identity_done(&ri->inner);
	*ri = (struct run_identity){ 0 };
}

struct run_call *run_call_new(struct conn *c)
{
	struct run_call *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->c = c;
	rc->req = (struct run_request){ .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	rc->stdio[0] = rc->stdio[1] = rc->stdio[2] = -EBADF;
	return rc;
}

void run_call_free(struct run_call *rc)
{
	if (!rc)
		return;
	target_op_cancel(rc->resolve);
	/* The worker has its own copies: the daemon keeps no byte of the session's stdio. */
	close_many(rc->stdio, 3);
	run_request_done(&rc->req);
	run_identity_done(&rc->identity);
	close_many(rc->cgroup_fds, rc->n_cgroup_fds);
	free(rc->cgroup_parent);
	free(rc);
}
