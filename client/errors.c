/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: Varlink error replies to human messages and exit statuses; the stderr line. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

static void logv(const char *verb, const char *fmt, va_list ap)
{
	if (verb)
		fprintf(stderr, "nsctl %s: ", verb);
	else
		fputs("nsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tty_log_eol(), stderr);
}

void client_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(NULL, fmt, ap);
	va_end(ap);
}

void client_log_verb(const char *verb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(verb, fmt, ap);
	va_end(ap);
}

/* Every parameter any known error carries; each error's table fills some of them. */
struct error_params {
	char *target;
	char **namespaces;
	char *namespace;
	char *cwd;
	char *executable;
	char *limit;
	char *operation;
	char *reason;
	char *interface;
	char *method;
	char *parameter;
	char **candidates;
	char *backend;
	char *name;
	char *rule;
	char *message;
	int64_t errno_value;
	int64_t session;
	char *kind;     /* IdentityNotMapped: "uid" or "gid" */
	int64_t id;
};

static void error_params_done(struct error_params *p)
{
	free(p->target);
	strv_free(p->namespaces);
	free(p->namespace);
	free(p->cwd);
	free(p->executable);
	free(p->limit);
	free(p->operation);
	free(p->reason);
	free(p->interface);
	free(p->method);
	free(p->parameter);
	strv_free(p->candidates);
	free(p->backend);
	free(p->name);
	free(p->rule);
	free(p->message);
	free(p->kind);
}

/* strerror() for an errno that came over the wire (any int64). */
static const char *wire_strerror(int64_t e, char *buf, size_t n)
{
	if (e > 0 && e < INT_MAX)
		return strerror((int)e);
	snprintf(buf, n, "error %lld", (long long)e);
	return buf;
}

#define F(key, fn, member) { key, fn, offsetof(struct error_params, member), true }
#define F_STR(key, member) F(key, proto_field_string, member)
#define F_ERRNO F("errno", proto_field_int64, errno_value)

static const struct proto_field fields_none[] = { {} };
static const struct proto_field fields_target[] = { F_STR("target", target), {} };
static const struct proto_field fields_permission[] = {
	F_STR("target", target), F("namespaces", proto_field_strv, namespaces),
	{ "reason", proto_field_string, offsetof(struct error_params, reason), false }, {}
};
static const struct proto_field fields_ambiguous[] = {
	F_STR("target", target), F("candidates", proto_field_strv, candidates), {}
};
static const struct proto_field fields_backend[] = {
	F_STR("backend", backend), F_STR("reason", reason), {}
};
static const struct proto_field fields_ns_unavailable[] = {
	F_STR("target", target), F_STR("namespace", namespace), {}
};
static const struct proto_field fields_join[] = { F_STR("namespace", namespace), F_ERRNO, {} };
static const struct proto_field fields_errno[] = { F_ERRNO, {} };
static const struct proto_field fields_cwd[] = { F_STR("cwd", cwd), F_ERRNO, {} };
static const struct proto_field fields_exe[] = { F_STR("executable", executable), {} };
static const struct proto_field fields_exe_errno[] = {
	F_STR("executable", executable), F_ERRNO, {}
};
static const struct proto_field fields_session[] = {
	F("session", proto_field_int64, session), {}
};
static const struct proto_field fields_limit[] = { F_STR("limit", limit), {} };
static const struct proto_field fields_system[] = {
	F_STR("operation", operation), F_ERRNO, {}
};
static const struct proto_field fields_reason[] = { F_STR("reason", reason), {} };
static const struct proto_field fields_interface[] = { F_STR("interface", interface), {} };
static const struct proto_field fields_method[] = { F_STR("method", method), {} };
static const struct proto_field fields_parameter[] = { F_STR("parameter", parameter), {} };
static const struct proto_field fields_env[] = { F_STR("name", name), F_STR("rule", rule), {} };
static const struct proto_field fields_message[] = { F_STR("message", message), {} };
static const struct proto_field fields_rule[] = { F_STR("rule", rule), {} };
static const struct proto_field fields_fd_refused[] = {
	F_STR("parameter", parameter), F_STR("reason", reason), {}
};
static const struct proto_field fields_identity[] = {
	F_STR("target", target), F_STR("kind", kind), F("id", proto_field_int64, id),
	F_STR("namespace", namespace), {}
};

/* asprintf() that sets *ret only on success; 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3))) static int format_alloc(char **ret, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* Each formatter returns 0 or -ENOMEM, for parameters its table has filled. */
typedef int (*error_format_fn)(const struct error_params *p, char **ret);

static int fmt_permission(const struct error_params *p, char **ret)
{
	_cleanup_free_ char *list = NULL;
	size_t n = 1;

	for (char **s = p->namespaces; *s; s++)
		n += strlen(*s) + 1;
	list = calloc(1, n);
	if (!list)
		return -ENOMEM;
	for (char **s = p->namespaces; *s; s++) {
		if (s != p->namespaces)
			strcat(list, ",");
		strcat(list, *s);
	}
	if (p->reason)
		return format_alloc(ret, "not permitted to enter namespaces %s of %s: %s (%s)",
				    list, p->target, p->reason, CLIENT_HINT_DENIED);
	if (!*list)
		return format_alloc(ret, "not permitted to enter %s (%s)", p->target,
				    CLIENT_HINT_DENIED);
	return format_alloc(ret, "not permitted to enter namespaces %s of %s (%s)", list,
			    p->target, CLIENT_HINT_DENIED);
}

static int fmt_target(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "no such target: %s (nsctl ls lists the targets you may enter)",
			    p->target);
}

/* "a, b and c" (or "a" or "a and b"); 0 or -ENOMEM. */
static int join_names(char **l, char **ret)
{
	size_t n = strv_length(l), len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(l[i]) + 5;
	s = calloc(1, len);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, i + 1 == n ? " and " : ", ");
		strcat(s, l[i]);
	}
	*ret = s;
	return 0;
}

static int fmt_ambiguous(const struct error_params *p, char **ret)
{
	_cleanup_free_ char *list = NULL;

	if (join_names(p->candidates, &list) < 0)
		return -ENOMEM;
	return format_alloc(ret, "%s is ambiguous: it names %s (write one of them)", p->target,
			    list);
}

static int fmt_backend(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "the %s backend is unavailable: %s", p->backend, p->reason);
}

static int fmt_ns_unavailable(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "target %s has no %s namespace to join", p->target, p->namespace);
}

static int fmt_join(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "cannot join the %s namespace: %s", p->namespace,
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_credentials(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "cannot switch to your identity: %s",
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_terminal(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "cannot open a terminal in the target: %s",
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_cwd(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "cannot change directory to %s: %s", p->cwd,
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_not_found(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "%s: command not found", p->executable);
}

static int fmt_cannot_execute(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "%s: cannot execute: %s", p->executable,
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_session(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "no session %lld of yours is running", (long long)p->session);
}

static int fmt_limit(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "limit reached: %s", p->limit);
}

static int fmt_system(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "%s failed in nsctld: %s", p->operation,
			    wire_strerror(p->errno_value, buf, sizeof(buf)));
}

static int fmt_protocol(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld could not read the request: %s", p->reason);
}

static int fmt_shutting_down(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld is shutting down");
}

static int fmt_interface(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld has no interface %s", p->interface);
}

static int fmt_method(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld does not know the method %s", p->method);
}

static int fmt_method_impl(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld does not implement the method %s", p->method);
}

static int fmt_parameter(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld rejected the parameter '%s'", p->parameter);
}

static int fmt_fd_refused(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld refused your %s: %s", p->parameter, p->reason);
}

static int fmt_identity(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "%s: your %s %lld is not mapped in the target's user namespace "
			    "%s: the command cannot run as you there (leave out -U)",
			    p->target, p->kind, (long long)p->id, p->namespace);
}

static int fmt_expected_more(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld expected a call with \"more\"");
}

static int fmt_env(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "the variable %s is not passed on by the rule at %s", p->name,
			    p->rule);
}

static int fmt_command(const struct error_params *p, char **ret)
{
	char buf[32];

	return format_alloc(ret, "%s: not the command the policy permits (%s)", p->executable,
			    p->errno_value == EPERM ? "another path"
			    : p->errno_value == ESTALE ? "another file"
			    : wire_strerror(p->errno_value, buf, sizeof(buf)));
}

/* Reload's (root, nsctld --reload) has its own words; nsctl hears it on every other call. */
static int fmt_policy(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "nsctld refuses every call: %s; ask the host's administrators "
			    "(the details are in nsctld's log: journalctl -u nsctld)", p->message);
}

static int fmt_reason_required(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "the rule %s requires a reason: nsctl run --reason TEXT "
			    "(or NSCTL_REASON)", p->rule);
}

static int fmt_denied(const struct error_params *p, char **ret)
{
	return format_alloc(ret, "permission denied");
}

#define EXIT_ERR NSCTL_EXIT_ERROR

static const struct error_desc {
	const char *name;
	const struct proto_field *fields;
	error_format_fn format;
	int exit_status;
	bool bare; /* the message stands alone, like a shell's: no error name in front */
} error_table[] = {
	{ NSCTL_ERROR_PERMISSION_DENIED, fields_permission, fmt_permission, EXIT_ERR, false },
	{ NSCTL_ERROR_TARGET_NOT_FOUND, fields_target, fmt_target, EXIT_ERR, false },
	{ NSCTL_ERROR_AMBIGUOUS_TARGET, fields_ambiguous, fmt_ambiguous, EXIT_ERR, false },
	{ NSCTL_ERROR_BACKEND_UNAVAILABLE, fields_backend, fmt_backend, EXIT_ERR, false },
	{ NSCTL_ERROR_NAMESPACE_UNAVAILABLE, fields_ns_unavailable, fmt_ns_unavailable, EXIT_ERR,
	  false },
	{ NSCTL_ERROR_JOIN_FAILED, fields_join, fmt_join, EXIT_ERR, false },
	{ NSCTL_ERROR_CREDENTIALS_FAILED, fields_errno, fmt_credentials, EXIT_ERR, false },
	{ NSCTL_ERROR_WORKING_DIRECTORY, fields_cwd, fmt_cwd, EXIT_ERR, false },
	{ NSCTL_ERROR_TERMINAL_FAILED, fields_errno, fmt_terminal, EXIT_ERR, false },
	{ NSCTL_ERROR_EXECUTABLE_NOT_FOUND, fields_exe, fmt_not_found, NSCTL_EXIT_NOT_FOUND, true },
	{ NSCTL_ERROR_CANNOT_EXECUTE, fields_exe_errno, fmt_cannot_execute,
	  NSCTL_EXIT_CANNOT_EXECUTE, true },
	{ NSCTL_ERROR_SESSION_NOT_FOUND, fields_session, fmt_session, EXIT_ERR, false },
	{ NSCTL_ERROR_LIMIT_EXCEEDED, fields_limit, fmt_limit, EXIT_ERR, false },
	{ NSCTL_ERROR_SYSTEM, fields_system, fmt_system, EXIT_ERR, false },
	{ NSCTL_ERROR_PROTOCOL, fields_reason, fmt_protocol, EXIT_ERR, false },
	{ NSCTL_ERROR_SHUTTING_DOWN, fields_none, fmt_shutting_down, EXIT_ERR, false },
	{ NSCTL_ERROR_FD_REFUSED, fields_fd_refused, fmt_fd_refused, EXIT_ERR, false },
	{ NSCTL_ERROR_IDENTITY_NOT_MAPPED, fields_identity, fmt_identity, EXIT_ERR, false },
	{ VARLINK_ERROR_INTERFACE_NOT_FOUND, fields_interface, fmt_interface, EXIT_ERR, false },
	{ VARLINK_ERROR_METHOD_NOT_FOUND, fields_method, fmt_method, EXIT_ERR, false },
	{ VARLINK_ERROR_METHOD_NOT_IMPLEMENTED, fields_method, fmt_method_impl, EXIT_ERR, false },
	{ VARLINK_ERROR_INVALID_PARAMETER, fields_parameter, fmt_parameter, EXIT_ERR, false },
	{ VARLINK_ERROR_EXPECTED_MORE, fields_none, fmt_expected_more, EXIT_ERR, false },
	{ VARLINK_ERROR_PERMISSION_DENIED, fields_none, fmt_denied, EXIT_ERR, false },
	{ NSCTL_ERROR_ENVIRONMENT_NOT_PERMITTED, fields_env, fmt_env, EXIT_ERR, false },
	{ NSCTL_ERROR_COMMAND_NOT_PERMITTED, fields_exe_errno, fmt_command,
	  NSCTL_EXIT_CANNOT_EXECUTE, true },
	{ NSCTL_ERROR_POLICY_INVALID, fields_message, fmt_policy, EXIT_ERR, false },
	{ NSCTL_ERROR_REASON_REQUIRED, fields_rule, fmt_reason_required, EXIT_ERR, false },
};

static const struct error_desc *error_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(error_table); i++)
		if (strcmp(error_table[i].name, name) == 0)
			return &error_table[i];
	return NULL;
}

int client_error_exit_status(const char *error)
{
	const struct error_desc *d = error_lookup(error);

	return d ? d->exit_status : NSCTL_EXIT_ERROR;
}

/* "NAME: {raw parameters}" for names we do not know or parameters of an unexpected shape. */
static int format_raw(const char *error, struct json_object *parameters, char **ret)
{
	const char *raw = "{}";

	if (parameters) {
		raw = json_object_to_json_string_ext(parameters, JSON_C_TO_STRING_PLAIN);
		if (!raw)
			return -ENOMEM;
	}
	return format_alloc(ret, "%s: %s", error, raw);
}

int client_error_format(const char *error, struct json_object *parameters, char **ret)
{
	const struct error_desc *d = error_lookup(error);
	struct error_params p = {};
	_cleanup_free_ char *text = NULL;
	const char *bad_field;
	int r;

	if (!d || !parameters || !json_object_is_type(parameters, json_type_object))
		return format_raw(error, parameters, ret);

	r = proto_dispatch(parameters, d->fields, &p, &bad_field);
	if (r >= 0)
		r = d->format(&p, &text);
	error_params_done(&p);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return format_raw(error, parameters, ret);

	if (d->bare) {
		*ret = TAKE_PTR(text);
		return 0;
	}
	return format_alloc(ret, "%s: %s", error, text);
}

const char *client_strerror(int r)
{
	switch (-r) {
	case EBADMSG:
		return "malformed JSON";
	case ELOOP:
		return "JSON nested too deeply";
	case ENOTUNIQ:
		return "a JSON key appears twice";
	case EILSEQ:
		return "a string contains NUL or invalid UTF-8";
	case EPROTO:
		return "unexpected file descriptors attached";
	case EMSGSIZE:
		return "message too large";
	case ETOOMANYREFS:
		return "too many file descriptors attached";
	case ECONNRESET:
	case EPIPE:
		return "connection to nsctld lost";
	case ETIMEDOUT:
		return "nsctld did not answer in time";
	default:
		return strerror(-r);
	}
}

int client_connect_error_format(const char *path, int r, char **ret)
{
	switch (-r) {
	case ENOENT:
	case ECONNREFUSED:
		return format_alloc(ret, "nsctld is not running at %s (is nsctld.socket enabled? "
				    "systemctl enable --now nsctld.socket)", path);
	case EACCES:
	case EPERM:
		/* The socket's mode or a directory's, not the policy: the policy never ran. */
		return format_alloc(ret, "cannot connect to nsctld at %s: the socket's permissions "
				    "keep you out (this is not the policy); ask the host's "
				    "administrators to check nsctld.socket (SocketMode=0666)", path);
	case ECONNRESET:
	case EPIPE:
		return format_alloc(ret, "connection to nsctld lost (at %s; nsctld's log says why: "
				    "journalctl -u nsctld)", path);
	case ETIMEDOUT:
		return format_alloc(ret, "nsctld at %s did not answer in time", path);
	case ENAMETOOLONG:
		return format_alloc(ret, "cannot connect to nsctld at %s: the path is too long",
				    path);
	default:
		return format_alloc(ret, "cannot talk to nsctld at %s: %s", path,
				    client_strerror(r));
	}
}

void client_log_connect_error(const char *path, int r)
{
	_cleanup_free_ char *text = NULL;

	if (client_connect_error_format(path, r, &text) < 0)
		client_log("cannot talk to nsctld at %s: %s", path, client_strerror(r));
	else
		client_log("%s", text);
}

int client_missing_target_format(const char *verb, const char *target, const char *option,
				 char **ret)
{
	return format_alloc(ret, "unknown option '%s' after '%s': if '%s' is the command, the "
			    "target is missing (nsctl %s TARGET [NAMESPACES] -- %s ...; nsctl ls "
			    "lists the targets)", option, target, target, verb, target);
}

int client_daemon_stopped_format(int sig, char **ret)
{
	return format_alloc(ret, "nsctld stopped while the command ran and ended it (%s, "
			    "signal %d); run it again once nsctld is back", sigabbrev_np(sig)
			    ? sigabbrev_np(sig) : "?", sig);
}

int client_error_report(const struct proto_reply *reply)
{
	_cleanup_free_ char *text = NULL;

	if (client_error_format(reply->error, reply->parameters, &text) < 0)
		client_log("%s", reply->error);
	else
		client_log("%s", text);
	return client_error_exit_status(reply->error);
}

int client_invalid_reply(int r, const char *bad_field)
{
	if (r == -EINVAL && bad_field && *bad_field)
		client_log("invalid reply from nsctld: missing, unexpected or invalid field '%s'",
			   bad_field);
	else
		client_log("invalid reply from nsctld: %s", client_strerror(r));
	return NSCTL_EXIT_ERROR;
}
