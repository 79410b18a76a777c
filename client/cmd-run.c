/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl run: io.nsctl.Run with our stdio or a terminal, signal forwarding, the command's status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "client/client.h"
#include "client/stdio-pipe.h"
#include "protocol/cleanup.h"
#include "protocol/duration.h"
#include "protocol/nsctl-protocol.h"
#include "protocol/varlink.h"

/* The signals a terminal or a supervisor sends to stop a command; all are forwarded. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* One session in flight. */
struct run {
	const char *socket_path;
	int fd;    /* the Run connection */
	int sigfd; /* signalfd for forwarded_signals (and SIGWINCH with a terminal) */
	struct proto_reader reader;
	bool started;
	int64_t session;
	sigset_t pending; /* signals that arrived before the session started */
	int exit_status;  /* set when run_loop() is about to return */
	bool tty;         /* a terminal session: the started reply brings its master */
	struct tty_relay relay; /* master -EBADF until then */
	/* Pipes of ours in place of fds nsctld refused (client/stdio-pipe.c). */
	struct stdio_pipes *pipes;
	unsigned piped;   /* bit i: stdio fd i was refused for what it is: a pipe in its place */
	bool retry;       /* one more was refused: ask again */
};

/*
 * A FileDescriptorRefused the caller cannot do anything about: a regular file or a socket
 * that the grant does not take. nsctld refuses it before anything runs (no worker is
 * forked), so asking again with a pipe in its place is safe. Other kinds (a directory, a
 * namespace file, ...) are the caller's mistake and reported.
 */
static int refused_for_kind(const struct proto_reply *reply)
{
	static const char *const names[3] = { "stdin", "stdout", "stderr" };
	struct json_object *v;
	const char *param, *reason;

	if (strcmp(reply->error, NSCTL_ERROR_FD_REFUSED) != 0 ||
	    !json_object_object_get_ex(reply->parameters, "parameter", &v) ||
	    !(param = json_object_get_string(v)) ||
	    !json_object_object_get_ex(reply->parameters, "reason", &v) ||
	    !(reason = json_object_get_string(v)))
		return -1;
	if (strncmp(reason, "regular file", 12) != 0 && strncmp(reason, "socket", 6) != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(param, names[i]) == 0)
			return i;
	return -1;
}

/* What a Run reply may carry; INT64_MIN, 0 and -1 mean absent. */
struct run_reply {
	int64_t session;
	int64_t pid;
	int64_t exit_code;
	int signal;
	int terminal; /* index of the attached master */
	int64_t timeout; /* final reply: the time limit (seconds) that ended the session */
	char *rule;      /* ... and the rule that set it */
	bool daemon_stopping; /* the final reply: nsctld ended the session as it stopped */
};

static const struct proto_field run_reply_fields[] = {
	{ "session", proto_field_int64, offsetof(struct run_reply, session), false },
	{ "pid", proto_field_int64, offsetof(struct run_reply, pid), false },
	{ "terminal", proto_field_fd_index, offsetof(struct run_reply, terminal), false },
	{ "exit_code", proto_field_int64, offsetof(struct run_reply, exit_code), false },
	{ "signal", proto_field_signal, offsetof(struct run_reply, signal), false },
	{ "timeout", proto_field_int64, offsetof(struct run_reply, timeout), false },
	{ "rule", proto_field_string, offsetof(struct run_reply, rule), false },
	{ "daemon_stopping", proto_field_bool, offsetof(struct run_reply, daemon_stopping), false },
	{},
};

static void run_reply_done(struct run_reply *rr)
{
	free(rr->rule);
}

static void help(void)
{
	printf("Usage: nsctl run TARGET [OPTION...] [--] COMMAND [ARG...]\n"
	       "       nsctl run TARGET [OPTION...] --tty\n"
	       "\n"
	       "Run COMMAND as yourself inside namespaces of TARGET, as the nsctld policy\n"
	       "permits. The command gets nsctl's own stdin, stdout and stderr, or a new\n"
	       "terminal inside the target (see --tty). With a terminal and no COMMAND, your\n"
	       "shell is started.\n"
	       "\n"
	       "Targets:\n"
	       "  pid:N               the namespaces of process N\n"
	       "  netns:NAME          the named network namespace NAME (as made by 'ip netns')\n"
	       "  docker:NAME|ID      a running Docker container, by name or ID prefix\n"
	       "  podman:NAME|ID      a running Podman container, by name or ID prefix\n"
	       "  machine:NAME        a machine registered with systemd-machined\n"
	       "  unit:NAME.service   the main process of a running systemd service\n"
	       "  k8s:NS/POD[/CTR]    a Kubernetes pod (its sandbox) or one of its containers\n"
	       "  containerd:[NS/]ID  a containerd task by ID prefix (namespace k8s.io)\n"
	       "  crio:ID             a CRI-O container by ID prefix\n"
	       "  NAME                whichever of netns, docker, podman, machine, unit has\n"
	       "                      NAME among the targets you may see; two are an error\n"
	       "\n"
	       "Namespaces to enter (at least one):\n"
	       "  -n, --net      network\n"
	       "  -m, --mount    mount\n"
	       "  -u, --uts      UTS (hostname, domain name)\n"
	       "  -i, --ipc      System V IPC, POSIX message queues\n"
	       "  -p, --pid      PID\n"
	       "  -U, --user     user\n"
	       "  -C, --cgroup   cgroup\n"
	       "  -T, --time     time\n"
	       "  -a, --all      all eight of the above\n"
	       "\n"
	       "Options:\n"
	       "  -w, --wd DIR          start in DIR, an absolute path resolved in the target\n"
	       "                        as you (default /)\n"
	       "  -e, --env NAME=VALUE  set a variable in the command's environment; may be\n"
	       "                        repeated (nsctld accepts TERM, LANG, LANGUAGE,\n"
	       "                        COLORTERM, LC_*)\n"
	       "  -t, --tty             run the command on a new terminal opened inside the\n"
	       "                        target; nsctl relays between it and its own stdin and\n"
	       "                        stdout, whose terminal it puts in raw mode\n"
	       "      --no-tty          never use a terminal (no short form: -T is --time)\n"
	       "      --reason TEXT     why you run it: recorded in the audit, shown by\n"
	       "                        'nsctl ps' (default $NSCTL_REASON); some rules\n"
	       "                        require one\n"
	       "      --socket PATH     talk to nsctld at PATH\n"
	       "  -h, --help            show this help and exit\n"
	       "\n"
	       "Options may come before or after TARGET. COMMAND starts after '--', or at the\n"
	       "first argument after TARGET that is not an option; nothing after it is read\n"
	       "as an option by nsctl ('nsctl run pid:1 -n ip -br a' passes -br to ip).\n"
	       "\n"
	       "Without --tty or --no-tty, a terminal is used when stdin and stdout are both\n"
	       "terminals. With one, TERM is passed on unless --env sets it, the window size\n"
	       "follows nsctl's, and keys such as Ctrl-C, Ctrl-Z and Ctrl-D go to the command's\n"
	       "terminal, not to nsctl. If stdin ends (a pipe), the terminal's EOF character\n"
	       "is typed once.\n"
	       "\n"
	       "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to nsctl are forwarded to the command;\n"
	       "nsctl itself keeps waiting for it to end.\n"
	       "\n"
	       "Socket: --socket PATH if given, else $NSCTL_SOCKET if set and not empty,\n"
	       "else %s.\n"
	       "\n"
	       "Exit status:\n"
	       "  N      the command exited with status N\n"
	       "  128+N  the command was killed by signal N (nsctl kill too)\n"
	       "  124    the rule's time limit ended the session\n"
	       "  125    nsctl or nsctld failed: bad arguments, no connection, denied, ...\n"
	       "  126    the command was found but could not be executed\n"
	       "  127    the command was not found\n",
	       NSCTL_DEFAULT_SOCKET);
}

/* Ask nsctld, over a second connection, to send sig to our session. Warns on failure. */
static void forward_signal(const struct run *run, int sig)
{
	struct kill_request req = { .session = run->session, .signal = sig };
	struct proto_reply reply = {};
	struct json_object *params;
	int r;

	params = kill_request_to_json(&req);
	if (!params) {
		client_log("cannot forward SIG%s: %s", sigabbrev_np(sig), strerror(ENOMEM));
		return;
	}
	r = client_call(run->socket_path, NSCTL_METHOD_KILL, params, CLIENT_CALL_TIMEOUT_MS,
			&reply);
	if (r < 0) {
		client_log("cannot forward SIG%s: %s", sigabbrev_np(sig), client_strerror(r));
		return;
	}
	/* The command may have ended just now; its final reply is on its way. */
	if (reply.error && strcmp(reply.error, NSCTL_ERROR_SESSION_NOT_FOUND) != 0) {
		_cleanup_free_ char *text = NULL;

		if (client_error_format(reply.error, reply.parameters, &text) < 0)
			client_log("cannot forward SIG%s: %s", sigabbrev_np(sig), reply.error);
		else
			client_log("cannot forward SIG%s: %s", sigabbrev_np(sig), text);
	}
	proto_reply_done(&reply);
}

/* Forward the signals that arrived before the session started. */
static void forward_pending(struct run *run)
{
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++) {
		if (sigismember(&run->pending, forwarded_signals[i]) != 1)
			continue;
		sigdelset(&run->pending, forwarded_signals[i]);
		forward_signal(run, forwarded_signals[i]);
	}
}

/* Drain the signalfd: forward now, or remember until the session has started; resize. */
static int handle_signals(struct run *run)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(run->sigfd, &si, sizeof(si));

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n != sizeof(si))
			return -EIO;
		if (si.ssi_signo == SIGWINCH)
			tty_relay_resize(&run->relay); /* before the start: done when it starts */
		else if (run->started)
			forward_signal(run, (int)si.ssi_signo);
		else
			sigaddset(&run->pending, (int)si.ssi_signo);
	}
}

/* The terminal session begins: relay from the master, raw mode on our terminal. */
static int start_terminal(struct run *run, int master)
{
	int r;

	/* Only a terminal's master: not just any fd gets our keystrokes. */
	if (!isatty(master)) {
		safe_close(master);
		client_log("invalid reply from nsctld: the terminal is not a terminal");
		return -EBADF;
	}
	r = tty_relay_init(&run->relay, master, STDIN_FILENO, STDOUT_FILENO);
	if (r < 0) {
		safe_close(master);
		client_log("cannot use the terminal: %s", strerror(-r));
		return r;
	}
	if (isatty(STDIN_FILENO)) {
		r = tty_raw_enter(STDIN_FILENO);
		if (r < 0)
			client_log("cannot put the terminal in raw mode: %s", strerror(-r));
	}
	/* A resize between the request and now has been missed. */
	tty_relay_resize(&run->relay);
	return 0;
}

/*
 * Handle one message on the Run connection. Returns 0 to go on, or 1 with run->exit_status
 * set when nsctl is done: the final reply, an error reply or a violation.
 */
static int handle_message(struct run *run, struct proto_message *m)
{
	_cleanup_(run_reply_done) struct run_reply rr = {
		INT64_MIN, INT64_MIN, INT64_MIN, 0, -1, 0, NULL, false
	};
	struct proto_reply reply = {};
	_cleanup_close_ int master = -EBADF;
	const char *bad = NULL;
	char bad_field[64];
	bool continues;
	int r;

	/* The reply that starts a terminal session brings its master; no other brings fds. */
	if (run->tty && !run->started && m->n_fds == 1)
		master = proto_message_take_fd(m, 0);
	r = client_reply_from_message(m, &reply, bad_field, sizeof(bad_field));
	if (r < 0) {
		run->exit_status = client_invalid_reply(r, bad_field);
		return 1;
	}
	if (reply.error && !run->started && !run->tty) {
		int i = refused_for_kind(&reply);

		if (i >= 0 && !(run->piped & (1u << i))) {
			run->piped |= 1u << i;
			run->retry = true;
			proto_reply_done(&reply);
			return 1;
		}
	}
	if (reply.error) {
		run->exit_status = client_error_report(&reply);
		proto_reply_done(&reply);
		return 1;
	}

	continues = reply.continues;
	r = proto_dispatch(reply.parameters, run_reply_fields, &rr, &bad);
	if (r < 0) {
		/* bad may point into the parameters: report before releasing them. */
		run->exit_status = client_invalid_reply(r, bad);
		proto_reply_done(&reply);
		return 1;
	}
	proto_reply_done(&reply);

	if (!run->started) {
		if (!continues || rr.session == INT64_MIN || rr.pid == INT64_MIN) {
			client_log("invalid reply from nsctld: expected the session to start "
				   "(continues, session, pid)");
			run->exit_status = NSCTL_EXIT_ERROR;
			return 1;
		}
		if (rr.exit_code != INT64_MIN || rr.signal != 0 || rr.pid <= 0 ||
		    (run->tty ? rr.terminal != 0 || master < 0 : rr.terminal != -1)) {
			client_log("invalid reply from nsctld: bad session start reply");
			run->exit_status = NSCTL_EXIT_ERROR;
			return 1;
		}
		if (run->tty && start_terminal(run, TAKE_FD(master)) < 0) {
			run->exit_status = NSCTL_EXIT_ERROR;
			return 1;
		}
		run->started = true;
		run->session = rr.session;
		return 0;
	}

	if (continues || rr.terminal != -1 || (rr.exit_code != INT64_MIN) == (rr.signal != 0)) {
		client_log("invalid reply from nsctld: expected the final reply with either "
			   "exit_code or signal");
		run->exit_status = NSCTL_EXIT_ERROR;
		return 1;
	}
	if (rr.daemon_stopping) {
		_cleanup_free_ char *text = NULL;

		if (client_daemon_stopped_format(rr.signal, &text) >= 0)
			client_log("%s", text);
	}
	if (rr.timeout > 0) {
		char d[32];

		/* As timeout(1): the limit, not the command, decided how it ended. */
		client_log("session %lld ended by the time limit (%s) of the rule %s",
			   (long long)run->session,
			   duration_format((uint64_t)rr.timeout * 1000000, d, sizeof(d)),
			   rr.rule ? rr.rule : "?");
		run->exit_status = NSCTL_EXIT_TIMEOUT;
	} else if (rr.signal != 0) {
		run->exit_status = 128 + rr.signal;
	} else if (rr.exit_code < 0 || rr.exit_code > 255) {
		client_log("invalid reply from nsctld: exit_code %lld out of range",
			   (long long)rr.exit_code);
		run->exit_status = NSCTL_EXIT_ERROR;
	} else {
		run->exit_status = (int)rr.exit_code;
	}
	return 1;
}

/* Read what the Run connection has; 0 to go on, 1 when done (exit_status set). */
static int handle_connection(struct run *run)
{
	for (;;) {
		struct proto_message m = {};
		int r;

		r = proto_reader_next(&run->reader, &m);
		if (r > 0) {
			r = handle_message(run, &m);
			proto_message_done(&m);
			if (r != 0)
				return r;
			continue;
		}

		r = proto_reader_fill(&run->reader, run->fd);
		if (r > 0)
			continue;
		if (r == -EAGAIN)
			return 0;
		if (r == 0 || r == -ECONNRESET)
			client_log_connect_error(run->socket_path, -ECONNRESET);
		else if (r == -EMSGSIZE || r == -ETOOMANYREFS || r == -EBADMSG)
			client_log("invalid reply from nsctld: %s",
				   r == -EBADMSG ? "bad control message" : client_strerror(r));
		else
			client_log("cannot read from nsctld: %s", strerror(-r));
		run->exit_status = NSCTL_EXIT_ERROR;
		return 1;
	}
}

/*
 * Wait on the connection, the signals and a terminal until the session ends; returns the
 * exit status. A terminal's output is all written out before nsctl returns.
 */
static int run_loop(struct run *run)
{
	for (;;) {
		struct pollfd p[8] = {
			{ .fd = run->fd, .events = POLLIN },
			{ .fd = run->sigfd, .events = POLLIN },
		};
		size_t n = 2, n_pipes = 0;
		int r;

		if (run->relay.master >= 0 && !tty_relay_finished(&run->relay)) {
			tty_relay_poll(&run->relay, p + 2);
			n = 5;
		}
		if (run->pipes)
			n_pipes = stdio_pipes_poll(run->pipes, p + n);
		if (poll(p, n + n_pipes, -1) < 0) {
			if (errno == EINTR)
				continue;
			client_log("poll: %m");
			return NSCTL_EXIT_ERROR;
		}

		/* The terminal before the end: the command's last words come first. */
		if (n == 5)
			tty_relay_handle(&run->relay, p + 2);
		if (n_pipes)
			stdio_pipes_handle(run->pipes, p + n, n_pipes);
		/* The connection first: a signal that came with the final reply is moot. */
		if (p[0].revents && handle_connection(run) != 0) {
			if (run->relay.master >= 0)
				tty_relay_drain(&run->relay);
			/* The command's output up to its EOF, before our exit status. */
			if (run->pipes && !run->retry)
				stdio_pipes_drain(run->pipes);
			return run->exit_status;
		}
		if (p[1].revents) {
			r = handle_signals(run);
			if (r < 0) {
				client_log("cannot read signals: %s", strerror(-r));
				return NSCTL_EXIT_ERROR;
			}
		}
		if (run->started)
			forward_pending(run);
	}
}

/*
 * CLOEXEC copies of fds 0, 1, 2 for sending: the sender closes what it sends, and our
 * own 0, 1, 2 must stay open (stderr for messages, and no socket may land on them).
 */
static int dup_stdio(int ret_fds[3])
{
	int fds[3];

	for (int i = 0; i < 3; i++) {
		fds[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			int r = -errno;

			close_many(fds, (size_t)i);
			return r;
		}
	}
	memcpy(ret_fds, fds, sizeof(fds));
	return 0;
}

static int add_env(const char *verb, struct run_args *a, char *arg)
{
	const char *eq = strchr(arg, '=');
	char **n;

	if (!eq || eq == arg) {
		client_log_verb(verb, "--env wants NAME=VALUE, not '%s'", arg);
		return -EINVAL;
	}
	if (a->n_env >= RUN_ENV_MAX) {
		client_log_verb(verb, "too many --env (at most %d)", RUN_ENV_MAX);
		return -E2BIG;
	}
	n = reallocarray(a->env, a->n_env + 2, sizeof(char *));
	if (!n) {
		client_log_verb(verb, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	a->env = n;
	a->env[a->n_env++] = arg;
	a->env[a->n_env] = NULL;
	return 0;
}

enum { ARG_SOCKET = 0x100, ARG_NO_TTY, ARG_JSON, ARG_REASON };

/* The options of run and check besides one per namespace type (those come from ns_table). */
static const struct option run_options_rest[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "wd", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "tty", no_argument, NULL, 't' },
	{ "no-tty", no_argument, NULL, ARG_NO_TTY },
	{ "socket", required_argument, NULL, ARG_SOCKET },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, ARG_JSON },
	{ "reason", required_argument, NULL, ARG_REASON },
	{},
};
#define RUN_SHORT_REST "aw:e:th"

/* getopt's tables: the namespace options first, then the rest. */
struct run_getopt {
	struct option options[_NS_COUNT + ELEMENTSOF(run_options_rest)];
	char short_options[sizeof("+:") - 1 + _NS_COUNT + sizeof(RUN_SHORT_REST)];
};

static void run_getopt_build(struct run_getopt *g)
{
	char *s = g->short_options;

	/*
	 * '+': stop at the first non-option. The first one is TARGET, taken by the caller
	 * before parsing goes on; the second starts the command, whose own options are
	 * never read as ours. ':': a missing argument is told apart from an unknown option.
	 */
	*s++ = '+';
	*s++ = ':';
	for (int t = 0; t < _NS_COUNT; t++) {
		g->options[t] = (struct option){ ns_table[t].option, no_argument, NULL,
						 ns_table[t].short_option };
		*s++ = ns_table[t].short_option;
	}
	memcpy(g->options + _NS_COUNT, run_options_rest, sizeof(run_options_rest));
	memcpy(s, RUN_SHORT_REST, sizeof(RUN_SHORT_REST));
}

/* The namespace type whose option letter is opt, or -1. */
static int ns_from_short_option(int opt)
{
	for (int t = 0; t < _NS_COUNT; t++)
		if (ns_table[t].short_option == opt)
			return t;
	return -1;
}

/* An option we do not know; a forgotten target is the likelier mistake when one fits. */
static int run_option_unknown(const char *verb, const struct run_args *a, char *argv[])
{
	char option[64], *hint;

	if (optopt)
		snprintf(option, sizeof(option), "-%c", optopt);
	else
		snprintf(option, sizeof(option), "%s", argv[optind - 1]);
	if (a->target && !a->command &&
	    client_missing_target_format(verb, a->target, option, &hint) >= 0) {
		/* A forgotten target: the command's own option is the clue. */
		client_log_verb(verb, "%s", hint);
		free(hint);
	} else if (optopt)
		client_log_verb(verb, "unknown option '-%c' (try 'nsctl %s --help')", optopt,
				verb);
	else
		client_log_verb(verb, "unknown option '%s' (try 'nsctl %s --help')",
				argv[optind - 1], verb);
	return -EINVAL;
}

/* One option getopt returned: 0 to go on, 1 for --help, -errno after saying why. */
static int run_option_apply(const char *verb, struct run_args *a, int opt, char *argv[])
{
	int t = ns_from_short_option(opt);

	if (t >= 0) {
		a->mask |= NS_BIT(t);
		return 0;
	}
	switch (opt) {
	case 'a':
		a->mask |= NS_MASK_ALL;
		return 0;
	case 'w':
		a->wd = optarg;
		return 0;
	case 'e':
		return add_env(verb, a, optarg);
	case 't':
		a->tty = TTY_YES; /* the last of -t and --no-tty wins */
		return 0;
	case ARG_NO_TTY:
		a->tty = TTY_NO;
		return 0;
	case ARG_SOCKET:
		a->socket_arg = optarg;
		return 0;
	case ARG_REASON:
		a->reason = optarg;
		return 0;
	case ARG_JSON:
		if (!a->json_allowed)
			return run_option_unknown(verb, a, argv);
		a->json = true;
		return 0;
	case 'h':
		return 1;
	case ':':
		client_log_verb(verb, "option '%s' requires an argument", argv[optind - 1]);
		return -EINVAL;
	default:
		return run_option_unknown(verb, a, argv);
	}
}

/* What parsing leaves to check: a target, a namespace, a usable command and --wd. */
static int run_args_check(const char *verb, struct run_args *a)
{
	if (!a->target) {
		client_log_verb(verb, "no target given (try 'nsctl %s --help')", verb);
		return -EINVAL;
	}
	if (a->command && !a->command[0])
		a->command = NULL; /* "nsctl run TARGET ... --" */
	if (a->command && !a->command[0][0]) {
		client_log_verb(verb, "the command name is empty");
		return -EINVAL;
	}
	if (a->command && strv_length(a->command) > RUN_ARGV_MAX) {
		client_log_verb(verb, "too many arguments (at most %d)", RUN_ARGV_MAX);
		return -E2BIG;
	}
	if (a->mask == 0) {
		client_log_verb(verb, "no namespace given (use --net, --mount, ... or --all)");
		return -EINVAL;
	}
	/* A friendlier message than the daemon's InvalidParameter; it checks again. */
	if (a->wd && a->wd[0] != '/') {
		client_log_verb(verb, "--wd must be an absolute path, not '%s'", a->wd);
		return -EINVAL;
	}
	return 0;
}

int client_parse_run_args(int argc, char *argv[], struct run_args *a)
{
	const char *verb = argv[0];
	struct run_getopt g;
	int r;

	run_getopt_build(&g);
	/* optind = 0 makes getopt start afresh after main() used it. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int before = optind ? optind : 1;
		int opt = getopt_long(argc, argv, g.short_options, g.options, NULL);

		if (opt < 0) {
			/* getopt steps over a "--" it stops at; a plain stop leaves optind. */
			bool dashdash = optind > before;

			if (optind >= argc || (dashdash && !a->target))
				break;
			if (!a->target && !dashdash) {
				a->target = argv[optind++]; /* TARGET, then our options again */
				continue;
			}
			a->command = argv + optind;
			break;
		}
		r = run_option_apply(verb, a, opt, argv);
		if (r != 0)
			return r;
	}
	return run_args_check(verb, a);
}

/* With a terminal: TERM from our environment, unless --env gave one. */
static int add_term(struct run_args *a)
{
	for (size_t i = 0; i < a->n_env; i++)
		if (strncmp(a->env[i], "TERM=", 5) == 0)
			return 0;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "TERM=", 5) == 0)
			return add_env("run", a, *e);
	return 0;
}

/* Whether this run uses a terminal, and whether it can do without one. */
static int decide_tty(struct run_args *a, bool *ret)
{
	bool tty = a->tty == TTY_YES ||
		   (a->tty == TTY_AUTO && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));

	if (!a->command && !tty) {
		client_log_verb("run", "no command given (put it after TARGET or after --; "
				       "with a terminal, --tty, your shell is the default)");
		return -EINVAL;
	}
	*ret = tty;
	return 0;
}

static bool reason_printable(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

#define RUN_RETRY (-1)

/*
 * One Run on a new connection: send our stdio (a pipe of ours in place of each fd
 * refused before), wait for the end. The exit status, or RUN_RETRY when an fd was
 * refused for its kind (nothing ran: ask again with a pipe in its place too).
 */
static int run_once(struct run *run, struct json_object *call, int *fd, int sigfd)
{
	int stdio[3], r;

	*fd = safe_close(*fd);
	r = client_connect(run->socket_path, fd);
	if (r < 0) {
		client_log_connect_error(run->socket_path, r);
		return NSCTL_EXIT_ERROR;
	}
	if (run->tty) {
		/* Our terminal never leaves this process: the command gets its own. */
		r = proto_send_json(*fd, call, NULL, 0);
	} else {
		/* Our stdio, by index 0, 1, 2: main() made sure all three are open. */
		r = dup_stdio(stdio);
		if (r < 0) {
			client_log("cannot duplicate the standard fds: %s", strerror(-r));
			return NSCTL_EXIT_ERROR;
		}
		/* Fresh pipes each time: the command's ends went with the last request. */
		if (run->pipes) {
			stdio_pipes_done(run->pipes);
			stdio_pipes_init(run->pipes);
		}
		for (int i = 0; r >= 0 && i < 3; i++)
			if (run->piped & (1u << i))
				r = stdio_pipes_interpose(run->pipes, i, &stdio[i]);
		if (r < 0) {
			close_many(stdio, 3);
			client_log("cannot make a pipe for the command's stdio: %s", strerror(-r));
			return NSCTL_EXIT_ERROR;
		}
		r = proto_send_json(*fd, call, stdio, ELEMENTSOF(stdio)); /* takes the copies */
	}
	if (r == -EPIPE || r == -ECONNRESET) {
		client_log_connect_error(run->socket_path, r);
		return NSCTL_EXIT_ERROR;
	}
	if (r < 0) {
		client_log("cannot send the request to nsctld: %s", strerror(-r));
		return NSCTL_EXIT_ERROR;
	}

	run->fd = *fd;
	run->sigfd = sigfd;
	run->retry = false;
	proto_reader_init(&run->reader, &proto_limits_default);
	r = run_loop(run);
	proto_reader_done(&run->reader);
	return run->retry ? RUN_RETRY : r;
}

/* Arguments, terminal, TERM: 0 to go on, 1 for --help, -errno after saying why. */
static int run_args_prepare(int argc, char *argv[], struct run_args *a, bool *ret_tty)
{
	int r;

	r = client_parse_run_args(argc, argv, a);
	if (r == 0)
		r = decide_tty(a, ret_tty);
	if (r == 0 && *ret_tty)
		r = add_term(a);
	return r;
}

/* The io.nsctl.Run call for a, into *ret; NSCTL_EXIT_ERROR after saying why. */
static int run_call_build(const struct run_args *a, bool tty, struct json_object **ret)
{
	_cleanup_json_ struct json_object *params = NULL;
	struct json_object *call;
	struct run_request req;
	struct winsize ws;

	req = (struct run_request){
		.target = (char *)a->target,
		.ns_mask = a->mask,
		.argv = a->command,
		.env = a->env,
		.cwd = (char *)a->wd,
		.tty = tty,
		.stdin_fd = tty ? -1 : STDIN_FILENO,
		.stdout_fd = tty ? -1 : STDOUT_FILENO,
		.stderr_fd = tty ? -1 : STDERR_FILENO,
		.reason = (char *)a->reason,
	};
	if (!req.reason && getenv("NSCTL_REASON") && *getenv("NSCTL_REASON"))
		req.reason = getenv("NSCTL_REASON");
	if (req.reason && (strlen(req.reason) > RUN_REASON_MAX || !reason_printable(req.reason))) {
		client_log_verb("run", "--reason: at most %d bytes without control characters",
				RUN_REASON_MAX);
		return NSCTL_EXIT_ERROR;
	}
	if (tty && tty_window_get(&ws) == 0)
		req.window = (struct run_window){ .rows = ws.ws_row, .columns = ws.ws_col };
	params = run_request_to_json(&req);
	if (!params) {
		client_log_verb("run", "%s", strerror(ENOMEM));
		return NSCTL_EXIT_ERROR;
	}
	call = proto_call_new(NSCTL_METHOD_RUN, TAKE_PTR(params), true);
	if (!call) {
		client_log_verb("run", "%s", strerror(ENOMEM));
		return NSCTL_EXIT_ERROR;
	}
	*ret = call;
	return 0;
}

/*
 * From here on a stop signal belongs to the command: block them before the request goes
 * out, so none is lost between sending and the session's start. Before this point no
 * session exists and the default action (dying) is right. A resize is ours to pass on to
 * the terminal. A signalfd for them in *ret_fd; NSCTL_EXIT_ERROR after saying why.
 */
static int run_signals_take(bool tty, int *ret_fd)
{
	sigset_t mask_signals;
	int fd;

	sigemptyset(&mask_signals);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask_signals, forwarded_signals[i]);
	if (tty)
		sigaddset(&mask_signals, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask_signals, NULL) < 0) {
		client_log("sigprocmask: %m");
		return NSCTL_EXIT_ERROR;
	}
	fd = signalfd(-1, &mask_signals, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		client_log("signalfd: %m");
		return NSCTL_EXIT_ERROR;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * Run until nsctld takes the stdio it is sent: at most once per stdio fd, a pipe in place
 * of each one refused for its kind. The command's exit status.
 */
static int run_until_accepted(struct run *run, struct json_object *call, int *fd, int sigfd)
{
	int r = NSCTL_EXIT_ERROR;

	sigemptyset(&run->pending);
	for (int attempt = 0; attempt < 4; attempt++) {
		r = run_once(run, call, fd, sigfd);
		if (r != RUN_RETRY)
			break;
		if (!run->pipes) {
			run->pipes = malloc(sizeof(*run->pipes));
			if (!run->pipes) {
				client_log_verb("run", "%s", strerror(ENOMEM));
				r = NSCTL_EXIT_ERROR;
				break;
			}
			stdio_pipes_init(run->pipes);
		}
	}
	if (run->pipes) {
		stdio_pipes_done(run->pipes);
		free(run->pipes);
		run->pipes = NULL;
	}
	return r;
}

int cmd_run(const struct client *c, int argc, char *argv[])
{
	struct run_args a = { .socket_arg = c->socket_arg };
	_cleanup_json_ struct json_object *call = NULL;
	_cleanup_close_ int fd = -EBADF, sigfd = -EBADF;
	struct run run = { .relay.master = -EBADF };
	int r;

	r = run_args_prepare(argc, argv, &a, &run.tty);
	if (r != 0) {
		free(a.env);
		if (r > 0)
			help();
		return r > 0 ? 0 : NSCTL_EXIT_ERROR;
	}
	r = run_call_build(&a, run.tty, &call);
	free(a.env);
	if (r != 0)
		return r;

	run.socket_path = client_socket_path(a.socket_arg);
	r = run_signals_take(run.tty, &sigfd);
	if (r != 0)
		return r;
	r = run_until_accepted(&run, call, &fd, sigfd);
	tty_raw_leave();
	tty_relay_done(&run.relay);
	return r;
}
