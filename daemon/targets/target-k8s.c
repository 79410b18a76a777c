/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backend "k8s:NAMESPACE/POD[/CONTAINER]": pods and containers by their Kubernetes names. */

/*
 * A pod is its sandbox (the pause or infra container, whose network, IPC and UTS
 * namespaces all its containers share); NAMESPACE/POD/CONTAINER is one container of it.
 * The names come from the CRI annotations in the bundles of both runtimes on the node:
 * containerd's namespace k8s.io under --containerd-state and CRI-O's containers under
 * --crio-state (runtime-state.h), whichever are there. Only a running bundle is the
 * target: a restarted container leaves its old bundle behind for a while, and two running
 * ones with one name are ambiguous. Not a bare name: "default/web" is not looked for
 * among docker or podman names, and a bare name never means a pod.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/targets/target-runtime.h"
#include "protocol/cleanup.h"

struct k8s_name {
	char *ns, *pod, *container; /* container NULL: the pod */
};

static void k8s_name_done(struct k8s_name *k)
{
	free(k->ns);
	free(k->pod);
	free(k->container);
}

static int k8s_name_parse(const char *rest, struct k8s_name *ret)
{
	struct k8s_name k = { 0 };
	const char *s1 = strchr(rest, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	if (!s1 || (s2 && strchr(s2 + 1, '/')))
		return -EINVAL;
	k.ns = strndup(rest, (size_t)(s1 - rest));
	k.pod = s2 ? strndup(s1 + 1, (size_t)(s2 - s1 - 1)) : strdup(s1 + 1);
	if (s2)
		k.container = strdup(s2 + 1);
	if (!k.ns || !k.pod || (s2 && !k.container)) {
		k8s_name_done(&k);
		return -ENOMEM;
	}
	if (!runtime_k8s_label_valid(k.ns) || !runtime_k8s_subdomain_valid(k.pod) ||
	    (k.container && !runtime_k8s_label_valid(k.container))) {
		k8s_name_done(&k);
		return -EINVAL;
	}
	*ret = k;
	return 0;
}

static int k8s_parse(const char *rest, struct target *t)
{
	struct k8s_name k;
	int r = k8s_name_parse(rest, &k);

	if (r < 0)
		return r;
	k8s_name_done(&k);
	return target_set_names(t, TARGET_K8S, "k8s", rest);
}

/* The Kubernetes name of a bundle ("ns/pod", "ns/pod/container"), or NULL: it has none. */
static int bundle_name(const struct runtime_bundle *b, char **ret)
{
	const struct runtime_meta *m = &b->meta;
	int r;

	*ret = NULL;
	if (!m->pod_namespace || !m->pod_name)
		return 0;
	if (m->role == RUNTIME_ROLE_SANDBOX)
		r = asprintf(ret, "%s/%s", m->pod_namespace, m->pod_name);
	else if (m->role == RUNTIME_ROLE_CONTAINER && m->container_name)
		r = asprintf(ret, "%s/%s/%s", m->pod_namespace, m->pod_name, m->container_name);
	else
		return 0;
	if (r < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Both runtimes' bundles; -EHOSTDOWN only when neither runtime is there. */
struct both {
	struct runtime_bundle *b[2];
	size_t n[2];
};

static void both_done(struct both *s)
{
	for (int i = 0; i < 2; i++)
		runtime_bundles_free(s->b[i], s->n[i]);
}

static int scan_both(struct target_context *ctx, struct both *s, char **reason)
{
	int r1, r2;

	*s = (struct both){ 0 };
	r1 = runtime_state_scan(ctx->runtime_cache, RUNTIME_CONTAINERD,
				ctx->containerd_state, RUNTIME_CONTAINERD_K8S_NAMESPACE,
				NULL, &s->b[0], &s->n[0], reason);
	if (r1 < 0 && r1 != -EHOSTDOWN)
		return target_runtime_scan_error("containerd", ctx->containerd_state, r1,
						 reason);
	r2 = runtime_state_scan(ctx->runtime_cache, RUNTIME_CRIO, ctx->crio_state,
				NULL, NULL, &s->b[1], &s->n[1], reason);
	if (r2 < 0 && r2 != -EHOSTDOWN) {
		both_done(s);
		*s = (struct both){ 0 };
		return target_runtime_scan_error("CRI-O", ctx->crio_state, r2, reason);
	}
	if (r1 == -EHOSTDOWN && r2 == -EHOSTDOWN) {
		if (asprintf(reason, "no containerd state at %s, no CRI-O state at %s",
			     ctx->containerd_state, ctx->crio_state) < 0)
			*reason = NULL;
		return -EHOSTDOWN;
	}
	return 0;
}

static int k8s_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
		      void *userdata, struct target_op **ret)
{
	struct runtime_bundle *found = NULL;
	struct target *t = NULL;
	struct both s = { 0 };
	char *reason = NULL;
	struct k8s_name k;
	int r;

	r = k8s_name_parse(rest, &k);
	if (r < 0)
		return r;
	k8s_name_done(&k); /* the syntax only: names are compared whole */
	r = scan_both(ctx, &s, &reason);
	for (int i = 0; r >= 0 && i < 2; i++)
		for (size_t j = 0; r >= 0 && j < s.n[i]; j++) {
			struct runtime_bundle *b = &s.b[i][j];
			_cleanup_free_ char *name = NULL;

			r = bundle_name(b, &name);
			if (r < 0 || !name || strcmp(name, rest) != 0)
				continue;
			/* Pinned only when it has the name: the others' pids are not looked at. */
			r = runtime_bundle_pin(b);
			if (r < 0 || b->pidfd < 0)
				continue;
			if (found)
				r = -ENOTUNIQ;
			found = b;
		}
	if (r >= 0 && !found)
		r = -ENOENT;
	if (r >= 0)
		r = target_runtime_pin(&target_backend_k8s, rest, found, &t);
	both_done(&s);
	return target_runtime_answer_lookup(ctx, r, t, reason, cb, userdata, ret);
}

static int k8s_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		    target_list_fn cb, void *userdata, struct target_op **ret)
{
	struct target_runtime_list l = { .b = &target_backend_k8s,
					 .filter = filter,
					 .filter_userdata = filter_userdata };
	struct both s = { 0 };
	char *reason = NULL;
	int r;

	r = scan_both(ctx, &s, &reason);
	for (int i = 0; r >= 0 && i < 2; i++)
		for (size_t j = 0; r >= 0 && j < s.n[i]; j++) {
			_cleanup_free_ char *name = NULL;

			r = bundle_name(&s.b[i][j], &name);
			if (r >= 0 && name)
				r = target_runtime_list_add(&l, name, &s.b[i][j]);
		}
	both_done(&s);
	return target_runtime_answer_list(ctx, r, l.entries, l.n, reason, cb, userdata, ret);
}

const struct target_backend target_backend_k8s = {
	.prefix = "k8s",
	.kind = TARGET_K8S,
	.bare_names = false,
	.parse = k8s_parse,
	.lookup = k8s_lookup,
	.list = k8s_list,
};
