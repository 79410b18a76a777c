/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "crio:ID": a running CRI-O container (or pod sandbox), from its state. */

/*
 * No gRPC: CRI-O's bundle is the container's run directory in containers/storage,
 * --crio-state/overlay-containers/ID/userdata, with config.json and the pidfile runc
 * wrote; read as runtime-state.h describes. Only containers CRI-O made count (Podman
 * shares the storage). ID may be an unambiguous prefix; the canonical name has the whole
 * ID. Not a bare name.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/targets/target-runtime.h"
#include "protocol/cleanup.h"

static int crio_parse(const char *rest, struct target *t)
{
	return runtime_id_valid(rest) ? 0 : -EINVAL;
}

static int crio_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
		       void *userdata, struct target_op **ret)
{
	const char *root = ctx->crio_state;
	struct runtime_bundle *b = NULL, *found = NULL;
	struct target *t = NULL;
	char *reason = NULL;
	size_t n = 0;
	int r;

	if (!runtime_id_valid(rest))
		return -EINVAL;
	r = runtime_state_scan(ctx->runtime_cache, RUNTIME_CRIO, root, NULL, rest, &b, &n,
			       &reason);
	if (r < 0)
		r = target_runtime_scan_error("CRI-O", root, r, &reason);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (b[i].meta.role == RUNTIME_ROLE_NONE)
			continue;
		if (strcmp(b[i].id, rest) == 0) {
			found = &b[i];
			break;
		}
		if (found) {
			r = -ENOTUNIQ;
			break;
		}
		found = &b[i];
	}
	if (r >= 0 && !found)
		r = -ENOENT;
	if (r >= 0)
		r = target_runtime_pin(&target_backend_crio, found->id, found, &t);
	runtime_bundles_free(b, n);
	return target_runtime_answer_lookup(ctx, r, t, reason, cb, userdata, ret);
}

static int crio_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		     target_list_fn cb, void *userdata, struct target_op **ret)
{
	const char *root = ctx->crio_state;
	struct target_runtime_list l = { .b = &target_backend_crio,
					 .filter = filter,
					 .filter_userdata = filter_userdata };
	struct runtime_bundle *b = NULL;
	char *reason = NULL;
	size_t n = 0;
	int r;

	r = runtime_state_scan(ctx->runtime_cache, RUNTIME_CRIO, root, NULL, NULL, &b, &n,
			       &reason);
	if (r < 0)
		r = target_runtime_scan_error("CRI-O", root, r, &reason);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (b[i].meta.role != RUNTIME_ROLE_NONE)
			r = target_runtime_list_add(&l, b[i].id, &b[i]);
	runtime_bundles_free(b, n);
	return target_runtime_answer_list(ctx, r, l.entries, l.n, reason, cb, userdata, ret);
}

const struct target_backend target_backend_crio = {
	.prefix = "crio",
	.kind = TARGET_CRIO,
	.bare_names = false,
	.parse = crio_parse,
	.lookup = crio_lookup,
	.list = crio_list,
};
