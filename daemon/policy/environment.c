/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command's environment: a clean base, what the caller may pass, and the rule's setenv. */

/*
 * What the caller may pass, by name:
 *  - always: TERM, LANG, LANGUAGE, COLORTERM, LC_* (how to talk to the user's terminal);
 *  - the names a rule lists bare in "setenv { NAME }";
 *  - with "keepenv": any name, except those that would change what runs or how (the
 *    dynamic loader's, the C library's and the shells' variables) and those the daemon
 *    sets itself. A rule that grants capabilities or restricts the command relies on
 *    this: LD_PRELOAD would otherwise run any code with them.
 * Anything else in a request is refused, not dropped: the caller said it wanted it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/policy/environment.h"
#include "daemon/policy/policy.h"
#include "daemon/user-cache.h"
#include "daemon/worker.h"
#include "protocol/cleanup.h"

/* Names the daemon sets from the run-as user's entry; keepenv does not replace them. */
static const char *const base_names[] = { "PATH", "HOME", "USER", "LOGNAME", "SHELL" };

/* Always passed when the caller sends them. */
static const char *const terminal_names[] = { "TERM", "LANG", "LANGUAGE", "COLORTERM" };

/* Never passed by keepenv (glibc's unsecvars.h, the shells' start-up variables). */
static const char *const unsafe_names[] = {
	"GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
	"NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TMPDIR", "TZDIR",
	"BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "CDPATH",
};
static const char *const unsafe_prefixes[] = { "LD_", "MALLOC_", "BASH_FUNC_" };

static bool name_in(const char *const *list, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(list[i], name, len) == 0)
			return true;
	return false;
}

bool environment_request_valid(char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		size_t len = strcspn(env[i], "=");

		if (env[i][len] != '=' || !policy_env_name_valid(env[i], len))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strncmp(env[i], env[j], len + 1) == 0)
				return false; /* the same name twice */
	}
	return true;
}

static bool is_terminal_name(const char *name, size_t len)
{
	if (name_in(terminal_names, ELEMENTSOF(terminal_names), name, len))
		return true;
	if (len <= 3 || strncmp(name, "LC_", 3) != 0)
		return false;
	for (size_t i = 3; i < len; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') || name[i] == '_'))
			return false;
	return true;
}

/* May keepenv pass name (len bytes) from the caller? No for the unsafe ones. */
static bool environment_keepenv_allows(const char *name, size_t len)
{
	if (name_in(base_names, ELEMENTSOF(base_names), name, len) ||
	    name_in(unsafe_names, ELEMENTSOF(unsafe_names), name, len))
		return false;
	for (size_t i = 0; i < ELEMENTSOF(unsafe_prefixes); i++) {
		size_t plen = strlen(unsafe_prefixes[i]);

		if (len >= plen && strncmp(name, unsafe_prefixes[i], plen) == 0)
			return false;
	}
	return true;
}

/* Does the grant's setenv list name (len bytes)? bare: as "NAME" (passed from the caller). */
static bool setenv_has(const struct policy_grant *g, const char *name, size_t len, bool bare)
{
	for (char **e = g->setenv; e && *e; e++) {
		size_t elen = strcspn(*e, "=");

		if (elen == len && strncmp(*e, name, len) == 0 && ((*e)[elen] == '\0') == bare)
			return true;
	}
	return false;
}

static bool passes(const struct policy_grant *g, const char *name, size_t len)
{
	return is_terminal_name(name, len) || setenv_has(g, name, len, true) ||
	       ((g->options & POLICY_OPT_KEEPENV) && environment_keepenv_allows(name, len));
}

/* Put entry (taken) into the list of *n: replaces an entry of the same name. */
static int put(char ***l, size_t *n, char *entry)
{
	size_t len;
	char **nl;

	if (!entry)
		return -ENOMEM;
	len = strcspn(entry, "=");
	for (size_t i = 0; i < *n; i++)
		if (strncmp((*l)[i], entry, len + 1) == 0) {
			free((*l)[i]);
			(*l)[i] = entry;
			return 0;
		}
	nl = realloc(*l, (*n + 2) * sizeof(char *));
	if (!nl) {
		free(entry);
		return -ENOMEM;
	}
	nl[(*n)++] = entry;
	nl[*n] = NULL;
	*l = nl;
	return 0;
}

static char *concat(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

int environment_build(const struct policy_grant *grant, uid_t uid, char *const *env,
		      char ***ret, char **ret_refused)
{
	_cleanup_strv_free_ char **l = NULL;
	const struct user_entry *pw;
	char uidbuf[16];
	const char *home = "/", *user = uidbuf, *shell = "/bin/sh";
	size_t n = 0;
	int r;

	for (size_t i = 0; env && env[i]; i++) {
		size_t len = strcspn(env[i], "=");

		if (!passes(grant, env[i], len)) {
			*ret_refused = strndup(env[i], len);
			return *ret_refused ? -EPERM : -ENOMEM;
		}
	}

	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	/* The host's user database, read by the daemon (cached): never NSS inside a target. */
	r = user_cache_get(user_cache_host(), uid, &pw);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && pw->found) {
		home = pw->home[0] == '/' ? pw->home : "/";
		user = pw->name;
		shell = pw->shell[0] == '/' ? pw->shell : "/bin/sh";
	}
	if ((r = put(&l, &n, strdup("PATH=" WORKER_PATH))) < 0 ||
	    (r = put(&l, &n, concat("HOME=", home))) < 0 ||
	    (r = put(&l, &n, concat("USER=", user))) < 0 ||
	    (r = put(&l, &n, concat("LOGNAME=", user))) < 0 ||
	    (r = put(&l, &n, concat("SHELL=", shell))) < 0)
		return r;
	for (size_t i = 0; env && env[i]; i++)
		if ((r = put(&l, &n, strdup(env[i]))) < 0)
			return r;
	for (char **e = grant->setenv; e && *e; e++)
		if (strchr(*e, '=') && (r = put(&l, &n, strdup(*e))) < 0)
			return r;
	*ret = TAKE_PTR(l);
	return 0;
}
