/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl ns: io.nsctl.DescribeTarget, as a table or as JSON. */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void help(void)
{
	printf("Usage: nsctl ns TARGET [--json] [--socket PATH]\n"
	       "\n"
	       "Show the namespaces of TARGET: type, inode, whether it is the host's (the same\n"
	       "as nsctld's), and whether nsctld's policy lets you enter it. TARGET is written\n"
	       "as for 'nsctl run' (see 'nsctl run --help').\n"
	       "\n"
	       "Options:\n"
	       "      --json         print nsctld's answer as one JSON object:\n"
	       "                     {\"target\", \"kind\", \"name\", \"pid\",\n"
	       "                      \"namespaces\": [{\"type\", \"inode\", \"host\",\n"
	       "                                      \"may_enter\"}]}\n"
	       "      --socket PATH  talk to nsctld at PATH\n"
	       "  -h, --help         show this help and exit\n"
	       "\n"
	       "Exit status: 0, or 125 for an error (no such target, not permitted, ...).\n");
}

/* The reply's fields, checked; the strings point into the reply. */
struct description {
	char *target, *kind, *name;
	int64_t pid;
	struct json_object *namespaces;
	struct namespace_info *ns;
	size_t n_ns;
};

static int field_array(struct json_object *v, void *field)
{
	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	*(struct json_object **)field = v;
	return 0;
}

static void description_done(struct description *d)
{
	free(d->target);
	free(d->kind);
	free(d->name);
	for (size_t i = 0; i < d->n_ns; i++)
		namespace_info_done(&d->ns[i]);
	free(d->ns);
}

static int description_decode(struct json_object *params, struct description *d,
			      const char **ret_bad)
{
	static const struct proto_field table[] = {
		{ "target", proto_field_string, offsetof(struct description, target), true },
		{ "kind", proto_field_string, offsetof(struct description, kind), true },
		{ "name", proto_field_string, offsetof(struct description, name), true },
		{ "pid", proto_field_int64, offsetof(struct description, pid), false },
		{ "namespaces", field_array, offsetof(struct description, namespaces), true },
		{}
	};
	size_t n;
	int r;

	r = proto_dispatch(params, table, d, ret_bad);
	if (r < 0)
		return r;
	n = json_object_array_length(d->namespaces);
	d->ns = calloc(n ? n : 1, sizeof(*d->ns));
	if (!d->ns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, d->n_ns++) {
		r = namespace_info_from_json(json_object_array_get_idx(d->namespaces, i),
					     &d->ns[i], ret_bad);
		if (r < 0)
			return r;
	}
	return 0;
}

static void print_table(const struct description *d)
{
	if (d->pid > 0)
		printf("%s (%s, pid %lld)\n", d->target, d->kind, (long long)d->pid);
	else
		printf("%s (%s)\n", d->target, d->kind);
	printf("%-7s %-11s %-5s %s\n", "TYPE", "INODE", "HOST", "ENTER");
	for (size_t i = 0; i < d->n_ns; i++)
		printf("%-7s %-11lld %-5s %s\n", d->ns[i].type, (long long)d->ns[i].inode,
		       d->ns[i].host ? "yes" : "no", d->ns[i].may_enter ? "yes" : "no");
}

int cmd_ns(const struct client *c, int argc, char *argv[])
{
	struct client_query_args a = { .socket_arg = c->socket_arg };
	struct describe_request req = {};
	struct proto_reply reply = {};
	struct description d = {};
	struct json_object *params;
	const char *bad = NULL;
	int r;

	r = client_query_parse("ns", argc, argv, help, &a);
	if (r != 0)
		return r > 0 ? 0 : NSCTL_EXIT_ERROR;
	if (optind >= argc) {
		client_log_verb("ns", "no target given (try 'nsctl ns --help')");
		return NSCTL_EXIT_ERROR;
	}
	if (optind + 1 < argc) {
		client_log_verb("ns", "unexpected argument '%s'", argv[optind + 1]);
		return NSCTL_EXIT_ERROR;
	}
	req.target = argv[optind];
	params = describe_request_to_json(&req);
	if (!params) {
		client_log_verb("ns", "%s", strerror(ENOMEM));
		return NSCTL_EXIT_ERROR;
	}
	r = client_ask_timeout(a.socket_arg, NSCTL_METHOD_DESCRIBE_TARGET, params,
			       CLIENT_QUERY_TIMEOUT_MS, &reply);
	if (r != 0)
		return r;
	r = description_decode(reply.parameters, &d, &bad);
	if (r < 0) {
		r = client_invalid_reply(r, bad);
	} else {
		if (a.json)
			puts(json_object_to_json_string_ext(reply.parameters, JSON_FLAGS));
		else
			print_table(&d);
		r = 0;
	}
	description_done(&d);
	proto_reply_done(&reply);
	return r;
}
