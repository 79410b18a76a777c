/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: run a command on a new terminal and drive it from a script, like a user. */

/*
 * pty-harness [--user NAME] [--size ROWSxCOLS] [--log FILE] [--timeout SEC] SCRIPT --
 *             COMMAND [ARG...]
 *
 * COMMAND runs in a session of its own with the slave of a new pty as its controlling
 * terminal and stdio, as NAME if given (the harness itself runs as root). The harness
 * holds the master and the slave, reads everything COMMAND writes (into FILE too), and
 * runs SCRIPT, one action a line:
 *
 *   send TEXT       type TEXT; \n \r \t \\ and \xHH are escapes (\x03 is Ctrl-C)
 *   expect ERE      wait until output not yet matched matches the POSIX ERE; what
 *                   precedes the match's end counts as matched; prints "matched: ERE"
 *   resize R C      set the window size (the foreground job gets SIGWINCH)
 *   sleep MS        pause, still reading
 *   signal SIG      send SIG (a number, or a name without SIG) to COMMAND
 *   wait            wait for COMMAND to end; prints "status N" or "signal N"
 *   modes           prints "modes same" or "modes changed": the terminal's settings now
 *                   against before COMMAND started
 *   run SHELLCMD    run sh -c SHELLCMD (as the harness), its output on ours
 *
 * Exit status: 0 when every action succeeded, 1 when one failed (the reason on stderr),
 * 2 for bad usage. COMMAND is killed if the script ends before it does.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocol/cleanup.h"

#define OUTPUT_MAX (4u << 20)

struct harness {
	int master, slave;
	pid_t child;
	bool reaped;
	struct termios initial;
	char *out;          /* everything read from the master, NUL-terminated */
	size_t len, matched;
	FILE *log;
	int timeout_ms;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what the master has, waiting up to wait_ms for the first byte. 0 or -errno. */
static int pump(struct harness *h, int wait_ms)
{
	struct pollfd p = { .fd = h->master, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, wait_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (!p.revents)
		return 0;
	n = read(h->master, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
	if (h->log) {
		fwrite(buf, 1, (size_t)n, h->log);
		fflush(h->log);
	}
	/* Keep the text searchable: a NUL from the command would end it early. */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (h->len + (size_t)n > OUTPUT_MAX)
		return -EFBIG;
	memcpy(h->out + h->len, buf, (size_t)n);
	h->len += (size_t)n;
	h->out[h->len] = '\0';
	return 0;
}

/* Decode the escapes of a send line in place; returns the length. */
static size_t unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\\' || !r[1]) {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'x': {
			char hex[3] = { r[1], r[1] ? r[2] : 0, 0 };

			*w++ = (char)strtol(hex, NULL, 16);
			r += strlen(hex);
			break;
		}
		default:
			*w++ = *r;
			break;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static int act_send(struct harness *h, char *arg)
{
	size_t len = unescape(arg), off = 0;

	while (off < len) {
		ssize_t n = write(h->master, arg + off, len - off);

		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n > 0)
			off += (size_t)n;
		else
			(void)pump(h, 10);
	}
	return 0;
}

static int act_expect(struct harness *h, const char *ere)
{
	long long deadline = now_ms() + h->timeout_ms;
	regex_t re;
	regmatch_t m;
	int r;

	if (regcomp(&re, ere, REG_EXTENDED | REG_NEWLINE) != 0) {
		fprintf(stderr, "pty-harness: bad ERE: %s\n", ere);
		return -EINVAL;
	}
	for (;;) {
		if (regexec(&re, h->out + h->matched, 1, &m, 0) == 0) {
			h->matched += (size_t)m.rm_eo;
			printf("matched: %s\n", ere);
			fflush(stdout);
			r = 0;
			break;
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "pty-harness: timed out waiting for /%s/; unmatched output:\n%s\n",
				ere, h->out + h->matched);
			r = -ETIMEDOUT;
			break;
		}
		r = pump(h, 50);
		if (r < 0)
			break;
	}
	regfree(&re);
	return r;
}

static int act_resize(struct harness *h, const char *arg)
{
	struct winsize ws = {};

	if (sscanf(arg, "%hu %hu", &ws.ws_row, &ws.ws_col) != 2)
		return -EINVAL;
	if (ioctl(h->master, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

static int act_sleep(struct harness *h, const char *arg)
{
	long long deadline = now_ms() + atoi(arg);

	while (now_ms() < deadline)
		(void)pump(h, (int)(deadline - now_ms()));
	return 0;
}

static int act_signal(struct harness *h, const char *arg)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		{ "TERM", SIGTERM }, { "USR1", SIGUSR1 }, { "WINCH", SIGWINCH },
	};
	int sig = atoi(arg);

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(arg, names[i].name) == 0)
			sig = names[i].sig;
	if (sig <= 0 || h->reaped)
		return -EINVAL;
	if (kill(h->child, sig) < 0)
		return -errno;
	return 0;
}

static int act_wait(struct harness *h)
{
	long long deadline = now_ms() + h->timeout_ms;
	int status;

	for (;;) {
		pid_t p = waitpid(h->child, &status, WNOHANG);

		if (p < 0)
			return -errno;
		if (p > 0)
			break;
		if (now_ms() >= deadline) {
			fprintf(stderr, "pty-harness: timed out waiting for the command to end\n");
			return -ETIMEDOUT;
		}
		(void)pump(h, 20);
	}
	h->reaped = true;
	/* What it wrote last is in the terminal still. */
	while (pump(h, 100) == 0 && poll(&(struct pollfd){ .fd = h->master, .events = POLLIN },
					   1, 0) > 0)
		;
	if (WIFEXITED(status))
		printf("status %d\n", WEXITSTATUS(status));
	else
		printf("signal %d\n", WTERMSIG(status));
	fflush(stdout);
	return 0;
}

static int act_modes(struct harness *h)
{
	struct termios now;

	if (tcgetattr(h->slave, &now) < 0)
		return -errno;
	/* The fields stty -g shows: flags and control characters (speeds with c_cflag). */
	printf("modes %s\n",
	       now.c_iflag == h->initial.c_iflag && now.c_oflag == h->initial.c_oflag &&
	       now.c_cflag == h->initial.c_cflag && now.c_lflag == h->initial.c_lflag &&
	       memcmp(now.c_cc, h->initial.c_cc, sizeof(now.c_cc)) == 0 ? "same" : "changed");
	fflush(stdout);
	return 0;
}

static int act_run(struct harness *h, const char *cmd)
{
	pid_t p;
	int status;

	fflush(stdout);
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(p, &status, WNOHANG) == 0)
		(void)pump(h, 20);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static int run_action(struct harness *h, char *line)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (strcmp(line, "send") == 0)
		return act_send(h, arg);
	if (strcmp(line, "expect") == 0)
		return act_expect(h, arg);
	if (strcmp(line, "resize") == 0)
		return act_resize(h, arg);
	if (strcmp(line, "sleep") == 0)
		return act_sleep(h, arg);
	if (strcmp(line, "signal") == 0)
		return act_signal(h, arg);
	if (strcmp(line, "wait") == 0)
		return act_wait(h);
	if (strcmp(line, "modes") == 0)
		return act_modes(h);
	if (strcmp(line, "run") == 0)
		return act_run(h, arg);
	fprintf(stderr, "pty-harness: unknown action '%s'\n", line);
	return -EINVAL;
}

/* In the child: the slave as controlling terminal and stdio, the user's identity, exec. */
static _Noreturn void exec_child(const struct harness *h, const struct passwd *pw, char **argv)
{
	if (setsid() < 0 || ioctl(h->slave, TIOCSCTTY, 0) < 0)
		_exit(126);
	for (int i = 0; i < 3; i++)
		if (dup2(h->slave, i) < 0)
			_exit(126);
	/* The user owns its terminal, as grantpt() would arrange. */
	if (pw && (fchown(h->slave, pw->pw_uid, (gid_t)-1) < 0 ||
		   initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		   setuid(pw->pw_uid) < 0))
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

/* A new pty with the slave open too, at the given size. 0 or -errno. */
static int open_pty(struct harness *h, const struct winsize *ws)
{
	int unlock = 0;

	h->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->master < 0)
		return -errno;
	if (ioctl(h->master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	h->slave = ioctl(h->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->slave < 0)
		return -errno;
	if (ioctl(h->master, TIOCSWINSZ, ws) < 0 || tcgetattr(h->slave, &h->initial) < 0)
		return -errno;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "size", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	struct harness h = { .master = -1, .slave = -1, .timeout_ms = 10000 };
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct passwd *pw = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *script;
	int opt, r = 0;

	while ((opt = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
		switch (opt) {
		case 'u':
			pw = getpwnam(optarg);
			if (!pw) {
				fprintf(stderr, "pty-harness: no user %s\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (sscanf(optarg, "%hux%hu", &ws.ws_row, &ws.ws_col) != 2)
				return 2;
			break;
		case 'l':
			h.log = fopen(optarg, "we");
			break;
		case 't':
			h.timeout_ms = atoi(optarg) * 1000;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0) {
		fprintf(stderr, "usage: pty-harness [--user NAME] [--size RxC] [--log FILE] "
				"[--timeout SEC] SCRIPT -- COMMAND [ARG...]\n");
		return 2;
	}
	script = fopen(argv[optind], "re");
	h.out = malloc(OUTPUT_MAX + 1);
	if (!script || !h.out) {
		perror("pty-harness");
		return 2;
	}
	h.out[0] = '\0';
	r = open_pty(&h, &ws);
	if (r < 0) {
		fprintf(stderr, "pty-harness: cannot open a pty: %s\n", strerror(-r));
		return 2;
	}

	fflush(NULL);
	h.child = fork();
	if (h.child < 0) {
		perror("pty-harness: fork");
		return 2;
	}
	if (h.child == 0)
		exec_child(&h, pw, argv + optind + 2);

	while (r == 0 && getline(&line, &cap, script) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		r = run_action(&h, line);
		if (r < 0)
			fprintf(stderr, "pty-harness: '%s' failed: %s\n", line, strerror(-r));
	}
	fclose(script);
	if (!h.reaped) {
		(void)kill(h.child, SIGKILL);
		(void)waitpid(h.child, NULL, 0);
	}
	if (h.log)
		fclose(h.log);
	free(h.out);
	safe_close(h.master);
	safe_close(h.slave);
	return r < 0 ? 1 : 0;
}
