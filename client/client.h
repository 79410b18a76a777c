/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nsctl: the verb table entry, connection helpers and error reporting shared by the verbs. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <json-c/json.h>

#include "protocol/varlink.h"

/* State from the command line before the verb: the global options. */
struct client {
	const char *socket_arg; /* --socket before the verb, or NULL */
};

/* One verb: cmd_<verb>() gets argv with argv[0] == the verb and returns the exit status. */
struct client_verb {
	const char *name;
	int (*fn)(const struct client *c, int argc, char *argv[]);
	const char *summary;
};

int cmd_run(const struct client *c, int argc, char *argv[]);
int cmd_ls(const struct client *c, int argc, char *argv[]);
int cmd_ns(const struct client *c, int argc, char *argv[]);
int cmd_ps(const struct client *c, int argc, char *argv[]);
int cmd_kill(const struct client *c, int argc, char *argv[]);
int cmd_check(const struct client *c, int argc, char *argv[]);
int cmd_policy(const struct client *c, int argc, char *argv[]);

enum tty_choice {
	TTY_AUTO, /* a terminal when stdin and stdout are both terminals */
	TTY_YES,  /* -t, --tty */
	TTY_NO,   /* --no-tty */
};

/* What "run" and "check" read off the command line; strings point into argv. */
struct run_args {
	const char *socket_arg;
	const char *target;
	const char *wd;
	char **env; /* malloc'd array of pointers into argv (or environ), NULL-terminated, or NULL */
	size_t n_env;
	char **command; /* NULL: none given (the shell, with a terminal) */
	uint32_t mask;
	enum tty_choice tty;
	bool json_allowed; /* set by the caller: --json is an option of this verb */
	bool json;
	const char *reason; /* --reason TEXT (run), or NULL */
};

/*
 * Parse "TARGET [OPTION...] [--] COMMAND [ARG...]" (argv[0] is the verb, named in the
 * messages) into a, which the caller releases (a->env) on every return. 0 when parsed,
 * 1 when --help was asked for (the caller shows its help), -EINVAL (and similar) after
 * printing the problem.
 */
int client_parse_run_args(int argc, char *argv[], struct run_args *a);

/* connect.c */

/* How long a short call (e.g. Kill) may take before it is given up. */
#define CLIENT_CALL_TIMEOUT_MS 5000
/* A call that asks the backends (ListTargets, DescribeTarget): engines may be slow. */
#define CLIENT_QUERY_TIMEOUT_MS 60000

/* The socket to use: arg if given, else $NSCTL_SOCKET if not empty, else the default. */
const char *client_socket_path(const char *arg);

/* A connected blocking AF_UNIX stream socket (CLOEXEC); -ENAMETOOLONG if path does not fit. */
int client_connect(const char *path, int *ret_fd);

/*
 * Decode one received message as a reply envelope: no fds, strict JSON, known keys.
 * On -EINVAL the offending key is copied into bad_field (size n), else bad_field is "".
 */
int client_reply_from_message(const struct proto_message *m, struct proto_reply *ret,
			      char *bad_field, size_t n);

/*
 * Connect to path, send method(parameters) without "more", and wait up to timeout_ms for
 * one reply. Takes ownership of parameters. -ECONNRESET if the daemon closes first,
 * -ETIMEDOUT, -EBADMSG/-EINVAL for a malformed reply, other -errno.
 */
int client_call(const char *path, const char *method, struct json_object *parameters,
		int timeout_ms, struct proto_reply *ret);

/*
 * One short call for a verb (client_call() on the socket socket_arg selects): 0 with the
 * successful reply in *ret, or, after printing why, the exit status for the failure (a
 * connection problem, or an error reply). Takes ownership of parameters.
 */
int client_ask(const char *socket_arg, const char *method, struct json_object *parameters,
	       struct proto_reply *ret);
/* The same, waiting at most timeout_ms (a query that asks the backends may take a while). */
int client_ask_timeout(const char *socket_arg, const char *method, struct json_object *parameters,
		       int timeout_ms, struct proto_reply *ret);

/* errors.c */

/* Print "nsctl: " + the formatted text + a newline to stderr. */
void client_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same as "nsctl VERB: ...", for a verb's usage errors. */
void client_log_verb(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit status for an error reply: 127 not found, 126 cannot execute, else 125. */
int client_error_exit_status(const char *error);

/*
 * The human line (without "nsctl: ") for an error reply, e.g. "ip: command not found" or
 * "io.nsctl.TargetNotFound: no such target: pid:9". Parameters that do not have the
 * documented shape, and unknown names, give the name and the raw parameters JSON.
 * 0 with a malloc'd *ret, or -ENOMEM.
 */
int client_error_format(const char *error, struct json_object *parameters, char **ret);

/* Print an error reply as one line; returns the exit status that goes with it. */
int client_error_report(const struct proto_reply *reply);

/* Print that a reply breaks the protocol (r, and the offending field); returns 125. */
int client_invalid_reply(int r, const char *bad_field);

/* Text for a protocol-level failure while talking to nsctld (negative errno from connect.c). */
const char *client_strerror(int r);

/* What nsctl says after a PermissionDenied: where the caller learns what they may do. */
#define CLIENT_HINT_DENIED "nsctl policy lists the rules that apply to you; " \
	"nsctl check TARGET [NAMESPACES] -- COMMAND says which rule decides"

/*
 * The line for a failure to reach nsctld at path (r from client_connect() or
 * client_call()): no daemon, the socket's mode, a lost connection, ... 0 or -ENOMEM.
 */
int client_connect_error_format(const char *path, int r, char **ret);
/* Print it. */
void client_log_connect_error(const char *path, int r);
/*
 * "nsctl run -n ip -br link": the target was forgotten, so the command took its place and
 * the command's option is unknown to nsctl. The line that says so. 0 or -ENOMEM.
 */
int client_missing_target_format(const char *verb, const char *target, const char *option,
				 char **ret);
/* The line for a session that nsctld ended because it was stopping. 0 or -ENOMEM. */
int client_daemon_stopped_format(int sig, char **ret);

/* suggest.c: the candidate closest to word (a typo away at most), or NULL. */
const char *client_suggest(const char *word, const char *const *candidates, size_t n);

/* query.c: the options of ls and ns (--json, --socket, --help). */
struct client_query_args {
	const char *socket_arg; /* preset to the global --socket */
	bool json;
};

/* Parse them from argv (argv[0] is the verb); 0 with the operands from optind on, 1 after
 * --help, -EINVAL after saying what is wrong. */
int client_query_parse(const char *verb, int argc, char *argv[], void (*help)(void),
		       struct client_query_args *a);


/* tty.c */

/* Put terminal fd in raw mode, restoring it at exit and on fatal signals. 0 or -errno. */
int tty_raw_enter(int fd);
/* Restore the terminal if it is raw (idempotent). */
void tty_raw_leave(void);
/* The end of a line on stderr: "\r\n" while stderr is a terminal in raw mode. */
const char *tty_log_eol(void);
/* The size of our terminal (stdin, else stdout); -ENOTTY, -ENODATA when unknown. */
int tty_window_get(struct winsize *ret);

/* One chunk of bytes on its way. */
struct tty_buf {
	char data[4096];
	size_t len, off;
};

/* Bytes between our stdin/stdout and the master of the command's terminal. */
struct tty_relay {
	int master;
	int in, out;
	bool in_open;          /* our stdin has not ended */
	bool eof_pending;      /* it has: type the terminal's EOF character once */
	bool master_readable;  /* the command's side has not gone (no EIO yet) */
	bool master_writable;
	bool out_open;         /* our stdout takes bytes */
	struct tty_buf to_master, to_out;
};

/* Start relaying (takes master, made non-blocking). 0 or -errno. */
int tty_relay_init(struct tty_relay *t, int master, int in, int out);
void tty_relay_done(struct tty_relay *t);
/* Three pollfds: stdin, master, stdout (fd -1 where nothing is wanted). */
void tty_relay_poll(const struct tty_relay *t, struct pollfd p[3]);
/* Move what poll said can move. */
void tty_relay_handle(struct tty_relay *t, const struct pollfd p[3]);
/* The command's side has gone and everything it wrote has been written out. */
bool tty_relay_finished(const struct tty_relay *t);
/* After the command ended: copy what the terminal still holds to stdout. */
void tty_relay_drain(struct tty_relay *t);
/* Our window size onto the command's terminal (on SIGWINCH, and at start). */
void tty_relay_resize(struct tty_relay *t);
