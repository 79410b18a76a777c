/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctld --check-policy [--json] [FILE]: load a policy like the daemon would, and say how it went. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "daemon/policy/check-policy.h"
#include "daemon/policy/grant-scope.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"
#include "protocol/varlink.h"

int check_policy_split(const char *msg, size_t *ret_file_len, unsigned *ret_line,
		       const char **ret_what)
{
	/* The file name may hold ':' itself: the first ": " or ":DIGITS: " ends it. */
	for (const char *p = strchr(msg, ':'); p; p = strchr(p + 1, ':')) {
		const char *q = p + 1;
		unsigned long line = 0;

		if (p == msg)
			continue;
		if (q[0] == ' ') {
			*ret_file_len = (size_t)(p - msg);
			*ret_line = 0;
			*ret_what = q + 1;
			return 0;
		}
		if (!isdigit((unsigned char)q[0]))
			continue;
		while (isdigit((unsigned char)*q) && line < 100000000)
			line = line * 10 + (unsigned long)(*q++ - '0');
		if (q[0] == ':' && q[1] == ' ') {
			*ret_file_len = (size_t)(p - msg);
			*ret_line = (unsigned)line;
			*ret_what = q + 2;
			return 0;
		}
	}
	return -EINVAL;
}

static int print_json(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return -ENOMEM;
	puts(s);
	return 0;
}

/* The loader's verdict into o: the policy, valid, and the rules and warnings, or the error. */
static int verdict_to_json(struct json_object *o, const char *path, int r,
			   const struct policy *p, const char *error)
{
	const char *msg, *what;
	size_t file_len;
	unsigned line;

	if (proto_json_add(o, "policy", json_object_new_string(path)) < 0 ||
	    proto_json_add(o, "valid", json_object_new_boolean(r >= 0)) < 0)
		return -ENOMEM;
	if (r >= 0) {
		_cleanup_json_ struct json_object *warnings = json_object_new_array();

		if (!warnings ||
		    proto_json_add(o, "rules", json_object_new_int64((int64_t)p->n_rules)) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < p->n_rules; i++) {
			char warning[1536];
			struct json_object *w;

			if (grant_scope_warning(&p->rules[i], warning, sizeof(warning)) <= 0)
				continue;
			w = json_object_new_string(warning);
			if (!w || json_object_array_add(warnings, w) < 0) {
				json_object_put(w);
				return -ENOMEM;
			}
		}
		return proto_json_add(o, "warnings", TAKE_PTR(warnings));
	}

	msg = error ? error : strerror(-r);
	if (proto_json_add(o, "message", json_object_new_string(msg)) < 0)
		return -ENOMEM;
	if (check_policy_split(msg, &file_len, &line, &what) < 0)
		return 0;
	if (proto_json_add(o, "file", json_object_new_string_len(msg, (int)file_len)) < 0 ||
	    (line > 0 && proto_json_add(o, "line", json_object_new_int64(line)) < 0) ||
	    proto_json_add(o, "error", json_object_new_string(what)) < 0)
		return -ENOMEM;
	return 0;
}

int check_policy_run(const char *path, bool json)
{
	_cleanup_free_ char *error = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct policy *p = NULL;
	int r, k;

	r = policy_load(path, &p, &error);
	if (!json) {
		if (r < 0) {
			fprintf(stderr, "nsctld: %s\n", error ? error : strerror(-r));
			return 1;
		}
		for (size_t i = 0; i < p->n_rules; i++) {
			char warning[1536];

			if (grant_scope_warning(&p->rules[i], warning, sizeof(warning)) > 0)
				fprintf(stderr, "nsctld: warning: %s\n", warning);
		}
		printf("%s: %zu rule%s, OK\n", path, p->n_rules, p->n_rules == 1 ? "" : "s");
		policy_free(p);
		return 0;
	}

	o = json_object_new_object();
	k = o ? verdict_to_json(o, path, r, p, error) : -ENOMEM;
	policy_free(p);
	if (k < 0 || print_json(o) < 0)
		return 1;
	return r >= 0 ? 0 : 1;
}
