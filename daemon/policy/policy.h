/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy: who may enter which targets' namespaces, as whom, with what. Root-owned files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define POLICY_FILE_MAX (1u << 20)      /* bytes, per file */
#define POLICY_INCLUDE_DEPTH_MAX 8      /* files open at once: the main file and 7 includes */

enum policy_action {
	POLICY_DENY,
	POLICY_PERMIT,
};

enum policy_identity_kind {
	POLICY_IDENTITY_USER,  /* "alice" or "1000": matched by uid */
	POLICY_IDENTITY_GROUP, /* ":netops": matched by the caller's gid or supplementary groups */
};

/* Options, written between the action and the identity. Permit rules only. */
#define POLICY_OPT_KEEPENV (1u << 0) /* pass the caller's variables (but not the unsafe ones) */
#define POLICY_OPT_TTY     (1u << 1) /* a terminal may be requested (the default, said aloud) */
#define POLICY_OPT_NOTTY   (1u << 2) /* a terminal may not be requested */
#define POLICY_OPT_CGROUP  (1u << 3) /* the command joins the target's cgroups */
#define POLICY_OPT_NOLOG   (1u << 4) /* no audit records for what this rule permits */
#define POLICY_OPT_SETENV  (1u << 5) /* "setenv { ... }" was given (rule->setenv) */
/* Sessions as units (the bits kept apart from other additions). */
#define POLICY_OPT_TASKS   (1u << 12) /* "tasks N": at most N tasks in the session */
#define POLICY_OPT_TIMEOUT (1u << 13) /* "timeout DURATION": the session's time limit */
#define POLICY_OPT_REASON  (1u << 14) /* a reason (nsctl run --reason) is required */

#define POLICY_TASKS_MAX 4194304u     /* the kernel's PID_MAX_LIMIT */
#define POLICY_OPT_EXEC    (1u << 10) /* with caps: the command may execute other programs */

/* "caps" of "as root" without a caps clause: whatever nsctld itself holds. */
#define POLICY_CAPS_ALL UINT64_MAX

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

	unsigned options;   /* POLICY_OPT_* */
	char **setenv;      /* "NAME=VALUE" set, or "NAME" passed from the caller; NULL: none */
	bool run_as_set;    /* "as USER": else the command runs as the caller */
	uid_t run_as_uid;   /* from the host's user database, at load time */
	gid_t run_as_gid;
	char *run_as_user;  /* the name in the user database */
	gid_t *run_as_groups; /* getgrouplist() of run_as_user, at load time */
	size_t n_run_as_groups;
	bool caps_set;      /* "caps" given */
	uint64_t caps;      /* bit N: capability N */
	char *cmd;          /* NULL: any command; else an absolute, normalized path */
	char **cmd_args;    /* NULL: any arguments; else argv[1..] must be exactly these */
	char *text;         /* the rule's words joined by one space, for listings */
	unsigned tasks;          /* "tasks N", 0: none */
	uint64_t timeout_usec;   /* "timeout DURATION", 0: none */
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
	char *const *argv;     /* the command; NULL matches no rule that has "cmd" */
	/*
	 * Instead of argv: could some command be permitted (which targets a caller may see)?
	 * Then a permit's cmd matches and a deny's cmd does not, whatever argv says.
	 */
	bool any_command;
	/* Not matched on; what decision_make() needs beyond the rule: */
	char *const *env; /* the request's NAME=VALUE entries, passed on as the rule allows */
	bool tty;         /* a terminal is requested */
};

/*
 * Open path with O_NOFOLLOW, check the opened fd (regular file, owned by root, not
 * writable by group or others, at most POLICY_FILE_MAX bytes) and parse it, following
 * include directives (each file checked the same way).
 * Returns 0 and a new policy in *ret, or -errno with a malloc'd message in *ret_error
 * ("FILE:LINE: what is wrong", or "FILE: what is wrong" for file-level faults).
 */
int policy_load(const char *path, struct policy **ret, char **ret_error);

/*
 * Parse text (len bytes) as if read from file name `path`; no checks on that file, but
 * files it includes are loaded and checked like policy_load() does. Same returns.
 */
int policy_parse_text(const char *path, const char *text, size_t len, struct policy **ret,
		      char **ret_error);

void policy_free(struct policy *p);

/*
 * Decide a request. Default deny; the last rule that matches decides. A rule matches
 * when its identity matches the caller, one of its target globs matches the canonical
 * or the bare name (or it has none), the requested namespaces are a subset of its
 * list (or it has none), and the command satisfies its cmd clause (or it has none).
 * Returns POLICY_PERMIT or POLICY_DENY; *ret_rule is the deciding rule or NULL when no
 * rule matched.
 */
enum policy_action policy_check(const struct policy *p, const struct policy_caller *caller,
				const struct policy_request *req,
				const struct policy_rule **ret_rule);

/* Does the rule's identity (user or group) match the caller? */
bool policy_rule_applies_to(const struct policy_rule *rule, const struct policy_caller *caller);

/*
 * What a permit rule grants one caller, copied out of the policy so that it outlives a
 * reload: the run-as identity (the caller's own uid, gid and groups unless "as USER"),
 * the capabilities, the command path, the options and the setenv list.
 */
struct policy_grant {
	char *rule;             /* "FILE:LINE" */
	bool run_as_caller;     /* no "as": uid, gid and groups are the caller's */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	uint64_t caps;          /* POLICY_CAPS_ALL: "as root" without "caps" */
	char *cmd;              /* NULL: any command */
	unsigned options;       /* POLICY_OPT_* */
	char **setenv;          /* NULL: none */
	unsigned tasks;         /* the session's task limit, 0: none */
	uint64_t timeout_usec;  /* the session's time limit, 0: none */
};

/* 0 and a new grant for rule (a permit) and caller, or -ENOMEM. */
int policy_grant_new(const struct policy_rule *rule, const struct policy_caller *caller,
		     struct policy_grant **ret);
void policy_grant_free(struct policy_grant *g);

/* May the command get a terminal? Yes unless the rule says notty. */
bool policy_grant_allows_tty(const struct policy_grant *g);

/* Is s (len bytes) a variable name: a letter or '_', then letters, digits and '_'? */
bool policy_env_name_valid(const char *s, size_t len);

/* "cap_net_raw,cap_net_admin" for a mask (written into buf of size n; truncates). */
const char *policy_caps_to_string(uint64_t caps, char *buf, size_t n);
