/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl ls: io.nsctl.ListTargets, as a table or as JSON. */
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
	printf("Usage: nsctl ls [--json] [--socket PATH]\n"
	       "\n"
	       "List the targets that nsctld's policy lets you enter (in some namespace): named\n"
	       "network namespaces, Docker and Podman containers, machines and services, each\n"
	       "with its kind, canonical name, host pid and state. Processes (pid:N) are not\n"
	       "listed. Backends that could not be asked are named on stderr.\n"
	       "\n"
	       "Options:\n"
	       "      --json         print nsctld's answer as one JSON object:\n"
	       "                     {\"targets\": [{\"kind\", \"target\", \"name\", \"pid\",\n"
	       "                                   \"state\"}],\n"
	       "                      \"unavailable\": [{\"backend\", \"reason\"}]}\n"
	       "      --socket PATH  talk to nsctld at PATH\n"
	       "  -h, --help         show this help and exit\n"
	       "\n"
	       "Exit status: 0, or 125 when nsctld could not be asked.\n");
}

struct listing {
	struct target_info *targets;
	size_t n_targets;
	struct backend_problem *problems;
	size_t n_problems;
};

static void listing_done(struct listing *l)
{
	for (size_t i = 0; i < l->n_targets; i++)
		target_info_done(&l->targets[i]);
	free(l->targets);
	for (size_t i = 0; i < l->n_problems; i++)
		backend_problem_done(&l->problems[i]);
	free(l->problems);
}

/* Decode the reply's parameters; -EINVAL with *ret_bad naming what is wrong. */
static int listing_decode(struct json_object *params, struct listing *l, const char **ret_bad)
{
	struct json_object *targets, *unavailable;
	size_t n;
	int r;

	*ret_bad = "targets";
	if (!json_object_object_get_ex(params, "targets", &targets) ||
	    !json_object_is_type(targets, json_type_array))
		return -EINVAL;
	*ret_bad = "unavailable";
	if (!json_object_object_get_ex(params, "unavailable", &unavailable) ||
	    !json_object_is_type(unavailable, json_type_array))
		return -EINVAL;
	*ret_bad = NULL;
	if (json_object_object_length(params) != 2)
		return -EINVAL;
	n = json_object_array_length(targets);
	l->targets = calloc(n ? n : 1, sizeof(*l->targets));
	if (!l->targets)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, l->n_targets++) {
		r = target_info_from_json(json_object_array_get_idx(targets, i), &l->targets[i],
					  ret_bad);
		if (r < 0)
			return r;
	}
	n = json_object_array_length(unavailable);
	l->problems = calloc(n ? n : 1, sizeof(*l->problems));
	if (!l->problems)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, l->n_problems++) {
		r = backend_problem_from_json(json_object_array_get_idx(unavailable, i),
					      &l->problems[i], ret_bad);
		if (r < 0)
			return r;
	}
	return 0;
}

static void print_table(const struct listing *l)
{
	int wk = 4, wt = 6, wp = 3;
	char pid[24];

	for (size_t i = 0; i < l->n_targets; i++) {
		const struct target_info *t = &l->targets[i];
		int n = snprintf(pid, sizeof(pid), "%lld", (long long)t->pid);

		if ((int)strlen(t->kind) > wk)
			wk = (int)strlen(t->kind);
		if ((int)strlen(t->target) > wt)
			wt = (int)strlen(t->target);
		if (n > wp)
			wp = n;
	}
	printf("%-*s  %-*s  %*s  %s\n", wk, "KIND", wt, "TARGET", wp, "PID", "STATE");
	for (size_t i = 0; i < l->n_targets; i++) {
		const struct target_info *t = &l->targets[i];

		if (t->pid > 0)
			snprintf(pid, sizeof(pid), "%lld", (long long)t->pid);
		else
			strcpy(pid, "-");
		printf("%-*s  %-*s  %*s  %s\n", wk, t->kind, wt, t->target, wp, pid, t->state);
	}
}

int cmd_ls(const struct client *c, int argc, char *argv[])
{
	struct client_query_args a = { .socket_arg = c->socket_arg };
	struct proto_reply reply = {};
	struct listing l = {};
	const char *bad = NULL;
	int r;

	r = client_query_parse("ls", argc, argv, help, &a);
	if (r != 0)
		return r > 0 ? 0 : NSCTL_EXIT_ERROR;
	if (optind < argc) {
		client_log_verb("ls", "unexpected argument '%s'", argv[optind]);
		return NSCTL_EXIT_ERROR;
	}
	r = client_ask_timeout(a.socket_arg, NSCTL_METHOD_LIST_TARGETS, NULL,
			       CLIENT_QUERY_TIMEOUT_MS, &reply);
	if (r != 0)
		return r;
	r = listing_decode(reply.parameters, &l, &bad);
	if (r < 0) {
		r = client_invalid_reply(r, bad);
	} else {
		if (a.json) {
			puts(json_object_to_json_string_ext(reply.parameters, JSON_FLAGS));
		} else {
			print_table(&l);
			for (size_t i = 0; i < l.n_problems; i++)
				client_log_verb("ls", "%s: %s", l.problems[i].backend,
						l.problems[i].reason);
		}
		r = 0;
	}
	listing_done(&l);
	proto_reply_done(&reply);
	return r;
}
