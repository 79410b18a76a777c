/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command's environment: a clean base, what the caller may pass, and the rule's setenv. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct policy_grant;

/* Is env (a Run/CheckAccess "env", may be NULL) well formed: valid names, none twice? */
bool environment_request_valid(char *const *env);

/*
 * The complete environment of a command that grant permits, run as uid:
 *   PATH (fixed), HOME, USER, LOGNAME, SHELL (uid's entry in the host's user database),
 *   then the caller's env entries that the grant lets through,
 *   then the grant's setenv NAME=VALUE entries, which win over everything before.
 * Returns 0 with a new NULL-terminated list, -EPERM with *ret_refused set to a new copy
 * of the first name of env the grant does not let through, or -ENOMEM.
 */
int environment_build(const struct policy_grant *grant, uid_t uid, char *const *env,
		      char ***ret, char **ret_refused);

