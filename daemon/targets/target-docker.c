/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Target backends "docker:NAME|ID" and "podman:NAME|ID": containers, via the Docker Engine API. */

/*
 * Both engines answer the same API (Podman's is compatible), each on its own socket:
 * GET /containers/NAME/json gives the container's Id, Name and State {Running, Pid}, for a
 * name or a unique ID prefix. The pid becomes a pidfd, and then the container is asked
 * again, by its full Id: only if it still runs with that very pid, and the pidfd's process
 * has not exited meanwhile, is the pidfd the container's. Without the second question a
 * container that stopped between the answer and pidfd_open() could lend its pid to any
 * process. The canonical name comes from the engine (docker:web, also for an ID prefix).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <json-c/json.h>

#include "daemon/targets/http.h"
#include "daemon/targets/target-backend.h"
#include "protocol/cleanup.h"

#define CONTAINER_NAME_MAX 255
#define JSON_DEPTH_MAX 64

static const struct http_limits inspect_limits = { .max_head = 16384, .max_body = 1u << 20 };
static const struct http_limits list_limits = { .max_head = 16384, .max_body = 8u << 20 };

static const char *engine_socket(const struct target_context *ctx, const struct target_backend *b)
{
	return b->kind == TARGET_DOCKER ? ctx->docker_socket : ctx->podman_socket;
}

/* Names and ID prefixes as the engines allow them: [A-Za-z0-9][A-Za-z0-9_.-]*. */
static bool container_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > CONTAINER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '_' || c == '.' || c == '-'))
			continue;
		return false;
	}
	return true;
}

static int container_parse(const char *rest, struct target *t)
{
	/* Only the syntax: the canonical name is the engine's answer. It also keeps the URL
	 * free of anything that would need escaping. */
	return container_name_valid(rest, strlen(rest)) ? 0 : -EINVAL;
}

/* A JSON document of at most JSON_DEPTH_MAX levels, exactly len bytes. */
static int json_parse(const char *text, size_t len, struct json_object **ret)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	struct json_object *o;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		json_tokener_free(tok);
		return -EBADMSG;
	}
	json_tokener_free(tok);
	*ret = o;
	return 0;
}

static const char *json_string_member(struct json_object *o, const char *key, size_t *ret_len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*ret_len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Is s (len bytes) a plain name as the API writes it: "/web"? */
static bool container_api_name_valid(const char *s, size_t len)
{
	return len >= 2 && s[0] == '/' && strlen(s) == len && container_name_valid(s + 1, len - 1);
}

static bool container_id_valid(const char *s, size_t len)
{
	if (len < 12 || len > 128 || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

struct inspect {
	char *id;
	char *name;
	bool running;
	pid_t pid;
	char *status;   /* State.Status: "running", "exited", ... */
};

static void inspect_done(struct inspect *i)
{
	free(i->id);
	free(i->name);
	free(i->status);
	*i = (struct inspect){ 0 };
}

/* The fields of GET /containers/X/json that matter; -EBADMSG when they are not there. */
static int inspect_parse(const char *body, size_t len, struct inspect *ret)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *state, *v;
	struct inspect i = { 0 };
	const char *s;
	size_t n;
	int64_t pid;
	int r;

	r = json_parse(body, len, &o);
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "State", &state) ||
	    !json_object_is_type(state, json_type_object))
		return -EBADMSG;
	if (!json_object_object_get_ex(state, "Running", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	i.running = json_object_get_boolean(v);
	if (!json_object_object_get_ex(state, "Pid", &v) || !json_object_is_type(v, json_type_int))
		return -EBADMSG;
	pid = json_object_get_int64(v);
	if (pid < 0 || pid > INT32_MAX)
		return -EBADMSG;
	i.pid = (pid_t)pid;
	s = json_string_member(o, "Id", &n);
	if (!s || !container_id_valid(s, n))
		return -EBADMSG;
	i.id = strndup(s, n);
	s = json_string_member(o, "Name", &n);
	if (!s || !container_api_name_valid(s, n)) {
		inspect_done(&i);
		return -EBADMSG;
	}
	i.name = strndup(s + 1, n - 1);
	s = json_string_member(state, "Status", &n);
	if (s && (n == 0 || strlen(s) != n))
		s = NULL;
	i.status = strdup(s ? s : i.running ? "running" : "stopped");
	if (!i.id || !i.name || !i.status) {
		inspect_done(&i);
		return -ENOMEM;
	}
	*ret = i;
	return 0;
}

/* Turn a failed GET into a lookup error and its reason. */
static int http_failure(const char *sock, int r, unsigned timeout_ms, char *buf, size_t n)
{
	switch (r) {
	case -ENOENT:
	case -ECONNREFUSED:
		/* No engine listens there: it has no containers. */
		snprintf(buf, n, "cannot connect to %s: %s", sock, strerror(-r));
		return -EHOSTDOWN;
	case -ETIMEDOUT:
		snprintf(buf, n, "no complete answer from %s within %u ms", sock, timeout_ms);
		return r;
	case -EMSGSIZE:
		snprintf(buf, n, "the answer from %s is larger than allowed", sock);
		return r;
	case -EBADMSG:
	case -EPROTO:
		snprintf(buf, n, "malformed or truncated HTTP answer from %s", sock);
		return r;
	default:
		snprintf(buf, n, "%s: %s", sock, strerror(-r));
		return r;
	}
}

/* --- lookup ------------------------------------------------------------------------------ */

struct engine_lookup {
	struct target_op op;
	struct target_context *ctx;
	const struct target_backend *b;
	const char *sock;
	char *rest;
	struct http_get *get;
	bool confirming;          /* the second question, by Id */
	struct inspect first;
	int pidfd;
	target_lookup_fn cb;
	void *userdata;
};

static void lookup_free(struct engine_lookup *l)
{
	http_get_cancel(l->get);
	inspect_done(&l->first);
	safe_close(l->pidfd);
	free(l->rest);
	free(l);
}

static void lookup_cancel(struct target_op *op)
{
	lookup_free((struct engine_lookup *)op);
}

static void lookup_finish(struct engine_lookup *l, int r, struct target *t, const char *reason)
{
	l->get = NULL; /* it is finishing: http.c frees it after this callback */
	l->cb(r, t, reason, l->userdata);
	lookup_free(l);
}

static void on_inspect(int r, int status, const char *body, size_t len, void *userdata);

static int inspect_start(struct engine_lookup *l, const char *what)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "/containers/%s/json", what) < 0)
		return -ENOMEM;
	return http_get_start(l->ctx->base, l->sock, path, l->ctx->backend_timeout_ms,
			      &inspect_limits, on_inspect, l, &l->get);
}

/* The confirmed container: the pidfd and the names become a target. */
static void lookup_succeed(struct engine_lookup *l)
{
	struct target *t = NULL;
	int r;

	r = target_new_pinned(l->b, l->first.name, l->first.pid, TAKE_FD(l->pidfd), &t);
	lookup_finish(l, r, t, NULL);
}

static void on_inspect(int r, int status, const char *body, size_t len, void *userdata)
{
	struct engine_lookup *l = userdata;
	struct inspect i = { 0 };
	char reason[512];

	l->get = NULL;
	if (r < 0) {
		r = http_failure(l->sock, r, l->ctx->backend_timeout_ms, reason,
				 sizeof(reason));
		lookup_finish(l, r, NULL, reason);
		return;
	}
	if (status == 404) {
		lookup_finish(l, -ENOENT, NULL, NULL);
		return;
	}
	if (status != 200) {
		snprintf(reason, sizeof(reason), "%s answered HTTP %d", l->sock, status);
		lookup_finish(l, -EPROTO, NULL, reason);
		return;
	}
	r = inspect_parse(body, len, &i);
	if (r < 0) {
		snprintf(reason, sizeof(reason), "unexpected JSON from %s", l->sock);
		lookup_finish(l, r == -ENOMEM ? r : -EBADMSG, NULL, r == -ENOMEM ? NULL : reason);
		return;
	}
	if (!l->confirming) {
		if (!i.running || i.pid <= 0) {
			inspect_done(&i);
			lookup_finish(l, -ENOENT, NULL, NULL);
			return;
		}
		l->pidfd = pidfd_open(i.pid, 0);
		if (l->pidfd < 0) {
			r = errno == ESRCH ? -ENOENT : -errno;
			inspect_done(&i);
			lookup_finish(l, r, NULL, NULL);
			return;
		}
		l->first = i;
		l->confirming = true;
		r = inspect_start(l, l->first.id);
		if (r < 0)
			lookup_finish(l, r, NULL, NULL);
		return;
	}
	/* The same container, still running with the pid whose pidfd we hold, alive. */
	r = (strcmp(i.id, l->first.id) == 0 && i.running && i.pid == l->first.pid &&
	     strcmp(i.name, l->first.name) == 0 && !target_pidfd_exited(l->pidfd)) ? 0 : -ENOENT;
	inspect_done(&i);
	if (r < 0) {
		lookup_finish(l, r, NULL, NULL);
		return;
	}
	lookup_succeed(l);
}

static int container_lookup(struct target_context *ctx, const struct target_backend *b,
			    const char *rest, target_lookup_fn cb, void *userdata,
			    struct target_op **ret)
{
	struct engine_lookup *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->op.cancel = lookup_cancel;
	l->ctx = ctx;
	l->b = b;
	l->sock = engine_socket(ctx, b);
	l->pidfd = -EBADF;
	l->cb = cb;
	l->userdata = userdata;
	l->rest = strdup(rest);
	if (!l->rest) {
		lookup_free(l);
		return -ENOMEM;
	}
	r = inspect_start(l, l->rest);
	if (r < 0) {
		lookup_free(l);
		return r;
	}
	*ret = &l->op;
	return 0;
}

static int docker_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
			 void *userdata, struct target_op **ret)
{
	return container_lookup(ctx, &target_backend_docker, rest, cb, userdata, ret);
}

static int podman_lookup(struct target_context *ctx, const char *rest, target_lookup_fn cb,
			 void *userdata, struct target_op **ret)
{
	return container_lookup(ctx, &target_backend_podman, rest, cb, userdata, ret);
}

/* --- listing ----------------------------------------------------------------------------- */

struct engine_list {
	struct target_lister lister;   /* first: the handle */
	const char *sock;
	struct http_get *get;          /* GET /containers/json */
};

static void list_done(struct target_lister *l)
{
	http_get_cancel(((struct engine_list *)l)->get);
}

static void pid_cancel(void *handle)
{
	http_get_cancel(handle);
}

static void on_pid(int r, int status, const char *body, size_t len, void *userdata)
{
	struct target_list_slot *slot = userdata;
	struct engine_list *el = (struct engine_list *)slot->lister;
	struct inspect i = { 0 };
	char reason[512];

	if (r < 0) {
		r = http_failure(el->sock, r, el->lister.ctx->backend_timeout_ms, reason,
				 sizeof(reason));
		target_lister_pid_done(slot, r, 0, NULL, reason);
	} else if (status == 404) {
		target_lister_pid_done(slot, -ENOENT, 0, NULL, NULL);
	} else if (status != 200 || inspect_parse(body, len, &i) < 0) {
		snprintf(reason, sizeof(reason), "unexpected answer from %s", el->sock);
		target_lister_pid_done(slot, -EBADMSG, 0, NULL, reason);
	} else {
		target_lister_pid_done(slot, 0, i.running ? i.pid : 0, i.status, NULL);
		inspect_done(&i);
	}
}

static int pid_start(struct target_list_slot *slot, const char *id)
{
	struct engine_list *el = (struct engine_list *)slot->lister;
	_cleanup_free_ char *path = NULL;
	struct http_get *g;
	int r;

	if (asprintf(&path, "/containers/%s/json", id) < 0)
		return -ENOMEM;
	r = http_get_start(el->lister.ctx->base, el->sock, path,
			   el->lister.ctx->backend_timeout_ms, &inspect_limits, on_pid, slot,
			   &g);
	if (r < 0)
		return r;
	slot->handle = g;
	return 0;
}

/* One element of GET /containers/json?all=1, added if it is to be listed. */
static int list_element(struct engine_list *el, struct json_object *c)
{
	_cleanup_free_ char *name = NULL;
	struct json_object *names;
	const char *id, *state;
	size_t id_len, state_len;

	id = json_string_member(c, "Id", &id_len);
	state = json_string_member(c, "State", &state_len);
	if (!id || !container_id_valid(id, id_len) || !state || state_len == 0 ||
	    strlen(state) != state_len || !json_object_object_get_ex(c, "Names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return -EBADMSG;
	/* The first plain name: "/web" (legacy links add names like "/other/alias"). */
	for (size_t k = 0; k < json_object_array_length(names) && !name; k++) {
		struct json_object *v = json_object_array_get_idx(names, k);

		if (json_object_is_type(v, json_type_string) &&
		    container_api_name_valid(json_object_get_string(v),
					     (size_t)json_object_get_string_len(v))) {
			name = strdup(json_object_get_string(v) + 1);
			if (!name)
				return -ENOMEM;
		}
	}
	if (!name)
		return 0;
	/* Only a running container has a pid to look up. */
	return target_lister_add(&el->lister, name, state,
				 strcmp(state, "running") == 0 ? id : NULL);
}

static void on_list(int r, int status, const char *body, size_t len, void *userdata)
{
	struct engine_list *el = userdata;
	_cleanup_json_ struct json_object *o = NULL;
	char reason[512];
	size_t count;

	el->get = NULL;
	if (r < 0) {
		r = http_failure(el->sock, r, el->lister.ctx->backend_timeout_ms, reason,
				 sizeof(reason));
		target_lister_finish(&el->lister, r, reason);
		return;
	}
	snprintf(reason, sizeof(reason), "unexpected answer from %s", el->sock);
	if (status != 200 || json_parse(body, len, &o) < 0 ||
	    !json_object_is_type(o, json_type_array)) {
		target_lister_finish(&el->lister, -EBADMSG, reason);
		return;
	}
	count = json_object_array_length(o);
	for (size_t k = 0; k < count; k++) {
		r = list_element(el, json_object_array_get_idx(o, k));
		if (r < 0) {
			target_lister_finish(&el->lister, r, r == -ENOMEM ? NULL : reason);
			return;
		}
	}
	target_lister_run(&el->lister);
}

static int container_list(struct target_context *ctx, const struct target_backend *b,
			  target_filter_fn filter, void *filter_userdata, target_list_fn cb,
			  void *userdata, struct target_op **ret)
{
	struct engine_list *el = calloc(1, sizeof(*el));
	int r;

	if (!el)
		return -ENOMEM;
	target_lister_init(&el->lister, ctx, b, filter, filter_userdata, cb, userdata);
	el->lister.pid_start = pid_start;
	el->lister.pid_cancel = pid_cancel;
	el->lister.done = list_done;
	el->sock = engine_socket(ctx, b);
	r = http_get_start(ctx->base, el->sock, "/containers/json?all=1",
			   ctx->backend_timeout_ms, &list_limits, on_list, el, &el->get);
	if (r < 0) {
		free(el);
		return r;
	}
	*ret = &el->lister.op;
	return 0;
}

static int docker_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		       target_list_fn cb, void *userdata, struct target_op **ret)
{
	return container_list(ctx, &target_backend_docker, filter, filter_userdata, cb, userdata,
			      ret);
}

static int podman_list(struct target_context *ctx, target_filter_fn filter, void *filter_userdata,
		       target_list_fn cb, void *userdata, struct target_op **ret)
{
	return container_list(ctx, &target_backend_podman, filter, filter_userdata, cb, userdata,
			      ret);
}

const struct target_backend target_backend_docker = {
	.prefix = "docker",
	.kind = TARGET_DOCKER,
	.bare_names = true,
	.parse = container_parse,
	.lookup = docker_lookup,
	.list = docker_list,
};

const struct target_backend target_backend_podman = {
	.prefix = "podman",
	.kind = TARGET_PODMAN,
	.bare_names = true,
	.parse = container_parse,
	.lookup = podman_lookup,
	.list = podman_list,
};
