/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl check: would "nsctl run" with these arguments be permitted, and what would it get? */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/duration.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

/* The CheckAccess reply, decoded strictly: every key known, every type exact. */
struct check_reply {
	bool allowed;
	char *rule;
	char *target;
	char **namespaces;
	char *refused_env;
	char *reason;
	struct json_object *run_as;
	char **argv;
	char **caps;
	char **env;
	char *command;
	bool tty, cgroup, log;
	int64_t tasks, timeout;  /* the session's limits, 0: none */
	bool reason_required;
};

struct run_as {
	char *user;
	int64_t uid, gid;
	char *groups; /* "100,1001" */
};

static void check_reply_done(struct check_reply *r)
{
	free(r->rule);
	free(r->target);
	strv_free(r->namespaces);
	free(r->refused_env);
	free(r->reason);
	json_object_put(r->run_as);
	strv_free(r->argv);
	strv_free(r->caps);
	strv_free(r->env);
	free(r->command);
}

/* "groups": an array of ids, kept as "1,2,3" for display. */
static int field_groups(struct json_object *v, void *field)
{
	char **p = field, *s = NULL;
	size_t n = 0;
	FILE *f;

	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	f = open_memstream(&s, &n);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) < 0) {
			fclose(f);
			free(s);
			return -EINVAL;
		}
		fprintf(f, "%s%lld", i ? "," : "", (long long)json_object_get_int64(e));
	}
	if (fclose(f) != 0) {
		free(s);
		return -ENOMEM;
	}
	free(*p);
	*p = s;
	return 0;
}

#define CF(key, fn, member, req) { key, fn, offsetof(struct check_reply, member), req }
static const struct proto_field check_reply_fields[] = {
	CF("allowed", proto_field_bool, allowed, true),
	CF("rule", proto_field_string, rule, true),
	CF("target", proto_field_string, target, true),
	CF("namespaces", proto_field_strv, namespaces, true),
	CF("refused_env", proto_field_string, refused_env, false),
	CF("reason", proto_field_string, reason, false),
	CF("run_as", proto_field_object, run_as, false),
	CF("argv", proto_field_strv, argv, false),
	CF("caps", proto_field_strv, caps, false),
	CF("env", proto_field_strv, env, false),
	CF("command", proto_field_string, command, false),
	CF("tty", proto_field_bool, tty, false),
	CF("cgroup", proto_field_bool, cgroup, false),
	CF("log", proto_field_bool, log, false),
	CF("tasks", proto_field_int64, tasks, false),
	CF("timeout", proto_field_int64, timeout, false),
	CF("reason_required", proto_field_bool, reason_required, false),
	{},
};

#define RF(key, fn, member, req) { key, fn, offsetof(struct run_as, member), req }
static const struct proto_field run_as_fields[] = {
	RF("user", proto_field_string, user, false),
	RF("uid", proto_field_int64, uid, true),
	RF("gid", proto_field_int64, gid, true),
	RF("groups", field_groups, groups, true),
	{},
};

static void help(void)
{
	printf("Usage: nsctl check TARGET [OPTION...] [--] COMMAND [ARG...]\n"
	       "\n"
	       "Ask nsctld whether 'nsctl run' with the same arguments would be permitted, by\n"
	       "which rule of its policy, and what the command would get: the identity it\n"
	       "runs as, its capabilities, its environment, whether a terminal may be used.\n"
	       "Nothing is run, and the target is not looked up. What only a real run can\n"
	       "check (the file COMMAND resolves to, the directory of --wd) is not checked.\n"
	       "\n"
	       "Options: those of 'nsctl run' (namespaces, --wd, --env, --tty, --socket);\n"
	       "with --tty, whether the rule lets the command have a terminal (without a\n"
	       "COMMAND: whether your shell there is permitted). And:\n"
	       "      --json   print nsctld's answer as one JSON object\n"
	       "  -h, --help   show this help and exit\n"
	       "\n"
	       "Exit status: 0 permitted, 1 denied, 125 nsctl or nsctld failed.\n");
}

static void print_list(const char *label, char **l, const char *none)
{
	printf("  %-13s ", label);
	if (!l || !*l) {
		printf("%s\n", none);
		return;
	}
	for (char **s = l; *s; s++)
		printf("%s%s", s == l ? "" : ", ", *s);
	putchar('\n');
}

/* The human form of a decoded reply. */
static int print_human(const struct check_reply *r, const struct run_as *as)
{
	char ns[256] = "";

	for (char **s = r->namespaces; s && *s; s++)
		snprintf(ns + strlen(ns), sizeof(ns) - strlen(ns), "%s%s", s == r->namespaces ? ""
											: ",", *s);
	if (!r->allowed) {
		if (r->refused_env)
			printf("denied: the rule at %s does not pass on the variable %s\n", r->rule,
			       r->refused_env);
		else if (r->reason)
			printf("denied: %s (%s)\n", r->reason, r->rule);
		else if (strcmp(r->rule, "default") == 0)
			printf("denied: no rule permits it (default deny)\n");
		else
			printf("denied by %s\n", r->rule);
		printf("  %-13s %s (%s)\n", "target:", r->target, ns);
		return 0;
	}
	printf("permitted by %s\n", r->rule);
	printf("  %-13s %s (%s)\n", "target:", r->target, ns);
	printf("  %-13s %s (uid %lld, gid %lld, groups %s)\n", "run as:",
	       as->user ? as->user : "?", (long long)as->uid, (long long)as->gid,
	       as->groups && *as->groups ? as->groups : "none");
	print_list("capabilities:", r->caps, "none");
	if (r->argv && r->argv[0])
		printf("  %-13s %s\n", "runs:", r->argv[0]);
	if (r->command)
		printf("  %-13s %s (the command must resolve to this file)\n", "command:",
		       r->command);
	else
		printf("  %-13s any\n", "command:");
	printf("  %-13s %s\n", "terminal:", r->tty ? "may be requested" : "not allowed");
	printf("  %-13s %s\n", "cgroup:", r->cgroup ? "a child of the target's cgroup"
						     : "the session's own, below nsctld's");
	if (r->tasks > 0)
		printf("  %-13s at most %lld in the session\n", "tasks:", (long long)r->tasks);
	if (r->timeout > 0) {
		char d[32];

		printf("  %-13s %s, then SIGTERM (SIGKILL after the grace period)\n",
		       "time limit:", duration_format((uint64_t)r->timeout * 1000000, d, sizeof(d)));
	}
	if (r->reason_required)
		printf("  %-13s required (nsctl run --reason TEXT)\n", "reason:");
	printf("  %-13s %s\n", "audit:", r->log ? "yes" : "no (nolog)");
	printf("  environment:\n");
	for (char **e = r->env; e && *e; e++)
		printf("    %s\n", *e);
	return 0;
}

int cmd_check(const struct client *c, int argc, char *argv[])
{
	struct run_args a = { .socket_arg = c->socket_arg, .json_allowed = true };
	struct check_reply cr = {};
	struct run_as as = {};
	struct proto_reply reply = {};
	struct check_request req;
	struct json_object *params;
	const char *bad = NULL;
	int r, status = NSCTL_EXIT_ERROR;

	r = client_parse_run_args(argc, argv, &a);
	if (r != 0) {
		free(a.env);
		if (r > 0)
			help();
		return r > 0 ? 0 : NSCTL_EXIT_ERROR;
	}
	if (!a.command && a.tty != TTY_YES) {
		free(a.env);
		client_log_verb("check", "no command given (put it after TARGET or after --; "
					 "with --tty, the shell is the default)");
		return NSCTL_EXIT_ERROR;
	}
	req = (struct check_request){
		.target = (char *)a.target,
		.ns_mask = a.mask,
		.argv = a.command,
		.env = a.env,
		.cwd = (char *)a.wd,
		.tty = a.tty == TTY_YES,
	};
	params = check_request_to_json(&req);
	free(a.env);
	if (!params) {
		client_log_verb("check", "%s", strerror(ENOMEM));
		return NSCTL_EXIT_ERROR;
	}
	status = client_ask(a.socket_arg, NSCTL_METHOD_CHECK_ACCESS, params, &reply);
	if (status != 0)
		return status;
	status = NSCTL_EXIT_ERROR;
	r = proto_dispatch(reply.parameters, check_reply_fields, &cr, &bad);
	if (r >= 0 && cr.allowed && !cr.run_as) {
		r = -EINVAL;
		bad = "run_as";
	}
	if (r >= 0 && cr.run_as)
		r = proto_dispatch(cr.run_as, run_as_fields, &as, &bad);
	if (r < 0) {
		client_invalid_reply(r, bad);
		goto out;
	}
	if (a.json)
		printf("%s\n", json_object_to_json_string_ext(
			reply.parameters, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_human(&cr, &as);
	status = cr.allowed ? 0 : 1;
out:
	free(as.user);
	free(as.groups);
	check_reply_done(&cr);
	proto_reply_done(&reply);
	return status;
}
