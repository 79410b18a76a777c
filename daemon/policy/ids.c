/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Identities in the policy: numeric ids exact, names looked up in the host's user database
 * when the policy is loaded (MUST 5-7 of load.c); "as USER" with its groups. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/policy/policy-internal.h"
#include "daemon/policy/policy.h"
#include "protocol/cleanup.h"

#define POLICY_GROUPS_MAX 65536 /* NGROUPS_MAX of the kernel */
#define NSS_BUFFER_MAX (1u << 20)

/* Does s look like a number, signed or not? Such a word is never looked up as a name. */
static bool looks_numeric(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Parse a decimal id: digits only, no sign, no leading zero; -ERANGE above POLICY_ID_MAX. */
static int parse_id(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > POLICY_ID_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

static size_t nss_buffer_size(int name)
{
	long n = sysconf(name);

	return n > 0 && n < (long)NSS_BUFFER_MAX ? (size_t)n : 1024;
}

/* Look a user up by name: 0 and the uid, -ENOENT when there is none, or another -errno. */
static int lookup_user(const char *name, uid_t *ret)
{
	for (size_t size = nss_buffer_size(_SC_GETPW_R_SIZE_MAX); size <= NSS_BUFFER_MAX;
	     size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		struct passwd pw, *result = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getpwnam_r(name, &pw, buf, size, &result);
		if (r == ERANGE)
			continue;
		if (r == ENOENT || r == ESRCH || (r == 0 && !result))
			return -ENOENT;
		if (r != 0)
			return -r;
		if (pw.pw_uid > POLICY_ID_MAX)
			return -ERANGE;
		*ret = pw.pw_uid;
		return 0;
	}
	return -ENOMEM;
}

/* Look a group up by name; returns like lookup_user(). */
static int lookup_group(const char *name, gid_t *ret)
{
	for (size_t size = nss_buffer_size(_SC_GETGR_R_SIZE_MAX); size <= NSS_BUFFER_MAX;
	     size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		struct group gr, *result = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getgrnam_r(name, &gr, buf, size, &result);
		if (r == ERANGE)
			continue;
		if (r == ENOENT || r == ESRCH || (r == 0 && !result))
			return -ENOENT;
		if (r != 0)
			return -r;
		if (gr.gr_gid > POLICY_ID_MAX)
			return -ERANGE;
		*ret = gr.gr_gid;
		return 0;
	}
	return -ENOMEM;
}

/* The passwd entry of name (or of a numeric uid): uid, gid, name. -ENOENT when there is none. */
static int lookup_passwd(const char *name, bool numeric, uid_t uid, uid_t *ret_uid,
			 gid_t *ret_gid, char **ret_name)
{
	for (size_t size = nss_buffer_size(_SC_GETPW_R_SIZE_MAX); size <= NSS_BUFFER_MAX;
	     size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		struct passwd pw, *result = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = numeric ? getpwuid_r(uid, &pw, buf, size, &result)
			    : getpwnam_r(name, &pw, buf, size, &result);
		if (r == ERANGE)
			continue;
		if (r == ENOENT || r == ESRCH || (r == 0 && !result))
			return -ENOENT;
		if (r != 0)
			return -r;
		if (pw.pw_uid > POLICY_ID_MAX || pw.pw_gid > POLICY_ID_MAX)
			return -ERANGE;
		*ret_name = strdup(pw.pw_name);
		if (!*ret_name)
			return -ENOMEM;
		*ret_uid = pw.pw_uid;
		*ret_gid = pw.pw_gid;
		return 0;
	}
	return -ENOMEM;
}

/* initgroups(3)'s list for user with primary group gid, from the host's group database. */
static int lookup_grouplist(const char *user, gid_t gid, gid_t **ret, size_t *ret_n)
{
	int n = 32;

	for (;;) {
		_cleanup_free_ gid_t *g = calloc((size_t)n, sizeof(gid_t));
		int want = n;

		if (!g)
			return -ENOMEM;
		if (getgrouplist(user, gid, g, &want) >= 0) {
			*ret_n = (size_t)want;
			*ret = TAKE_PTR(g);
			return 0;
		}
		if (want <= n || want > POLICY_GROUPS_MAX)
			return -E2BIG;
		n = want;
	}
}

/* "as USER" or "as UID": the user must be in the host's user database; so are its groups. */
int policy_parse_as(struct parser *ps, const struct token *arg, struct policy_rule *rule)
{
	const char *name = arg->text;
	bool numeric = looks_numeric(name);
	uint32_t id = 0;
	int r;

	if (numeric) {
		r = parse_id(name, &id);
		if (r == -ERANGE)
			return policy_error(ps, arg->line, "uid '%s' out of range (0..%u)", name,
					    POLICY_ID_MAX);
		if (r < 0)
			return policy_error(ps, arg->line, "invalid uid '%s'", name);
	}
	r = lookup_passwd(name, numeric, (uid_t)id, &rule->run_as_uid, &rule->run_as_gid,
			  &rule->run_as_user);
	if (r == -ENOENT)
		return policy_error(ps, arg->line, "unknown user '%s'", name);
	if (r == -ERANGE)
		return policy_error(ps, arg->line, "user '%s' has an invalid uid or gid", name);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		int q = policy_error(ps, arg->line, "cannot look up user '%s': %s", name,
				     strerror(-r));
		return q == -ENOMEM ? q : r;
	}
	r = lookup_grouplist(rule->run_as_user, rule->run_as_gid, &rule->run_as_groups,
			     &rule->n_run_as_groups);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return policy_error(ps, arg->line, "cannot list the groups of user '%s'", name);
	rule->run_as_set = true;
	return 0;
}

/* Fill rule's identity from "name", "1000", ":group" or ":1000". */
int policy_parse_identity(struct parser *ps, const struct token *t, struct policy_rule *rule)
{
	bool group = t->text[0] == ':';
	const char *name = t->text + group;
	const char *what = group ? "group" : "user";
	const char *id_what = group ? "gid" : "uid";
	uint32_t id = 0;
	int r;

	if (!*name)
		return policy_error(ps, t->line, "missing group name after ':'");

	if (looks_numeric(name)) {
		r = parse_id(name, &id);
		if (r == -ERANGE)
			return policy_error(ps, t->line, "%s '%s' out of range (0..%u)", id_what,
					    name, POLICY_ID_MAX);
		if (r < 0)
			return policy_error(ps, t->line, "invalid %s '%s'", id_what, name);
	} else {
		if (group) {
			gid_t gid = 0;

			r = lookup_group(name, &gid);
			id = gid;
		} else {
			uid_t uid = 0;

			r = lookup_user(name, &uid);
			id = uid;
		}
		if (r == -ENOENT)
			return policy_error(ps, t->line, "unknown %s '%s'", what, name);
		if (r == -ERANGE)
			return policy_error(ps, t->line, "%s '%s' has an invalid %s", what, name,
					    id_what);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			int q = policy_error(ps, t->line, "cannot look up %s '%s': %s", what, name,
					     strerror(-r));
			return q == -ENOMEM ? q : r;
		}
	}

	rule->identity = strdup(t->text);
	if (!rule->identity)
		return -ENOMEM;
	rule->identity_kind = group ? POLICY_IDENTITY_GROUP : POLICY_IDENTITY_USER;
	if (group)
		rule->gid = (gid_t)id;
	else
		rule->uid = (uid_t)id;
	return 0;
}
