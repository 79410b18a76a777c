/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Varlink envelopes: decode and build calls, replies and error replies. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <json-c/json.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

/* Longest fully qualified method or error name accepted. */
#define VARLINK_NAME_MAX 255

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * An interface name per the Varlink grammar: reverse-domain, at least two labels,
 * [A-Za-z]([-]*[A-Za-z0-9])* then (\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+.
 */
static bool varlink_interface_valid(const char *s, size_t n)
{
	size_t labels = 0;

	for (size_t i = 0; i < n;) {
		if (!(labels == 0 ? is_alpha(s[i]) : is_alnum(s[i])))
			return false;
		while (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			i++;
		}
		if (s[i - 1] == '-')
			return false;
		labels++;
		if (i < n) {
			i++; /* the dot; a label must follow it */
			if (i == n)
				return false;
		}
	}
	return labels >= 2;
}

/* "interface.Member": a valid interface, a dot, then [A-Z][A-Za-z0-9]*. */
static bool varlink_name_valid(const char *s)
{
	size_t n = strlen(s);
	const char *dot = strrchr(s, '.');

	if (n > VARLINK_NAME_MAX || !dot || dot == s)
		return false;
	if (!(dot[1] >= 'A' && dot[1] <= 'Z'))
		return false;
	for (const char *p = dot + 2; *p; p++)
		if (!is_alnum(*p))
			return false;
	return varlink_interface_valid(s, (size_t)(dot - s));
}

static int field_varlink_name(struct json_object *v, void *field)
{
	char **p = field;
	_cleanup_free_ char *s = NULL;
	int r;

	r = proto_field_string(v, &s);
	if (r < 0)
		return r;
	if (!varlink_name_valid(s))
		return -EINVAL;
	free(*p);
	*p = TAKE_PTR(s);
	return 0;
}

int proto_call_decode(struct json_object *msg, struct proto_call *ret, const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "method", field_varlink_name, offsetof(struct proto_call, method), true },
		{ "parameters", proto_field_object, offsetof(struct proto_call, parameters),
		  false },
		{ "more", proto_field_bool, offsetof(struct proto_call, more), false },
		{ "oneway", proto_field_bool, offsetof(struct proto_call, oneway), false },
		{}
	};
	struct proto_call c = {};
	int r;

	r = proto_dispatch(msg, table, &c, ret_bad_field);
	if (r < 0)
		goto fail;
	/* A oneway call gets no reply, so it cannot ask for several. */
	if (c.more && c.oneway) {
		if (ret_bad_field)
			*ret_bad_field = "oneway";
		r = -EINVAL;
		goto fail;
	}
	if (!c.parameters) {
		c.parameters = json_object_new_object();
		if (!c.parameters) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret = c;
	return 0;

fail:
	proto_call_done(&c);
	return r;
}

void proto_call_done(struct proto_call *c)
{
	free(c->method);
	json_object_put(c->parameters);
	*c = (struct proto_call){};
}

/* {"parameters": parameters or {}} plus what the caller adds; consumes parameters. */
static struct json_object *envelope_new(struct json_object *parameters)
{
	_cleanup_json_ struct json_object *p = parameters;
	_cleanup_json_ struct json_object *o = NULL;

	if (!p) {
		p = json_object_new_object();
		if (!p)
			return NULL;
	}
	o = json_object_new_object();
	if (!o || proto_json_add(o, "parameters", TAKE_PTR(p)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *proto_call_new(const char *method, struct json_object *parameters, bool more)
{
	_cleanup_json_ struct json_object *o = envelope_new(parameters);

	if (!o || proto_json_add(o, "method", json_object_new_string(method)) < 0)
		return NULL;
	if (more && proto_json_add(o, "more", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *proto_reply_new(struct json_object *parameters, bool continues)
{
	_cleanup_json_ struct json_object *o = envelope_new(parameters);

	if (!o)
		return NULL;
	if (continues && proto_json_add(o, "continues", json_object_new_boolean(true)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

struct json_object *proto_error_new(const char *error, struct json_object *parameters)
{
	_cleanup_json_ struct json_object *o = envelope_new(parameters);

	if (!o || proto_json_add(o, "error", json_object_new_string(error)) < 0)
		return NULL;
	return TAKE_PTR(o);
}

int proto_reply_decode(struct json_object *msg, struct proto_reply *ret, const char **ret_bad_field)
{
	static const struct proto_field table[] = {
		{ "parameters", proto_field_object, offsetof(struct proto_reply, parameters),
		  false },
		{ "continues", proto_field_bool, offsetof(struct proto_reply, continues), false },
		{ "error", field_varlink_name, offsetof(struct proto_reply, error), false },
		{}
	};
	struct proto_reply rep = {};
	int r;

	r = proto_dispatch(msg, table, &rep, ret_bad_field);
	if (r < 0)
		goto fail;
	/* An error ends the call: nothing can follow it. */
	if (rep.error && rep.continues) {
		if (ret_bad_field)
			*ret_bad_field = "continues";
		r = -EINVAL;
		goto fail;
	}
	if (!rep.parameters) {
		rep.parameters = json_object_new_object();
		if (!rep.parameters) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret = rep;
	return 0;

fail:
	proto_reply_done(&rep);
	return r;
}

void proto_reply_done(struct proto_reply *r)
{
	free(r->error);
	json_object_put(r->parameters);
	*r = (struct proto_reply){};
}
