/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: global options, the verb table, and the process setup every verb relies on. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "protocol/cleanup.h"
#include "protocol/nsctl-protocol.h"

static const struct client_verb verbs[] = {
	{ "run", cmd_run, "run a command in namespaces of a target" },
	{ "check", cmd_check, "would run be permitted, and what would the command get?" },
	{ "policy", cmd_policy, "the rules of the policy that apply to you" },
	{ "ls", cmd_ls, "list the targets you may enter" },
	{ "ns", cmd_ns, "show a target's namespaces and which you may enter" },
	{ "ps", cmd_ps, "list your running sessions" },
	{ "kill", cmd_kill, "send a signal to a session" },
};

static void help(void)
{
	printf("Usage: nsctl [--socket PATH] VERB [ARG...]\n"
	       "       nsctl --help | --version\n"
	       "\n"
	       "Run commands inside the namespaces of a target (a process, a named network\n"
	       "namespace, a container, a machine, a service) through the nsctld daemon, as\n"
	       "its policy permits.\n"
	       "\n"
	       "Verbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		printf("  %-8s %s\n", verbs[i].name, verbs[i].summary);
	printf("\n"
	       "Options:\n"
	       "      --socket PATH  talk to nsctld at PATH\n"
	       "  -h, --help         show this help and exit\n"
	       "  -V, --version      show the version and exit\n"
	       "\n"
	       "Socket: --socket PATH if given (a verb's own --socket wins), else $NSCTL_SOCKET\n"
	       "if set and not empty, else %s.\n"
	       "\n"
	       "Exit status:\n"
	       "  N      the command exited with status N\n"
	       "  128+N  the command was killed by signal N\n"
	       "  124    run: the rule's time limit ended the session\n"
	       "  125    nsctl or nsctld failed: bad arguments, no connection, denied, ...\n"
	       "  126    the command was found but could not be executed\n"
	       "  127    the command was not found\n"
	       "\n"
	       "Run 'nsctl VERB --help' for the options of a verb. See nsctl(1).\n",
	       NSCTL_DEFAULT_SOCKET);
}

/*
 * Make sure fds 0, 1 and 2 are open: the command receives them by index, and a socket
 * must not land on one of them. Filled in ascending order, so open() returns the number
 * being filled.
 */
static int ensure_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (n < 0)
			return -errno;
		if (n != fd) {
			safe_close(n);
			return -EBADF;
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "socket", required_argument, NULL, 's' },
		{},
	};
	struct client c = {};
	const char *verb;
	int r, opt;

	r = ensure_stdio();
	if (r < 0) {
		/* stderr may be the very fd that could not be opened; try anyway. */
		client_log("cannot open /dev/null for a closed standard fd: %s", strerror(-r));
		return NSCTL_EXIT_ERROR;
	}
	/* Writes to a closed pipe or socket must come back as EPIPE, not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		client_log("cannot ignore SIGPIPE: %m");
		return NSCTL_EXIT_ERROR;
	}

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hV", options, NULL)) >= 0) {
		switch (opt) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("nsctl %s\n", PACKAGE_VERSION);
			return 0;
		case 's':
			c.socket_arg = optarg;
			break;
		case ':':
			client_log("option '%s' requires an argument", argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		default:
			if (optopt)
				client_log("unknown option '-%c' (try 'nsctl --help')", optopt);
			else
				client_log("unknown option '%s' (try 'nsctl --help')",
					   argv[optind - 1]);
			return NSCTL_EXIT_ERROR;
		}
	}

	if (optind >= argc) {
		client_log("no verb given (try 'nsctl --help')");
		return NSCTL_EXIT_ERROR;
	}
	verb = argv[optind];
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
		if (strcmp(verbs[i].name, verb) == 0) {
			r = verbs[i].fn(&c, argc - optind, argv + optind);
			if (fflush(stdout) != 0 && r == 0) {
				client_log("cannot write to stdout: %m");
				r = NSCTL_EXIT_ERROR;
			}
			return r;
		}
	}
	{
		const char *names[ELEMENTSOF(verbs)], *guess;

		for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
			names[i] = verbs[i].name;
		guess = client_suggest(verb, names, ELEMENTSOF(verbs));
		if (guess)
			client_log("unknown verb '%s' (did you mean '%s'? try 'nsctl --help')", verb,
				   guess);
		else
			client_log("unknown verb '%s' (try 'nsctl --help')", verb);
	}
	return NSCTL_EXIT_ERROR;
}
