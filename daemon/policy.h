/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy: who may enter which targets' namespaces. Parsed from a root-owned file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define POLICY_FILE_MAX (1u << 20) /* bytes */

enum policy_action {
	POLICY_DENY,
	POLICY_PERMIT,
};

enum policy_identity_kind {
	POLICY_IDENTITY_USER,  /* "alice" or "1000": matched by uid */
	POLICY_IDENTITY_GROUP, /* ":netops": matched by the caller's gid or supplementary groups */
};

struct policy_rule {
	enum policy_action action;
	enum policy_identity_kind identity_kind;
	uid_t uid;          /* POLICY_IDENTITY_USER */
	gid_t gid;          /* POLICY_IDENTITY_GROUP */
	char *identity;     /* as written, for messages */
	char **targets;     /* NULL: any target; else globs (fnmatch) */
	uint32_t ns_mask;   /* 0: any namespaces; else the request's mask must be a subset */
	char *file;         /* where the rule was written */
	unsigned line;
};

struct policy {
	struct policy_rule *rules;
	size_t n_rules;
};

/* Who asks, as the kernel reported it at connect time (SO_PEERCRED, SO_PEERGROUPS). */
struct policy_caller {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t n_groups;
};

/* What is asked. */
struct policy_request {
	const char *target;    /* canonical name: "netns:blue", "pid:42" */
	const char *bare_name; /* the name without its kind: "blue", "42" */
	uint32_t ns_mask;      /* NS_BIT()s requested */
};

/*
 * Open path with O_NOFOLLOW, check the opened fd (regular file, owned by root, not
 * writable by group or others, at most POLICY_FILE_MAX bytes) and parse it.
 * Returns 0 and a new policy in *ret, or -errno with a malloc'd message in *ret_error
 * ("FILE:LINE: what is wrong", or "FILE: what is wrong" for file-level faults).
 */
int policy_load(const char *path, struct policy **ret, char **ret_error);

/* Parse text (len bytes) as if read from file name `path`; no file checks. Same returns. */
int policy_parse_text(const char *path, const char *text, size_t len, struct policy **ret,
		      char **ret_error);

void policy_free(struct policy *p);

/*
 * Decide a request. Default deny; the last rule that matches decides. A rule matches
 * when its identity matches the caller, one of its target globs matches the canonical
 * or the bare name (or it has none), and the requested namespaces are a subset of its
 * list (or it has none). Returns POLICY_PERMIT or POLICY_DENY; *ret_rule is the deciding
 * rule or NULL when no rule matched.
 */
enum policy_action policy_check(const struct policy *p, const struct policy_caller *caller,
				const struct policy_request *req,
				const struct policy_rule **ret_rule);
