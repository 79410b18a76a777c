/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One decision on a Run or CheckAccess request: the policy's answer and what a permit grants. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/policy/decision.h"
#include "daemon/policy/environment.h"
#include "protocol/cleanup.h"

uint64_t decision_own_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return (uint64_t)data[1].permitted << 32 | data[0].permitted;
}

/* The shell of an environment (SHELL=, which environment_build() always sets) as argv. */
static int shell_argv(char *const *envp, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(2, sizeof(char *));

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "SHELL=", 6) == 0) {
			l[0] = strdup(envp[i] + 6);
			if (!l[0])
				return -ENOMEM;
			*ret = TAKE_PTR(l);
			return 0;
		}
	return -ENOENT;
}

/*
 * A request without argv runs the run-as user's shell, which only the grant names: the
 * rule that granted it must also decide the request with that shell as argv. Else a
 * "deny ... cmd /bin/sh" after it, or its own cmd, would not apply to the shell.
 */
static int check_shell(const struct policy *p, const struct policy_caller *caller,
		       const struct policy_request *req, const struct policy_rule *rule,
		       struct decision *d)
{
	struct policy_request with_shell = *req;
	const struct policy_rule *again = NULL;
	int r;

	r = shell_argv(d->envp, &d->argv);
	if (r < 0)
		return r;
	with_shell.argv = d->argv;
	if (policy_check(p, caller, &with_shell, &again) != POLICY_PERMIT || again != rule) {
		d->action = POLICY_DENY;
		d->reason = "the rule that permits a terminal session does not permit the shell";
	}
	return 0;
}

int decision_make(const struct policy *p, const struct policy_caller *caller,
		  const struct policy_request *req, struct decision *ret)
{
	_cleanup_(decision_done) struct decision d = { .action = POLICY_DENY };
	const struct policy_rule *rule = NULL;
	int r;

	d.action = policy_check(p, caller, req, &rule);
	if (rule) {
		if (asprintf(&d.rule, "%s:%u", rule->file, rule->line) < 0) {
			d.rule = NULL;
			return -ENOMEM;
		}
	} else {
		d.rule = strdup("default");
		if (!d.rule)
			return -ENOMEM;
	}
	if (d.action == POLICY_PERMIT) {
		r = policy_grant_new(rule, caller, &d.grant);
		if (r < 0)
			return r;
		d.caps = d.grant->caps == POLICY_CAPS_ALL ? decision_own_caps() : d.grant->caps;
		r = environment_build(d.grant, d.grant->uid, req->env, &d.envp, &d.refused_env);
		if (r == -EPERM) {
			d.action = POLICY_DENY;
		} else if (r < 0) {
			return r;
		} else if (req->tty && !policy_grant_allows_tty(d.grant)) {
			d.action = POLICY_DENY;
			d.reason = "the rule permits no terminal";
		} else if (!req->argv) {
			r = check_shell(p, caller, req, rule, &d);
			if (r < 0)
				return r;
		}
	}
	*ret = d;
	d = (struct decision){ .action = POLICY_DENY };
	return 0;
}

void decision_done(struct decision *d)
{
	free(d->rule);
	policy_grant_free(d->grant);
	strv_free(d->envp);
	strv_free(d->argv);
	free(d->refused_env);
	*d = (struct decision){ .action = POLICY_DENY };
}
