/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl kill: io.nsctl.Kill for each session named. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

static void help(void)
{
	printf("Usage: nsctl kill [-s SIGNAL] [--socket PATH] SESSION...\n"
	       "\n"
	       "Send SIGNAL (default TERM) to the command of each session (see 'nsctl ps').\n"
	       "Your own sessions; root may signal anyone's. When the command ends, everything\n"
	       "else the session started is killed with it, and 'nsctl run' exits 128+N.\n"
	       "\n"
	       "Options:\n"
	       "  -s, --signal SIGNAL  a name (TERM, SIGKILL, hup) or a number\n"
	       "      --socket PATH    talk to nsctld at PATH\n"
	       "  -h, --help           show this help and exit\n"
	       "\n"
	       "Exit status: 0 when every session was signalled, else 125.\n");
}

/* "TERM", "SIGTERM", "term" or "15" -> 15; -EINVAL otherwise. */
static int parse_signal(const char *s)
{
	char *end;
	long n;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(name, s) == 0)
			return sig;
	}
	return -EINVAL;
}

/* "7" -> 7; -EINVAL for anything but a positive decimal number. */
static int parse_session(const char *s, int64_t *ret)
{
	char *end;
	long long n;

	if (*s < '1' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = n;
	return 0;
}

int cmd_kill(const struct client *c, int argc, char *argv[])
{
	enum { ARG_SOCKET = 0x100 };
	static const struct option options[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *socket_arg = c->socket_arg;
	int sig = SIGTERM, status = 0, opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:h", options, NULL)) >= 0) {
		switch (opt) {
		case 's':
			sig = parse_signal(optarg);
			if (sig < 0) {
				client_log_verb("kill", "unknown signal '%s'", optarg);
				return NSCTL_EXIT_ERROR;
			}
			break;
		case ARG_SOCKET:
			socket_arg = optarg;
			break;
		case 'h':
			help();
			return 0;
		case ':':
			client_log_verb("kill", "option '%s' requires an argument", argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		default:
			client_log_verb("kill", "unknown option '%s' (try 'nsctl kill --help')",
					argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		client_log_verb("kill", "no session given (see 'nsctl ps')");
		return NSCTL_EXIT_ERROR;
	}
	for (int i = optind; i < argc; i++) {
		struct kill_request req = { .signal = sig };
		struct proto_reply reply = {};
		struct json_object *params;
		int r;

		if (parse_session(argv[i], &req.session) < 0) {
			client_log_verb("kill", "not a session id: '%s'", argv[i]);
			status = NSCTL_EXIT_ERROR;
			continue;
		}
		params = kill_request_to_json(&req);
		if (!params) {
			client_log_verb("kill", "%s", strerror(ENOMEM));
			return NSCTL_EXIT_ERROR;
		}
		r = client_ask(socket_arg, NSCTL_METHOD_KILL, params, &reply);
		if (r != 0)
			status = r;
		else
			proto_reply_done(&reply);
	}
	return status;
}
