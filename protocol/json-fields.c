/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON field-table decoding: proto_dispatch() walks a JSON object into a typed struct, exact
 * types only, nothing coerced. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "protocol/cleanup.h"
#include "protocol/varlink.h"

/* proto_field_string: the longest string accepted. */
#define FIELD_STRING_MAX 4096
/* proto_field_strv: the most entries accepted. */
#define FIELD_STRV_ENTRIES_MAX 4096
/*
 * proto_field_strv: the longest entry accepted. argv is the largest user of string arrays;
 * this is the kernel's own per-argument limit (MAX_ARG_STRLEN, 32 pages, NUL included), so
 * any argument execve() takes can be carried. The message size limit bounds the total.
 */
#define FIELD_STRV_ENTRY_MAX (32 * 4096 - 1)

/* The string of v if it is a json string without NUL of at most max bytes, else NULL. */
static const char *json_string_checked(struct json_object *v, size_t max, size_t *ret_len)
{
	const char *s;
	int len;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (!s || len < 0 || strlen(s) != (size_t)len || (size_t)len > max)
		return NULL;
	*ret_len = (size_t)len;
	return s;
}

/* The string, strv and object functions replace (and release) what the field held before. */
int proto_field_string(struct json_object *v, void *field)
{
	char **p = field;
	const char *s;
	size_t len;
	char *copy;

	s = json_string_checked(v, FIELD_STRING_MAX, &len);
	if (!s || len == 0)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*p);
	*p = copy;
	return 0;
}

int proto_field_bool(struct json_object *v, void *field)
{
	bool *p = field;

	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*p = json_object_get_boolean(v);
	return 0;
}

/* The value of a json int that fits in int64 (json-c may hold a uint64 above INT64_MAX). */
static int json_int64_checked(struct json_object *v, int64_t *ret)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	i = json_object_get_int64(v);
	if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
		return -EINVAL; /* clamped by json-c */
	*ret = i;
	return 0;
}

int proto_field_int64(struct json_object *v, void *field)
{
	int64_t *p = field, i;
	int r;

	r = json_int64_checked(v, &i);
	if (r < 0)
		return r;
	*p = i;
	return 0;
}

int proto_field_fd_index(struct json_object *v, void *field)
{
	int *p = field;
	int64_t i;
	int r;

	r = json_int64_checked(v, &i);
	if (r < 0)
		return r;
	if (i < 0 || i >= PROTO_FDS_MAX)
		return -EINVAL;
	*p = (int)i;
	return 0;
}

int proto_field_signal(struct json_object *v, void *field)
{
	int *p = field;
	int64_t i;
	int r;

	r = json_int64_checked(v, &i);
	if (r < 0)
		return r;
	if (i < 1 || i > SIGRTMAX)
		return -EINVAL;
	*p = (int)i;
	return 0;
}

int proto_field_strv(struct json_object *v, void *field)
{
	_cleanup_strv_free_ char **l = NULL;
	char ***p = field;
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	n = json_object_array_length(v);
	if (n > FIELD_STRV_ENTRIES_MAX)
		return -EINVAL;

	l = calloc(n + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s;
		size_t len;

		s = json_string_checked(json_object_array_get_idx(v, i), FIELD_STRV_ENTRY_MAX,
					&len);
		if (!s)
			return -EINVAL;
		l[i] = strdup(s);
		if (!l[i])
			return -ENOMEM;
	}

	strv_free(*p);
	*p = TAKE_PTR(l);
	return 0;
}

int proto_field_object(struct json_object *v, void *field)
{
	struct json_object **p = field;

	if (!json_object_is_type(v, json_type_object))
		return -EINVAL;
	json_object_put(*p);
	*p = json_object_get(v);
	return 0;
}

static const struct proto_field *field_lookup(const struct proto_field table[], const char *key)
{
	for (const struct proto_field *f = table; f->name; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

/* On failure *ret_bad_field is the key (valid while obj lives), or NULL if obj is no object. */
int proto_dispatch(struct json_object *obj, const struct proto_field table[], void *dest,
		   const char **ret_bad_field)
{
	const char *bad = NULL;
	int r;

	if (!json_object_is_type(obj, json_type_object)) {
		r = -EINVAL;
		goto fail;
	}

	json_object_object_foreach(obj, key, value) {
		const struct proto_field *f = field_lookup(table, key);

		if (!f) {
			bad = key; /* lives as long as obj */
			r = -EINVAL;
			goto fail;
		}
		if (!value) {
			if (!f->required)
				continue;
			bad = f->name;
			r = -EINVAL;
			goto fail;
		}
		r = f->fn(value, (char *)dest + f->offset);
		if (r < 0) {
			bad = f->name;
			goto fail;
		}
	}

	for (const struct proto_field *f = table; f->name; f++) {
		struct json_object *v;

		if (f->required && (!json_object_object_get_ex(obj, f->name, &v) || !v)) {
			bad = f->name;
			r = -EINVAL;
			goto fail;
		}
	}
	return 0;

fail:
	if (ret_bad_field)
		*ret_bad_field = bad;
	return r;
}

int proto_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *proto_json_object_of(const char *key, struct json_object *val)
{
	struct json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(val);
		return NULL;
	}
	if (proto_json_add(o, key, val) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
