/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The io.nsctl interface: names, namespace table, request codecs shared by daemon and client. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#define NSCTL_INTERFACE "io.nsctl"
#define NSCTL_DEFAULT_SOCKET "/run/nsctl/io.nsctl"

#define NSCTL_METHOD_RUN "io.nsctl.Run"
#define NSCTL_METHOD_KILL "io.nsctl.Kill"
#define NSCTL_METHOD_LIST_TARGETS "io.nsctl.ListTargets"
#define NSCTL_METHOD_DESCRIBE_TARGET "io.nsctl.DescribeTarget"
#define NSCTL_METHOD_CHECK_ACCESS "io.nsctl.CheckAccess"
#define NSCTL_METHOD_LIST_RULES "io.nsctl.ListRules"
#define NSCTL_METHOD_RELOAD "io.nsctl.Reload"
#define NSCTL_METHOD_LIST_SESSIONS "io.nsctl.ListSessions"
#define VARLINK_METHOD_GET_INFO "org.varlink.service.GetInfo"
#define VARLINK_METHOD_GET_INTERFACE "org.varlink.service.GetInterfaceDescription"

/* Errors of the Varlink service interface. */
#define VARLINK_ERROR_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define VARLINK_ERROR_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define VARLINK_ERROR_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"
#define VARLINK_ERROR_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define VARLINK_ERROR_EXPECTED_MORE "org.varlink.service.ExpectedMore"
#define VARLINK_ERROR_PERMISSION_DENIED "org.varlink.service.PermissionDenied"

/* Errors of io.nsctl; docs/protocol.md documents each. */
#define NSCTL_ERROR_PROTOCOL "io.nsctl.ProtocolError"
#define NSCTL_ERROR_PERMISSION_DENIED "io.nsctl.PermissionDenied"
#define NSCTL_ERROR_TARGET_NOT_FOUND "io.nsctl.TargetNotFound"
#define NSCTL_ERROR_AMBIGUOUS_TARGET "io.nsctl.AmbiguousTarget"
#define NSCTL_ERROR_BACKEND_UNAVAILABLE "io.nsctl.BackendUnavailable"
#define NSCTL_ERROR_NAMESPACE_UNAVAILABLE "io.nsctl.NamespaceUnavailable"
#define NSCTL_ERROR_JOIN_FAILED "io.nsctl.JoinFailed"
#define NSCTL_ERROR_CREDENTIALS_FAILED "io.nsctl.CredentialsFailed"
#define NSCTL_ERROR_WORKING_DIRECTORY "io.nsctl.WorkingDirectoryFailed"
#define NSCTL_ERROR_EXECUTABLE_NOT_FOUND "io.nsctl.ExecutableNotFound"
#define NSCTL_ERROR_CANNOT_EXECUTE "io.nsctl.CannotExecute"
#define NSCTL_ERROR_SESSION_NOT_FOUND "io.nsctl.SessionNotFound"
#define NSCTL_ERROR_LIMIT_EXCEEDED "io.nsctl.LimitExceeded"
#define NSCTL_ERROR_SYSTEM "io.nsctl.SystemError"
#define NSCTL_ERROR_SHUTTING_DOWN "io.nsctl.ShuttingDown"
#define NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED "io.nsctl.EnvironmentNotPermitted"
#define NSCTL_ERROR_COMMAND_NOT_PERMITTED "io.nsctl.CommandNotPermitted"
#define NSCTL_ERROR_POLICY_INVALID "io.nsctl.PolicyInvalid"
#define NSCTL_ERROR_TERMINAL_FAILED "io.nsctl.TerminalFailed"
#define NSCTL_ERROR_FD_REFUSED "io.nsctl.FileDescriptorRefused"
#define NSCTL_ERROR_REASON_REQUIRED "io.nsctl.ReasonRequired"
#define NSCTL_ERROR_IDENTITY_NOT_MAPPED "io.nsctl.IdentityNotMapped"

/* Client exit statuses for its own and the daemon's errors. */
#define NSCTL_EXIT_TIMEOUT 124 /* the rule's time limit ended the session (as timeout(1)) */
#define NSCTL_EXIT_ERROR 125
#define NSCTL_EXIT_CANNOT_EXECUTE 126
#define NSCTL_EXIT_NOT_FOUND 127

/* The namespace types, in the order they are joined when joined one at a time. */
enum ns_type {
	NS_USER,
	NS_CGROUP,
	NS_IPC,
	NS_UTS,
	NS_NET,
	NS_PID,
	NS_MNT,
	NS_TIME,
	_NS_COUNT,
};

#define NS_BIT(t) (1u << (t))
#define NS_MASK_ALL ((1u << _NS_COUNT) - 1)

struct ns_info {
	const char *name;      /* wire and policy name: "net" */
	const char *proc_name; /* entry in /proc/PID/ns */
	int clone_flag;        /* CLONE_NEWNET */
	const char *option;    /* nsctl's long option: "--net" without the dashes */
	char short_option;     /* and its letter: 'n' */
};

/* Indexed by enum ns_type. */
extern const struct ns_info ns_table[_NS_COUNT];

/* enum ns_type for a wire name, or -EINVAL. */
int ns_from_name(const char *name);
/* CLONE_NEW* flags for a mask of NS_BIT()s. */
int ns_mask_to_clone_flags(uint32_t mask);
/* "net,uts" for a mask (written into buf of size n; truncates); returns buf. */
const char *ns_mask_to_string(uint32_t mask, char *buf, size_t n);
/* ["net", "uts"] for a mask, a new array; NULL on ENOMEM. */
struct json_object *ns_mask_to_json(uint32_t mask);
/* A JSON array of the strings of a NULL-terminated list (NULL: []); NULL on ENOMEM. */
struct json_object *strv_to_json(char *const *l);

/* The terminal's size in character cells: "window": {"rows": R, "columns": C}. */
struct run_window {
	uint16_t rows, columns; /* 1..RUN_WINDOW_MAX each */
};

/*
 * io.nsctl.Run parameters. The fds ride with the message; stdin/stdout/stderr are
 * indexes into them. Decoding checks types and shape only; the daemon checks meaning.
 * Shape includes which fields go together: without tty, argv and the three stdio
 * indexes are required and window is refused; with tty, the stdio indexes are refused
 * (the terminal is the command's stdio) and argv may be left out (the user's shell).
 */
struct run_request {
	char *target;      /* "pid:42", "netns:blue" */
	uint32_t ns_mask;  /* from "namespaces": a non-empty array of distinct names */
	char **argv;       /* non-empty, argv[0] non-empty; NULL only with tty */
	char **env;        /* optional "NAME=VALUE" entries */
	char *cwd;         /* optional, absolute */
	bool tty;          /* optional: run on a new terminal whose master goes to the client */
	struct run_window window; /* optional (tty only); 0 x 0 when absent */
	int stdin_fd, stdout_fd, stderr_fd; /* fd indexes; -1 with tty */
	char *reason;      /* optional: why (nsctl run --reason), 1..RUN_REASON_MAX bytes */
};

#define RUN_ARGV_MAX 4096
#define RUN_ENV_MAX 64
#define RUN_WINDOW_MAX 65535 /* rows and columns are 1..RUN_WINDOW_MAX */
#define RUN_REASON_MAX 256   /* bytes of a reason */

/* "reason": a string of 1..RUN_REASON_MAX bytes without control characters. */
int run_field_reason(struct json_object *v, void *field);

/* Decode Run parameters; -EINVAL with *ret_bad_field naming the parameter. */
int run_request_from_json(struct json_object *params, struct run_request *ret,
			  const char **ret_bad_field);
/* Encode Run parameters (client). Returns a new object or NULL on ENOMEM. */
struct json_object *run_request_to_json(const struct run_request *req);
void run_request_done(struct run_request *req);

/* io.nsctl.Kill parameters. */
struct kill_request {
	int64_t session;
	int signal;
};
int kill_request_from_json(struct json_object *params, struct kill_request *ret,
			   const char **ret_bad_field);
struct json_object *kill_request_to_json(const struct kill_request *req);

/*
 * io.nsctl.CheckAccess parameters: Run's without the fds and the window. A dry run of the
 * policy's decision; the target is not looked up. argv is required unless tty.
 */
struct check_request {
	char *target;
	uint32_t ns_mask;
	char **argv;       /* NULL only with tty: the run-as user's shell */
	char **env;
	char *cwd;
	bool tty;
};

int check_request_from_json(struct json_object *params, struct check_request *ret,
			    const char **ret_bad_field);
struct json_object *check_request_to_json(const struct check_request *req);
void check_request_done(struct check_request *req);

/* io.nsctl.ListRules, Reload and ListTargets take no parameters: {} or absent. */
int empty_request_from_json(struct json_object *params, const char **ret_bad_field);

/* io.nsctl.DescribeTarget parameters. */
struct describe_request {
	char *target;
};
int describe_request_from_json(struct json_object *params, struct describe_request *ret,
			       const char **ret_bad_field);
struct json_object *describe_request_to_json(const struct describe_request *req);
void describe_request_done(struct describe_request *req);

/* A Target of a ListTargets reply (see the interface). pid 0: absent. */
struct target_info {
	char *kind;
	char *target;
	char *name;
	int64_t pid;
	char *state;
};
struct json_object *target_info_to_json(const struct target_info *t);
int target_info_from_json(struct json_object *o, struct target_info *ret,
			  const char **ret_bad_field);
void target_info_done(struct target_info *t);

/* A BackendProblem of a ListTargets reply. */
struct backend_problem {
	char *backend;
	char *reason;
};
struct json_object *backend_problem_to_json(const struct backend_problem *p);
int backend_problem_from_json(struct json_object *o, struct backend_problem *ret,
			      const char **ret_bad_field);
void backend_problem_done(struct backend_problem *p);

/* A Namespace of a DescribeTarget reply. */
struct namespace_info {
	char *type;
	int64_t inode;
	bool host;
	bool may_enter;
};
struct json_object *namespace_info_to_json(const struct namespace_info *n);
int namespace_info_from_json(struct json_object *o, struct namespace_info *ret,
			     const char **ret_bad_field);
void namespace_info_done(struct namespace_info *n);

/* io.nsctl.ListSessions parameters: {"all": true} asks for every user's (root only). */
struct list_sessions_request {
	bool all;
};
int list_sessions_request_from_json(struct json_object *params,
				    struct list_sessions_request *ret, const char **ret_bad_field);
struct json_object *list_sessions_request_to_json(const struct list_sessions_request *req);

/* A Session of a ListSessions reply (see the interface). */
struct session_info {
	int64_t session;
	int64_t uid;          /* the caller who started it */
	char *target;
	char **namespaces;
	int64_t pid;          /* the command; 0 before it runs */
	int64_t start_usec;   /* CLOCK_REALTIME */
	int64_t elapsed_usec;
	char *state;          /* "starting", "running", "ending" */
	char *reason;         /* NULL: none given */
	char **argv;
	int64_t timeout;      /* seconds, 0: none */
};
struct json_object *session_info_to_json(const struct session_info *s);
int session_info_from_json(struct json_object *o, struct session_info *ret,
			   const char **ret_bad_field);
void session_info_done(struct session_info *s);

/* The Varlink interface description text (protocol/io.nsctl.varlink). */
extern const char nsctl_interface_description[];
