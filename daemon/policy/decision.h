/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One decision on a Run or CheckAccess request: the policy's answer and what a permit grants. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/policy/policy.h"

struct decision {
	enum policy_action action;
	char *rule;                 /* "FILE:LINE", or "default" when no rule matched */
	struct policy_grant *grant; /* a permit: run-as identity, cmd, options */
	uint64_t caps;              /* a permit: the capabilities, "as root"'s all resolved */
	char **envp;                /* a permit: the command's complete environment */
	char **argv;                /* a permit of a request without argv: the run-as shell */
	char *refused_env;          /* a variable of the request the rule does not pass: DENY */
	const char *reason;         /* what a permitting rule refuses after all: DENY */
};

/*
 * Decide for caller whether req->argv may run in the req->ns_mask namespaces of the target
 * req names, with req->env, on a terminal if req->tty. A permit becomes a deny when its
 * rule does not let one of env through (refused_env), says notty to a terminal (reason),
 * or, for a request without argv (a terminal session with the run-as user's shell), would
 * not permit that shell by itself (reason). 0 with *ret filled (release it with
 * decision_done()), or -ENOMEM with *ret untouched.
 */
int decision_make(const struct policy *p, const struct policy_caller *caller,
		  const struct policy_request *req, struct decision *ret);

/* Release what d holds; d is left a plain deny. */
void decision_done(struct decision *d);

/* The capabilities nsctld holds (its permitted set): what "as root" hands on. */
uint64_t decision_own_caps(void);
