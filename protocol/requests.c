/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Codecs for the io.nsctl method parameters and reply records, JSON <-> struct. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

/* "namespaces": a non-empty array of distinct known names, into a mask of NS_BIT()s. */
static int field_namespaces(struct json_object *v, void *field)
{
	uint32_t *p = field, mask = 0;
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	n = json_object_array_length(v);
	if (n == 0 || n > _NS_COUNT)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;
		int t;

		if (!json_object_is_type(e, json_type_string))
			return -EINVAL;
		s = json_object_get_string(e);
		if (strlen(s) != (size_t)json_object_get_string_len(e))
			return -EINVAL;
		t = ns_from_name(s);
		if (t < 0 || (mask & NS_BIT(t)))
			return -EINVAL;
		mask |= NS_BIT(t);
	}
	*p = mask;
	return 0;
}

/* "argv": non-empty, at most RUN_ARGV_MAX entries, argv[0] non-empty. */
static int field_argv(struct json_object *v, void *field)
{
	_cleanup_strv_free_ char **l = NULL;
	char ***p = field;
	size_t n;
	int r;

	r = proto_field_strv(v, &l);
	if (r < 0)
		return r;
	n = strv_length(l);
	if (n == 0 || n > RUN_ARGV_MAX || l[0][0] == '\0')
		return -EINVAL;
	strv_free(*p);
	*p = TAKE_PTR(l);
	return 0;
}

/* "env": at most RUN_ENV_MAX entries, each NAME=VALUE with a non-empty NAME. */
static int field_env(struct json_object *v, void *field)
{
	_cleanup_strv_free_ char **l = NULL;
	char ***p = field;
	int r;

	r = proto_field_strv(v, &l);
	if (r < 0)
		return r;
	if (!l || strv_length(l) > RUN_ENV_MAX)
		return -EINVAL;
	for (char **e = l; *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || eq == *e)
			return -EINVAL;
	}
	strv_free(*p);
	*p = TAKE_PTR(l);
	return 0;
}

/* "cwd": an absolute path. */
static int field_cwd(struct json_object *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	char **p = field;
	int r;

	r = proto_field_string(v, &s);
	if (r < 0)
		return r;
	if (s[0] != '/')
		return -EINVAL;
	free(*p);
	*p = TAKE_PTR(s);
	return 0;
}

/* "reason": 1..RUN_REASON_MAX bytes of printable text (no control characters). */
int run_field_reason(struct json_object *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	char **p = field;
	int r;

	r = proto_field_string(v, &s);
	if (r < 0)
		return r;
	if (strlen(s) > RUN_REASON_MAX)
		return -EINVAL;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return -EINVAL;
	free(*p);
	*p = TAKE_PTR(s);
	return 0;
}

/* One side of "window": a JSON int in 1..RUN_WINDOW_MAX. */
static int field_window_side(struct json_object *v, void *field)
{
	uint16_t *p = field;
	int64_t i;
	int r;

	r = proto_field_int64(v, &i);
	if (r < 0)
		return r;
	if (i < 1 || i > RUN_WINDOW_MAX)
		return -EINVAL;
	*p = (uint16_t)i;
	return 0;
}

/* "window": {"rows": R, "columns": C}, both required. */
static int field_window(struct json_object *v, void *field)
{
	static const struct proto_field table[] = {
		{ "rows", field_window_side, offsetof(struct run_window, rows), true },
		{ "columns", field_window_side, offsetof(struct run_window, columns), true },
		{}
	};
	struct run_window w = {};
	const char *bad;
	int r;

	r = proto_dispatch(v, table, &w, &bad);
	if (r < 0)
		return r;
	*(struct run_window *)field = w;
	return 0;
}

/* The fields that go together (see struct run_request); the name of the first that does not. */
static const char *run_request_inconsistent(const struct run_request *req)
{
	if (req->tty) {
		if (req->stdin_fd >= 0)
			return "stdin";
		if (req->stdout_fd >= 0)
			return "stdout";
		if (req->stderr_fd >= 0)
			return "stderr";
		return NULL;
	}
	if (!req->argv)
		return "argv";
	if (req->stdin_fd < 0)
		return "stdin";
	if (req->stdout_fd < 0)
		return "stdout";
	if (req->stderr_fd < 0)
		return "stderr";
	if (req->window.rows != 0)
		return "window";
	return NULL;
}

int run_request_from_json(struct json_object *params, struct run_request *ret,
			  const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "target", proto_field_string, offsetof(struct run_request, target), true },
		{ "namespaces", field_namespaces, offsetof(struct run_request, ns_mask), true },
		{ "argv", field_argv, offsetof(struct run_request, argv), false },
		{ "env", field_env, offsetof(struct run_request, env), false },
		{ "cwd", field_cwd, offsetof(struct run_request, cwd), false },
		{ "tty", proto_field_bool, offsetof(struct run_request, tty), false },
		{ "window", field_window, offsetof(struct run_request, window), false },
		{ "stdin", proto_field_fd_index, offsetof(struct run_request, stdin_fd), false },
		{ "stdout", proto_field_fd_index, offsetof(struct run_request, stdout_fd), false },
		{ "stderr", proto_field_fd_index, offsetof(struct run_request, stderr_fd), false },
		{ "reason", run_field_reason, offsetof(struct run_request, reason), false },
		{}
	};
	struct run_request req = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	const char *bad;
	int r;

	r = proto_dispatch(params, table, &req, ret_bad_field);
	if (r < 0) {
		run_request_done(&req);
		return r;
	}
	bad = run_request_inconsistent(&req);
	if (bad) {
		if (ret_bad_field)
			*ret_bad_field = bad;
		run_request_done(&req);
		return -EINVAL;
	}
	*ret = req;
	return 0;
}

void run_request_done(struct run_request *req)
{
	free(req->target);
	strv_free(req->argv);
	strv_free(req->env);
	free(req->cwd);
	free(req->reason);
	*req = (struct run_request){ .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
}

struct json_object *strv_to_json(char *const *l)
{
	_cleanup_json_ struct json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (; l && *l; l++) {
		struct json_object *s = json_object_new_string(*l);

		if (!s)
			return NULL;
		if (json_object_array_add(a, s) < 0) {
			json_object_put(s);
			return NULL;
		}
	}
	return TAKE_PTR(a);
}

struct json_object *ns_mask_to_json(uint32_t mask)
{
	_cleanup_json_ struct json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (int t = 0; t < _NS_COUNT; t++) {
		struct json_object *s;

		if (!(mask & NS_BIT(t)))
			continue;
		s = json_object_new_string(ns_table[t].name);
		if (!s)
			return NULL;
		if (json_object_array_add(a, s) < 0) {
			json_object_put(s);
			return NULL;
		}
	}
	return TAKE_PTR(a);
}

static struct json_object *window_to_json(const struct run_window *w)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (proto_json_add(o, "rows", json_object_new_int(w->rows)) < 0 ||
	    proto_json_add(o, "columns", json_object_new_int(w->columns)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

/* The parameters Run and CheckAccess share, into a new object; NULL on ENOMEM. */
static struct json_object *command_to_json(const char *target, uint32_t ns_mask,
					   char *const *argv, char *const *env, const char *cwd)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (proto_json_add(o, "target", json_object_new_string(target ? target : "")) < 0 ||
	    proto_json_add(o, "namespaces", ns_mask_to_json(ns_mask)) < 0)
		return NULL;
	if (argv && proto_json_add(o, "argv", strv_to_json(argv)) < 0)
		return NULL;
	if (env && proto_json_add(o, "env", strv_to_json(env)) < 0)
		return NULL;
	if (cwd && proto_json_add(o, "cwd", json_object_new_string(cwd)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *run_request_to_json(const struct run_request *req)
{
	_cleanup_json_ struct json_object *o =
		command_to_json(req->target, req->ns_mask, req->argv, req->env, req->cwd);

	if (!o)
		return NULL;
	if (req->tty && proto_json_add(o, "tty", json_object_new_boolean(true)) < 0)
		return NULL;
	if (req->window.rows != 0 && proto_json_add(o, "window", window_to_json(&req->window)) < 0)
		return NULL;
	if (req->stdin_fd >= 0 && proto_json_add(o, "stdin", json_object_new_int(req->stdin_fd)) < 0)
		return NULL;
	if (req->stdout_fd >= 0 &&
	    proto_json_add(o, "stdout", json_object_new_int(req->stdout_fd)) < 0)
		return NULL;
	if (req->stderr_fd >= 0 &&
	    proto_json_add(o, "stderr", json_object_new_int(req->stderr_fd)) < 0)
		return NULL;
	if (req->reason && proto_json_add(o, "reason", json_object_new_string(req->reason)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int kill_request_from_json(struct json_object *params, struct kill_request *ret,
			   const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "session", proto_field_int64, offsetof(struct kill_request, session), true },
		{ "signal", proto_field_signal, offsetof(struct kill_request, signal), true },
		{}
	};
	struct kill_request req = {};
	int r;

	r = proto_dispatch(params, table, &req, ret_bad_field);
	if (r < 0)
		return r;
	*ret = req;
	return 0;
}

struct json_object *kill_request_to_json(const struct kill_request *req)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (proto_json_add(o, "session", json_object_new_int64(req->session)) < 0 ||
	    proto_json_add(o, "signal", json_object_new_int(req->signal)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int check_request_from_json(struct json_object *params, struct check_request *ret,
			    const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "target", proto_field_string, offsetof(struct check_request, target), true },
		{ "namespaces", field_namespaces, offsetof(struct check_request, ns_mask), true },
		{ "argv", field_argv, offsetof(struct check_request, argv), false },
		{ "env", field_env, offsetof(struct check_request, env), false },
		{ "cwd", field_cwd, offsetof(struct check_request, cwd), false },
		{ "tty", proto_field_bool, offsetof(struct check_request, tty), false },
		{}
	};
	struct check_request req = {};
	int r;

	r = proto_dispatch(params, table, &req, ret_bad_field);
	if (r >= 0 && !req.argv && !req.tty) {
		if (ret_bad_field)
			*ret_bad_field = "argv";
		r = -EINVAL;
	}
	if (r < 0) {
		check_request_done(&req);
		return r;
	}
	*ret = req;
	return 0;
}

void check_request_done(struct check_request *req)
{
	free(req->target);
	strv_free(req->argv);
	strv_free(req->env);
	free(req->cwd);
	*req = (struct check_request){};
}

struct json_object *check_request_to_json(const struct check_request *req)
{
	_cleanup_json_ struct json_object *o =
		command_to_json(req->target, req->ns_mask, req->argv, req->env, req->cwd);

	if (!o)
		return NULL;
	if (req->tty && proto_json_add(o, "tty", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int empty_request_from_json(struct json_object *params, const char **ret_bad_field)
{
	static const struct proto_field none[] = { {} };

	return proto_dispatch(params, none, NULL, ret_bad_field);
}

int describe_request_from_json(struct json_object *params, struct describe_request *ret,
			       const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "target", proto_field_string, offsetof(struct describe_request, target), true },
		{}
	};
	struct describe_request req = {};
	int r;

	r = proto_dispatch(params, table, &req, ret_bad_field);
	if (r < 0) {
		describe_request_done(&req);
		return r;
	}
	*ret = req;
	return 0;
}

struct json_object *describe_request_to_json(const struct describe_request *req)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o || proto_json_add(o, "target", json_object_new_string(req->target)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

void describe_request_done(struct describe_request *req)
{
	free(req->target);
	req->target = NULL;
}

struct json_object *target_info_to_json(const struct target_info *t)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o || proto_json_add(o, "kind", json_object_new_string(t->kind)) < 0 ||
	    proto_json_add(o, "target", json_object_new_string(t->target)) < 0 ||
	    proto_json_add(o, "name", json_object_new_string(t->name)) < 0 ||
	    (t->pid > 0 && proto_json_add(o, "pid", json_object_new_int64(t->pid)) < 0) ||
	    proto_json_add(o, "state", json_object_new_string(t->state)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int target_info_from_json(struct json_object *o, struct target_info *ret,
			  const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "kind", proto_field_string, offsetof(struct target_info, kind), true },
		{ "target", proto_field_string, offsetof(struct target_info, target), true },
		{ "name", proto_field_string, offsetof(struct target_info, name), true },
		{ "pid", proto_field_int64, offsetof(struct target_info, pid), false },
		{ "state", proto_field_string, offsetof(struct target_info, state), true },
		{}
	};
	struct target_info t = {};
	int r;

	r = proto_dispatch(o, table, &t, ret_bad_field);
	if (r < 0) {
		target_info_done(&t);
		return r;
	}
	*ret = t;
	return 0;
}

void target_info_done(struct target_info *t)
{
	free(t->kind);
	free(t->target);
	free(t->name);
	free(t->state);
	*t = (struct target_info){};
}

struct json_object *backend_problem_to_json(const struct backend_problem *p)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o || proto_json_add(o, "backend", json_object_new_string(p->backend)) < 0 ||
	    proto_json_add(o, "reason", json_object_new_string(p->reason)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int backend_problem_from_json(struct json_object *o, struct backend_problem *ret,
			      const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "backend", proto_field_string, offsetof(struct backend_problem, backend), true },
		{ "reason", proto_field_string, offsetof(struct backend_problem, reason), true },
		{}
	};
	struct backend_problem p = {};
	int r;

	r = proto_dispatch(o, table, &p, ret_bad_field);
	if (r < 0) {
		backend_problem_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void backend_problem_done(struct backend_problem *p)
{
	free(p->backend);
	free(p->reason);
	*p = (struct backend_problem){};
}

struct json_object *namespace_info_to_json(const struct namespace_info *n)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o || proto_json_add(o, "type", json_object_new_string(n->type)) < 0 ||
	    proto_json_add(o, "inode", json_object_new_int64(n->inode)) < 0 ||
	    proto_json_add(o, "host", json_object_new_boolean(n->host)) < 0 ||
	    proto_json_add(o, "may_enter", json_object_new_boolean(n->may_enter)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int namespace_info_from_json(struct json_object *o, struct namespace_info *ret,
			     const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "type", proto_field_string, offsetof(struct namespace_info, type), true },
		{ "inode", proto_field_int64, offsetof(struct namespace_info, inode), true },
		{ "host", proto_field_bool, offsetof(struct namespace_info, host), true },
		{ "may_enter", proto_field_bool, offsetof(struct namespace_info, may_enter), true },
		{}
	};
	struct namespace_info n = {};
	int r;

	r = proto_dispatch(o, table, &n, ret_bad_field);
	if (r < 0) {
		namespace_info_done(&n);
		return r;
	}
	*ret = n;
	return 0;
}

void namespace_info_done(struct namespace_info *n)
{
	free(n->type);
	*n = (struct namespace_info){};
}
