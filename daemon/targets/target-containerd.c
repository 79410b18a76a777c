/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "containerd:[NAMESPACE/]ID": a running containerd task, from its state. */

/*
 * No gRPC: the runc v2 shim's bundle under --containerd-state says what the task is
 * (config.json) and which process runs it (init.pid), read as runtime-state.h describes.
 * The namespace defaults to k8s.io (the CRI plugin's); ID may be an unambiguous prefix,
 * and an ID that is complete wins over longer ones it is a prefix of. The canonical name
 * is always containerd:NAMESPACE/ID, with the whole ID. Not a bare name: a bare name keeps
 * meaning what it meant before (the kinds of docs/architecture.md, in their order).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/targets/target-runtime.h"
#include "protocol/cleanup.h"

/* "[NS/]ID" -> ns (a copy, or the default) and the ID prefix; -EINVAL when malformed. */
static int split_name(const char *rest, char **ret_ns, const char **ret_id)
{
	const char *slash = strchr(rest, '/');
	_cleanup_free_ char *ns = NULL;
	const char *id = rest;

	if (slash) {
		ns = strndup(rest, (size_t)(slash - rest));
		if (!ns)
			return -ENOMEM;
		id = slash + 1;
	} else {
		ns = strdup(RUNTIME_CONTAINERD_K8S_NAMESPACE);
		if (!ns)
			return -ENOMEM;
	}
	if (!runtime_id_valid(ns) || !runtime_id_valid(id))
		return -EINVAL;
	*ret_ns = TAKE_PTR(ns);
	*ret_id = id;
	return 0;
}

static int containerd_parse(const char *rest, struct target *t)
{
	_cleanup_free_ char *ns = NULL;
	const char *id;

	return split_name(rest, &ns, &id);
}

/* The bundle an ID (prefix) means among those scanned: -ENOENT, -ENOTUNIQ. */
static int pick(struct runtime_bundle *b, size_t n, const char *id, struct runtime_bundle **ret)
{
	struct runtime_bundle *found = NULL;

	for (size_t i = 0; i < n; i++)
		if (strcmp(b[i].id, id) == 0) {
			*ret = &b[i];
			return 0;
		}
	for (size_t i = 0; i < n; i++) {
		if (found)
			return -ENOTUNIQ;
		found = &b[i];
	}
	if (!found)
		return -ENOENT;
	*ret = found;
	return 0;
}

static int containerd_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
			     void *userdata, struct target_op **ret)
{
	const char *root = ctx->containerd_state;
	_cleanup_free_ char *ns = NULL, *name = NULL;
	struct runtime_bundle *b = NULL, *found = NULL;
	struct target *t = NULL;
	char *reason = NULL;
	const char *id;
	size_t n = 0;
	int r;

	r = split_name(rest, &ns, &id);
	if (r < 0)
		return r;
	r = runtime_state_scan(ctx->runtime_cache, RUNTIME_CONTAINERD, root, ns, id, &b, &n,
			       &reason);
	if (r < 0)
		r = target_runtime_scan_error("containerd", root, r, &reason);
	if (r >= 0)
		r = pick(b, n, id, &found);
	if (r >= 0) {
		if (asprintf(&name, "%s/%s", ns, found->id) < 0)
			r = -ENOMEM;
		else
			r = target_runtime_pin(&target_backend_containerd, name, found, &t);
	}
	runtime_bundles_free(b, n);
	return target_runtime_answer_lookup(ctx, r, t, reason, cb, userdata, ret);
}

static int containerd_list(struct target_context *ctx, target_filter_fn filter,
			   void *filter_userdata, target_list_fn cb, void *userdata,
			   struct target_op **ret)
{
	const char *root = ctx->containerd_state;
	struct target_runtime_list l = { .b = &target_backend_containerd,
					 .filter = filter,
					 .filter_userdata = filter_userdata };
	struct runtime_bundle *b = NULL;
	char *reason = NULL;
	size_t n = 0;
	int r;

	r = runtime_state_scan(ctx->runtime_cache, RUNTIME_CONTAINERD, root, NULL, NULL, &b,
			       &n, &reason);
	if (r < 0)
		r = target_runtime_scan_error("containerd", root, r, &reason);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *name = NULL;

		if (asprintf(&name, "%s/%s", b[i].ns, b[i].id) < 0)
			r = -ENOMEM;
		else
			r = target_runtime_list_add(&l, name, &b[i]);
	}
	runtime_bundles_free(b, n);
	return target_runtime_answer_list(ctx, r, l.entries, l.n, reason, cb, userdata, ret);
}

const struct target_backend target_backend_containerd = {
	.prefix = "containerd",
	.kind = TARGET_CONTAINERD,
	.bare_names = false,
	.parse = containerd_parse,
	.lookup = containerd_lookup,
	.list = containerd_list,
};
