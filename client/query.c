/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the query verbs (ls, ns) share: their options (--json, --socket, --help). */
#include <errno.h>
#include <getopt.h>

#include "client/client.h"

int client_query_parse(const char *verb, int argc, char *argv[], void (*help)(void),
		       struct client_query_args *a)
{
	enum { ARG_JSON = 0x100, ARG_SOCKET };
	static const struct option options[] = {
		{ "json", no_argument, NULL, ARG_JSON },
		{ "socket", required_argument, NULL, ARG_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int opt;

	/* Options before and after the operands: permute, as most tools do. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
		switch (opt) {
		case ARG_JSON:
			a->json = true;
			break;
		case ARG_SOCKET:
			a->socket_arg = optarg;
			break;
		case 'h':
			help();
			return 1;
		case ':':
			client_log_verb(verb, "option '%s' requires an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			client_log_verb(verb, "unknown option '%s' (try 'nsctl %s --help')",
					argv[optind - 1], verb);
			return -EINVAL;
		}
	}
	return 0;
}
