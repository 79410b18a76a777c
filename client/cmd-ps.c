/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl ps: io.nsctl.ListSessions, as a table or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/duration.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void help(void)
{
	printf("Usage: nsctl ps [--all] [--json] [--socket PATH]\n"
	       "\n"
	       "List your running sessions: session id, user, target, namespaces, the\n"
	       "command's pid, start time, elapsed time, reason and command line.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --all          every user's sessions (root only; others see their own)\n"
	       "      --json         print nsctld's answer as one JSON object:\n"
	       "                     {\"sessions\": [{\"session\", \"uid\", \"target\",\n"
	       "                       \"namespaces\", \"pid\", \"start_usec\", \"elapsed_usec\",\n"
	       "                       \"state\", \"argv\", \"reason\"?, \"timeout\"?}]}\n"
	       "      --socket PATH  talk to nsctld at PATH\n"
	       "  -h, --help         show this help and exit\n"
	       "\n"
	       "Exit status: 0, or 125 when nsctld could not be asked.\n");
}

struct listing {
	struct session_info *sessions;
	size_t n;
};

static void listing_done(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		session_info_done(&l->sessions[i]);
	free(l->sessions);
}

static int listing_decode(struct json_object *params, struct listing *l, const char **ret_bad)
{
	struct json_object *a;
	size_t n;
	int r;

	*ret_bad = "sessions";
	if (!json_object_object_get_ex(params, "sessions", &a) ||
	    !json_object_is_type(a, json_type_array) || json_object_object_length(params) != 1)
		return -EINVAL;
	*ret_bad = NULL;
	n = json_object_array_length(a);
	l->sessions = calloc(n ? n : 1, sizeof(*l->sessions));
	if (!l->sessions)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++, l->n++) {
		r = session_info_from_json(json_object_array_get_idx(a, i), &l->sessions[i],
					   ret_bad);
		if (r < 0)
			return r;
	}
	return 0;
}

static void print_table(const struct listing *l)
{
	printf("%-7s  %-10s  %-20s  %-12s  %7s  %-8s  %-8s  %-20s  %s\n", "SESSION", "USER",
	       "TARGET", "NS", "PID", "STARTED", "ELAPSED", "REASON", "COMMAND");
	for (size_t i = 0; i < l->n; i++) {
		const struct session_info *s = &l->sessions[i];
		char user[32], ns[128] = "", started[16] = "-", elapsed[32], pid[24] = "-";
		struct passwd *pw = getpwuid((uid_t)s->uid);
		time_t t = (time_t)(s->start_usec / 1000000);
		struct tm tm;
		size_t used = 0;

		snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "");
		if (!pw)
			snprintf(user, sizeof(user), "%lld", (long long)s->uid);
		for (char **n = s->namespaces; n && *n && used < sizeof(ns); n++) {
			int w = snprintf(ns + used, sizeof(ns) - used, "%s%s", used ? "," : "", *n);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		if (localtime_r(&t, &tm))
			strftime(started, sizeof(started), "%H:%M:%S", &tm);
		duration_format((uint64_t)s->elapsed_usec, elapsed, sizeof(elapsed));
		if (s->pid > 0)
			snprintf(pid, sizeof(pid), "%lld", (long long)s->pid);
		printf("%-7lld  %-10s  %-20s  %-12s  %7s  %-8s  %-8s  %-20s ", (long long)s->session,
		       user, s->target, ns, pid, started, elapsed, s->reason ? s->reason : "-");
		for (char **a = s->argv; a && *a; a++)
			printf(" %s", *a);
		putchar('\n');
	}
}

int cmd_ps(const struct client *c, int argc, char *argv[])
{
	enum { ARG_JSON = 0x100, ARG_SOCKET };
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, ARG_JSON },
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct list_sessions_request req = {};
	const char *socket_arg = c->socket_arg;
	struct proto_reply reply = {};
	struct json_object *params;
	struct listing l = {};
	const char *bad = NULL;
	bool json = false;
	int r, opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":ah", options, NULL)) >= 0) {
		switch (opt) {
		case 'a':
			req.all = true;
			break;
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
			client_log_verb("ps", "option '%s' requires an argument", argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		default:
			client_log_verb("ps", "unknown option '%s' (try 'nsctl ps --help')",
					argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		client_log_verb("ps", "unexpected argument '%s'", argv[optind]);
		return NSCTL_EXIT_ERROR;
	}
	if (req.all && geteuid() != 0)
		client_log_verb("ps", "--all: only root sees other users' sessions; "
				"these are yours");
	params = list_sessions_request_to_json(&req);
	if (!params) {
		client_log_verb("ps", "%s", strerror(ENOMEM));
		return NSCTL_EXIT_ERROR;
	}
	r = client_ask(socket_arg, NSCTL_METHOD_LIST_SESSIONS, params, &reply);
	if (r != 0)
		return r;
	r = listing_decode(reply.parameters, &l, &bad);
	if (r < 0) {
		r = client_invalid_reply(r, bad);
	} else {
		if (json)
			puts(json_object_to_json_string_ext(reply.parameters, JSON_FLAGS));
		else
			print_table(&l);
		r = 0;
	}
	listing_done(&l);
	proto_reply_done(&reply);
	return r;
}
