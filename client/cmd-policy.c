/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl policy: the rules of nsctld's policy that apply to you, like sudo -l. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

/* One rule of the ListRules reply; only rule and text are shown, the rest is checked. */
struct rule_reply {
	char *rule, *text, *action, *identity;
	char **options, **setenv, **targets, **namespaces, **caps, **args;
	struct json_object *run_as;
	char *command;
	int64_t tasks, timeout; /* shown in the rule's text already */
};

static void rule_reply_done(struct rule_reply *r)
{
	free(r->rule);
	free(r->text);
	free(r->action);
	free(r->identity);
	strv_free(r->options);
	strv_free(r->setenv);
	strv_free(r->targets);
	strv_free(r->namespaces);
	strv_free(r->caps);
	strv_free(r->args);
	json_object_put(r->run_as);
	free(r->command);
	*r = (struct rule_reply){};
}

#define RF(key, fn, member, req) { key, fn, offsetof(struct rule_reply, member), req }
static const struct proto_field rule_fields[] = {
	RF("rule", proto_field_string, rule, true),
	RF("text", proto_field_string, text, true),
	RF("action", proto_field_string, action, true),
	RF("identity", proto_field_string, identity, true),
	RF("options", proto_field_strv, options, true),
	RF("setenv", proto_field_strv, setenv, false),
	RF("run_as", proto_field_object, run_as, false),
	RF("targets", proto_field_strv, targets, false),
	RF("namespaces", proto_field_strv, namespaces, false),
	RF("caps", proto_field_strv, caps, false),
	RF("command", proto_field_string, command, false),
	RF("args", proto_field_strv, args, false),
	RF("tasks", proto_field_int64, tasks, false),
	RF("timeout", proto_field_int64, timeout, false),
	{},
};

struct list_reply {
	int64_t uid;
	struct json_object *rules;
};

/* "rules": an array, each element checked by show_rules(). */
static int field_array(struct json_object *v, void *field)
{
	struct json_object **p = field;

	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	json_object_put(*p);
	*p = json_object_get(v);
	return 0;
}

static const struct proto_field list_fields[] = {
	{ "uid", proto_field_int64, offsetof(struct list_reply, uid), true },
	{ "rules", field_array, offsetof(struct list_reply, rules), true },
	{},
};

static void help(void)
{
	printf("Usage: nsctl policy [--json]\n"
	       "\n"
	       "Show the rules of nsctld's policy that name you: your user, your primary group\n"
	       "or one of your groups, in the order nsctld reads them. For a request, the last\n"
	       "rule that matches it decides; when none does, the request is denied.\n"
	       "\n"
	       "      --json         print nsctld's answer as one JSON object\n"
	       "      --socket PATH  talk to nsctld at PATH\n"
	       "  -h, --help         show this help and exit\n");
}

/* Check every rule's shape and print "FILE:LINE  TEXT" lines unless json. */
static int show_rules(const struct list_reply *l, bool json, const char **ret_bad)
{
	size_t n = json_object_array_length(l->rules);

	for (size_t i = 0; i < n; i++) {
		struct rule_reply rr = {};
		int r = proto_dispatch(json_object_array_get_idx(l->rules, i), rule_fields, &rr,
				       ret_bad);

		if (r < 0) {
			rule_reply_done(&rr);
			return r;
		}
		if (!json) {
			if (i == 0)
				printf("Rules that apply to you (uid %lld), in order; the last "
				       "that matches a request decides:\n", (long long)l->uid);
			printf("  %s  %s\n", rr.rule, rr.text);
		}
		rule_reply_done(&rr);
	}
	if (!json && n == 0)
		printf("No rule applies to you (uid %lld): nsctld denies all your requests.\n",
		       (long long)l->uid);
	return 0;
}

int cmd_policy(const struct client *c, int argc, char *argv[])
{
	enum { ARG_SOCKET = 0x100, ARG_JSON };
	static const struct option options[] = {
		{ "json", no_argument, NULL, ARG_JSON },
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *socket_arg = c->socket_arg, *bad = NULL;
	struct list_reply l = {};
	struct proto_reply reply = {};
	bool json = false;
	int opt, r, status = NSCTL_EXIT_ERROR;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
		switch (opt) {
		case ARG_JSON:
			json = true;
			break;
		case ARG_SOCKET:
			socket_arg = optarg;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			client_log_verb("policy", "option '%s' requires an argument",
					argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		default:
			client_log_verb("policy", "unknown option '%s' (try 'nsctl policy --help')",
					argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		client_log_verb("policy", "unexpected argument '%s'", argv[optind]);
		return NSCTL_EXIT_ERROR;
	}

	status = client_ask(socket_arg, NSCTL_METHOD_LIST_RULES, NULL, &reply);
	if (status != 0)
		return status;
	status = NSCTL_EXIT_ERROR;
	r = proto_dispatch(reply.parameters, list_fields, &l, &bad);
	if (r >= 0)
		r = show_rules(&l, json, &bad);
	if (r < 0) {
		client_invalid_reply(r, bad);
		goto out;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(
			reply.parameters, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	status = 0;
out:
	json_object_put(l.rules);
	proto_reply_done(&reply);
	return status;
}
